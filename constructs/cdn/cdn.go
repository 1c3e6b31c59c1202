// Package cdn is Signet's CloudFront distribution in front of the file bucket.
//
// Secure defaults:
//   - the S3 origin is reached through an Origin Access Control that signs every
//     request (SigV4, always), and the bucket policy and the data key's policy admit
//     cloudfront.amazonaws.com only under StringEquals AWS:SourceArn = this
//     distribution's ARN, with s3:GetObject and kms:Decrypt (write actions only when
//     AllowUploads is set);
//   - every behaviour is private: it must trust at least one key group (signed URLs or
//     signed cookies) unless Public is set explicitly;
//   - viewers must use HTTPS (redirect as an option, never plain HTTP), TLSv1.2_2021 or
//     newer with a custom domain, HTTP/2 and HTTP/3;
//   - Origin Shield on, in the Origin Shield region for the bucket's region;
//   - a response headers policy with HSTS (two years, subdomains, preload), nosniff,
//     frame DENY, Referrer-Policy no-referrer (a signed URL must never leak through a
//     Referer header) and a Content-Security-Policy that sandboxes whatever a customer
//     uploads, and removes the S3 encryption headers that name the key;
//   - standard access logs to a log bucket;
//   - IPv6 off: a custom policy's IpAddress condition takes IPv4 CIDRs only, so an
//     IP-restricted URL would fail for a viewer that arrives over IPv6.
//
// Why the exact SourceArn works without a cycle: aws-cdk's
// S3BucketOrigin.withOriginAccessControl points the origin at the bucket resource,
// the bucket references its KMS key, so the key policy cannot reference the
// distribution and CDK falls back to ArnLike ".../distribution/*". Here the origin
// domain name is built from the bucket's generated physical name (package bucket)
// and the region, with no reference to the bucket resource; the distribution no
// longer depends on the bucket, and both policies can name its exact ARN.
package cdn

import (
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	interfacescloudfront "github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudfront"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/nag"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// DefaultContentSecurityPolicy is sent with every file. Files are data, not pages:
// nothing they contain may run script, load resources, submit forms or be framed,
// because the distribution's domain also carries the signed cookies.
const DefaultContentSecurityPolicy = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"

// Behavior is a cache behaviour for one path pattern.
type Behavior struct {
	// Public serves this path without signed URLs or cookies. Default: false.
	Public bool
	// TrustedKeyGroups verify the signatures on this path. Default: the
	// distribution's TrustedKeyGroups.
	TrustedKeyGroups []awscloudfront.IKeyGroup
	// AllowedMethods for this path. Default: the distribution's AllowedMethods.
	AllowedMethods awscloudfront.AllowedMethods
	// CachePolicy for this path. Default: the managed CachingOptimized policy.
	CachePolicy awscloudfront.ICachePolicy
}

// ApiBehavior serves an API origin under PathPattern on the files' domain, so the
// files, the API (and a web page) share one origin and the API's cookies reach
// CloudFront: all methods, caching disabled, the managed AllViewerExceptHostHeader
// origin request policy (the viewer's Authorization, query string and cookies
// forwarded, its Host not: API Gateway answers only to its own name), no signature
// (the API authenticates its callers itself).
type ApiBehavior struct {
	// Origin is the API, for example awscloudfrontorigins.NewRestApiOrigin with the
	// secret origin header (package originverify). Required.
	Origin awscloudfront.IOrigin
	// PathPattern. Default: DefaultApiPathPattern.
	PathPattern *string
}

// DefaultApiPathPattern is where the API is served.
const DefaultApiPathPattern = "/api/*"

// DistributionProps configures the distribution. Bucket is required; every other
// field has a secure default.
type DistributionProps struct {
	// Bucket is the S3 origin. It must have a physical name that is not a reference
	// to itself: a bucket from package bucket, or an imported bucket. Required.
	Bucket awss3.IBucket
	// BucketKey is the bucket's SSE-KMS key, whose policy gains CloudFront's decrypt
	// statement. Default: Bucket.EncryptionKey(). Nil for an SSE-S3 bucket.
	BucketKey awskms.IKey
	// OriginShieldRegion is where Origin Shield runs. Default: the Origin Shield
	// region for the bucket's region (the same region when it has one).
	OriginShieldRegion *string
	// OriginCustomHeaders are sent to the origin with every request.
	// Default: none.
	OriginCustomHeaders map[string]*string
	// TrustedKeyGroups verify signed URLs and cookies on every private behaviour.
	// Default: none, which is an error unless Public is set.
	TrustedKeyGroups []awscloudfront.IKeyGroup
	// Public serves the default behaviour without signatures. Default: false.
	Public bool
	// AllowedMethods on the default behaviour. Default: GET, HEAD.
	AllowedMethods awscloudfront.AllowedMethods
	// AllowUploads lets viewers PUT and POST through CloudFront; the bucket and key
	// policies then also admit s3:PutObject, kms:Encrypt and kms:GenerateDataKey for
	// this distribution only. Default: false (uploads go to S3 presigned URLs).
	AllowUploads bool
	// CachePolicy of the default behaviour. Default: managed CachingOptimized.
	CachePolicy awscloudfront.ICachePolicy
	// AdditionalBehaviors maps path patterns to behaviours. Default: none.
	AdditionalBehaviors map[string]*Behavior
	// Api serves an API origin on the distribution. Default: none.
	Api *ApiBehavior
	// ViewerProtocolPolicy is HTTPS_ONLY (default) or REDIRECT_TO_HTTPS.
	ViewerProtocolPolicy awscloudfront.ViewerProtocolPolicy
	// DomainNames are alternate domain names; they need Certificate. Default: none.
	DomainNames []*string
	// Certificate for DomainNames, an ACM certificate in us-east-1. Default: none.
	Certificate awscertificatemanager.ICertificate
	// MinimumProtocolVersion with a custom domain: TLS_V1_2_2021 (default),
	// TLS_V1_2_2025 or TLS_V1_3_2025.
	MinimumProtocolVersion awscloudfront.SecurityPolicyProtocol
	// LogBucket receives standard access logs; it must allow ACLs. Required unless
	// DisableLogging is set.
	LogBucket awss3.IBucket
	// LogFilePrefix inside LogBucket. Default: "cloudfront/".
	LogFilePrefix *string
	// DisableLogging turns standard logs off. Default: false.
	DisableLogging bool
	// ErrorResponses customise error pages. Default: none (CloudFront's own).
	ErrorResponses []*awscloudfront.ErrorResponse
	// DefaultRootObject is served for "/". Default: none (a private file store has
	// no index page).
	DefaultRootObject *string
	// EnableIpv6 answers viewers over IPv6. Default: false, because custom-policy IP
	// restrictions take IPv4 CIDRs only.
	EnableIpv6 bool
	// WebAclArn is a WAFv2 web ACL with CLOUDFRONT scope (package firewall, or one
	// that Firewall Manager manages). Default: none.
	WebAclArn *string
	// PriceClass. Default: PRICE_CLASS_ALL.
	PriceClass awscloudfront.PriceClass
	// ContentSecurityPolicy sent with every response. Default:
	// DefaultContentSecurityPolicy.
	ContentSecurityPolicy *string
	// Comment on the distribution. Default: "Signet file distribution".
	Comment *string
}

// Distribution is the CloudFront distribution and what it created.
type Distribution struct {
	constructs.Construct
	Distribution          awscloudfront.Distribution
	OriginAccessControl   awscloudfront.S3OriginAccessControl
	ResponseHeadersPolicy awscloudfront.ResponseHeadersPolicy
	// DistributionArn is arn:<partition>:cloudfront::<account>:distribution/<id>.
	DistributionArn *string
	// DomainName is the distribution's *.cloudfront.net name.
	DomainName *string
}

var (
	webAclArnPattern  = regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/[A-Za-z0-9_-]{1,128}/[0-9a-f-]{36}$`)
	headerNamePattern = regexp.MustCompile(`^[A-Za-z0-9!#$&'*+.^_|~-]{1,256}$`)
	domainNamePattern = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	// CloudFront refuses these as origin custom headers.
	forbiddenOriginHeaders = map[string]bool{
		"cache-control": true, "connection": true, "content-length": true, "cookie": true,
		"host": true, "if-match": true, "if-modified-since": true, "if-none-match": true,
		"if-range": true, "if-unmodified-since": true, "max-forwards": true, "pragma": true,
		"proxy-authorization": true, "proxy-connection": true, "range": true, "request-range": true,
		"te": true, "trailer": true, "transfer-encoding": true, "upgrade": true, "via": true,
		"x-real-ip": true, "authorization": true, "expect": true, "proxy-authenticate": true,
		"x-forwarded-for": true,
	}
	allowedTLS = map[awscloudfront.SecurityPolicyProtocol]bool{
		awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021: true,
		awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2025: true,
		awscloudfront.SecurityPolicyProtocol_TLS_V1_3_2025: true,
	}
)

// ValidateDistributionProps checks props without building anything.
func ValidateDistributionProps(props *DistributionProps) error {
	c := propcheck.Checker{Construct: "cdn"}
	if props == nil {
		props = &DistributionProps{}
	}
	checkBucket(&c, props)
	if r := props.OriginShieldRegion; propcheck.Resolved(r) && !originShieldRegions[*r] {
		c.Fail("OriginShieldRegion", *r, "is not a region where CloudFront runs Origin Shield")
	}
	for name, v := range props.OriginCustomHeaders {
		lower := strings.ToLower(name)
		if !headerNamePattern.MatchString(name) || forbiddenOriginHeaders[lower] || strings.HasPrefix(lower, "x-amz-") || strings.HasPrefix(lower, "x-edge-") || strings.HasPrefix(lower, "cloudfront-") {
			c.Fail("OriginCustomHeaders", name, "is not a header name CloudFront lets an origin custom header use")
		}
		if v == nil || (propcheck.Resolved(v) && strings.TrimSpace(*v) == "") {
			c.Fail("OriginCustomHeaders", name, "has an empty value")
		}
	}
	if len(props.OriginCustomHeaders) > 10 {
		c.Fail("OriginCustomHeaders", len(props.OriginCustomHeaders), "at most 10 headers are allowed")
	}
	checkMethods := func(prop string, m awscloudfront.AllowedMethods) {
		if m == nil || props.AllowUploads {
			return
		}
		methods := propcheck.Strings(*m.Methods())
		for _, x := range methods {
			if x != http.MethodGet && x != http.MethodHead && x != http.MethodOptions {
				c.Fail(prop, methods, "allows %s, which writes through CloudFront; set AllowUploads to admit writes", x)
				return
			}
		}
	}
	checkMethods("AllowedMethods", props.AllowedMethods)
	if !props.Public && len(props.TrustedKeyGroups) == 0 {
		c.Fail("TrustedKeyGroups", "[]", "a private distribution needs at least one trusted key group; set Public to serve without signatures")
	}
	if len(props.TrustedKeyGroups) > 4 {
		c.Fail("TrustedKeyGroups", len(props.TrustedKeyGroups), "CloudFront allows at most 4 key groups per behaviour")
	}
	for pattern, b := range props.AdditionalBehaviors {
		if pattern == "" || pattern == "*" || pattern == "/*" || len(pattern) > 255 {
			c.Fail("AdditionalBehaviors", pattern, "is not a path pattern for an additional behaviour (the default behaviour already covers \"*\")")
			continue
		}
		if b == nil {
			c.Fail("AdditionalBehaviors", pattern, "has a nil behaviour")
			continue
		}
		if !b.Public && len(b.TrustedKeyGroups) == 0 && len(props.TrustedKeyGroups) == 0 {
			c.Fail("AdditionalBehaviors", pattern, "is private but no key group is trusted; set TrustedKeyGroups or Public")
		}
		checkMethods("AdditionalBehaviors["+pattern+"].AllowedMethods", b.AllowedMethods)
	}
	if a := props.Api; a != nil {
		if a.Origin == nil {
			c.Fail("Api.Origin", nil, "is required")
		}
		if p := apiPattern(a); props.AdditionalBehaviors[p] != nil {
			c.Fail("AdditionalBehaviors", p, "is the API's path pattern")
		}
	}
	switch props.ViewerProtocolPolicy {
	case "", awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY, awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS:
	default:
		c.Fail("ViewerProtocolPolicy", string(props.ViewerProtocolPolicy), "must be HTTPS_ONLY or REDIRECT_TO_HTTPS")
	}
	for _, d := range props.DomainNames {
		if propcheck.Resolved(d) && !domainNamePattern.MatchString(*d) {
			c.Fail("DomainNames", *d, "is not a lowercase DNS name")
		}
	}
	if len(props.DomainNames) > 0 && props.Certificate == nil {
		c.Fail("Certificate", nil, "is required with DomainNames %s", propcheck.Show(props.DomainNames))
	}
	if props.Certificate != nil {
		if len(props.DomainNames) == 0 {
			c.Fail("DomainNames", "[]", "a Certificate needs at least one domain name to serve")
		}
		if r := propcheck.CertificateRegion(props.Certificate); r != "" && r != "us-east-1" {
			c.Fail("Certificate", r, "is in region %q; CloudFront accepts only ACM certificates in us-east-1", r)
		}
	}
	if v := props.MinimumProtocolVersion; v != "" && !allowedTLS[v] {
		c.Fail("MinimumProtocolVersion", string(v), "is weaker than TLSv1.2_2021; use TLS_V1_2_2021, TLS_V1_2_2025 or TLS_V1_3_2025")
	}
	if props.MinimumProtocolVersion != "" && props.Certificate == nil {
		c.Fail("MinimumProtocolVersion", string(props.MinimumProtocolVersion), "applies only with a custom domain and Certificate; the *.cloudfront.net certificate has a fixed policy")
	}
	if !props.DisableLogging && props.LogBucket == nil {
		c.Fail("LogBucket", nil, "is required while access logging is on; set DisableLogging to turn logging off")
	}
	if p := props.LogFilePrefix; propcheck.Resolved(p) && (strings.HasPrefix(*p, "/") || len(*p) > 256) {
		c.Fail("LogFilePrefix", *p, "must not start with \"/\" and be at most 256 characters")
	}
	if r := props.DefaultRootObject; r != nil && propcheck.Resolved(r) && (*r == "" || strings.HasPrefix(*r, "/") || strings.ContainsAny(*r, "?#*\\") || len(*r) > 255) {
		c.Fail("DefaultRootObject", *r, "must be an object name without a leading \"/\", wildcards, query or fragment")
	}
	for i, e := range props.ErrorResponses {
		if e == nil || e.HttpStatus == nil || *e.HttpStatus < 400 || *e.HttpStatus > 599 {
			c.Fail("ErrorResponses", i, "entry needs an HttpStatus from 400 to 599")
			continue
		}
		if e.ResponsePagePath != nil && !strings.HasPrefix(*e.ResponsePagePath, "/") {
			c.Fail("ErrorResponses", *e.ResponsePagePath, "a ResponsePagePath must start with \"/\"")
		}
	}
	if a := props.WebAclArn; propcheck.Resolved(a) && !webAclArnPattern.MatchString(*a) {
		c.Fail("WebAclArn", *a, "is not the ARN of a WAFv2 web ACL with CLOUDFRONT scope (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)")
	}
	if p := props.ContentSecurityPolicy; p != nil && propcheck.Resolved(p) && (strings.TrimSpace(*p) == "" || len(*p) > 1783) {
		c.Fail("ContentSecurityPolicy", *p, "must be a non-empty policy of at most 1783 characters")
	}
	return c.Err()
}

// checkBucket rejects a missing bucket, one without a physical name, and one in a
// region without a default Origin Shield region when none is set.
func checkBucket(c *propcheck.Checker, props *DistributionProps) {
	if props.Bucket == nil {
		c.Fail("Bucket", nil, "is required")
		return
	}
	if physicalBucketName(props.Bucket) == nil {
		c.Fail("Bucket", *props.Bucket.Node().Path(), "has no physical name, so the origin would reference the bucket and the key policy could not name this distribution without a cycle; create it with bucket.NewSecureBucket or give it a BucketName")
	}
	if props.OriginShieldRegion != nil {
		return
	}
	if r := props.Bucket.Env().Region; propcheck.Resolved(r) {
		if _, ok := OriginShieldRegionFor(*r); !ok {
			c.Fail("OriginShieldRegion", nil, "has no default for a bucket in %q; set it to the nearest Origin Shield region", *r)
		}
	}
}

// NewDistribution creates the distribution, its origin access control and response
// headers policy, and adds the exact-ARN statements to the bucket and key policies.
func NewDistribution(scope constructs.Construct, id string, props *DistributionProps) *Distribution {
	propcheck.MustAt(scope, id, ValidateDistributionProps(props))
	d := &Distribution{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	origin := d.addOrigin(props)
	d.addResponseHeadersPolicy(props)
	defaultBehavior, base := d.behaviors(props, origin)
	d.Distribution = awscloudfront.NewDistribution(d.Construct, jsii.String("Distribution"), d.distributionProps(props, defaultBehavior))
	d.addBehaviors(props, base)
	d.DistributionArn = d.Distribution.DistributionArn()
	d.DomainName = d.Distribution.DistributionDomainName()
	d.grantOriginAccess(props)
	d.suppressFindings(props)
	return d
}

// addOrigin creates the origin access control and the S3 origin that signs with it.
// The origin points at a stand-in for the bucket (originBucket), so it carries no
// reference to the bucket resource.
func (d *Distribution) addOrigin(props *DistributionProps) awscloudfront.IOrigin {
	d.OriginAccessControl = awscloudfront.NewS3OriginAccessControl(d.Construct, jsii.String("OriginAccessControl"), &awscloudfront.S3OriginAccessControlProps{
		Description: jsii.String("Signet: CloudFront signs every request to the file bucket (SigV4)"),
		Signing:     awscloudfront.Signing_SIGV4_ALWAYS(),
	})
	var headers *map[string]*string
	if len(props.OriginCustomHeaders) > 0 {
		headers = &props.OriginCustomHeaders
	}
	return awscloudfrontorigins.S3BucketOrigin_WithBucketDefaults(originBucket(d.Construct, props.Bucket), &awscloudfront.OriginProps{
		OriginAccessControlId: d.OriginAccessControl.OriginAccessControlId(),
		OriginShieldEnabled:   jsii.Bool(true),
		OriginShieldRegion:    originShieldRegion(props),
		CustomHeaders:         headers,
	})
}

// originShieldRegion is OriginShieldRegion, or the Origin Shield region for the
// bucket's region.
func originShieldRegion(props *DistributionProps) *string {
	if props.OriginShieldRegion != nil {
		return props.OriginShieldRegion
	}
	region := props.Bucket.Env().Region
	if !propcheck.Resolved(region) {
		// An environment-agnostic stack: the region is only known at deploy time.
		return region
	}
	r, _ := OriginShieldRegionFor(*region)
	return jsii.String(r)
}

// addResponseHeadersPolicy creates the security headers sent with every file.
func (d *Distribution) addResponseHeadersPolicy(props *DistributionProps) {
	csp := props.ContentSecurityPolicy
	if csp == nil {
		csp = jsii.String(DefaultContentSecurityPolicy)
	}
	d.ResponseHeadersPolicy = awscloudfront.NewResponseHeadersPolicy(d.Construct, jsii.String("SecurityHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("Signet: secure headers on every file"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(730)),
				IncludeSubdomains:   jsii.Bool(true),
				Preload:             jsii.Bool(true),
				Override:            jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true),
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true),
			},
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: csp, Override: jsii.Bool(true),
			},
		},
		// These name the bucket's KMS key and encryption settings: nothing a viewer needs.
		RemoveHeaders: jsii.Strings(
			"x-amz-server-side-encryption",
			"x-amz-server-side-encryption-aws-kms-key-id",
			"x-amz-server-side-encryption-bucket-key-enabled",
		),
	})
}

// distributionProps are the distribution's settings: its default behaviour, HTTP/2 and 3,
// the custom domain, error pages and access logs.
func (d *Distribution) distributionProps(props *DistributionProps, defaultBehavior *awscloudfront.BehaviorOptions) *awscloudfront.DistributionProps {
	comment := props.Comment
	if comment == nil {
		comment = jsii.String("Signet file distribution")
	}
	dp := &awscloudfront.DistributionProps{
		Comment:           comment,
		DefaultBehavior:   defaultBehavior,
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableIpv6:        jsii.Bool(props.EnableIpv6),
		DefaultRootObject: props.DefaultRootObject,
		PriceClass:        props.PriceClass,
		WebAclId:          props.WebAclArn,
	}
	setCustomDomain(dp, props)
	if len(props.ErrorResponses) > 0 {
		dp.ErrorResponses = &props.ErrorResponses
	}
	setLogging(dp, props)
	return dp
}

// behaviorBase is what every behaviour of one distribution shares; a Behavior only
// overrides its methods, cache policy, key groups and whether it is public.
type behaviorBase struct {
	origin  awscloudfront.IOrigin
	viewer  awscloudfront.ViewerProtocolPolicy
	headers awscloudfront.ResponseHeadersPolicy
	// methods and groups are the distribution's, inherited where a Behavior has none.
	methods awscloudfront.AllowedMethods
	groups  []awscloudfront.IKeyGroup
}

// behaviors builds the default behaviour, described by the distribution's own props.
func (d *Distribution) behaviors(props *DistributionProps, origin awscloudfront.IOrigin) (*awscloudfront.BehaviorOptions, *behaviorBase) {
	viewer := props.ViewerProtocolPolicy
	if viewer == "" {
		viewer = awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY
	}
	methods := props.AllowedMethods
	if methods == nil {
		methods = awscloudfront.AllowedMethods_ALLOW_GET_HEAD()
		if props.AllowUploads {
			methods = awscloudfront.AllowedMethods_ALLOW_ALL()
		}
	}
	base := &behaviorBase{origin: origin, viewer: viewer, headers: d.ResponseHeadersPolicy, methods: methods, groups: props.TrustedKeyGroups}
	return base.options(&Behavior{Public: props.Public, CachePolicy: props.CachePolicy}), base
}

// addBehaviors adds the API's behaviour first and then the additional ones in the
// order of their patterns: CloudFront tries behaviours in order, and a Go map has
// none, so a fixed order keeps the template (and the snapshot) the same every synth.
func (d *Distribution) addBehaviors(props *DistributionProps, base *behaviorBase) {
	if a := props.Api; a != nil {
		d.Distribution.AddBehavior(jsii.String(apiPattern(a)), a.Origin, &awscloudfront.AddBehaviorOptions{
			ViewerProtocolPolicy:  base.viewer,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_ALL(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_DISABLED(),
			OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			ResponseHeadersPolicy: base.headers,
			Compress:              jsii.Bool(true),
		})
	}
	for _, pattern := range slices.Sorted(maps.Keys(props.AdditionalBehaviors)) {
		o := base.options(props.AdditionalBehaviors[pattern])
		d.Distribution.AddBehavior(jsii.String(pattern), o.Origin, &awscloudfront.AddBehaviorOptions{
			ViewerProtocolPolicy: o.ViewerProtocolPolicy, AllowedMethods: o.AllowedMethods, CachePolicy: o.CachePolicy,
			ResponseHeadersPolicy: o.ResponseHeadersPolicy, Compress: o.Compress, TrustedKeyGroups: o.TrustedKeyGroups,
		})
	}
}

func apiPattern(a *ApiBehavior) string {
	if a.PathPattern != nil {
		return *a.PathPattern
	}
	return DefaultApiPathPattern
}

// options is b on top of the shared settings: private unless b is public, trusting
// b's key groups or else the distribution's, with the managed CachingOptimized policy
// unless b names another.
func (base *behaviorBase) options(b *Behavior) *awscloudfront.BehaviorOptions {
	methods := b.AllowedMethods
	if methods == nil {
		methods = base.methods
	}
	cachePolicy := b.CachePolicy
	if cachePolicy == nil {
		cachePolicy = awscloudfront.CachePolicy_CACHING_OPTIMIZED()
	}
	opt := &awscloudfront.BehaviorOptions{
		Origin:                base.origin,
		ViewerProtocolPolicy:  base.viewer,
		AllowedMethods:        methods,
		CachePolicy:           cachePolicy,
		ResponseHeadersPolicy: base.headers,
		Compress:              jsii.Bool(true),
	}
	if !b.Public {
		groups := b.TrustedKeyGroups
		if len(groups) == 0 {
			groups = base.groups
		}
		opt.TrustedKeyGroups = keyGroupRefs(groups)
	}
	return opt
}

// setCustomDomain serves DomainNames with Certificate over SNI, TLSv1.2_2021 or newer.
// Without them CloudFront serves *.cloudfront.net with a policy AWS fixes.
func setCustomDomain(dp *awscloudfront.DistributionProps, props *DistributionProps) {
	if len(props.DomainNames) == 0 {
		return
	}
	tls := props.MinimumProtocolVersion
	if tls == "" {
		tls = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	dp.DomainNames = &props.DomainNames
	dp.Certificate = props.Certificate
	dp.MinimumProtocolVersion = tls
	dp.SslSupportMethod = awscloudfront.SSLMethod_SNI
}

// setLogging sends standard access logs to LogBucket unless logging is disabled.
func setLogging(dp *awscloudfront.DistributionProps, props *DistributionProps) {
	if props.DisableLogging {
		return
	}
	prefix := props.LogFilePrefix
	if prefix == nil {
		prefix = jsii.String("cloudfront/")
	}
	dp.EnableLogging = jsii.Bool(true)
	dp.LogBucket = props.LogBucket
	dp.LogFilePrefix = prefix
}

// suppressFindings records why cdk-nag findings that do not apply are suppressed.
func (d *Distribution) suppressFindings(props *DistributionProps) {
	if len(props.DomainNames) == 0 {
		nag.Suppress(d.Distribution, false, nag.Rule{ID: "AwsSolutions-CFR4",
			Reason: "without a custom domain CloudFront serves its *.cloudfront.net certificate with a policy AWS fixes; configure DomainNames and Certificate to enforce TLSv1.2_2021 or newer"})
	}
	d.suppressGuard(props)
}

// suppressGuard accepts the Control Tower findings that do not apply to a private
// file distribution.
func (d *Distribution) suppressGuard(props *DistributionProps) {
	if props.DefaultRootObject == nil {
		nag.SuppressGuard(d.Distribution, "cloudfront_default_root_object_configured_check",
			"files are served only by exact signed path; there is nothing at \"/\" and an unsigned request for it is refused")
	}
	nag.SuppressGuard(d.Distribution, "cloudfront_origin_failover_enabled_check",
		"an origin group needs a second bucket, replicated and in another region, with its own key; that is the deployer's choice and Signet creates one bucket")
	if len(props.DomainNames) == 0 {
		const noDomain = "without a custom domain CloudFront serves the *.cloudfront.net certificate, whose SNI and TLS policy AWS fixes; configure DomainNames and Certificate for an ACM certificate over SNI with TLSv1.2_2021 or newer"
		for _, rule := range []string{"cloudfront_custom_ssl_certificate_check", "cloudfront_sni_enabled_check", "cloudfront_security_policy_check"} {
			nag.SuppressGuard(d.Distribution, rule, noDomain)
		}
		return
	}
	if !propcheck.Resolved(props.Certificate.CertificateArn()) && *awscdk.Stack_Of(props.Certificate).Node().Path() != *awscdk.Stack_Of(d.Distribution).Node().Path() {
		// The edge stack's certificate arrives as Fn::GetStackOutput, which the rules
		// cannot read; setCustomDomain sets the ACM certificate, sni-only and the policy.
		const crossRegion = "the ACM certificate is set, from the us-east-1 stack through Fn::GetStackOutput, which the rule cannot resolve; SslSupportMethod is sni-only and MinimumProtocolVersion TLSv1.2_2021 or newer"
		for _, rule := range []string{"cloudfront_custom_ssl_certificate_check", "cloudfront_sni_enabled_check"} {
			nag.SuppressGuard(d.Distribution, rule, crossRegion)
		}
	}
}

// grantOriginAccess adds the exact-ARN statements to the bucket policy and the data
// key's policy; an imported bucket or key fails synth, both reported at once.
func (d *Distribution) grantOriginAccess(props *DistributionProps) {
	condition := &map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": d.DistributionArn}}
	cloudfront := awsiam.NewServicePrincipal(jsii.String("cloudfront.amazonaws.com"), nil)

	s3Actions := []*string{jsii.String("s3:GetObject")}
	kmsActions := []*string{jsii.String("kms:Decrypt")}
	if props.AllowUploads {
		s3Actions = append(s3Actions, jsii.String("s3:PutObject"))
		kmsActions = append(kmsActions, jsii.String("kms:Encrypt"), jsii.String("kms:GenerateDataKey*"))
	}
	c := propcheck.Checker{Construct: "cdn"}
	res := props.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowSignetCloudFrontOrigin"),
		Principals: &[]awsiam.IPrincipal{cloudfront},
		Actions:    &s3Actions,
		Resources:  jsii.Strings(*props.Bucket.ArnForObjects(jsii.String("*"))),
		Conditions: condition,
	}))
	if res == nil || res.StatementAdded == nil || !*res.StatementAdded {
		c.Fail("Bucket", *props.Bucket.BucketName(), "is imported, so its bucket policy cannot admit this distribution; use a bucket created in this app")
	}
	key := props.BucketKey
	if key == nil {
		key = props.Bucket.EncryptionKey()
	}
	if key != nil {
		grantKey(&c, key, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowSignetCloudFrontDecrypt"),
			Principals: &[]awsiam.IPrincipal{cloudfront},
			Actions:    &kmsActions,
			Resources:  jsii.Strings("*"),
			Conditions: condition,
		}))
	}
	propcheck.Must(propcheck.At(*d.Node().Path(), c.Err()))
}

// grantKey adds statement to key's policy, or records that key is imported.
func grantKey(c *propcheck.Checker, key awskms.IKey, statement awsiam.PolicyStatement) {
	res := key.AddToResourcePolicy(statement, jsii.Bool(true))
	if res == nil || res.StatementAdded == nil || !*res.StatementAdded {
		c.Fail("BucketKey", *key.KeyArn(), "is imported, so its key policy cannot admit this distribution; use a key created in this app")
	}
}

// originBucket returns a stand-in for bucket whose name and regional domain name are
// plain strings, so the origin carries no CloudFormation reference to the bucket.
func originBucket(scope constructs.Construct, bucket awss3.IBucket) awss3.IBucket {
	name := physicalBucketName(bucket) // not nil: ValidateDistributionProps checked
	region := bucket.Env().Region
	domain := awscdk.Fn_Join(jsii.String(""), &[]*string{name, jsii.String(".s3."), region, jsii.String("."), awscdk.Aws_URL_SUFFIX()})
	return awss3.Bucket_FromBucketAttributes(scope, jsii.String("Origin"), &awss3.BucketAttributes{
		BucketName:               name,
		BucketRegionalDomainName: domain,
		Region:                   region,
	})
}

// physicalBucketName is the bucket's name as a value that does not reference the
// bucket resource: the BucketName property of a bucket created in this app, or the
// name of an imported bucket.
func physicalBucketName(bucket awss3.IBucket) *string {
	child := bucket.Node().DefaultChild()
	if child == nil {
		return bucket.BucketName() // imported: a literal or a parameter, never a Ref to a bucket here
	}
	cfn, ok := child.(awss3.CfnBucket)
	if !ok {
		return nil
	}
	// An unset BucketName still comes back as a token; it resolves to nothing.
	if name := cfn.BucketName(); name != nil && *name != "" && awscdk.Stack_Of(bucket).Resolve(name) != nil {
		return name
	}
	return nil
}

func keyGroupRefs(groups []awscloudfront.IKeyGroup) *[]interfacescloudfront.IKeyGroupRef {
	refs := make([]interfacescloudfront.IKeyGroupRef, len(groups))
	for i, g := range groups {
		refs[i] = g
	}
	return &refs
}
