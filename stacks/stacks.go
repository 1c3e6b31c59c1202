// Package stacks composes Signet's constructs into the deployable app: an edge stack in
// us-east-1 (CloudFront's web ACL and certificate must live there) and the main stack
// in the configured region, joined by CDK cross-region references. When the main
// region is us-east-1 there is one stack. The stacks are thin: every resource comes
// from a package under constructs/.
package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/bucket"
	"github.com/signet-cdk/signet/constructs/cdn"
	"github.com/signet-cdk/signet/constructs/database"
	"github.com/signet-cdk/signet/constructs/firewall"
	"github.com/signet-cdk/signet/constructs/identity"
	"github.com/signet-cdk/signet/constructs/keys"
	"github.com/signet-cdk/signet/constructs/signerapi"
	"github.com/signet-cdk/signet/constructs/signingkeys"
)

// EdgeRegion is where CloudFront's web ACL and certificate must be.
const EdgeRegion = "us-east-1"

// Edge holds what must be in us-east-1.
type Edge struct {
	constructs.Construct
	// Firewall is nil when an existing web ACL is configured.
	Firewall *firewall.WebAcl
	// WebAclArn is the created or configured web ACL.
	WebAclArn *string
	// Certificate is nil without a custom domain.
	Certificate awscertificatemanager.ICertificate
}

// NewEdge creates the web ACL and certificate in scope, whose stack must be in
// us-east-1.
func NewEdge(scope constructs.Construct, id string, cfg Config) *Edge {
	c := constructs.NewConstruct(scope, jsii.String(id))
	e := &Edge{Construct: c}
	removal := removalPolicy(cfg)
	if cfg.WebAclArn != "" {
		e.WebAclArn = jsii.String(cfg.WebAclArn)
	} else {
		e.Firewall = firewall.NewWebAcl(c, "Firewall", &firewall.WebAclProps{
			RateLimit:         jsii.Number(cfg.WafRateLimit),
			BlockAnonymousIps: cfg.BlockAnonymousIps,
			RemovalPolicy:     removal,
		})
		e.WebAclArn = e.Firewall.Arn
	}
	switch {
	case cfg.CertificateArn != "":
		e.Certificate = awscertificatemanager.Certificate_FromCertificateArn(c, jsii.String("Certificate"), jsii.String(cfg.CertificateArn))
	case cfg.HostedZoneId != "":
		zone := awsroute53.HostedZone_FromHostedZoneAttributes(c, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
			HostedZoneId: jsii.String(cfg.HostedZoneId), ZoneName: jsii.String(cfg.HostedZoneName),
		})
		e.Certificate = awscertificatemanager.NewCertificate(c, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
			DomainName:              jsii.String(cfg.DomainNames[0]),
			SubjectAlternativeNames: jsii.Strings(cfg.DomainNames[1:]...),
			Validation:              awscertificatemanager.CertificateValidation_FromDns(zone),
		})
	}
	return e
}

// EdgeStack is the us-east-1 stack.
type EdgeStack struct {
	awscdk.Stack
	Edge *Edge
}

// MainStack holds the file store and its distribution.
type MainStack struct {
	awscdk.Stack
	Keys        *keys.Keys
	SigningKeys *signingkeys.SigningKeys
	Files       *bucket.SecureBucket
	Database    *database.MetadataDatabase
	Identity    *identity.Identity
	Api         *signerapi.SignerApi
	Cdn         *cdn.Distribution
	// Edge is set when this stack also holds the edge resources (region us-east-1).
	Edge *Edge
}

// Deployment is everything NewSignet put in the app.
type Deployment struct {
	Config Config
	// EdgeStack is nil when the main region is us-east-1.
	EdgeStack *EdgeStack
	Main      *MainStack
}

// Stacks lists the deployment's stacks, edge first.
func (d *Deployment) Stacks() []awscdk.Stack {
	if d.EdgeStack == nil {
		return []awscdk.Stack{d.Main.Stack}
	}
	return []awscdk.Stack{d.EdgeStack.Stack, d.Main.Stack}
}

// NewSignet adds Signet's stacks to app.
func NewSignet(app constructs.Construct, cfg Config) *Deployment {
	d := &Deployment{Config: cfg}
	env := func(region string) *awscdk.Environment {
		e := &awscdk.Environment{Region: jsii.String(region)}
		if cfg.Account != "" {
			e.Account = jsii.String(cfg.Account)
		}
		return e
	}
	split := cfg.Region != EdgeRegion
	var edge *Edge
	if split {
		es := awscdk.NewStack(app, jsii.String(cfg.StackName+"-Edge"), &awscdk.StackProps{
			Env:                   env(EdgeRegion),
			CrossRegionReferences: jsii.Bool(true),
			Description:           jsii.String("Signet edge: CloudFront web ACL and certificate (us-east-1)"),
		})
		edge = NewEdge(es, "Edge", cfg)
		d.EdgeStack = &EdgeStack{Stack: es, Edge: edge}
	}
	ms := awscdk.NewStack(app, jsii.String(cfg.StackName), &awscdk.StackProps{
		Env:                   env(cfg.Region),
		CrossRegionReferences: jsii.Bool(split),
		Description:           jsii.String("Signet: secure file sharing (files bucket, keys, CloudFront)"),
	})
	m := &MainStack{Stack: ms}
	if !split {
		edge = NewEdge(ms, "Edge", cfg)
		m.Edge = edge
	}
	removal := removalPolicy(cfg)
	m.Keys = keys.NewKeys(ms, "Keys", &keys.KeysProps{RemovalPolicy: removal})
	var cors []*string
	for _, o := range cfg.CorsAllowedOrigins {
		cors = append(cors, jsii.String(o))
	}
	m.Files = bucket.NewSecureBucket(ms, "Files", &bucket.SecureBucketProps{
		EncryptionKey:               m.Keys.DataKey,
		CorsAllowedOrigins:          cors,
		NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(cfg.NoncurrentVersionDays)),
		RemovalPolicy:               removal,
	})
	m.SigningKeys = signingkeys.NewSigningKeys(ms, "SigningKeys", &signingkeys.SigningKeysProps{
		ParameterKey:  m.Keys.ParameterKey,
		Keys:          cfg.signingKeys(),
		ActiveKey:     cfg.ActiveSigningKey,
		RemovalPolicy: removal,
		LogKey:        m.Keys.LogsKey,
	})
	viewer := awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY
	if cfg.RedirectHttp {
		viewer = awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS
	}
	cdnProps := &cdn.DistributionProps{
		Bucket:               m.Files.Bucket,
		ViewerProtocolPolicy: viewer,
		LogBucket:            m.Files.LogBucket,
		EnableIpv6:           cfg.EnableIpv6,
		WebAclArn:            edge.WebAclArn,
		TrustedKeyGroups:     []awscloudfront.IKeyGroup{m.SigningKeys.KeyGroup},
	}
	if cfg.OriginShieldRegion != "" {
		cdnProps.OriginShieldRegion = jsii.String(cfg.OriginShieldRegion)
	}
	if len(cfg.DomainNames) > 0 {
		cdnProps.DomainNames = *jsii.Strings(cfg.DomainNames...)
		cdnProps.Certificate = edge.Certificate
		cdnProps.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol(cfg.tlsPolicy())
	}
	m.Cdn = cdn.NewDistribution(ms, "Cdn", cdnProps)
	m.Database = database.NewMetadataDatabase(ms, "Metadata", &database.MetadataDatabaseProps{
		LogKey:                    m.Keys.LogsKey,
		RemovalPolicy:             databaseRemoval(cfg),
		DisableDeletionProtection: cfg.Destroy,
	})
	m.Identity = identity.NewIdentity(ms, "Identity", &identity.IdentityProps{
		RemovalPolicy:             removal,
		DisableDeletionProtection: cfg.Destroy,
	})
	m.Api = signerapi.NewSignerApi(ms, "Api", &signerapi.SignerApiProps{
		UserPool:      m.Identity.UserPool,
		SigningKeys:   m.SigningKeys,
		Bucket:        m.Files.Bucket,
		BucketKey:     m.Keys.DataKey,
		Database:      m.Database,
		LogKey:        m.Keys.LogsKey,
		RemovalPolicy: removal,
		// The same web apps that upload from the browser call the API.
		CorsAllowedOrigins: cors,
	})
	awscdk.NewCfnOutput(ms, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: m.Api.Url, Description: jsii.String("Signet API base URL")})
	awscdk.NewCfnOutput(ms, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: m.Identity.UserPool.UserPoolId()})
	awscdk.NewCfnOutput(ms, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{Value: m.Identity.Client.UserPoolClientId()})
	awscdk.NewCfnOutput(ms, jsii.String("DistributionDomain"), &awscdk.CfnOutputProps{Value: m.Cdn.DomainName})
	// Signed URLs point at the first custom domain when there is one: a URL signed for
	// the *.cloudfront.net name would not match a request to the custom domain.
	signedDomain := m.Cdn.DomainName
	if len(cfg.DomainNames) > 0 {
		signedDomain = jsii.String(cfg.DomainNames[0])
	}
	m.SigningKeys.AddDistributionDomain(signedDomain)
	d.Main = m
	return d
}

func databaseRemoval(cfg Config) awscdk.RemovalPolicy {
	if cfg.Destroy {
		return awscdk.RemovalPolicy_DESTROY
	}
	return awscdk.RemovalPolicy_SNAPSHOT
}

func removalPolicy(cfg Config) awscdk.RemovalPolicy {
	if cfg.Destroy {
		return awscdk.RemovalPolicy_DESTROY
	}
	return awscdk.RemovalPolicy_RETAIN
}
