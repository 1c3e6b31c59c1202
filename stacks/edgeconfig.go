package stacks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/cdn"
	"github.com/signet-cdk/signet/constructs/firewallmanager"
	"github.com/signet-cdk/signet/constructs/identity"
	"github.com/signet-cdk/signet/constructs/signet"
	"github.com/signet-cdk/signet/internal/strictjson"
)

// BehaviorConfig is one entry of signet:behaviors: an extra path pattern on the files
// bucket.
type BehaviorConfig struct {
	// PathPattern, e.g. "/public/*" or "/customers/acme/video/*". Required.
	PathPattern string `json:"pathPattern"`
	// Public serves the pattern without signatures; only under /public/. Default: false.
	Public bool `json:"public,omitempty"`
	// Caching: "optimized" (CachingOptimized, default) or "disabled" (CachingDisabled).
	Caching string `json:"caching,omitempty"`
	// Methods: "GET_HEAD" (default) or "GET_HEAD_OPTIONS".
	Methods string `json:"methods,omitempty"`
}

var priceClasses = map[string]awscloudfront.PriceClass{
	"PriceClass_All": awscloudfront.PriceClass_PRICE_CLASS_ALL,
	"PriceClass_200": awscloudfront.PriceClass_PRICE_CLASS_200,
	"PriceClass_100": awscloudfront.PriceClass_PRICE_CLASS_100,
}

// behaviorsFromContext reads signet:behaviors, a JSON list of BehaviorConfig (a list
// in cdk.json, or a JSON string with -c), strictly: unknown fields, duplicate keys and
// trailing data are errors.
func behaviorsFromContext(get ContextGetter, key string, dst *[]BehaviorConfig, fail func(string, any, string, ...any)) {
	doc := jsonListDoc(get, key, "behaviours", fail)
	if doc == nil {
		return
	}
	if err := decodeBehaviors(doc, dst); err != nil {
		fail(key, "…", "must be a JSON list of {\"pathPattern\", \"public\", \"caching\", \"methods\"}: %v", err)
		return
	}
	seen := map[string]bool{}
	for i, b := range *dst {
		at := fmt.Sprintf("%s[%d]", key, i)
		switch {
		case !signet.PathPatternRE.MatchString(b.PathPattern):
			fail(at+".pathPattern", b.PathPattern, "must start with \"/\" and hold only the characters CloudFront takes in a path pattern (letters, digits, _ - . * $ / ~ \" ' @ : + & ?), at most 255")
		case strings.HasPrefix(b.PathPattern, "/api"):
			fail(at+".pathPattern", b.PathPattern, "is under /api, where the distribution serves the API")
		case b.Public && !strings.HasPrefix(b.PathPattern, signet.PublicPathPrefix):
			fail(at+".public", true, "only a pattern under %s may be public: elsewhere it could serve a customer's files without a signature", signet.PublicPathPrefix)
		case seen[b.PathPattern]:
			fail(at+".pathPattern", b.PathPattern, "is given twice")
		}
		seen[b.PathPattern] = true
		if b.Caching != "" && b.Caching != "optimized" && b.Caching != "disabled" {
			fail(at+".caching", b.Caching, "must be \"optimized\" or \"disabled\"")
		}
		if b.Methods != "" && b.Methods != "GET_HEAD" && b.Methods != "GET_HEAD_OPTIONS" {
			fail(at+".methods", b.Methods, "must be \"GET_HEAD\" or \"GET_HEAD_OPTIONS\" (uploads go to S3 presigned URLs)")
		}
	}
}

// behaviorFields are BehaviorConfig's JSON names: encoding/json matches field names
// case-insensitively, so "Public" would pass DisallowUnknownFields.
var behaviorFields = invert(jsonNames(reflect.TypeOf(BehaviorConfig{})))

func decodeBehaviors(doc []byte, dst *[]BehaviorConfig) error {
	if err := strictjson.NoDuplicateKeys(doc); err != nil {
		return err
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(doc, &raw); err != nil {
		return err
	}
	for i, fields := range raw {
		for name := range fields {
			if _, ok := behaviorFields[name]; !ok {
				return fmt.Errorf("[%d]: unknown field %q (fields are %s)", i, name, strings.Join(sortedKeys(behaviorFields), ", "))
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON list")
	}
	return nil
}

// checkEdge validates the distribution keys that are not behaviours.
func checkEdge(cfg Config, fail func(string, any, string, ...any)) {
	if _, ok := priceClasses[cfg.PriceClass]; !ok {
		fail("signet:priceClass", cfg.PriceClass, "must be PriceClass_All, PriceClass_200 or PriceClass_100")
	}
	if p := cfg.LogFilePrefix; strings.HasPrefix(p, "/") || len(p) > 256 {
		fail("signet:logFilePrefix", p, "must not start with \"/\" and be at most 256 characters")
	}
	if r := cfg.DefaultRootObject; r != "" && (strings.HasPrefix(r, "/") || strings.ContainsAny(r, "?#*\\") || len(r) > 255) {
		fail("signet:defaultRootObject", r, "must be an object name without a leading \"/\", wildcards, query or fragment")
	}
	if g := cfg.OriginVerifyGeneration; g < 1 || g != float64(int64(g)) {
		fail("signet:originVerifyGeneration", g, "must be a whole number from 1 (raise it by one to rotate the origin header)")
	}
	if cfg.FirewallManager && cfg.WebAclArn != "" {
		fail("signet:firewallManager", true, "conflicts with signet:webAclArn: Firewall Manager associates the web ACL")
	}
	if a := cfg.FirewallManagerAccount; a != "" && (!cfg.FirewallManager || !accountPattern.MatchString(a)) {
		fail("signet:firewallManagerAccount", a, "must be 12 digits, with signet:firewallManager true")
	}
	if z := strings.TrimSuffix(cfg.HostedZoneName, "."); z != "" {
		for _, d := range cfg.DomainNames {
			if d != z && !strings.HasSuffix(d, "."+z) {
				fail("signet:domainNames", d, "is not in signet:hostedZoneName %s, where its alias record would go", z)
			}
		}
	}
}

// applyEdge sets the distribution props: behaviours, error pages, root object, price
// class, log prefix, the origin header's generation and the Firewall Manager choice.
func (c Config) applyEdge(p *signet.SignetProps) {
	if len(c.Behaviors) > 0 {
		p.AdditionalBehaviors = map[string]*cdn.Behavior{}
	}
	for _, b := range c.Behaviors {
		cb := &cdn.Behavior{Public: b.Public}
		if b.Caching == "disabled" {
			cb.CachePolicy = awscloudfront.CachePolicy_CACHING_DISABLED()
		}
		if b.Methods == "GET_HEAD_OPTIONS" {
			cb.AllowedMethods = awscloudfront.AllowedMethods_ALLOW_GET_HEAD_OPTIONS()
		}
		p.AdditionalBehaviors[b.PathPattern] = cb
	}
	p.ErrorPages = c.ErrorPages
	if c.DefaultRootObject != "" {
		p.DefaultRootObject = jsii.String(c.DefaultRootObject)
	}
	p.PriceClass = priceClasses[c.PriceClass]
	p.LogFilePrefix = jsii.String(c.LogFilePrefix)
	p.OriginVerifyGeneration = jsii.Number(c.OriginVerifyGeneration)
	p.WebAclManagedByFirewallManager = c.FirewallManager
	p.MaxUploadBytes = jsii.Number(c.MaxUploadBytes)
	c.applyOperations(p)
	p.AllowS3Downloads = c.AllowS3Downloads
}

// FirewallManagerStack is the optional stack for the organisation's Firewall Manager
// administrator account (signet:firewallManager).
type FirewallManagerStack struct {
	awscdk.Stack
	Policy *firewallmanager.Policy
}

// newFirewallManagerStack adds "<StackName>-FirewallManager" in us-east-1 with the
// Firewall Manager policy that applies Signet's rule set to the tagged distribution.
func newFirewallManagerStack(app constructs.Construct, c Config) *FirewallManagerStack {
	env := &awscdk.Environment{Region: jsii.String(firewallmanager.Region)}
	if c.FirewallManagerAccount != "" {
		env.Account = jsii.String(c.FirewallManagerAccount)
	}
	st := awscdk.NewStack(app, jsii.String(c.StackName+"-FirewallManager"), &awscdk.StackProps{
		Env:         env,
		Description: jsii.String("Signet: Firewall Manager policy applying Signet's web ACL to its CloudFront distributions (deploy in the Firewall Manager administrator account)"),
	})
	policy := firewallmanager.NewPolicy(st, "Policy", &firewallmanager.PolicyProps{
		RateLimit: jsii.Number(c.WafRateLimit), BlockAnonymousIps: c.BlockAnonymousIps,
	})
	return &FirewallManagerStack{Stack: st, Policy: policy}
}

// checkOperations validates the monitoring and capacity keys.
func checkOperations(cfg Config, fail func(string, any, string, ...any)) {
	if e := cfg.AlarmEmail; e != "" && identity.CheckEmail(e) != "" {
		fail("signet:alarmEmail", e, "%s", identity.CheckEmail(e))
	}
	if d := cfg.SigningKeyMaxAgeDays; d < 1 || d > 365 || d != float64(int64(d)) {
		fail("signet:signingKeyMaxAgeDays", d, "must be a whole number of days from 1 to 365")
	}
	if m := cfg.DatabaseMinCapacity; m != -1 && (m < 0 || m > cfg.DatabaseMaxCapacity || m*2 != float64(int64(m*2))) {
		fail("signet:databaseMinCapacity", m, "must be from 0 (auto-pause) to signet:databaseMaxCapacity (%v) in steps of 0.5", cfg.DatabaseMaxCapacity)
	}
	if p := cfg.SignerProvisionedConcurrency; p != 0 && (p < 1 || p > cfg.SignerConcurrency || p != float64(int64(p))) {
		fail("signet:signerProvisionedConcurrency", p, "must be a whole number from 1 to signet:signerReservedConcurrency (%v)", cfg.SignerConcurrency)
	}
	if cfg.AlarmEmail != "" && !cfg.Monitoring {
		fail("signet:alarmEmail", cfg.AlarmEmail, "needs signet:monitoring true")
	}
}

// applyOperations sets the monitoring, scanning and capacity props.
func (c Config) applyOperations(p *signet.SignetProps) {
	p.DisableMonitoring = !c.Monitoring
	if c.AlarmEmail != "" {
		p.AlarmEmail = jsii.String(c.AlarmEmail)
	}
	p.SigningKeyMaxAge = awscdk.Duration_Days(jsii.Number(c.SigningKeyMaxAgeDays))
	p.MalwareScanning = c.MalwareScanning
	if c.DatabaseMinCapacity >= 0 {
		p.DatabaseMinCapacity = jsii.Number(c.DatabaseMinCapacity)
	}
	if c.SignerProvisionedConcurrency > 0 {
		p.SignerProvisionedConcurrency = jsii.Number(c.SignerProvisionedConcurrency)
	}
}
