package test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/bucket"
	"github.com/signet-cdk/signet/constructs/cdn"
	"github.com/signet-cdk/signet/constructs/database"
	"github.com/signet-cdk/signet/constructs/firewall"
	"github.com/signet-cdk/signet/constructs/gofunction"
	"github.com/signet-cdk/signet/constructs/identity"
	signetkeys "github.com/signet-cdk/signet/constructs/keys"
	"github.com/signet-cdk/signet/constructs/signerapi"
	"github.com/signet-cdk/signet/constructs/signingkeys"
)

// Validation reports every problem at once, one per line, none lost to the first.
func TestValidatePropsReportsEveryProblem(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		props []string
	}{
		{"cdn", cdn.ValidateDistributionProps(&cdn.DistributionProps{
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_ALLOW_ALL,
			DomainNames:          *jsii.Strings("bad..name"),
		}), []string{"Bucket", "ViewerProtocolPolicy", "DomainNames", "Certificate", "TrustedKeyGroups", "LogBucket"}},
		{"bucket", bucket.ValidateSecureBucketProps(&bucket.SecureBucketProps{
			NamePrefix:         jsii.String("Bad_Prefix"),
			CorsAllowedOrigins: *jsii.Strings("*"),
			CorsMaxAge:         awscdk.Duration_Days(jsii.Number(2)),
		}), []string{"NamePrefix", "CorsAllowedOrigins", "CorsMaxAge"}},
		{"database", database.ValidateMetadataDatabaseProps(&database.MetadataDatabaseProps{
			MinCapacity:     jsii.Number(300),
			AutoPause:       awscdk.Duration_Seconds(jsii.Number(300.5)), // fractional: no jsii throw
			BackupRetention: awscdk.Duration_Hours(jsii.Number(36)),
			DatabaseName:    jsii.String("Bad-Name"),
		}), []string{"MinCapacity", "AutoPause", "BackupRetention", "DatabaseName"}},
		{"signingkeys", signingkeys.ValidateSigningKeysProps(&signingkeys.SigningKeysProps{
			Keys:      []signingkeys.KeySpec{{Name: "bad name"}, {Name: "k1", Algorithm: "RSA_1024"}},
			ActiveKey: "k9",
		}), []string{"Keys", `"bad name"`, `"RSA_1024"`, "ActiveKey"}},
		{"gofunction", gofunction.ValidateGoFunctionProps(&gofunction.GoFunctionProps{
			MemorySize: jsii.Number(64),
			Timeout:    awscdk.Duration_Minutes(jsii.Number(20)),
		}), []string{"ImportPath", "MemorySize", "Timeout"}},
		{"signerapi", signerapi.ValidateSignerApiProps(&signerapi.SignerApiProps{
			ThrottleRate:       jsii.Number(0),
			CorsAllowedOrigins: *jsii.Strings("http://app.example.com"),
		}), []string{"ThrottleRate", "CorsAllowedOrigins", "UserPool", "SigningKeys", "Bucket", "Database"}},
		{"keys", signetkeys.ValidateKeysProps(&signetkeys.KeysProps{
			PendingWindow: awscdk.Duration_Hours(jsii.Number(36)),
			AliasPrefix:   jsii.String("alias/aws/signet"),
		}), []string{"PendingWindow", "AliasPrefix"}},
		{"identity", identity.ValidateIdentityProps(&identity.IdentityProps{
			CallbackUrls: *jsii.Strings("http://app.example.com/cb"),
			LogoutUrls:   *jsii.Strings("https://app.example.com/#out"),
			DomainPrefix: jsii.String("aws-login"),
		}), []string{"CallbackUrls", "LogoutUrls", "DomainPrefix"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.err == nil {
				t.Fatal("accepted")
			}
			assertEveryProblem(t, c.err, "signet/"+c.name+": props.", c.props)
		})
	}
}

// A constructor fails synth with every problem, each line naming the construct's path.
func TestConstructorPanicNamesPathAndEveryProp(t *testing.T) {
	cases := []struct {
		name   string
		region string
		build  func(scope constructs.Construct)
		prefix string
		props  []string
	}{
		{"bucket", "eu-west-1", func(s constructs.Construct) {
			bucket.NewSecureBucket(s, "Files", &bucket.SecureBucketProps{NamePrefix: jsii.String("Bad_Prefix"), CorsAllowedOrigins: *jsii.Strings("*")})
		}, "signet/bucket Signet/Files: props.", []string{"NamePrefix", "CorsAllowedOrigins"}},
		{"cdn", "eu-west-1", func(s constructs.Construct) {
			p := validCdn(awscdk.Stack_Of(s))
			p.DomainNames = *jsii.Strings("bad..name")
			p.ViewerProtocolPolicy = awscloudfront.ViewerProtocolPolicy_ALLOW_ALL
			p.TrustedKeyGroups = nil
			cdn.NewDistribution(s, "Cdn", p)
		}, "signet/cdn Signet/Cdn: props.", []string{`DomainNames "bad..name"`, "ViewerProtocolPolicy", "TrustedKeyGroups", "Certificate"}},
		{"firewall", "eu-west-1", func(s constructs.Construct) {
			firewall.NewWebAcl(s, "Fw", &firewall.WebAclProps{RateLimit: jsii.Number(50)})
		}, "signet/firewall Signet/Fw: props.", []string{"RateLimit", "scope"}},
		{"gofunction", "eu-west-1", func(s constructs.Construct) {
			gofunction.NewGoFunction(s, "Fn", &gofunction.GoFunctionProps{ImportPath: "github.com/signet-cdk/signet/keypair", MemorySize: jsii.Number(64)})
		}, "signet/gofunction Signet/Fn: props.", []string{"ImportPath", "not a main package", "MemorySize"}},
		{"signingkeys", "eu-west-1", func(s constructs.Construct) {
			signingkeys.NewSigningKeys(s, "Sk", &signingkeys.SigningKeysProps{Keys: []signingkeys.KeySpec{{Name: "k1", Algorithm: "RSA_1024"}}, ActiveKey: "k9"})
		}, "signet/signingkeys Signet/Sk: props.", []string{"Keys", "ActiveKey"}},
		{"keys nested", "eu-west-1", func(s constructs.Construct) {
			inner := constructs.NewConstruct(s, jsii.String("Inner"))
			signetkeys.NewKeys(inner, "Keys", &signetkeys.KeysProps{PendingWindow: awscdk.Duration_Days(jsii.Number(3)), AliasPrefix: jsii.String("signet")})
		}, "signet/keys Signet/Inner/Keys: props.", []string{"PendingWindow", "AliasPrefix"}},
		{"signerapi", "eu-west-1", func(s constructs.Construct) {
			signerapi.NewSignerApi(s, "Api", &signerapi.SignerApiProps{ThrottleBurst: jsii.Number(0)})
		}, "signet/signerapi Signet/Api: props.", []string{"ThrottleBurst", "UserPool", "SigningKeys", "Bucket", "Database"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app := awscdk.NewApp(nil)
			stack := awscdk.NewStack(app, jsii.String("Signet"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(c.region)}})
			err := panicOf(func() { c.build(stack) })
			if err == nil {
				t.Fatal("accepted")
			}
			assertEveryProblem(t, err, c.prefix, c.props)
		})
	}
}

// assertEveryProblem checks that err is a join of problems, every line starts with
// prefix, and each of want appears in some line.
func assertEveryProblem(t *testing.T, err error, prefix string, want []string) {
	t.Helper()
	t.Logf("\n%s", err)
	if _, ok := err.(interface{ Unwrap() []error }); !ok {
		t.Errorf("%T is not an errors.Join", err)
	}
	lines := strings.Split(err.Error(), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, prefix) {
			t.Errorf("line %q does not start with %q", l, prefix)
		}
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message lacks %q:\n%s", w, err)
		}
	}
	if len(lines) < 2 {
		t.Errorf("one problem reported, want several:\n%s", err)
	}
}

// panicOf runs f and returns what it panicked with, keeping an error as it is.
func panicOf(f func()) (err error) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case error:
			err = r
		default:
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}
