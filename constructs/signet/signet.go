// Package signet is the whole Signet system as one construct, the way the AWS
// Solutions Constructs patterns are: drop NewSignet into a stack and it builds the
// keys, the files bucket, the CloudFront signing keys, the distribution with exact
// origin access, the metadata database, sign-in and the signer API, wired together
// (exact-ARN bucket and key policies, the signer's grants, the SSM parameters, the
// database role). It reads no CDK context: every choice is a typed prop with a secure
// default.
//
// CloudFront's web ACL and certificate must live in us-east-1. In a us-east-1 stack
// the composite creates them itself (an edge.Edge named "Edge") unless WebAclArn and
// Certificate are given; in any other region pass them in from a us-east-1 stack
// (edge.NewEdge there, and CDK cross-region references), or name an existing web ACL.
//
// Sign-in works out of the box: Signet's user pool gets a Cognito domain with managed
// login (AuthUrl), the pre-token-generation trigger that puts the customer and the
// roles into every token, and the platform-admins and customer-admins groups;
// IdentityProviders add OIDC and SAML federation, each provider bound to one customer,
// and AdminEmail the first platform administrator.
//
// Bring your own: an existing VPC (and the subnets to use), user pool (and app
// client), files bucket with its KMS key, web ACL, certificate or hosted zone. Each is
// validated; where CloudFormation could not give Signet what it needs from one (an
// imported bucket's or key's policy cannot be changed), synth fails with the reason
// rather than deploying half a system.
package signet

import (
	"cmp"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/bucket"
	"github.com/signet-cdk/signet/constructs/cdn"
	"github.com/signet-cdk/signet/constructs/database"
	"github.com/signet-cdk/signet/constructs/edge"
	"github.com/signet-cdk/signet/constructs/firewall"
	"github.com/signet-cdk/signet/constructs/firewallmanager"
	"github.com/signet-cdk/signet/constructs/identity"
	"github.com/signet-cdk/signet/constructs/internal/nag"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
	"github.com/signet-cdk/signet/constructs/keys"
	"github.com/signet-cdk/signet/constructs/malwarescan"
	"github.com/signet-cdk/signet/constructs/monitoring"
	"github.com/signet-cdk/signet/constructs/originverify"
	"github.com/signet-cdk/signet/constructs/signerapi"
	"github.com/signet-cdk/signet/constructs/signingkeys"
)

// SignetProps configures the system. The zero value is the secure default in a
// us-east-1 stack; elsewhere WebAclArn is required.
type SignetProps struct {
	// WebAclArn of a CLOUDFRONT-scope web ACL (from edge.NewEdge in a us-east-1 stack,
	// or an existing one, for example managed by Firewall Manager). Default: in a
	// us-east-1 stack, a new firewall.WebAcl; required in any other region.
	WebAclArn *string
	// Firewall configures the web ACL the composite creates in a us-east-1 stack.
	// Default: the firewall package's defaults.
	Firewall *firewall.WebAclProps
	// DomainNames are the distribution's alternate domain names; signed URLs point at
	// the first. Default: none (the *.cloudfront.net name).
	DomainNames []*string
	// Certificate for DomainNames, in us-east-1. Default: in a us-east-1 stack, a new
	// certificate DNS-validated in HostedZone; required with DomainNames elsewhere.
	Certificate awscertificatemanager.ICertificate
	// HostedZone, an existing Route 53 zone for DomainNames: alias A records (and AAAA
	// with EnableIpv6) for each name point at the distribution, and in a us-east-1
	// stack a new certificate is DNS-validated there. Every name must be in the zone.
	// Default: none (point the names at DomainName yourself).
	HostedZone awsroute53.IHostedZone
	// WebAclManagedByFirewallManager leaves the distribution's web ACL to AWS Firewall
	// Manager (package firewallmanager, deployed in the organisation's Firewall Manager
	// administrator account): no web ACL is created or set, and the distribution
	// carries the tag the Firewall Manager policy selects. Default: false.
	WebAclManagedByFirewallManager bool

	// OriginVerifyGeneration of the secret header CloudFront sends to the API (package
	// originverify); raise it by one to rotate the value. Default: 1.
	OriginVerifyGeneration *float64
	// AdditionalBehaviors are extra path patterns on the files bucket (private unless
	// a behaviour is Public: a public one must not cover customers/ or /api/*).
	// Default: none.
	AdditionalBehaviors map[string]*cdn.Behavior
	// ErrorPages shows a friendly page (ErrorPageHtml, served by the API at
	// signerapi.LinkErrorPagePath, no signature needed, no file exposed) for every 403:
	// an expired, tampered or unsigned link. CloudFront applies custom error responses
	// to every behaviour, so the API's own 403 answers become that page too (status
	// kept; Signet's client reports them by status). Default: false (CloudFront's XML
	// error).
	ErrorPages bool
	// ErrorPageHtml is the page ErrorPages shows. Default: DefaultErrorPageHtml.
	ErrorPageHtml *string
	// DefaultRootObject is served for "/" (signed like every file). Default: none.
	DefaultRootObject *string
	// PriceClass of the distribution. Default: PRICE_CLASS_ALL.
	PriceClass awscloudfront.PriceClass
	// LogFilePrefix of CloudFront's standard logs in LogBucket. Default: "cloudfront/".
	LogFilePrefix *string
	// AlarmEmail subscribes an address to the alarm topic (Cognito-style
	// confirmation mail from SNS). Default: none.
	AlarmEmail *string
	// DisableMonitoring leaves out the alarm topic, the alarms and the dashboard.
	// Default: false (package monitoring with its documented thresholds).
	DisableMonitoring bool
	// SigningKeyMaxAge before the stale-key alarm fires. Default: 90 days.
	SigningKeyMaxAge awscdk.Duration
	// MalwareScanning turns on GuardDuty Malware Protection for S3 on the files bucket
	// (package malwarescan): a completed upload is downloadable only once its scan
	// tag says clean. Only with Signet's own bucket or one defined in your app.
	// Default: false.
	MalwareScanning bool
	// DatabaseMinCapacity in ACUs, 0 (auto-pause; the first request after a pause
	// waits for the resume, about 15 s) to 256. Default: 0 (0.5 with DatabaseProxy).
	DatabaseMinCapacity *float64
	// SignerProvisionedConcurrency keeps this many signer instances initialised on a
	// "live" alias that the API invokes. Default: none (on demand).
	SignerProvisionedConcurrency *float64
	// MaxUploadBytes caps one file. Default: signerapi.DefaultMaxUploadBytes (5 TiB).
	MaxUploadBytes *float64
	// AllowS3Downloads lets callers ask for S3 presigned GET URLs instead of CloudFront
	// ones. Default: false.
	AllowS3Downloads bool

	// Vpc, an existing VPC for the database and the Lambdas. Signet adds no endpoints
	// or routes to a VPC it did not create: the subnets must reach SSM, Secrets
	// Manager, X-Ray and S3 (interface and gateway endpoints, or NAT). Default: a new
	// VPC with isolated subnets, flow logs and exactly those endpoints.
	Vpc awsec2.IVpc
	// VpcSubnets of Vpc for the database and the Lambdas, in at least two availability
	// zones. Default: the isolated subnets.
	VpcSubnets *awsec2.SubnetSelection
	// UserPool, an existing Cognito user pool. It must have the custom attribute
	// custom:customer_id, mutable, readable and not writable by app clients (Signet
	// cannot inspect an existing pool's schema). Signet adds no trigger, groups or
	// identity providers to it, so its tokens must carry custom:customer_id (and the
	// roles as cognito:groups) themselves; IdentityProviders and AdminEmail fail synth
	// with it. Default: a new pool with Signet's secure defaults (package identity).
	UserPool awscognito.IUserPool
	// UserPoolClient, an existing app client of UserPool (authorization code with
	// PKCE, no secret). With UserPool and UserPoolClient both given Signet creates no
	// sign-in resources at all. Default: a new client on the pool.
	UserPoolClient awscognito.IUserPoolClient

	// AuthDomainPrefix of the Cognito domain serving the managed login pages,
	// https://<prefix>.auth.<region>.amazoncognito.com (AuthUrl). Default: with
	// Signet's own pool, identity.DefaultDomainPrefix ("signet-<8 hex of the
	// construct's address>-<account id>"); with an existing UserPool, none.
	AuthDomainPrefix *string
	// AuthDomainName, a domain of your own for sign-in (e.g. "auth.example.com"),
	// with AuthCertificate; AuthUrl is then https://<AuthDomainName>. Point a CNAME or
	// alias record at Identity.CustomDomain.CloudFrontEndpoint(). Default: none.
	AuthDomainName *string
	// AuthCertificate, an ACM certificate in us-east-1 for AuthDomainName.
	AuthCertificate awscertificatemanager.ICertificate
	// IdentityProviders, OIDC and SAML providers, each bound to the one customer its
	// users belong to and mapping its groups to Signet roles (identity.IdentityProvider;
	// the client secret of an OIDC provider is a Secrets Manager reference). Only with
	// Signet's own pool. Default: none.
	IdentityProviders []identity.IdentityProvider
	// AdminEmail creates the first platform administrator in Signet's pool (Cognito
	// emails a temporary password). Default: none.
	AdminEmail *string
	// Bucket, an existing files bucket defined in your app (awss3.NewBucket with an
	// explicit BucketName and SSE-KMS with BucketKey): Signet adds the statements that
	// admit only this distribution to its policy and to BucketKey's. An imported bucket
	// (awss3.Bucket_FromBucketName...) or key cannot be changed by CloudFormation and
	// fails synth. Default: a new bucket (package bucket).
	Bucket awss3.IBucket
	// BucketKey, the KMS key Bucket is encrypted with. Required with Bucket.
	BucketKey awskms.IKey
	// LogBucket receives CloudFront's standard logs (it must accept ACL-based log
	// delivery, SSE-S3). Default: the new bucket's log bucket, or with Bucket a new
	// hardened log bucket (bucket.NewLogBucket).
	LogBucket awss3.IBucket

	// CorsAllowedOrigins: https origins of web apps that upload from the browser and
	// call the API. Default: none.
	CorsAllowedOrigins []*string
	// ViewerProtocolPolicy: HTTPS_ONLY or REDIRECT_TO_HTTPS. Default: HTTPS_ONLY.
	ViewerProtocolPolicy awscloudfront.ViewerProtocolPolicy
	// MinimumProtocolVersion with DomainNames. Default: TLSv1.2_2021.
	MinimumProtocolVersion awscloudfront.SecurityPolicyProtocol
	// EnableIpv6 for viewers. Default: false.
	EnableIpv6 bool
	// OriginShieldRegion. Default: the Origin Shield region nearest the bucket.
	OriginShieldRegion *string
	// NoncurrentVersionExpiration of the new bucket. Default: 90 days.
	NoncurrentVersionExpiration awscdk.Duration
	// ObjectLock turns on S3 Object Lock for the new files bucket (only possible at
	// creation; retention rules are then the deployer's, per object or by default).
	// Default: false.
	ObjectLock bool
	// SigningKeys are the CloudFront key pairs. Default: one RSA-2048 key "k1".
	SigningKeys []signingkeys.KeySpec
	// ActiveSigningKey names the key the signer uses. Default: the last one.
	ActiveSigningKey string
	// RemovalPolicy of stateful resources (bucket, keys, user pool, logs; the database
	// takes SNAPSHOT unless this is DESTROY). Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// DisableDeletionProtection of the database and the user pool, for throwaway
	// environments. Default: false.
	DisableDeletionProtection bool

	// SignerReservedConcurrency caps the signer and so its database connections; the
	// database's connection budget must hold it (synth fails with the numbers when it
	// does not). Default: signerapi.DefaultReservedConcurrency (20).
	SignerReservedConcurrency *float64
	// DatabaseMaxCapacity in ACUs, 1 to 256; it sets max_connections and so the
	// connection budget. Default: 4.
	DatabaseMaxCapacity *float64
	// DatabaseProxy puts RDS Proxy (IAM authentication end to end, TLS required)
	// between the signer and the database, for concurrency beyond the connection
	// budget: the signer connects to the proxy, and the database's minimum capacity
	// becomes 0.5 ACU (RDS Proxy does not support auto-pause). Default: false.
	DatabaseProxy bool
}

// Signet is the system; every part it created or was given is a field.
type Signet struct {
	constructs.Construct
	// Edge is set when the composite created the web ACL or certificate itself.
	Edge      *edge.Edge
	WebAclArn *string
	Keys      *keys.Keys
	// Files is nil when Bucket was given.
	Files     *bucket.SecureBucket
	Bucket    awss3.IBucket
	BucketKey awskms.IKey
	// LogBucket holds CloudFront's logs: given, the new bucket's, or created.
	LogBucket   awss3.IBucket
	SigningKeys *signingkeys.SigningKeys
	Cdn         *cdn.Distribution
	Database    *database.MetadataDatabase
	// Identity is nil when UserPool and UserPoolClient were both given.
	Identity       *identity.Identity
	UserPool       awscognito.IUserPool
	UserPoolClient awscognito.IUserPoolClient
	Api            *signerapi.SignerApi
	// SignedDomain is the domain signed URLs point at: the first of DomainNames, or
	// the distribution's.
	SignedDomain *string
	// ApiUrl is the API's base URL on the distribution: https://<SignedDomain>/api/.
	ApiUrl *string
	// OriginVerify is the secret header CloudFront sends to the API.
	OriginVerify *originverify.OriginVerify
	// Records are the alias records for DomainNames in HostedZone (A, and AAAA with
	// IPv6); nil without HostedZone.
	Records []awsroute53.RecordSet
	// Monitoring is the alarm topic, the alarms and the dashboard; nil with
	// DisableMonitoring.
	Monitoring *monitoring.Monitoring
	// MalwareScan is GuardDuty's scan of the bucket; nil unless MalwareScanning.
	MalwareScan *malwarescan.MalwareScan
	// AuthUrl is the sign-in base URL (Identity.AuthUrl): the custom auth domain's,
	// else the Cognito domain's; nil when Signet made no domain.
	AuthUrl *string
}

// DefaultErrorPageHtml is the page ErrorPages shows: no script, no resource, nothing
// about the request (the link is not echoed).
const DefaultErrorPageHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>This link does not open a file</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#222}</style>
</head><body>
<h1>This link does not open a file</h1>
<p>The link has expired, was changed, or was not made for you. Links to shared files work for a limited time only.</p>
<p>Ask the person who shared the file for a new link, or sign in and download it again.</p>
</body></html>
`

// NewSignet builds the system in scope.
func NewSignet(scope constructs.Construct, id string, props *SignetProps) *Signet {
	if props == nil {
		props = &SignetProps{}
	}
	propcheck.MustAt(scope, id, validate(scope, props))
	c := constructs.NewConstruct(scope, jsii.String(id))
	s := &Signet{Construct: c}
	removal := propcheck.RemovalOrRetain(props.RemovalPolicy)
	s.buildEdge(props, removal)
	s.buildStorage(props, removal)
	s.buildDatabase(props, removal)
	s.buildIdentity(props, removal)
	s.buildApi(props, removal)
	s.buildDistribution(props)
	s.buildRecords(props)
	s.buildMonitoring(props, removal)
	s.SignedDomain = s.Cdn.DomainName
	if len(props.DomainNames) > 0 {
		s.SignedDomain = props.DomainNames[0]
	}
	s.ApiUrl = awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), s.SignedDomain, jsii.String("/api/")})
	s.SigningKeys.AddDistributionDomain(s.SignedDomain)
	return s
}

// buildEdge creates the web ACL and certificate when they are not given (us-east-1
// stacks only; validate refused the rest).
func (s *Signet) buildEdge(props *SignetProps, removal awscdk.RemovalPolicy) {
	s.WebAclArn = props.WebAclArn
	needCert := len(props.DomainNames) > 0 && props.Certificate == nil
	needAcl := s.WebAclArn == nil && !props.WebAclManagedByFirewallManager
	if !needAcl && !needCert {
		return
	}
	s.Edge = edge.NewEdge(s.Construct, "Edge", &edge.EdgeProps{WebAclArn: props.WebAclArn, Firewall: props.Firewall,
		WebAclManagedByFirewallManager: props.WebAclManagedByFirewallManager,
		DomainNames:                    props.DomainNames, Certificate: props.Certificate, HostedZone: props.HostedZone, RemovalPolicy: removal})
	s.WebAclArn = s.Edge.WebAclArn
}

func (s *Signet) certificate(props *SignetProps) awscertificatemanager.ICertificate {
	if props.Certificate != nil || s.Edge == nil {
		return props.Certificate
	}
	return s.Edge.Certificate
}

// buildStorage creates the keys, the files bucket (unless given) and the signing keys.
func (s *Signet) buildStorage(props *SignetProps, removal awscdk.RemovalPolicy) {
	s.Keys = keys.NewKeys(s.Construct, "Keys", &keys.KeysProps{RemovalPolicy: removal, DataKey: props.BucketKey})
	s.Bucket, s.BucketKey = props.Bucket, props.BucketKey
	if s.Bucket == nil {
		noncurrent := props.NoncurrentVersionExpiration
		if noncurrent == nil {
			noncurrent = awscdk.Duration_Days(jsii.Number(90))
		}
		s.Files = bucket.NewSecureBucket(s.Construct, "Files", &bucket.SecureBucketProps{
			EncryptionKey:               s.Keys.DataKey,
			CorsAllowedOrigins:          props.CorsAllowedOrigins,
			NoncurrentVersionExpiration: noncurrent,
			ObjectLock:                  props.ObjectLock,
			RemovalPolicy:               removal,
		})
		s.Bucket, s.BucketKey = s.Files.Bucket, s.Keys.DataKey
	}
	s.LogBucket = props.LogBucket
	switch {
	case s.LogBucket == nil && s.Files != nil:
		s.LogBucket = s.Files.LogBucket
	case s.LogBucket == nil:
		s.LogBucket = bucket.NewLogBucket(s.Construct, "Logs", nil, removal)
	}
	s.SigningKeys = signingkeys.NewSigningKeys(s.Construct, "SigningKeys", &signingkeys.SigningKeysProps{
		ParameterKey:  s.Keys.ParameterKey,
		Keys:          props.SigningKeys,
		ActiveKey:     props.ActiveSigningKey,
		RemovalPolicy: removal,
		LogKey:        s.Keys.LogsKey,
	})
}

// buildDistribution creates CloudFront in front of the bucket, trusting the signing
// keys' key group, with the exact-ARN origin access statements, and the API under
// /api/* with the secret origin header.
func (s *Signet) buildDistribution(props *SignetProps) {
	viewer := cmp.Or(props.ViewerProtocolPolicy, awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY)
	dp := &cdn.DistributionProps{
		Bucket:               s.Bucket,
		BucketKey:            s.BucketKey,
		LogBucket:            s.LogBucket,
		LogFilePrefix:        props.LogFilePrefix,
		ViewerProtocolPolicy: viewer,
		EnableIpv6:           props.EnableIpv6,
		WebAclArn:            s.WebAclArn,
		TrustedKeyGroups:     []awscloudfront.IKeyGroup{s.SigningKeys.KeyGroup},
		OriginShieldRegion:   props.OriginShieldRegion,
		AdditionalBehaviors:  props.AdditionalBehaviors,
		DefaultRootObject:    props.DefaultRootObject,
		PriceClass:           props.PriceClass,
		Api:                  &cdn.ApiBehavior{Origin: s.apiOrigin()},
	}
	if props.ErrorPages {
		dp.ErrorResponses = []*awscloudfront.ErrorResponse{{
			HttpStatus: jsii.Number(403), ResponseHttpStatus: jsii.Number(403),
			ResponsePagePath: jsii.String(signerapi.LinkErrorPagePath), Ttl: awscdk.Duration_Seconds(jsii.Number(60)),
		}}
	}
	if len(props.DomainNames) > 0 {
		dp.DomainNames = props.DomainNames
		dp.Certificate = s.certificate(props)
		dp.MinimumProtocolVersion = cmp.Or(props.MinimumProtocolVersion, awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021)
	}
	s.Cdn = cdn.NewDistribution(s.Construct, "Cdn", dp)
	// The web ACL accepts a new origin header value before any edge sends it.
	if s.Api.Firewall != nil {
		s.Cdn.Distribution.Node().AddDependency(s.Api.Firewall.WebAcl)
	}
	if props.WebAclManagedByFirewallManager {
		awscdk.Tags_Of(s.Cdn.Distribution).Add(jsii.String(firewallmanager.DefaultTagKey), jsii.String(firewallmanager.DefaultTagValue), nil)
		const fms = "AWS Firewall Manager associates the web ACL with this distribution (WebAclManagedByFirewallManager; package firewallmanager selects it by its tag)"
		nag.Suppress(s.Cdn.Distribution, false, nag.Rule{ID: "AwsSolutions-CFR2", Reason: fms})
		nag.SuppressGuard(s.Cdn.Distribution, "cloudfront_associated_with_waf_check", fms)
	}
}

// apiOrigin is the API's execute-api name with the stage as origin path and the
// secret header. It is built from the REST API's id alone, not through
// NewRestApiOrigin, which references the stage: the stage depends on the signer, whose
// policy names the bucket and its key, whose policy names this distribution, and the
// template would have a cycle.
func (s *Signet) apiOrigin() awscloudfront.IOrigin {
	stack := awscdk.Stack_Of(s.Construct)
	domain := awscdk.Fn_Join(jsii.String(""), &[]*string{s.Api.Api.RestApiId(), jsii.String(".execute-api."), stack.Region(), jsii.String("."), stack.UrlSuffix()})
	return awscloudfrontorigins.NewHttpOrigin(domain, &awscloudfrontorigins.HttpOriginProps{
		OriginPath:         jsii.String("/" + signerapi.StageName),
		ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
		OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
		CustomHeaders:      &map[string]*string{s.OriginVerify.HeaderName: s.OriginVerify.HeaderValue},
		ReadTimeout:        awscdk.Duration_Seconds(jsii.Number(30)),
	})
}

// buildMonitoring adds the alarm topic, the alarms and the dashboard over the parts
// built (the CloudFront and edge-WAF alarms only in a us-east-1 stack: their metrics
// exist only there; package monitoring), and GuardDuty's scan when asked.
func (s *Signet) buildMonitoring(props *SignetProps, removal awscdk.RemovalPolicy) {
	if props.MalwareScanning {
		s.MalwareScan = malwarescan.NewMalwareScan(s.Construct, "MalwareScan", &malwarescan.MalwareScanProps{Bucket: s.Bucket, BucketKey: s.BucketKey})
	}
	if props.DisableMonitoring {
		return
	}
	mp := &monitoring.MonitoringProps{
		SignerFunction:      s.Api.Signer.Function,
		KeygenFunction:      s.SigningKeys.Keygen.Function,
		Api:                 s.Api.Api,
		DatabaseCluster:     s.Database.Cluster,
		DatabaseMaxCapacity: props.DatabaseMaxCapacity,
		RegionalWebAclArn:   s.Api.RegionalWebAclArn,
		DistributionId:      s.Cdn.Distribution.DistributionId(),
		EdgeWebAclArn:       s.WebAclArn,
		SigningKeyMaxAge:    props.SigningKeyMaxAge,
		AlarmEmail:          props.AlarmEmail,
		RemovalPolicy:       removal,
	}
	if s.Api.Admin != nil {
		mp.AdminFunction = s.Api.Admin.Function
	}
	s.Monitoring = monitoring.NewMonitoring(s.Construct, "Monitoring", mp)
}

// buildRecords points each of DomainNames at the distribution in HostedZone: an alias
// A record, and AAAA when the distribution answers over IPv6.
func (s *Signet) buildRecords(props *SignetProps) {
	if props.HostedZone == nil {
		return
	}
	target := awsroute53.RecordTarget_FromAlias(awsroute53targets.NewCloudFrontTarget(s.Cdn.Distribution))
	for i, name := range props.DomainNames {
		s.Records = append(s.Records, awsroute53.NewARecord(s.Construct, jsii.String(fmt.Sprintf("AliasA%d", i)), &awsroute53.ARecordProps{
			Zone: props.HostedZone, RecordName: name, Target: target,
		}))
		if props.EnableIpv6 {
			s.Records = append(s.Records, awsroute53.NewAaaaRecord(s.Construct, jsii.String(fmt.Sprintf("AliasAaaa%d", i)), &awsroute53.AaaaRecordProps{
				Zone: props.HostedZone, RecordName: name, Target: target,
			}))
		}
	}
}

func (s *Signet) buildDatabase(props *SignetProps, removal awscdk.RemovalPolicy) {
	dbRemoval := awscdk.RemovalPolicy_SNAPSHOT
	if removal == awscdk.RemovalPolicy_DESTROY {
		dbRemoval = removal
	}
	s.Database = database.NewMetadataDatabase(s.Construct, "Metadata", &database.MetadataDatabaseProps{
		Vpc:                       props.Vpc,
		VpcSubnets:                props.VpcSubnets,
		LogKey:                    s.Keys.LogsKey,
		RemovalPolicy:             dbRemoval,
		DisableDeletionProtection: props.DisableDeletionProtection,
		MaxCapacity:               props.DatabaseMaxCapacity,
		MinCapacity:               props.DatabaseMinCapacity,
		Proxy:                     props.DatabaseProxy,
	})
}

func (s *Signet) buildIdentity(props *SignetProps, removal awscdk.RemovalPolicy) {
	s.UserPool, s.UserPoolClient = props.UserPool, props.UserPoolClient
	if s.UserPool != nil && s.UserPoolClient != nil {
		return
	}
	ip := identityProps(props)
	ip.RemovalPolicy = removal
	ip.LogKey = s.Keys.LogsKey
	s.Identity = identity.NewIdentity(s.Construct, "Identity", ip)
	s.UserPool, s.UserPoolClient, s.AuthUrl = s.Identity.UserPool, s.Identity.Client, s.Identity.AuthUrl
}

// identityProps are the sign-in props of props, as package identity names them
// (identityPropNames maps them back for error messages).
func identityProps(props *SignetProps) *identity.IdentityProps {
	return &identity.IdentityProps{
		UserPool:                  props.UserPool,
		DomainPrefix:              props.AuthDomainPrefix,
		CustomDomainName:          props.AuthDomainName,
		CustomDomainCertificate:   props.AuthCertificate,
		IdentityProviders:         props.IdentityProviders,
		AdminEmail:                props.AdminEmail,
		DisableDeletionProtection: props.DisableDeletionProtection,
	}
}

func (s *Signet) buildApi(props *SignetProps, removal awscdk.RemovalPolicy) {
	s.OriginVerify = originverify.NewOriginVerify(s.Construct, "OriginVerify", &originverify.OriginVerifyProps{
		Generation: props.OriginVerifyGeneration, EncryptionKey: s.Keys.ParameterKey,
	})
	var page *string
	if props.ErrorPages {
		page = cmp.Or(props.ErrorPageHtml, jsii.String(DefaultErrorPageHtml))
	}
	s.Api = signerapi.NewSignerApi(s.Construct, "Api", &signerapi.SignerApiProps{
		OriginVerify:           s.OriginVerify,
		LinkErrorPage:          page,
		MaxUploadBytes:         props.MaxUploadBytes,
		AllowS3Downloads:       props.AllowS3Downloads,
		MalwareScanning:        props.MalwareScanning,
		ProvisionedConcurrency: props.SignerProvisionedConcurrency,
		UserPool:               s.UserPool,
		SigningKeys:            s.SigningKeys,
		Bucket:                 s.Bucket,
		BucketKey:              s.BucketKey,
		Database:               s.Database,
		LogKey:                 s.Keys.LogsKey,
		RemovalPolicy:          removal,
		// The same web apps that upload from the browser call the API.
		CorsAllowedOrigins:  props.CorsAllowedOrigins,
		ReservedConcurrency: props.SignerReservedConcurrency,
	})
}

// GrantSign lets grantee sign CloudFront URLs and cookies with Signet's keys: read
// the signing parameters (with decryption) and decrypt the private keys, only via
// SSM and only for these parameters.
func (s *Signet) GrantSign(grantee awsiam.IGrantable) awsiam.Grant {
	return s.SigningKeys.GrantSign(grantee)
}

// GrantConnect lets grantee connect to the metadata database as the application role
// with an IAM token (grantee must also run in the database's VPC with
// Database.LambdaSecurityGroup, connect to Database.ClientEndpoint(), and its function
// be registered in the connection budget with Database.RegisterFunction).
func (s *Signet) GrantConnect(grantee awsiam.IGrantable) awsiam.Grant {
	return s.Database.GrantConnect(grantee)
}
