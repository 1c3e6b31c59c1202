package signet

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/signet-cdk/signet/constructs/database"
	"github.com/signet-cdk/signet/constructs/edge"
	"github.com/signet-cdk/signet/constructs/identity"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
	"github.com/signet-cdk/signet/constructs/signingkeys"
)

// ValidateSignetProps checks props that need no scope. NewSignet also checks what
// depends on the stack (its region) and on the resources given (imported or not).
func ValidateSignetProps(props *SignetProps) error {
	if props == nil {
		props = &SignetProps{}
	}
	c := propcheck.Checker{Construct: "signet"}
	if props.Certificate != nil && len(props.DomainNames) == 0 {
		c.Fail("DomainNames", props.DomainNames, "are required with a Certificate")
	}
	if props.VpcSubnets != nil && props.Vpc == nil {
		c.Fail("VpcSubnets", "set", "selects subnets of Vpc, which is not given (Signet's own VPC has only isolated subnets)")
	}
	if props.UserPoolClient != nil && props.UserPool == nil {
		c.Fail("UserPoolClient", *props.UserPoolClient.UserPoolClientId(), "needs the UserPool it belongs to")
	}
	switch {
	case props.Bucket != nil && props.BucketKey == nil:
		c.Fail("BucketKey", nil, "is required with Bucket %s (Signet's uploads are SSE-KMS with the bucket's key)", propcheck.Show(props.Bucket.BucketName()))
	case props.Bucket == nil && props.BucketKey != nil:
		c.Fail("Bucket", nil, "is required with BucketKey (a new bucket gets a new key)")
	}
	if props.Bucket != nil && props.ObjectLock {
		c.Fail("ObjectLock", true, "applies to a bucket Signet creates; turn Object Lock on for your Bucket yourself")
	}
	if props.Bucket != nil && props.NoncurrentVersionExpiration != nil {
		c.Fail("NoncurrentVersionExpiration", props.NoncurrentVersionExpiration.ToHumanString(), "applies to a bucket Signet creates; set the lifecycle of your Bucket yourself")
	}
	switch props.ViewerProtocolPolicy {
	case "", awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY, awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS:
	default:
		c.Fail("ViewerProtocolPolicy", string(props.ViewerProtocolPolicy), "must be HTTPS_ONLY or REDIRECT_TO_HTTPS")
	}
	for _, o := range props.CorsAllowedOrigins {
		if o != nil && propcheck.Resolved(o) {
			if reason := propcheck.CheckOrigin(*o); reason != "" {
				c.Fail("CorsAllowedOrigins", *o, "%s", reason)
			}
		}
	}
	checkEdgeProps(&c, props)
	if r := props.SignerReservedConcurrency; r != nil && (*r < 1 || !propcheck.Whole(*r)) {
		c.Fail("SignerReservedConcurrency", *r, "must be a whole number, 1 or more (0 would stop the signer)")
	}
	if props.UserPool != nil && props.UserPoolClient != nil {
		for _, d := range []struct {
			prop  string
			value *string
		}{{"AuthDomainPrefix", props.AuthDomainPrefix}, {"AuthDomainName", props.AuthDomainName}} {
			if d.value != nil {
				c.Fail(d.prop, *d.value, "applies to a domain Signet creates; with UserPool and UserPoolClient both given Signet creates no sign-in resources (add the domain to your pool)")
			}
		}
	}
	idErr := identity.ValidateIdentityProps(identityProps(props))
	keysErr := signingkeys.ValidateSigningKeysProps(&signingkeys.SigningKeysProps{Keys: props.SigningKeys, ActiveKey: props.ActiveSigningKey})
	dbErr := database.ValidateMetadataDatabaseProps(&database.MetadataDatabaseProps{MaxCapacity: props.DatabaseMaxCapacity, Proxy: props.DatabaseProxy})
	return errors.Join(c.Err(), renamed(keysErr, map[string]string{"Keys": "SigningKeys", "ActiveKey": "ActiveSigningKey"}),
		renamed(dbErr, map[string]string{"MaxCapacity": "DatabaseMaxCapacity", "Proxy": "DatabaseProxy"}),
		renamed(idErr, identityPropNames))
}

// identityPropNames are package identity's names of the composite's sign-in props.
var identityPropNames = map[string]string{"DomainPrefix": "AuthDomainPrefix", "CustomDomainName": "AuthDomainName", "CustomDomainCertificate": "AuthCertificate"}

// renamed reports a part's prop problems under the composite's prop names.
func renamed(err error, names map[string]string) error {
	var out []error
	for _, e := range flatten(err) {
		var pe *propcheck.Error
		if errors.As(e, &pe) {
			copied := *pe
			copied.Construct = "signet"
			if n, ok := names[pe.Prop]; ok {
				copied.Prop = n
			}
			e = &copied
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// validate is ValidateSignetProps plus what depends on scope's stack and on the
// resources given.
func validate(scope constructs.Construct, props *SignetProps) error {
	c := propcheck.Checker{Construct: "signet"}
	region := awscdk.Stack_Of(scope).Region()
	inEdgeRegion := propcheck.Resolved(region) && *region == edge.Region
	where := "the stack's region is not known at synth (an environment-agnostic stack)"
	if propcheck.Resolved(region) {
		where = fmt.Sprintf("the stack is in %s", *region)
	}
	if props.WebAclArn == nil && !inEdgeRegion && !props.WebAclManagedByFirewallManager {
		c.Fail("WebAclArn", nil, "is required: %s, and a CloudFront web ACL must be created in us-east-1 (edge.NewEdge in a us-east-1 stack) or be an existing one", where)
	}
	if len(props.DomainNames) > 0 && props.Certificate == nil {
		switch {
		case !inEdgeRegion:
			c.Fail("Certificate", nil, "is required with DomainNames %s: %s, and CloudFront certificates must be in us-east-1 (edge.NewEdge there)", propcheck.Show(props.DomainNames), where)
		case props.HostedZone == nil:
			c.Fail("HostedZone", nil, "is required with DomainNames %s when no Certificate is given (a new certificate is DNS-validated there)", propcheck.Show(props.DomainNames))
		}
	}
	if props.Bucket != nil && props.Bucket.Node().DefaultChild() == nil {
		c.Fail("Bucket", *props.Bucket.BucketName(), "is imported: CloudFormation cannot change its bucket policy, which must admit only this distribution; define the bucket in your app (awss3.NewBucket with a BucketName) or leave Bucket unset")
	} else if props.Bucket != nil && !hasPhysicalName(props.Bucket) {
		c.Fail("Bucket", *props.Bucket.Node().Path(), "has no BucketName: the distribution's origin is built from the name so that the bucket policy can name the distribution's exact ARN in one deploy; give the bucket a name")
	}
	if props.BucketKey != nil && props.BucketKey.Node().DefaultChild() == nil {
		c.Fail("BucketKey", *props.BucketKey.KeyArn(), "is imported: CloudFormation cannot change its key policy, which must let this distribution decrypt; define the key in your app (awskms.NewKey)")
	}
	if props.Vpc != nil {
		checkSubnets(&c, props)
	}
	return errors.Join(ValidateSignetProps(props), c.Err())
}

// PublicPathPrefix is where a public additional behaviour may serve from: customer
// prefixes never start with it (store.ValidateCustomer), so no customer's file is
// ever served without a signature.
const PublicPathPrefix = "/public/"

// PathPatternRE is a CloudFront cache behaviour path pattern as Signet accepts it:
// starting with "/", CloudFront's characters only, at most 255.
var PathPatternRE = regexp.MustCompile(`^/[A-Za-z0-9_.*$/~"'@:+&?-]{0,254}$`)

// checkEdgeProps checks the distribution's props the composite passes on: the Firewall
// Manager choice, the additional behaviours, the origin header's generation and that
// every domain name is in HostedZone.
func checkEdgeProps(c *propcheck.Checker, props *SignetProps) {
	if props.WebAclManagedByFirewallManager && props.WebAclArn != nil {
		c.Fail("WebAclArn", *props.WebAclArn, "conflicts with WebAclManagedByFirewallManager: Firewall Manager associates the web ACL")
	}
	for pattern, b := range props.AdditionalBehaviors {
		switch {
		case !PathPatternRE.MatchString(pattern):
			c.Fail("AdditionalBehaviors", pattern, "must start with \"/\" and hold only the characters CloudFront takes in a path pattern (letters, digits, _ - . * $ / ~ \" ' @ : + & ?), at most 255")
		case strings.HasPrefix(pattern, "/api"):
			c.Fail("AdditionalBehaviors", pattern, "is under /api, where the distribution serves the API")
		case b != nil && b.Public && !strings.HasPrefix(pattern, PublicPathPrefix):
			c.Fail("AdditionalBehaviors", pattern, "is public but not under %s: it could serve a customer's files without a signature", PublicPathPrefix)
		}
	}
	if g := props.OriginVerifyGeneration; g != nil && (*g < 1 || !propcheck.Whole(*g)) {
		c.Fail("OriginVerifyGeneration", *g, "must be a whole number from 1 (raise it by one to rotate)")
	}
	if props.ErrorPageHtml != nil && !props.ErrorPages {
		c.Fail("ErrorPageHtml", "set", "is shown only with ErrorPages")
	}
	if z := props.HostedZone; z != nil && propcheck.Resolved(z.ZoneName()) {
		zone := strings.TrimSuffix(*z.ZoneName(), ".")
		for _, d := range props.DomainNames {
			if propcheck.Resolved(d) && *d != zone && !strings.HasSuffix(*d, "."+zone) {
				c.Fail("DomainNames", *d, "is not in HostedZone %s, where its alias record would go", zone)
			}
		}
	}
}

// hasPhysicalName: the bucket's BucketName is set (an unset one still comes back as
// a token that resolves to nothing).
func hasPhysicalName(b awss3.IBucket) bool {
	cfn, ok := b.Node().DefaultChild().(awss3.CfnBucket)
	if !ok {
		return false
	}
	name := cfn.BucketName()
	return name != nil && *name != "" && awscdk.Stack_Of(b).Resolve(name) != nil
}

// checkSubnets: the selection must exist in Vpc and span two availability zones
// (Aurora's subnet group needs two).
func checkSubnets(c *propcheck.Checker, props *SignetProps) {
	sel := props.VpcSubnets
	if sel == nil {
		sel = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	}
	var selected *awsec2.SelectedSubnets
	if err := catch(func() { selected = props.Vpc.SelectSubnets(sel) }); err != nil {
		c.Fail("VpcSubnets", describe(sel), "selects no subnets of Vpc: %v", err)
		return
	}
	azs := map[string]bool{}
	for _, az := range *selected.AvailabilityZones {
		if az != nil && propcheck.Resolved(az) {
			azs[*az] = true
		}
	}
	if len(*selected.SubnetIds) < 2 || len(azs) == 1 {
		c.Fail("VpcSubnets", describe(sel), "selects %d subnet(s) in %d availability zone(s) of Vpc; the database needs subnets in at least two", len(*selected.SubnetIds), len(azs))
	}
}

func describe(sel *awsec2.SubnetSelection) string {
	if sel.SubnetType != "" {
		return "subnet type " + string(sel.SubnetType)
	}
	if sel.SubnetGroupName != nil {
		return "subnet group " + *sel.SubnetGroupName
	}
	return "a subnet selection"
}

// catch turns a jsii panic (CDK threw) into an error.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}
