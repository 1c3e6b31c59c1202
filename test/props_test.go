package test

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/bucket"
	"github.com/signet-cdk/signet/constructs/cdn"
	"github.com/signet-cdk/signet/constructs/firewall"
	"github.com/signet-cdk/signet/constructs/gofunction"
	signetkeys "github.com/signet-cdk/signet/constructs/keys"
	"github.com/signet-cdk/signet/constructs/signerapi"
	"github.com/signet-cdk/signet/constructs/signingkeys"
	"github.com/signet-cdk/signet/stacks"
)

// newStack is a fresh stack in its own app, for constructor tests that never synth.
func newStack(region string) awscdk.Stack {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	return awscdk.NewStack(app, jsii.String("T"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(region)}})
}

// validCdn returns props that pass, with the bucket and a key group in stack.
func validCdn(stack awscdk.Stack) *cdn.DistributionProps {
	files := bucket.NewSecureBucket(stack, "Files", nil)
	kg := awscloudfront.KeyGroup_FromKeyGroupId(stack, jsii.String("Kg"), jsii.String("kg-1"))
	return &cdn.DistributionProps{Bucket: files.Bucket, LogBucket: files.LogBucket, TrustedKeyGroups: []awscloudfront.IKeyGroup{kg}}
}

func TestBadPropsFailWithPropAndValue(t *testing.T) {
	cases := []struct {
		name  string
		build func()
		want  []string // substrings of the message: prop, value, reason
	}{
		{"certificate outside us-east-1", func() {
			s := newStack("eu-west-1")
			p := validCdn(s)
			p.DomainNames = []*string{jsii.String("files.example.com")}
			p.Certificate = awscertificatemanager.Certificate_FromCertificateArn(s, jsii.String("C"), jsii.String("arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"))
			cdn.NewDistribution(s, "Cdn", p)
		}, []string{"props.Certificate", `"eu-west-1"`, "us-east-1"}},
		{"domain without certificate", func() {
			s := newStack("eu-west-1")
			p := validCdn(s)
			p.DomainNames = []*string{jsii.String("files.example.com")}
			cdn.NewDistribution(s, "Cdn", p)
		}, []string{"props.Certificate", "files.example.com", "is required"}},
		{"weaker TLS policy", func() {
			s := newStack("us-east-1")
			p := validCdn(s)
			p.DomainNames = []*string{jsii.String("files.example.com")}
			p.Certificate = awscertificatemanager.Certificate_FromCertificateArn(s, jsii.String("C"), jsii.String("arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"))
			p.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2019
			cdn.NewDistribution(s, "Cdn", p)
		}, []string{"props.MinimumProtocolVersion", `"TLS_V1_2_2019"`, "weaker"}},
		{"empty CORS origin", func() {
			bucket.NewSecureBucket(newStack("eu-west-1"), "Files", &bucket.SecureBucketProps{CorsAllowedOrigins: []*string{jsii.String("")}})
		}, []string{"props.CorsAllowedOrigins", `""`, "empty"}},
		{"wildcard CORS origin", func() {
			bucket.NewSecureBucket(newStack("eu-west-1"), "Files", &bucket.SecureBucketProps{CorsAllowedOrigins: []*string{jsii.String("*")}})
		}, []string{"props.CorsAllowedOrigins", `"*"`, "wildcards"}},
		{"http CORS origin", func() {
			bucket.NewSecureBucket(newStack("eu-west-1"), "Files", &bucket.SecureBucketProps{CorsAllowedOrigins: []*string{jsii.String("http://app.example.com")}})
		}, []string{"props.CorsAllowedOrigins", `"http://app.example.com"`, "https origin"}},
		{"bad bucket name prefix", func() {
			bucket.NewSecureBucket(newStack("eu-west-1"), "Files", &bucket.SecureBucketProps{NamePrefix: jsii.String("Signet_Files")})
		}, []string{"props.NamePrefix", `"Signet_Files"`}},
		{"plain HTTP viewers", func() {
			s := newStack("eu-west-1")
			p := validCdn(s)
			p.ViewerProtocolPolicy = awscloudfront.ViewerProtocolPolicy_ALLOW_ALL
			cdn.NewDistribution(s, "Cdn", p)
		}, []string{"props.ViewerProtocolPolicy", `"ALLOW_ALL"`}},
		{"private without key group", func() {
			s := newStack("eu-west-1")
			p := validCdn(s)
			p.TrustedKeyGroups = nil
			cdn.NewDistribution(s, "Cdn", p)
		}, []string{"props.TrustedKeyGroups", "key group", "Public"}},
		{"private path pattern without key group", func() {
			s := newStack("eu-west-1")
			p := validCdn(s)
			p.TrustedKeyGroups = nil
			p.Public = true
			p.AdditionalBehaviors = map[string]*cdn.Behavior{"private/*": {}}
			cdn.NewDistribution(s, "Cdn", p)
		}, []string{"props.AdditionalBehaviors", `"private/*"`}},
		{"origin shield region without shield", func() {
			s := newStack("eu-west-1")
			p := validCdn(s)
			p.OriginShieldRegion = jsii.String("eu-north-1")
			cdn.NewDistribution(s, "Cdn", p)
		}, []string{"props.OriginShieldRegion", `"eu-north-1"`}},
		{"writes without AllowUploads", func() {
			s := newStack("eu-west-1")
			p := validCdn(s)
			p.AllowedMethods = awscloudfront.AllowedMethods_ALLOW_ALL()
			cdn.NewDistribution(s, "Cdn", p)
		}, []string{"props.AllowedMethods", "AllowUploads"}},
		{"forbidden origin header", func() {
			s := newStack("eu-west-1")
			p := validCdn(s)
			p.OriginCustomHeaders = map[string]*string{"Host": jsii.String("x")}
			cdn.NewDistribution(s, "Cdn", p)
		}, []string{"props.OriginCustomHeaders", `"Host"`}},
		{"regional web ACL", func() {
			s := newStack("eu-west-1")
			p := validCdn(s)
			p.WebAclArn = jsii.String("arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/11111111-2222-3333-4444-555555555555")
			cdn.NewDistribution(s, "Cdn", p)
		}, []string{"props.WebAclArn", "regional/webacl", "CLOUDFRONT"}},
		{"bucket without physical name", func() {
			s := newStack("eu-west-1")
			p := validCdn(s)
			p.Bucket = awss3.NewBucket(s, jsii.String("Plain"), nil)
			cdn.NewDistribution(s, "Cdn", p)
		}, []string{"props.Bucket", `"T/Plain"`, "physical name"}},
		{"firewall outside us-east-1", func() {
			firewall.NewWebAcl(newStack("eu-west-1"), "Fw", nil)
		}, []string{"props.scope", `"eu-west-1"`, "us-east-1"}},
		{"rate limit too low", func() {
			firewall.NewWebAcl(newStack("us-east-1"), "Fw", &firewall.WebAclProps{RateLimit: jsii.Number(50)})
		}, []string{"props.RateLimit", "50"}},
		{"key pending window", func() {
			signetkeys.NewKeys(newStack("eu-west-1"), "Keys", &signetkeys.KeysProps{PendingWindow: awscdk.Duration_Days(jsii.Number(3))})
		}, []string{"props.PendingWindow", "3 days"}},
		{"six signing keys", func() {
			var ks []signingkeys.KeySpec
			for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
				ks = append(ks, signingkeys.KeySpec{Name: n})
			}
			signingkeys.NewSigningKeys(newStack("eu-west-1"), "Sk", &signingkeys.SigningKeysProps{Keys: ks})
		}, []string{"props.Keys", "6", "at most 5"}},
		{"active key not listed", func() {
			signingkeys.NewSigningKeys(newStack("eu-west-1"), "Sk", &signingkeys.SigningKeysProps{Keys: []signingkeys.KeySpec{{Name: "k1"}}, ActiveKey: "k9"})
		}, []string{"props.ActiveKey", `"k9"`}},
		{"unknown key algorithm", func() {
			signingkeys.NewSigningKeys(newStack("eu-west-1"), "Sk", &signingkeys.SigningKeysProps{Keys: []signingkeys.KeySpec{{Name: "k1", Algorithm: "RSA_1024"}}})
		}, []string{"props.Keys", `"RSA_1024"`}},
		{"function by file path", func() {
			gofunction.NewGoFunction(newStack("eu-west-1"), "Fn", &gofunction.GoFunctionProps{ImportPath: "./lambda/keygen"})
		}, []string{"props.ImportPath", `"./lambda/keygen"`, "import path"}},
		{"function from a library package", func() {
			gofunction.NewGoFunction(newStack("eu-west-1"), "Fn", &gofunction.GoFunctionProps{ImportPath: "github.com/signet-cdk/signet/keypair"})
		}, []string{"props.ImportPath", `"github.com/signet-cdk/signet/keypair"`, "not a main package"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := catch(c.build)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestBadContextFailsWithKeyAndValue(t *testing.T) {
	cases := []struct {
		name string
		ctx  map[string]any
		want []string
	}{
		{"no region", map[string]any{}, []string{"signet:region", "required"}},
		{"bad region", map[string]any{"signet:region": "Europe"}, []string{"signet:region", `"Europe"`}},
		{"certificate outside us-east-1", map[string]any{"signet:region": "eu-west-1", "signet:domainNames": "files.example.com",
			"signet:certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"}, []string{"signet:certificateArn", "eu-west-1", "us-east-1"}},
		{"domain without certificate", map[string]any{"signet:region": "eu-west-1", "signet:domainNames": []any{"files.example.com"}}, []string{"signet:domainNames", "files.example.com", "certificate"}},
		{"weaker TLS", map[string]any{"signet:region": "eu-west-1", "signet:minimumTlsPolicy": "TLSv1.2_2019"}, []string{"signet:minimumTlsPolicy", `"TLSv1.2_2019"`, "weaker"}},
		{"not a bool", map[string]any{"signet:region": "eu-west-1", "signet:enableIpv6": "maybe"}, []string{"signet:enableIpv6", `"maybe"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := stacks.ConfigFromContext(func(k string) any { return c.ctx[k] })
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestSignerApiRefusesBadOrigins(t *testing.T) {
	for _, o := range []string{"*", "http://app.example.com", "https://app.example.com/path", ""} {
		err := signerapi.ValidateSignerApiProps(&signerapi.SignerApiProps{CorsAllowedOrigins: []*string{jsii.String(o)}})
		if err == nil || !strings.Contains(err.Error(), "props.CorsAllowedOrigins") {
			t.Errorf("%q: %v", o, err)
		}
	}
}

// A misspelt key is reported instead of silently ignored; every documented key is known.
func TestUnknownContextKeys(t *testing.T) {
	got := stacks.UnknownContextKeys(map[string]any{"signet:region": "eu-west-1", "signet:regoin": "x", "signet:nag": true, "@aws-cdk/core:x": true})
	if strings.Join(got, ",") != "signet:regoin" {
		t.Fatalf("%v", got)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range stacks.KnownContextKeys() {
		if !strings.Contains(string(readme), "`"+k+"`") {
			t.Errorf("%s is not documented in README", k)
		}
	}
}
