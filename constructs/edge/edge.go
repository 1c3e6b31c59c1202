// Package edge is what CloudFront needs from us-east-1: the CLOUDFRONT-scope WAF web
// ACL (package firewall) and the ACM certificate for custom domain names. Put it in a
// us-east-1 stack and pass WebAclArn and Certificate to the signet composite in any
// region (CDK cross-region references carry them), or let the composite create it
// when its own stack is in us-east-1.
//
// Defaults: a new firewall.WebAcl (its secure defaults), unless WebAclArn names an
// existing one (for example one Firewall Manager manages); no certificate without
// DomainNames; with DomainNames, the given Certificate, or a new one DNS-validated in
// HostedZone.
package edge

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/firewall"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// Region is where CloudFront's web ACL and certificate must be.
const Region = "us-east-1"

// EdgeProps configures the edge. The zero value is a new web ACL and no certificate.
type EdgeProps struct {
	// WebAclArn of an existing CLOUDFRONT-scope web ACL. Default: a new firewall.WebAcl.
	WebAclArn *string
	// WebAclManagedByFirewallManager creates no web ACL: AWS Firewall Manager
	// associates one with the distribution (package firewallmanager). Default: false.
	WebAclManagedByFirewallManager bool
	// Firewall configures the new web ACL (ignored with WebAclArn). Default: the
	// firewall package's defaults.
	Firewall *firewall.WebAclProps
	// DomainNames the certificate must cover (the first is its subject). Default: none.
	DomainNames []*string
	// Certificate, an existing ACM certificate in us-east-1 for DomainNames. Default:
	// a new certificate, DNS-validated in HostedZone.
	Certificate awscertificatemanager.ICertificate
	// HostedZone in which a new certificate is DNS-validated. Required with
	// DomainNames when Certificate is not given.
	HostedZone awsroute53.IHostedZone
	// RemovalPolicy of the web ACL's logs and key. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Edge holds the web ACL and the certificate.
type Edge struct {
	constructs.Construct
	// Firewall is nil when WebAclArn named an existing web ACL.
	Firewall *firewall.WebAcl
	// WebAclArn is the created or given web ACL; nil when Firewall Manager manages it.
	WebAclArn *string
	// Certificate is nil without DomainNames.
	Certificate awscertificatemanager.ICertificate
}

// ValidateEdgeProps checks props without building anything.
func ValidateEdgeProps(props *EdgeProps) error {
	c := propcheck.Checker{Construct: "edge"}
	if props == nil {
		return nil
	}
	if len(props.DomainNames) > 0 && props.Certificate == nil && props.HostedZone == nil {
		c.Fail("HostedZone", nil, "is required with DomainNames %s when no Certificate is given (a new certificate is DNS-validated there)", propcheck.Show(props.DomainNames))
	}
	if props.Certificate != nil && len(props.DomainNames) == 0 {
		c.Fail("DomainNames", props.DomainNames, "are required with a Certificate")
	}
	if props.WebAclManagedByFirewallManager && props.WebAclArn != nil {
		c.Fail("WebAclArn", *props.WebAclArn, "conflicts with WebAclManagedByFirewallManager; set one")
	}
	if props.WebAclArn != nil && props.Firewall != nil {
		c.Fail("Firewall", "set", "configures a new web ACL and cannot be combined with WebAclArn")
	}
	return c.Err()
}

// NewEdge creates the web ACL and the certificate in scope, whose stack must be in
// us-east-1.
func NewEdge(scope constructs.Construct, id string, props *EdgeProps) *Edge {
	propcheck.MustAt(scope, id, ValidateEdgeProps(props))
	if props == nil {
		props = &EdgeProps{}
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	e := &Edge{Construct: c, WebAclArn: props.WebAclArn}
	if e.WebAclArn == nil && !props.WebAclManagedByFirewallManager {
		fw := props.Firewall
		if fw == nil {
			fw = &firewall.WebAclProps{}
		}
		if fw.RemovalPolicy == "" {
			copied := *fw
			copied.RemovalPolicy = props.RemovalPolicy
			fw = &copied
		}
		e.Firewall = firewall.NewWebAcl(c, "Firewall", fw)
		e.WebAclArn = e.Firewall.Arn
	}
	e.Certificate = props.Certificate
	if e.Certificate == nil && len(props.DomainNames) > 0 {
		alternatives := props.DomainNames[1:]
		e.Certificate = awscertificatemanager.NewCertificate(c, jsii.String("Certificate"), &awscertificatemanager.CertificateProps{
			DomainName:              props.DomainNames[0],
			SubjectAlternativeNames: &alternatives,
			Validation:              awscertificatemanager.CertificateValidation_FromDns(props.HostedZone),
		})
	}
	return e
}
