// Package stacks is the deployable app: it maps the CDK context (Config) to props and
// instantiates an edge stack in us-east-1 (CloudFront's web ACL and certificate must
// live there, package edge) and the main stack in the configured region holding the
// whole system (package signet), joined by CDK cross-region references. When the main
// region is us-east-1 there is one stack. Every resource comes from a package under
// constructs/; nothing here wires resources.
package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/edge"
	"github.com/signet-cdk/signet/constructs/firewall"
	"github.com/signet-cdk/signet/constructs/monitoring"
	"github.com/signet-cdk/signet/constructs/signet"
)

// EdgeRegion is where CloudFront's web ACL and certificate must be.
const EdgeRegion = edge.Region

// EdgeStack is the us-east-1 stack.
type EdgeStack struct {
	awscdk.Stack
	Edge *edge.Edge
}

// MainStack holds the system.
type MainStack struct {
	awscdk.Stack
	Signet *signet.Signet
	// Edge is set when this stack also holds the edge (region us-east-1).
	Edge *edge.Edge
}

// Deployment is everything NewSignet put in the app.
type Deployment struct {
	Config Config
	// EdgeStack is nil when the main region is us-east-1, and when Firewall Manager
	// manages the web ACL and there is no custom domain (nothing is left for it).
	EdgeStack *EdgeStack
	Main      *MainStack
	// FirewallManager is set with signet:firewallManager.
	FirewallManager *FirewallManagerStack
	// EdgeMonitoring holds the CloudFront and edge-WAF alarms (their metrics exist only
	// in us-east-1) when the main stack is elsewhere; nil otherwise.
	EdgeMonitoring *EdgeMonitoringStack
}

// EdgeMonitoringStack is the us-east-1 stack of the CloudFront and edge-WAF alarms.
type EdgeMonitoringStack struct {
	awscdk.Stack
	Monitoring *monitoring.EdgeMonitoring
}

// Stacks lists the deployment's stacks, edge first.
func (d *Deployment) Stacks() []awscdk.Stack {
	var out []awscdk.Stack
	if d.EdgeStack != nil {
		out = append(out, d.EdgeStack.Stack)
	}
	out = append(out, d.Main.Stack)
	if d.FirewallManager != nil {
		out = append(out, d.FirewallManager.Stack)
	}
	if d.EdgeMonitoring != nil {
		out = append(out, d.EdgeMonitoring.Stack)
	}
	return out
}

// NewSignet adds Signet's stacks to app.
func NewSignet(app constructs.Construct, cfg Config) *Deployment {
	d := &Deployment{Config: cfg}
	split := cfg.Region != EdgeRegion
	edgeNeeded := !cfg.FirewallManager || len(cfg.DomainNames) > 0
	var e *edge.Edge
	if split && edgeNeeded {
		es := awscdk.NewStack(app, jsii.String(cfg.StackName+"-Edge"), &awscdk.StackProps{
			Env: cfg.env(EdgeRegion), CrossRegionReferences: jsii.Bool(true),
			Description: jsii.String("Signet edge: CloudFront web ACL and certificate (us-east-1)"),
		})
		e = edge.NewEdge(es, "Edge", cfg.edgeProps(es, cfg.hostedZone(es)))
		d.EdgeStack = &EdgeStack{Stack: es, Edge: e}
	}
	ms := awscdk.NewStack(app, jsii.String(cfg.StackName), &awscdk.StackProps{
		Env: cfg.env(cfg.Region), CrossRegionReferences: jsii.Bool(split),
		Description: jsii.String("Signet: secure file sharing (files bucket, keys, CloudFront)"),
	})
	d.Main = &MainStack{Stack: ms}
	zone := cfg.hostedZone(ms)
	if !split && edgeNeeded {
		e = edge.NewEdge(ms, "Edge", cfg.edgeProps(ms, zone))
		d.Main.Edge = e
	}
	// "Default" keeps the composite out of the logical ids: resources keep the ids
	// they had when the stack built them itself, so an upgrade replaces nothing.
	d.Main.Signet = signet.NewSignet(ms, "Default", cfg.signetProps(ms, e, zone))
	outputs(ms, d.Main.Signet)
	if cfg.FirewallManager {
		d.FirewallManager = newFirewallManagerStack(app, cfg)
	}
	if split && cfg.Monitoring {
		d.EdgeMonitoring = newEdgeMonitoringStack(app, cfg, d.Main.Signet, e)
	}
	return d
}

// newEdgeMonitoringStack adds "<StackName>-EdgeMonitoring" in us-east-1: the
// distribution's 5xx-rate alarm and the edge web ACL's blocked-request alarm, on a
// topic of its own. It reads the distribution id from the main stack by a CDK
// cross-region reference, so it deploys after the main stack.
func newEdgeMonitoringStack(app constructs.Construct, cfg Config, s *signet.Signet, e *edge.Edge) *EdgeMonitoringStack {
	st := awscdk.NewStack(app, jsii.String(cfg.StackName+"-EdgeMonitoring"), &awscdk.StackProps{
		Env: cfg.env(EdgeRegion), CrossRegionReferences: jsii.Bool(true),
		Description: jsii.String("Signet edge monitoring: CloudFront and edge WAF alarms (us-east-1, where their metrics are)"),
	})
	p := &monitoring.EdgeMonitoringProps{DistributionId: s.Cdn.Distribution.DistributionId(), RemovalPolicy: cfg.removal()}
	if e != nil {
		p.WebAclArn = e.WebAclArn
	}
	if cfg.AlarmEmail != "" {
		p.AlarmEmail = jsii.String(cfg.AlarmEmail)
	}
	return &EdgeMonitoringStack{Stack: st, Monitoring: monitoring.NewEdgeMonitoring(st, "EdgeMonitoring", p)}
}

// outputs are what a client needs from the stack (`signet configure` reads them from
// `cdk deploy --outputs-file`).
func outputs(stack awscdk.Stack, s *signet.Signet) {
	out := func(id string, value *string, description string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	out("ApiUrl", s.ApiUrl, "Signet API base URL, on the files' domain (the distribution serves the API under /api/)")
	out("Region", stack.Region(), "Region of the user pool and the API")
	out("UserPoolId", s.UserPool.UserPoolId(), "Cognito user pool id")
	out("UserPoolClientId", s.UserPoolClient.UserPoolClientId(), "Cognito app client id (public client, PKCE)")
	if s.AuthUrl != nil {
		out("AuthDomain", s.AuthUrl, "Sign-in base URL (managed login and OAuth endpoints)")
	}
	if s.Identity != nil && s.Identity.CustomDomain != nil {
		out("AuthDomainAliasTarget", s.Identity.CustomDomain.CloudFrontEndpoint(), "Point a CNAME or alias record for the custom sign-in domain at this CloudFront name")
	}
	out("DistributionDomain", s.SignedDomain, "Domain of the files (signed URLs and cookies point here)")
}

func (c Config) env(region string) *awscdk.Environment {
	e := &awscdk.Environment{Region: jsii.String(region)}
	if c.Account != "" {
		e.Account = jsii.String(c.Account)
	}
	return e
}

func (c Config) edgeProps(scope constructs.Construct, zone awsroute53.IHostedZone) *edge.EdgeProps {
	p := &edge.EdgeProps{RemovalPolicy: c.removal(), WebAclManagedByFirewallManager: c.FirewallManager}
	switch {
	case c.FirewallManager:
	case c.WebAclArn != "":
		p.WebAclArn = jsii.String(c.WebAclArn)
	default:
		p.Firewall = &firewall.WebAclProps{RateLimit: jsii.Number(c.WafRateLimit), BlockAnonymousIps: c.BlockAnonymousIps, RemovalPolicy: c.removal()}
	}
	switch {
	case c.CertificateArn != "":
		p.DomainNames = *jsii.Strings(c.DomainNames...)
		p.Certificate = awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String("Certificate"), jsii.String(c.CertificateArn))
	case c.HostedZoneId != "":
		p.DomainNames = *jsii.Strings(c.DomainNames...)
		p.HostedZone = zone
	}
	return p
}

// hostedZone imports signet:hostedZoneId into scope's stack, or is nil without it.
func (c Config) hostedZone(scope constructs.Construct) awsroute53.IHostedZone {
	if c.HostedZoneId == "" {
		return nil
	}
	return awsroute53.HostedZone_FromHostedZoneAttributes(scope, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(c.HostedZoneId), ZoneName: jsii.String(c.HostedZoneName),
	})
}

func (c Config) signetProps(scope constructs.Construct, e *edge.Edge, zone awsroute53.IHostedZone) *signet.SignetProps {
	p := &signet.SignetProps{
		CorsAllowedOrigins:          *jsii.Strings(c.CorsAllowedOrigins...),
		EnableIpv6:                  c.EnableIpv6,
		ObjectLock:                  c.ObjectLock,
		NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(c.NoncurrentVersionDays)),
		SigningKeys:                 c.signingKeys(),
		ActiveSigningKey:            c.ActiveSigningKey,
		RemovalPolicy:               c.removal(),
		DisableDeletionProtection:   c.Destroy,
	}
	c.applyScale(p)
	c.applySignIn(scope, p)
	c.applyEdge(p)
	if e != nil {
		p.WebAclArn = e.WebAclArn
	}
	p.HostedZone = zone
	if c.RedirectHttp {
		p.ViewerProtocolPolicy = awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS
	}
	if c.OriginShieldRegion != "" {
		p.OriginShieldRegion = jsii.String(c.OriginShieldRegion)
	}
	if len(c.DomainNames) > 0 {
		p.DomainNames = *jsii.Strings(c.DomainNames...)
		p.Certificate = e.Certificate // e is set: a custom domain always needs the edge
		p.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol(c.tlsPolicy())
	}
	return p
}

func (c Config) removal() awscdk.RemovalPolicy {
	if c.Destroy {
		return awscdk.RemovalPolicy_DESTROY
	}
	return awscdk.RemovalPolicy_RETAIN
}

// applySignIn sets the sign-in props: the domain, the identity providers and the
// first administrator.
func (c Config) applySignIn(scope constructs.Construct, p *signet.SignetProps) {
	p.IdentityProviders = c.IdentityProviders
	if c.AuthDomainPrefix != "" {
		p.AuthDomainPrefix = jsii.String(c.AuthDomainPrefix)
	}
	if c.AuthDomainName != "" {
		p.AuthDomainName = jsii.String(c.AuthDomainName)
		p.AuthCertificate = awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String("AuthCertificate"), jsii.String(c.AuthCertificateArn))
	}
	if c.AdminEmail != "" {
		p.AdminEmail = jsii.String(c.AdminEmail)
	}
}
