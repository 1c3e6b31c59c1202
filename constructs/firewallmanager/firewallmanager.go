// Package firewallmanager applies Signet's WAF rule set through AWS Firewall Manager,
// the alternative to Signet creating its own CloudFront web ACL (package firewall).
//
// An organisation's Firewall Manager administrator account deploys a stack holding
// NewPolicy. It creates an AWS::FMS::Policy of type WAFV2 for
// AWS::CloudFront::Distribution resources carrying the tag DefaultTagKey =
// DefaultTagValue (or the TagKey/TagValue given), in every account of the
// organisation or only those listed. Firewall Manager then creates a web ACL in each
// account in scope and associates it with every tagged distribution, so the ACL is
// managed centrally and member accounts cannot loosen it.
//
// The rule set is package firewall's, in the same order (firewall.ManagedRuleGroupNames):
// the Amazon IP reputation list (and the anonymous IP list with BlockAnonymousIps),
// then the per-IP rate rule, then the core rule set and known bad inputs; default
// action allow (the distribution itself still demands signatures). A Firewall Manager
// policy can only list rule groups, not single rules, so the rate rule lives in an
// AWS::WAFv2::RuleGroup of this stack that the policy references by ARN.
//
// Which to use:
//   - package firewall (the default): Signet creates and logs its own web ACL;
//   - an existing web ACL: pass its ARN as WebAclArn to the edge or signet composite
//     (for example a web ACL a Firewall Manager policy created elsewhere);
//   - this package: the organisation's security team owns WAF for every Signet
//     deployment. The Signet distribution must then set no WebACLId itself (Firewall
//     Manager associates its web ACL; with overrideCustomerWebACLAssociation false, a
//     distribution that already has another web ACL is reported non-compliant and left
//     alone) and must carry the tag DefaultTagKey = DefaultTagValue.
//
// Prerequisites: AWS Organizations with all features; a Firewall Manager
// administrator account (this stack is deployed there); AWS Config recording
// CloudFront distributions in every member account in scope (Firewall Manager finds
// resources through Config). The stack must be in us-east-1: CLOUDFRONT-scope rule
// groups and Firewall Manager policies for CloudFront live there.
//
// Logging is not configured by this construct: a Firewall Manager WAF log
// destination must be a Firehose stream or S3 bucket named "aws-waf-logs-..." in the
// administrator account, and the policy's redacted-field names could not be checked
// here; without redaction the logs would hold viewers' signed cookies and URL
// signatures. Configure logging on the policy in the Firewall Manager console (redact
// the cookie and authorization headers and the query string).
package firewallmanager

import (
	"errors"
	"regexp"
	"unicode/utf8"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsfms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/firewall"
	"github.com/signet-cdk/signet/constructs/internal/naming"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// DefaultTagKey and DefaultTagValue are the resource tag Signet puts on its
// distribution when Firewall Manager manages its web ACL; the policy's scope.
const (
	DefaultTagKey   = "signet:web-acl"
	DefaultTagValue = "firewall-manager"
)

// Region is where the policy and its rule group must be created.
const Region = "us-east-1"

// RateRuleName is the rate rule's name inside the rule group, as in package firewall.
const RateRuleName = "RateLimitPerIp"

// rateRuleGroupCapacity is the WCUs the rate rule group reserves. A rate-based
// statement aggregating on IP costs 2 WCUs; 10 leaves room for a scope-down
// statement. The sum of the policy's rule groups (IP reputation 25, anonymous IP 50,
// core 700, known bad inputs 200, this 10) stays under the 1,500 WCUs a web ACL has
// without extra charge.
const rateRuleGroupCapacity = 10

// PolicyProps configures the policy. The zero value is the secure default.
type PolicyProps struct {
	// RateLimit is how many requests one IP address may make in any 5-minute window
	// before it is blocked, 100 to 2,000,000,000. Default: firewall.DefaultRateLimit.
	RateLimit *float64
	// BlockAnonymousIps adds the AWS anonymous IP list (VPNs, Tor, hosting providers).
	// Default: false.
	BlockAnonymousIps bool
	// TagKey and TagValue select the distributions in scope: those with this tag.
	// Default: DefaultTagKey and DefaultTagValue.
	TagKey   *string
	TagValue *string
	// IncludeAccounts are the 12-digit account ids in scope. Default: with no
	// IncludeOrganizationalUnits either, every account in the organisation.
	IncludeAccounts []*string
	// IncludeOrganizationalUnits are the OU ids ("ou-...") in scope, with their child
	// OUs and accounts. Default: none.
	IncludeOrganizationalUnits []*string
	// RemediationEnabled lets Firewall Manager create the web ACLs and associate them
	// with the distributions in scope; false only reports compliance. Default: true.
	RemediationEnabled *bool
}

// Policy is the Firewall Manager policy and the rule group holding the rate rule.
type Policy struct {
	constructs.Construct
	Policy        awsfms.CfnPolicy
	RateRuleGroup awswafv2.CfnRuleGroup
	// PolicyName is the generated policy name, unique per construct address.
	PolicyName *string
}

var (
	accountPattern = regexp.MustCompile(`^\d{12}$`)
	ouPattern      = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$`)
	// tagPattern is the character set AWS tags (and Firewall Manager's ResourceTag) allow.
	tagPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// ValidatePolicyProps checks props without building anything.
func ValidatePolicyProps(props *PolicyProps) error {
	if props == nil {
		return nil
	}
	c := propcheck.Checker{Construct: "firewallmanager"}
	if props.RateLimit != nil {
		if r := *props.RateLimit; r < 100 || r > 2e9 || !propcheck.Whole(r) {
			c.Fail("RateLimit", r, "must be a whole number from 100 to 2000000000 requests per 5 minutes")
		}
	}
	if k := props.TagKey; propcheck.Resolved(k) {
		switch n := utf8.RuneCountInString(*k); {
		case n == 0:
			c.Fail("TagKey", *k, "is empty; leave it nil for %q", DefaultTagKey)
		case n > 128:
			c.Fail("TagKey", *k, "is longer than 128 characters")
		case len(*k) >= 4 && (*k)[:4] == "aws:":
			c.Fail("TagKey", *k, "uses the reserved prefix \"aws:\", which no one can put on a distribution")
		case !tagPattern.MatchString(*k):
			c.Fail("TagKey", *k, "may hold only letters, digits, spaces and _ . : / = + - @")
		}
	}
	if v := props.TagValue; propcheck.Resolved(v) {
		switch n := utf8.RuneCountInString(*v); {
		case n == 0:
			c.Fail("TagValue", *v, "is empty; leave it nil for %q", DefaultTagValue)
		case n > 256:
			c.Fail("TagValue", *v, "is longer than 256 characters")
		case !tagPattern.MatchString(*v):
			c.Fail("TagValue", *v, "may hold only letters, digits, spaces and _ . : / = + - @")
		}
	}
	checkIds(&c, "IncludeAccounts", props.IncludeAccounts, accountPattern, "is not a 12-digit AWS account id")
	checkIds(&c, "IncludeOrganizationalUnits", props.IncludeOrganizationalUnits, ouPattern,
		"is not an organizational unit id (ou-<root>-<ou>, lowercase letters and digits)")
	return c.Err()
}

// checkIds rejects every id in ids that is nil, does not match pattern, or repeats.
func checkIds(c *propcheck.Checker, prop string, ids []*string, pattern *regexp.Regexp, reason string) {
	seen := map[string]bool{}
	for i, id := range ids {
		switch {
		case id == nil:
			c.Fail(prop, nil, "entry %d is nil", i)
		case !propcheck.Resolved(id):
		case !pattern.MatchString(*id):
			c.Fail(prop, *id, "%s", reason)
		case seen[*id]:
			c.Fail(prop, *id, "is listed twice")
		default:
			seen[*id] = true
		}
	}
}

// checkRegion rejects a stack outside us-east-1 (an unresolved region is let through).
func checkRegion(stack awscdk.Stack) error {
	if r := stack.Region(); propcheck.Resolved(r) && *r != Region {
		return &propcheck.Error{Construct: "firewallmanager", Prop: "scope", Value: *r,
			Reason: "is the stack's region; Firewall Manager policies and rule groups for CloudFront must be created in a us-east-1 stack"}
	}
	return nil
}

// NewPolicy creates the policy and its rate rule group in scope's stack, which must
// be in us-east-1 and deployed in the organisation's Firewall Manager administrator
// account.
func NewPolicy(scope constructs.Construct, id string, props *PolicyProps) *Policy {
	if props == nil {
		props = &PolicyProps{}
	}
	stack := awscdk.Stack_Of(scope)
	propcheck.MustAt(scope, id, errors.Join(ValidatePolicyProps(props), checkRegion(stack)))
	limit := float64(firewall.DefaultRateLimit)
	if props.RateLimit != nil {
		limit = *props.RateLimit
	}
	tagKey, tagValue := jsii.String(DefaultTagKey), jsii.String(DefaultTagValue)
	if props.TagKey != nil {
		tagKey = props.TagKey
	}
	if props.TagValue != nil {
		tagValue = props.TagValue
	}
	remediation := true
	if props.RemediationEnabled != nil {
		remediation = *props.RemediationEnabled
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	p := &Policy{Construct: c}

	// No Name: CloudFormation generates one, so a change that replaces the group
	// (its capacity) creates the new one before deleting the old.
	p.RateRuleGroup = awswafv2.NewCfnRuleGroup(c, jsii.String("RateRuleGroup"), &awswafv2.CfnRuleGroupProps{
		Scope:       jsii.String("CLOUDFRONT"),
		Capacity:    jsii.Number(rateRuleGroupCapacity),
		Description: jsii.String("Signet: per-IP rate limit, applied by Firewall Manager"),
		Rules: &[]any{&awswafv2.CfnRuleGroup_RuleProperty{
			Name:     jsii.String(RateRuleName),
			Priority: jsii.Number(0),
			Action:   &awswafv2.CfnRuleGroup_RuleActionProperty{Block: map[string]any{}},
			Statement: &awswafv2.CfnRuleGroup_StatementProperty{
				RateBasedStatement: &awswafv2.CfnRuleGroup_RateBasedStatementProperty{
					Limit:               jsii.Number(limit),
					AggregateKeyType:    jsii.String("IP"),
					EvaluationWindowSec: jsii.Number(300),
				},
			},
			VisibilityConfig: &awswafv2.CfnRuleGroup_VisibilityConfigProperty{
				CloudWatchMetricsEnabled: jsii.Bool(true),
				MetricName:               jsii.String(RateRuleName),
				SampledRequestsEnabled:   jsii.Bool(true),
			},
		}},
		VisibilityConfig: &awswafv2.CfnRuleGroup_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String("SignetRateRuleGroup"),
			SampledRequestsEnabled:   jsii.Bool(true),
		},
	})

	// The policy's name is derived from the construct's address so two never collide.
	p.PolicyName = jsii.String("signet-cloudfront-" + naming.AddressHash(c, 6))

	var includeMap *awsfms.CfnPolicy_IEMapProperty
	if len(props.IncludeAccounts)+len(props.IncludeOrganizationalUnits) > 0 {
		includeMap = &awsfms.CfnPolicy_IEMapProperty{}
		if len(props.IncludeAccounts) > 0 {
			includeMap.Account = &props.IncludeAccounts
		}
		if len(props.IncludeOrganizationalUnits) > 0 {
			includeMap.Orgunit = &props.IncludeOrganizationalUnits
		}
	}
	policyProps := &awsfms.CfnPolicyProps{
		PolicyName: p.PolicyName,
		// Firewall Manager allows only ASCII letters, digits, spaces and _.:/=+-@ here.
		PolicyDescription:   jsii.String("Signet: its WAF rule set on the tagged CloudFront distributions"),
		ResourceType:        jsii.String("AWS::CloudFront::Distribution"),
		ResourceTags:        &[]any{&awsfms.CfnPolicy_ResourceTagProperty{Key: tagKey, Value: tagValue}},
		ExcludeResourceTags: jsii.Bool(false),
		RemediationEnabled:  jsii.Bool(remediation),
		// Deleting the policy leaves the web ACLs in place: a distribution is never
		// left unprotected because this stack was removed.
		DeleteAllPolicyResources: jsii.Bool(false),
		SecurityServicePolicyData: &awsfms.CfnPolicy_SecurityServicePolicyDataProperty{
			Type:               jsii.String("WAFV2"),
			ManagedServiceData: stack.ToJsonString(managedServiceData(props.BlockAnonymousIps, p.RateRuleGroup.AttrArn()), nil),
		},
	}
	if includeMap != nil {
		policyProps.IncludeMap = includeMap
	}
	p.Policy = awsfms.NewCfnPolicy(c, jsii.String("Policy"), policyProps)
	return p
}

// managedServiceData is the policy's WAFV2 settings (Firewall Manager's
// ManagedServiceData JSON): the managed rule groups in package firewall's order with
// the rate rule group after the reputation lists, default action allow, and an
// existing association of another web ACL left alone. Keys Firewall Manager defaults
// to null (a managed group's ruleGroupArn and version) are left out: jsii drops null
// map values, and the default version of each managed group is the one wanted.
// stack.ToJsonString turns the rule group's ARN token into an Fn::Join.
func managedServiceData(blockAnonymousIps bool, rateRuleGroupArn *string) map[string]any {
	managed := func(name string) any {
		return map[string]any{
			"ruleGroupType":  "ManagedRuleGroup",
			"overrideAction": map[string]any{"type": "NONE"},
			"managedRuleGroupIdentifier": map[string]any{
				"vendorName":           "AWS",
				"managedRuleGroupName": name,
			},
			"excludeRules": []any{},
		}
	}
	groups := firewall.ManagedRuleGroupNames(blockAnonymousIps)
	var pre []any
	for _, name := range groups[:len(groups)-2] {
		pre = append(pre, managed(name))
	}
	pre = append(pre, map[string]any{
		"ruleGroupType":  "RuleGroup",
		"ruleGroupArn":   *rateRuleGroupArn,
		"overrideAction": map[string]any{"type": "NONE"},
		"excludeRules":   []any{},
	})
	for _, name := range groups[len(groups)-2:] {
		pre = append(pre, managed(name))
	}
	return map[string]any{
		"type":                              "WAFV2",
		"preProcessRuleGroups":              pre,
		"postProcessRuleGroups":             []any{},
		"defaultAction":                     map[string]any{"type": "ALLOW"},
		"overrideCustomerWebACLAssociation": false,
	}
}
