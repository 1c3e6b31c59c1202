// Package firewall is the WAFv2 web ACL in front of Signet's CloudFront distribution.
//
// A CLOUDFRONT-scope web ACL must live in us-east-1, so this construct belongs in the
// edge stack (or the main stack when that is in us-east-1). Secure defaults:
//   - AWS managed rule groups: Amazon IP reputation list, core rule set (common),
//     known bad inputs; the anonymous IP list (VPNs, Tor, hosting providers) when
//     BlockAnonymousIps is set, off by default because customers on corporate VPNs
//     would be blocked;
//   - a per-IP rate rule, 1000 requests per 5 minutes by default;
//   - default action allow (the distribution itself still demands signatures);
//   - CloudWatch metrics and sampled requests on every rule;
//   - full logging to a CloudWatch Logs group named "aws-waf-logs-..." (WAF requires the
//     prefix), encrypted with a customer-managed key whose policy admits CloudWatch Logs
//     for that one log group only, kept 1 year, retained on stack deletion.
//
// Teams whose web ACLs are managed by Firewall Manager skip this construct and pass
// the existing web ACL's ARN to the CDN instead.
package firewall

import (
	"errors"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/naming"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
	"github.com/signet-cdk/signet/constructs/keys"
)

// DefaultRateLimit is the default number of requests one IP may make in 5 minutes.
const DefaultRateLimit = 1000

// ManagedRuleGroupNames are the AWS managed rule groups of Signet's rule set, in
// evaluation order: the IP reputation list (and the anonymous IP list when
// blockAnonymousIps), then, after the per-IP rate rule, the core rule set and known
// bad inputs. Package firewallmanager applies the same set through Firewall Manager.
func ManagedRuleGroupNames(blockAnonymousIps bool) []string {
	names := []string{"AWSManagedRulesAmazonIpReputationList"}
	if blockAnonymousIps {
		names = append(names, "AWSManagedRulesAnonymousIpList")
	}
	return append(names, "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
}

// WebAclProps configures the web ACL. The zero value is the secure default.
type WebAclProps struct {
	// Regional makes a REGIONAL web ACL (for API Gateway) instead of a CLOUDFRONT one.
	// Default: false (CLOUDFRONT, which must be in us-east-1).
	Regional bool
	// RateLimit is how many requests one IP address may make in any 5-minute window
	// before it is blocked, 100 to 2,000,000,000. Default: DefaultRateLimit.
	RateLimit *float64
	// BlockAnonymousIps adds the AWS anonymous IP list (VPNs, Tor, hosting providers).
	// Default: false.
	BlockAnonymousIps bool
	// LogRetention for the WAF log group. Default: one year.
	LogRetention awslogs.RetentionDays
	// LogKey encrypts the WAF logs. Default: a new rotating customer-managed key.
	LogKey awskms.IKey
	// RemovalPolicy of the log group and the created key. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// RequiredHeader blocks, before any other rule, every request that does not carry
	// the header with one of the values: the API's regional web ACL requires the
	// secret header CloudFront adds (package originverify), so the execute-api host
	// cannot be used to go around the edge. Every request then comes from a CloudFront
	// address, so the per-IP rate rule is left out (the edge web ACL rate-limits by the
	// viewer's address). Default: none.
	RequiredHeader *RequiredHeader
}

// RequiredHeader is a header every request must carry with one of Values.
type RequiredHeader struct {
	Name   string
	Values []*string
}

// WebAcl is the web ACL and its logging.
type WebAcl struct {
	constructs.Construct
	WebAcl awswafv2.CfnWebACL
	// Arn is the web ACL's ARN, what CloudFront's WebACLId takes.
	Arn      *string
	LogGroup awslogs.LogGroup
	LogKey   awskms.IKey
}

// ValidateWebAclProps checks props without building anything.
func ValidateWebAclProps(props *WebAclProps) error {
	c := propcheck.Checker{Construct: "firewall"}
	if props == nil {
		props = &WebAclProps{}
	}
	if h := props.RequiredHeader; h != nil {
		if h.Name == "" || len(h.Values) == 0 || len(h.Values) > 2 {
			c.Fail("RequiredHeader", h.Name, "needs a header name and one or two values")
		}
		if props.RateLimit != nil {
			c.Fail("RateLimit", *props.RateLimit, "has no effect with RequiredHeader: every request comes from a CloudFront address")
		}
		if !props.Regional {
			c.Fail("RequiredHeader", h.Name, "applies to a REGIONAL web ACL behind CloudFront; set Regional")
		}
	}
	if props.RateLimit != nil {
		if r := *props.RateLimit; r < 100 || r > 2e9 || r != float64(int64(r)) {
			c.Fail("RateLimit", r, "must be a whole number from 100 to 2000000000 requests per 5 minutes")
		}
	}
	return c.Err()
}

// The core rule set's body size rule blocks bodies over 8 KB (AWS WAF Developer
// Guide, "Core rule set (CRS) managed rule group"). Completing a multipart upload
// lists every part (up to 10,000, about 1 MB), so Signet counts that rule and blocks
// on its label itself, except for that one route, whose handler caps the body at
// 2 MiB.
const (
	coreRuleSet           = "AWSManagedRulesCommonRuleSet"
	bodySizeRuleName      = "SizeRestrictions_BODY"
	bodySizeLabel         = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"
	MultipartCompletePath = "/api/uploads/multipart/complete"
)

// bodySizeRule matches a request the core rule set labelled as too large, unless it
// completes a multipart upload.
func bodySizeRule() *awswafv2.CfnWebACL_StatementProperty {
	label := &awswafv2.CfnWebACL_StatementProperty{LabelMatchStatement: &awswafv2.CfnWebACL_LabelMatchStatementProperty{
		Scope: jsii.String("LABEL"), Key: jsii.String(bodySizeLabel),
	}}
	complete := &awswafv2.CfnWebACL_StatementProperty{ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
		FieldToMatch:         &awswafv2.CfnWebACL_FieldToMatchProperty{UriPath: map[string]any{}},
		PositionalConstraint: jsii.String("EXACTLY"),
		SearchString:         jsii.String(MultipartCompletePath),
		TextTransformations:  &[]any{&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("NONE")}},
	}}
	notComplete := &awswafv2.CfnWebACL_StatementProperty{NotStatement: &awswafv2.CfnWebACL_NotStatementProperty{Statement: complete}}
	return &awswafv2.CfnWebACL_StatementProperty{AndStatement: &awswafv2.CfnWebACL_AndStatementProperty{Statements: &[]any{label, notComplete}}}
}

// notHeader matches a request whose header h.Name equals none of h.Values (exactly,
// no transformation).
func notHeader(h *RequiredHeader) *awswafv2.CfnWebACL_StatementProperty {
	var matches []any
	for _, v := range h.Values {
		matches = append(matches, &awswafv2.CfnWebACL_StatementProperty{ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
			FieldToMatch:         &awswafv2.CfnWebACL_FieldToMatchProperty{SingleHeader: map[string]any{"Name": h.Name}},
			PositionalConstraint: jsii.String("EXACTLY"),
			SearchString:         v,
			TextTransformations:  &[]any{&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("NONE")}},
		}})
	}
	inner := matches[0].(*awswafv2.CfnWebACL_StatementProperty)
	if len(matches) > 1 {
		inner = &awswafv2.CfnWebACL_StatementProperty{OrStatement: &awswafv2.CfnWebACL_OrStatementProperty{Statements: &matches}}
	}
	return &awswafv2.CfnWebACL_StatementProperty{NotStatement: &awswafv2.CfnWebACL_NotStatementProperty{Statement: inner}}
}

// checkRegion rejects a CLOUDFRONT-scope web ACL in a stack outside us-east-1.
func checkRegion(stack awscdk.Stack, props *WebAclProps) error {
	if r := stack.Region(); !props.Regional && propcheck.Resolved(r) && *r != "us-east-1" {
		return &propcheck.Error{Construct: "firewall", Prop: "scope", Value: *r,
			Reason: "is the stack's region; a CLOUDFRONT-scope web ACL must be created in a us-east-1 stack"}
	}
	return nil
}

// NewWebAcl creates the web ACL in scope's stack, which must be in us-east-1.
func NewWebAcl(scope constructs.Construct, id string, props *WebAclProps) *WebAcl {
	if props == nil {
		props = &WebAclProps{}
	}
	stack := awscdk.Stack_Of(scope)
	propcheck.MustAt(scope, id, errors.Join(ValidateWebAclProps(props), checkRegion(stack, props)))
	scopeName := "CLOUDFRONT"
	if props.Regional {
		scopeName = "REGIONAL"
	}
	removal := propcheck.RemovalOrRetain(props.RemovalPolicy)
	limit := float64(DefaultRateLimit)
	if props.RateLimit != nil {
		limit = *props.RateLimit
	}
	retention := props.LogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_YEAR
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	w := &WebAcl{Construct: c}

	var rules []any
	add := func(name string, stmt *awswafv2.CfnWebACL_StatementProperty, block bool) {
		r := &awswafv2.CfnWebACL_RuleProperty{
			Name:      jsii.String(name),
			Priority:  jsii.Number(float64(len(rules))),
			Statement: stmt,
			VisibilityConfig: &awswafv2.CfnWebACL_VisibilityConfigProperty{
				CloudWatchMetricsEnabled: jsii.Bool(true),
				MetricName:               jsii.String(name),
				SampledRequestsEnabled:   jsii.Bool(true),
			},
		}
		if block {
			r.Action = &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{}}
		} else {
			r.OverrideAction = &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}}
		}
		rules = append(rules, r)
	}
	managed := func(name string) {
		group := &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{VendorName: jsii.String("AWS"), Name: jsii.String(name)}
		if name == coreRuleSet {
			// Counted here, enforced by bodySizeRule below with one exception.
			group.RuleActionOverrides = &[]any{&awswafv2.CfnWebACL_RuleActionOverrideProperty{
				Name: jsii.String(bodySizeRuleName), ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: &awswafv2.CfnWebACL_CountActionProperty{}},
			}}
		}
		add(name, &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: group}, false)
		if name == coreRuleSet {
			add("BodySizeExceptMultipartComplete", bodySizeRule(), true)
		}
	}
	if h := props.RequiredHeader; h != nil {
		add("RequireOriginHeader", notHeader(h), true)
	}
	groups := ManagedRuleGroupNames(props.BlockAnonymousIps)
	for _, name := range groups[:len(groups)-2] {
		managed(name)
	}
	if props.RequiredHeader == nil {
		add("RateLimitPerIp", &awswafv2.CfnWebACL_StatementProperty{
			RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
				Limit:               jsii.Number(limit),
				AggregateKeyType:    jsii.String("IP"),
				EvaluationWindowSec: jsii.Number(300),
			},
		}, true)
	}
	for _, name := range groups[len(groups)-2:] {
		managed(name)
	}

	w.WebAcl = awswafv2.NewCfnWebACL(c, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Scope:         jsii.String(scopeName),
		DefaultAction: &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		Description:   jsii.String("Signet: protects the file distribution"),
		Rules:         &rules,
		VisibilityConfig: &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String("SignetWebAcl" + strings.ToLower(scopeName)),
			SampledRequestsEnabled:   jsii.Bool(true),
		},
	})
	w.Arn = w.WebAcl.AttrArn()

	// WAF only logs to groups whose name starts with "aws-waf-logs-"; the rest of the
	// name is derived from the construct's address so two deployments never collide.
	logGroupName := "aws-waf-logs-signet-" + naming.AddressHash(c, 6)
	logGroupArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("log-group"),
		ResourceName: jsii.String(logGroupName), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})

	w.LogKey = props.LogKey
	if w.LogKey == nil {
		w.LogKey = keys.NewRotatingKey(c, "LogKey", "Signet: encrypts WAF logs", removal, nil)
	}
	w.LogKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchLogsForWafLogGroup"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnEquals": map[string]any{"kms:EncryptionContext:aws:logs:arn": logGroupArn}},
	}), jsii.Bool(true))

	w.LogGroup = awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(logGroupName),
		EncryptionKey: w.LogKey,
		Retention:     retention,
		RemovalPolicy: removal,
	})
	// Viewers' signed cookies and authorization headers are credentials, and so is the
	// origin header.
	redacted := &[]any{
		&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": "cookie"}},
		&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": "authorization"}},
		&awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{QueryString: map[string]any{}},
	}
	if h := props.RequiredHeader; h != nil {
		*redacted = append(*redacted, &awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": h.Name}})
	}
	logging := awswafv2.NewCfnLoggingConfiguration(c, jsii.String("Logging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn:           w.Arn,
		LogDestinationConfigs: &[]any{logGroupArn},
		RedactedFields:        redacted,
	})
	logging.Node().AddDependency(w.LogGroup)
	return w
}
