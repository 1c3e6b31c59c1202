package test

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/edge"
)

func ruleNames(acl map[string]any) []string {
	var names []string
	for _, r := range dig(acl, "Properties", "Rules").([]any) {
		names = append(names, dig(r, "Name").(string))
	}
	return names
}

func TestWebAclInEdgeStack(t *testing.T) {
	if split.edge == nil {
		t.Fatal("default app has no edge stack")
	}
	if r := *split.dep.EdgeStack.Region(); r != "us-east-1" {
		t.Fatalf("edge stack region %s", r)
	}
	_, acl := only(t, split.edgeJSON, "AWS::WAFv2::WebACL")
	if dig(acl, "Properties", "Scope") != "CLOUDFRONT" || dig(acl, "Properties", "DefaultAction", "Allow") == nil {
		t.Errorf("scope/default: %s", js(props(acl)))
	}
	want := "AWSManagedRulesAmazonIpReputationList,RateLimitPerIp,AWSManagedRulesCommonRuleSet,BodySizeExceptMultipartComplete,AWSManagedRulesKnownBadInputsRuleSet"
	if got := strings.Join(ruleNames(acl), ","); got != want {
		t.Errorf("rules %s, want %s", got, want)
	}
	for _, r := range dig(acl, "Properties", "Rules").([]any) {
		if dig(r, "Name") == "AWSManagedRulesCommonRuleSet" && js(dig(r, "Statement", "ManagedRuleGroupStatement", "RuleActionOverrides")) != `[{"ActionToUse":{"Count":{}},"Name":"SizeRestrictions_BODY"}]` {
			t.Errorf("core rule set: the 8 KB body rule is not counted: %s", js(r))
		}
		if dig(r, "Name") == "BodySizeExceptMultipartComplete" {
			st := js(dig(r, "Statement", "AndStatement", "Statements"))
			if dig(r, "Action", "Block") == nil || !strings.Contains(st, `"Key":"awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"`) ||
				!strings.Contains(st, `"NotStatement":{"Statement":{"ByteMatchStatement":{"FieldToMatch":{"UriPath":{}},"PositionalConstraint":"EXACTLY","SearchString":"/api/uploads/multipart/complete"`) {
				t.Errorf("body-size rule: %s", js(r))
			}
		}
		if dig(r, "Name") == "RateLimitPerIp" {
			if dig(r, "Statement", "RateBasedStatement", "Limit") != 1000.0 || dig(r, "Statement", "RateBasedStatement", "AggregateKeyType") != "IP" || dig(r, "Action", "Block") == nil {
				t.Errorf("rate rule: %s", js(r))
			}
		}
	}
	aclID, _ := only(t, split.edgeJSON, "AWS::WAFv2::WebACL")
	_, logging := only(t, split.edgeJSON, "AWS::WAFv2::LoggingConfiguration")
	if !refersTo(dig(logging, "Properties", "ResourceArn"), aclID) || !strings.Contains(js(dig(logging, "Properties", "LogDestinationConfigs")), "aws-waf-logs-signet-") {
		t.Errorf("logging: %s", js(props(logging)))
	}
	_, lg := only(t, split.edgeJSON, "AWS::Logs::LogGroup")
	if dig(lg, "Properties", "KmsKeyId") == nil || dig(lg, "Properties", "RetentionInDays") != 365.0 || lg["DeletionPolicy"] != "Retain" {
		t.Errorf("waf log group: %s", js(lg))
	}
	// The main stack's only web ACL is the API's regional one.
	for id, acl := range resources(split.mainJSON, "AWS::WAFv2::WebACL") {
		if !strings.HasPrefix(id, "ApiFirewall") || dig(acl, "Properties", "Scope") != "REGIONAL" {
			t.Errorf("main stack web ACL %s: %s", id, js(props(acl)))
		}
	}
}

func TestSingleStackHoldsWebAclWithOptions(t *testing.T) {
	if single.edge != nil {
		t.Fatal("us-east-1 app should be one stack")
	}
	var id string
	var acl map[string]any
	for k, v := range resources(single.mainJSON, "AWS::WAFv2::WebACL") {
		if strings.HasPrefix(k, "EdgeFirewall") {
			id, acl = k, v
		}
	}
	if acl == nil {
		t.Fatal("no CloudFront web ACL in the single stack")
	}
	if !strings.Contains(strings.Join(ruleNames(acl), ","), "AWSManagedRulesAnonymousIpList") {
		t.Errorf("anonymous IP list missing: %v", ruleNames(acl))
	}
	if !strings.Contains(js(acl), `"Limit":500`) {
		t.Error("rate limit from context not applied")
	}
	_, d := only(t, single.mainJSON, "AWS::CloudFront::Distribution")
	if !refersTo(dig(d, "Properties", "DistributionConfig", "WebACLId"), id) {
		t.Errorf("distribution web ACL: %s", js(dig(d, "Properties", "DistributionConfig", "WebACLId")))
	}
}

// An existing web ACL (for example one Firewall Manager manages) replaces Signet's.
func TestExistingWebAclIsUsedInstead(t *testing.T) {
	const arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/fms-managed/11111111-2222-3333-4444-555555555555"
	e := edge.NewEdge(newStack("us-east-1"), "Edge", &edge.EdgeProps{WebAclArn: jsii.String(arn)})
	if e.Firewall != nil || e.WebAclArn == nil || *e.WebAclArn != arn {
		t.Fatalf("firewall %v, arn %v", e.Firewall, e.WebAclArn)
	}
}
