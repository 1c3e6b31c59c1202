package test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/signet-cdk/signet/constructs/signet"
	"github.com/signet-cdk/signet/internal/cfncheck"
	"github.com/signet-cdk/signet/stacks"
)

// teamApp is an app of a team's own, with the cdk-nag packs, synthesized without
// bundling.
func teamApp(t *testing.T) awscdk.App {
	t.Helper()
	outdir := t.TempDir()
	ctx, err := cdkJSONContext()
	if err != nil {
		t.Fatal(err)
	}
	ctx["aws:cdk:bundling-stacks"] = []any{}
	return awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir), AnalyticsReporting: jsii.Bool(false), Context: &ctx})
}

func teamStack(app awscdk.App, id, region string) awscdk.Stack {
	return awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String(region)}})
}

// teamResources are what a team already has: an imported VPC with private (NAT)
// subnets in two AZs, an imported user pool and client, its own KMS key and files bucket, a web
// ACL and a certificate from its us-east-1 account setup.
type teamResources struct {
	props  *signet.SignetProps
	bucket awss3.Bucket
}

const (
	teamWebAcl      = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/team/11111111-2222-3333-4444-555555555555"
	teamCertificate = "arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000"
)

func newTeamResources(stack awscdk.Stack) teamResources {
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("TeamVpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"),
		PrivateSubnetIds:  jsii.Strings("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"),
	})
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("TeamPool"), jsii.String("eu-west-1_AbCdEfGhI"))
	client := awscognito.UserPoolClient_FromUserPoolClientId(stack, jsii.String("TeamClient"), jsii.String("1example23456789"))
	key := awskms.NewKey(stack, jsii.String("TeamKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	logs := awss3.NewBucket(stack, jsii.String("TeamLogs"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(), EnforceSSL: jsii.Bool(true), Versioned: jsii.Bool(true),
		ObjectOwnership: awss3.ObjectOwnership_OBJECT_WRITER,
	})
	files := awss3.NewBucket(stack, jsii.String("TeamFiles"), &awss3.BucketProps{
		BucketName:             jsii.String("team-shared-files-123456789012"),
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          key,
		BucketKeyEnabled:       jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: logs,
	})
	// The team's own buckets answer for themselves; these are its decisions, not
	// Signet's, and a real team would record them the same way.
	for _, b := range []awss3.Bucket{files, logs} {
		cdknag.NagSuppressions_AddResourceSuppressions(b, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("NIST.800.53.R5-S3BucketReplicationEnabled"), Reason: jsii.String("the team's own bucket: replication is the team's decision")},
			{Id: jsii.String("HIPAA.Security-S3BucketReplicationEnabled"), Reason: jsii.String("the team's own bucket: replication is the team's decision")},
			{Id: jsii.String("PCI.DSS.321-S3BucketReplicationEnabled"), Reason: jsii.String("the team's own bucket: replication is the team's decision")},
		}, jsii.Bool(true))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(logs, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("NIST.800.53.R5-S3DefaultEncryptionKMS"), Reason: jsii.String("the team's access-log bucket: S3 log delivery needs SSE-S3")},
		{Id: jsii.String("HIPAA.Security-S3DefaultEncryptionKMS"), Reason: jsii.String("the team's access-log bucket: S3 log delivery needs SSE-S3")},
		{Id: jsii.String("PCI.DSS.321-S3DefaultEncryptionKMS"), Reason: jsii.String("the team's access-log bucket: S3 log delivery needs SSE-S3")},
	}, jsii.Bool(true))
	return teamResources{bucket: files, props: &signet.SignetProps{
		WebAclArn:      jsii.String(teamWebAcl),
		DomainNames:    *jsii.Strings("files.team.example"),
		Certificate:    awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("TeamCert"), jsii.String(teamCertificate)),
		Vpc:            vpc,
		VpcSubnets:     &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		UserPool:       pool,
		UserPoolClient: client,
		Bucket:         files,
		BucketKey:      key,
		LogBucket:      logs,
	}}
}

// synthTeam builds the composite in a team's stack and returns its template.
func synthTeam(t *testing.T, region string, props func(awscdk.Stack) *signet.SignetProps) (map[string]any, awscdk.Stack, *signet.Signet) {
	t.Helper()
	app := teamApp(t)
	stack := teamStack(app, "TeamStack", region)
	var s *signet.Signet
	if err := catch(func() {
		s = signet.NewSignet(stack, "Files", props(stack))
		stacks.ApplyNagPacks(app, false)
		app.Synth(nil)
	}); err != nil {
		t.Fatal(err)
	}
	return toMap(assertions.Template_FromStack(stack, nil)), stack, s
}

// The composite in a team's stack, with defaults (us-east-1, so it makes its own web
// ACL) and with every existing-resource prop, is wired exactly as the app is: the
// exact-ARN origin access on bucket and key, the signing parameters, the signer's
// grants. Both pass the five cdk-nag packs.
func TestCompositeIsWiredLikeTheApp(t *testing.T) {
	app := cfncheck.Read(split.mainJSON)
	if !app.BucketAdmitsDistribution || !app.DataKeyAdmitsDistribution || !app.SignerReadsParameters || !app.ParameterKeyViaSsmOnly ||
		!app.SignerConnectsToDatabase || len(app.WideCloudFrontConditions) != 0 || len(app.Parameters) != 4 {
		t.Fatalf("the app's wiring is not what the composite is compared with: %+v", app)
	}
	defaults, defStack, _ := synthTeam(t, "us-east-1", func(awscdk.Stack) *signet.SignetProps { return nil })
	existing, exStack, _ := synthTeam(t, "eu-west-1", func(stack awscdk.Stack) *signet.SignetProps { return newTeamResources(stack).props })
	for name, tmpl := range map[string]map[string]any{"defaults": defaults, "existing resources": existing} {
		if got := cfncheck.Read(tmpl); !reflect.DeepEqual(got, app) {
			t.Errorf("%s: wiring\n got %+v\nwant %+v", name, got, app)
		}
	}
	for _, st := range []awscdk.Stack{defStack, exStack} {
		check(t, "nag errors in "+*st.StackName(), func() {
			errs := assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(".*")))
			for _, e := range *errs {
				t.Errorf("%s %s: %v", *st.Region(), *e.Id, e.Entry.Data)
			}
		})
	}
}

// With every existing-resource prop the composite creates none of them: no VPC, no
// user pool or client, no files bucket or data key; the database and the Lambdas use
// the given subnets, the distribution the given web ACL and certificate.
func TestCompositeUsesExistingResources(t *testing.T) {
	tmpl, _, s := synthTeam(t, "eu-west-1", func(stack awscdk.Stack) *signet.SignetProps { return newTeamResources(stack).props })
	for typ, want := range map[string]int{
		"AWS::EC2::VPC": 0, "AWS::EC2::VPCEndpoint": 0, "AWS::Cognito::UserPool": 0, "AWS::Cognito::UserPoolClient": 0,
		"AWS::S3::Bucket":                      2, // the team's files and logs buckets only
		"AWS::WAFv2::WebACL":                   1, // the API's regional web ACL; the CloudFront one is the team's
		"AWS::CertificateManager::Certificate": 0,
	} {
		if got := len(resources(tmpl, typ)); got != want {
			t.Errorf("%s: %d, want %d", typ, got, want)
		}
	}
	if s.Files != nil || s.Identity != nil || s.Edge != nil || *s.WebAclArn != teamWebAcl {
		t.Errorf("created what was given: files %v identity %v edge %v", s.Files, s.Identity, s.Edge)
	}
	_, group := only(t, tmpl, "AWS::RDS::DBSubnetGroup")
	if js(dig(group, "Properties", "SubnetIds")) != `["subnet-0aaaaaaaaaaaaaaa1","subnet-0bbbbbbbbbbbbbbb2"]` {
		t.Errorf("database subnets %s", js(dig(group, "Properties", "SubnetIds")))
	}
	for id, fn := range resources(tmpl, "AWS::Lambda::Function") {
		if subnets := dig(fn, "Properties", "VpcConfig", "SubnetIds"); subnets != nil && js(subnets) != `["subnet-0aaaaaaaaaaaaaaa1","subnet-0bbbbbbbbbbbbbbb2"]` {
			t.Errorf("%s runs in %s, not the given subnets", id, js(subnets))
		}
	}
	_, d := only(t, tmpl, "AWS::CloudFront::Distribution")
	c := dig(d, "Properties", "DistributionConfig")
	if dig(c, "WebACLId") != teamWebAcl || dig(c, "ViewerCertificate", "AcmCertificateArn") != teamCertificate || js(dig(c, "Aliases")) != `["files.team.example"]` {
		t.Errorf("distribution: %s %s %s", js(dig(c, "WebACLId")), js(dig(c, "ViewerCertificate")), js(dig(c, "Aliases")))
	}
	// The signer's environment names the team's bucket; its authorizer the team's pool.
	if !strings.Contains(js(tmpl), `"SIGNET_BUCKET":{"Ref":"TeamFiles`) || !strings.Contains(js(tmpl), "eu-west-1_AbCdEfGhI") {
		t.Error("the signer or the authorizer does not use the team's bucket and pool")
	}
	// Lambdas in a team's VPC reach its endpoints or NAT over HTTPS.
	if !strings.Contains(js(resources(tmpl, "AWS::EC2::SecurityGroup")), "HTTPS to AWS APIs (the VPC's endpoints or NAT)") {
		t.Error("no HTTPS egress for the Lambdas in the team's VPC")
	}
}

// Each existing-resource prop is validated; every problem is reported at once, with
// the construct path, the prop and the value.
func TestCompositeRefusesWhatCannotWork(t *testing.T) {
	type setup func(stack awscdk.Stack, p *signet.SignetProps)
	withTeam := func(region string, f setup) func() error {
		return func() error {
			stack := newStack(region)
			p := newTeamResources(stack).props
			f(stack, p)
			return catch(func() { signet.NewSignet(stack, "Files", p) })
		}
	}
	cases := []struct {
		name  string
		run   func() error
		props []string
	}{
		{"imported bucket", withTeam("eu-west-1", func(stack awscdk.Stack, p *signet.SignetProps) {
			p.Bucket = awss3.Bucket_FromBucketName(stack, jsii.String("Imported"), jsii.String("someone-elses-bucket"))
		}), []string{"props.Bucket \"someone-elses-bucket\": is imported"}},
		{"imported key", withTeam("eu-west-1", func(stack awscdk.Stack, p *signet.SignetProps) {
			p.BucketKey = awskms.Key_FromKeyArn(stack, jsii.String("ImportedKey"), jsii.String("arn:aws:kms:eu-west-1:123456789012:key/abcd"))
		}), []string{"props.BucketKey \"arn:aws:kms:eu-west-1:123456789012:key/abcd\": is imported"}},
		{"bucket without key", withTeam("eu-west-1", func(_ awscdk.Stack, p *signet.SignetProps) { p.BucketKey = nil }), []string{"props.BucketKey <nil>: is required with Bucket"}},
		{"key without bucket", withTeam("eu-west-1", func(_ awscdk.Stack, p *signet.SignetProps) { p.Bucket = nil }), []string{"props.Bucket <nil>: is required with BucketKey"}},
		{"bucket without a name", withTeam("eu-west-1", func(stack awscdk.Stack, p *signet.SignetProps) {
			p.Bucket = awss3.NewBucket(stack, jsii.String("Unnamed"), &awss3.BucketProps{EncryptionKey: p.BucketKey})
		}), []string{"props.Bucket \"T/Unnamed\": has no BucketName"}},
		{"lifecycle of a given bucket", withTeam("eu-west-1", func(_ awscdk.Stack, p *signet.SignetProps) {
			p.NoncurrentVersionExpiration = awscdk.Duration_Days(jsii.Number(30))
		}), []string{"props.NoncurrentVersionExpiration \"30 days\""}},
		{"object lock on a given bucket", withTeam("eu-west-1", func(_ awscdk.Stack, p *signet.SignetProps) { p.ObjectLock = true }),
			[]string{"props.ObjectLock true: applies to a bucket Signet creates"}},
		{"subnets without a VPC", withTeam("eu-west-1", func(_ awscdk.Stack, p *signet.SignetProps) { p.Vpc = nil }), []string{"props.VpcSubnets \"set\""}},
		{"subnets that do not exist", withTeam("eu-west-1", func(_ awscdk.Stack, p *signet.SignetProps) {
			p.VpcSubnets = &awsec2.SubnetSelection{SubnetGroupName: jsii.String("nope")}
		}), []string{"props.VpcSubnets \"subnet group nope\": selects no subnets of Vpc"}},
		{"subnets in one AZ", withTeam("eu-west-1", func(stack awscdk.Stack, p *signet.SignetProps) {
			p.Vpc = awsec2.Vpc_FromVpcAttributes(stack, jsii.String("OneAz"), &awsec2.VpcAttributes{VpcId: jsii.String("vpc-1"),
				AvailabilityZones: jsii.Strings("eu-west-1a"), PrivateSubnetIds: jsii.Strings("subnet-1")})
		}), []string{"props.VpcSubnets \"subnet type PRIVATE_WITH_EGRESS\": selects 1 subnet(s) in 1 availability zone(s)"}},
		{"client without a pool", withTeam("eu-west-1", func(_ awscdk.Stack, p *signet.SignetProps) { p.UserPool = nil }), []string{"props.UserPoolClient \"1example23456789\": needs the UserPool"}},
		{"no web ACL outside us-east-1", withTeam("eu-west-1", func(_ awscdk.Stack, p *signet.SignetProps) { p.WebAclArn = nil }), []string{"props.WebAclArn <nil>: is required: the stack is in eu-west-1"}},
		{"no certificate outside us-east-1", withTeam("eu-west-1", func(_ awscdk.Stack, p *signet.SignetProps) { p.Certificate = nil }), []string{"props.Certificate <nil>: is required with DomainNames [\"files.team.example\"]"}},
		{"no zone for a new certificate", withTeam("us-east-1", func(_ awscdk.Stack, p *signet.SignetProps) { p.Certificate = nil }), []string{"props.HostedZone <nil>: is required with DomainNames"}},
		{"certificate without names", withTeam("eu-west-1", func(_ awscdk.Stack, p *signet.SignetProps) { p.DomainNames = nil }), []string{"props.DomainNames []: are required with a Certificate"}},
		{"environment-agnostic stack", func() error {
			return catch(func() {
				signet.NewSignet(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Agnostic"), nil), "Files", nil)
			})
		}, []string{"props.WebAclArn <nil>: is required: the stack's region is not known at synth"}},
		{"every problem at once", withTeam("eu-west-1", func(_ awscdk.Stack, p *signet.SignetProps) {
			p.WebAclArn, p.BucketKey, p.UserPool, p.ActiveSigningKey = nil, nil, nil, "k9"
		}), []string{"props.WebAclArn", "props.BucketKey", "props.UserPoolClient", "props.ActiveSigningKey \"k9\""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range c.props {
				if !strings.Contains(err.Error(), "signet/signet ") || !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
		})
	}
}

// In a us-east-1 stack, DomainNames with an existing hosted zone get a certificate
// DNS-validated there, made by the composite's own edge.
func TestCompositeMakesItsCertificateInAnExistingZone(t *testing.T) {
	tmpl, _, s := synthTeam(t, "us-east-1", func(stack awscdk.Stack) *signet.SignetProps {
		zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String("Z0123456789ABCDEFGHIJ"), ZoneName: jsii.String("team.example")})
		return &signet.SignetProps{DomainNames: *jsii.Strings("files.team.example"), HostedZone: zone}
	})
	_, cert := only(t, tmpl, "AWS::CertificateManager::Certificate")
	if dig(cert, "Properties", "DomainName") != "files.team.example" || js(dig(cert, "Properties", "DomainValidationOptions")) != `[{"DomainName":"files.team.example","HostedZoneId":"Z0123456789ABCDEFGHIJ"}]` {
		t.Errorf("certificate %s", js(cert))
	}
	_, d := only(t, tmpl, "AWS::CloudFront::Distribution")
	if s.Edge == nil || s.Edge.Certificate == nil || !refersTo(dig(d, "Properties", "DistributionConfig", "ViewerCertificate", "AcmCertificateArn"), keys(resources(tmpl, "AWS::CertificateManager::Certificate"))[0]) {
		t.Errorf("distribution certificate %s", js(dig(d, "Properties", "DistributionConfig", "ViewerCertificate")))
	}
}

// ObjectLock turns S3 Object Lock on for the files bucket Signet creates; the app maps
// signet:objectLock onto it.
func TestCompositeObjectLock(t *testing.T) {
	tmpl, _, s := synthTeam(t, "us-east-1", func(awscdk.Stack) *signet.SignetProps { return &signet.SignetProps{ObjectLock: true} })
	locked := 0
	for _, b := range resources(tmpl, "AWS::S3::Bucket") {
		if dig(b, "Properties", "ObjectLockEnabled") == true {
			locked++
		}
	}
	if locked != 1 || s.Files == nil {
		t.Errorf("%d buckets locked, want the files bucket only", locked)
	}
	cfg, err := stacks.ConfigFromContext(func(k string) any {
		return map[string]any{"signet:region": "eu-west-1", "signet:objectLock": true}[k]
	})
	if err != nil || !cfg.ObjectLock {
		t.Errorf("signet:objectLock: %+v %v", cfg.ObjectLock, err)
	}
}
