package test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/bucket"
	"github.com/signet-cdk/signet/constructs/cdn"
	signetkeys "github.com/signet-cdk/signet/constructs/keys"
	"github.com/signet-cdk/signet/constructs/signingkeys"
)

// library is a stack a team builds from the constructs directly, with the CDN
// options the app does not expose as context keys.
var library map[string]any

func synthLibrary() error {
	outdir, err := os.MkdirTemp("", "signet-lib-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(outdir)
	ctx, err := cdkJSONContext()
	if err != nil {
		return err
	}
	ctx["aws:cdk:bundling-stacks"] = []any{}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir), AnalyticsReporting: jsii.Bool(false), Context: &ctx})
	stack := awscdk.NewStack(app, jsii.String("Team"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-north-1")}})
	k := signetkeys.NewKeys(stack, "Keys", nil)
	files := bucket.NewSecureBucket(stack, "Files", &bucket.SecureBucketProps{EncryptionKey: k.DataKey})
	sk := signingkeys.NewSigningKeys(stack, "Signing", &signingkeys.SigningKeysProps{ParameterKey: k.ParameterKey})
	signer := awsiam.NewRole(stack, jsii.String("SignerRole"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
	sk.GrantSign(signer)
	cdn.NewDistribution(stack, "Cdn", &cdn.DistributionProps{
		Bucket:               files.Bucket,
		LogBucket:            files.LogBucket,
		TrustedKeyGroups:     []awscloudfront.IKeyGroup{sk.KeyGroup},
		AllowUploads:         true,
		ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
		OriginCustomHeaders:  map[string]*string{"X-Signet-Origin": jsii.String("files")},
		AdditionalBehaviors: map[string]*cdn.Behavior{
			"public/*": {Public: true, AllowedMethods: awscloudfront.AllowedMethods_ALLOW_GET_HEAD()},
		},
		ErrorResponses:    []*awscloudfront.ErrorResponse{{HttpStatus: jsii.Number(403), ResponseHttpStatus: jsii.Number(404), ResponsePagePath: jsii.String("/errors/404.html")}},
		DefaultRootObject: jsii.String("index.html"),
	})
	return catch(func() { library = toMap(assertions.Template_FromStack(stack, nil)) })
}

func TestLibraryDistributionOptions(t *testing.T) {
	if err := synthLibrary(); err != nil {
		t.Fatal(err)
	}
	_, d := only(t, library, "AWS::CloudFront::Distribution")
	c := dig(d, "Properties", "DistributionConfig")
	origin := dig(c, "Origins", 0)
	if js(dig(origin, "OriginCustomHeaders")) != `[{"HeaderName":"X-Signet-Origin","HeaderValue":"files"}]` {
		t.Errorf("custom headers: %s", js(dig(origin, "OriginCustomHeaders")))
	}
	// eu-north-1 has no Origin Shield; AWS recommends eu-west-2 for it.
	if dig(origin, "OriginShield", "OriginShieldRegion") != "eu-west-2" {
		t.Errorf("origin shield: %s", js(dig(origin, "OriginShield")))
	}
	def := dig(c, "DefaultCacheBehavior")
	if dig(def, "ViewerProtocolPolicy") != "redirect-to-https" || len(dig(def, "AllowedMethods").([]any)) != 7 || dig(def, "TrustedKeyGroups") == nil {
		t.Errorf("default behaviour: %s", js(def))
	}
	pub := dig(c, "CacheBehaviors", 0)
	if dig(pub, "PathPattern") != "public/*" || dig(pub, "TrustedKeyGroups") != nil || js(dig(pub, "AllowedMethods")) != `["GET","HEAD"]` {
		t.Errorf("public behaviour: %s", js(pub))
	}
	if js(dig(c, "CustomErrorResponses")) != `[{"ErrorCode":403,"ResponseCode":404,"ResponsePagePath":"/errors/404.html"}]` || dig(c, "DefaultRootObject") != "index.html" {
		t.Errorf("errors/root: %s %v", js(dig(c, "CustomErrorResponses")), dig(c, "DefaultRootObject"))
	}
	// Uploads through CloudFront widen the actions, never the condition.
	_, arn := distributionArn(t, library)
	wantCond := map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": arn}}
	for id, stmts := range cloudFrontStatements(library) {
		st := stmts[0]
		if !reflect.DeepEqual(st["Condition"], wantCond) {
			t.Errorf("%s condition %s", id, js(st["Condition"]))
		}
		got := strings.Join(actions(st), ",")
		switch {
		case strings.HasPrefix(id, "FilesBucketPolicy"):
			if got != "s3:GetObject,s3:PutObject" {
				t.Errorf("bucket actions %s", got)
			}
		case strings.HasPrefix(id, "KeysDataKey"):
			if got != "kms:Decrypt,kms:Encrypt,kms:GenerateDataKey*" {
				t.Errorf("key actions %s", got)
			}
		}
	}
}

// GrantSign: read the prefix's parameters, decrypt only via SSM and only the private
// keys' parameters; the grant lives in the key policy, not in a kms:* IAM statement.
func TestGrantSignIsScopedToSsmAndTheKeyParameters(t *testing.T) {
	if library == nil {
		if err := synthLibrary(); err != nil {
			t.Fatal(err)
		}
	}
	roleID := ""
	for id := range resources(library, "AWS::IAM::Role") {
		if strings.HasPrefix(id, "SignerRole") {
			roleID = id
		}
	}
	var found bool
	for id, k := range resources(library, "AWS::KMS::Key") {
		if !strings.HasPrefix(id, "KeysParameterKey") {
			continue
		}
		for _, s := range statements(dig(k, "Properties", "KeyPolicy")) {
			if s["Sid"] != "AllowSignerViaSsm1" {
				continue
			}
			found = true
			if !refersTo(dig(s, "Principal", "AWS"), roleID) || js(actions(s)) != `["kms:Decrypt"]` ||
				dig(s, "Condition", "StringEquals", "kms:ViaService") != "ssm.eu-north-1.amazonaws.com" ||
				!strings.Contains(js(dig(s, "Condition", "ArnLike", "kms:EncryptionContext:PARAMETER_ARN")), "/private-keys/*") {
				t.Errorf("signer key statement: %s", js(s))
			}
		}
	}
	if !found {
		t.Fatal("no signer statement in the parameter key policy")
	}
	for _, p := range resources(library, "AWS::IAM::Policy") {
		if !refersTo(dig(p, "Properties", "Roles"), roleID) {
			continue
		}
		for _, s := range statements(dig(p, "Properties", "PolicyDocument")) {
			for _, a := range actions(s) {
				if !strings.HasPrefix(a, "ssm:GetParameter") {
					t.Errorf("signer role may %s", a)
				}
			}
			if !strings.Contains(js(s["Resource"]), ":parameter/signet/") {
				t.Errorf("signer role resources: %s", js(s["Resource"]))
			}
		}
	}
}
