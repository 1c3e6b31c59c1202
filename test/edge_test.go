package test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/stacks"
)

// fullEdgeContext turns every edge setting on in the split layout: two custom domain
// names in a hosted zone (alias records), IPv6, error pages, a root object, a price
// class, a log prefix, extra behaviours, a rotated origin header and Firewall
// Manager in place of Signet's web ACL.
func fullEdgeContext() map[string]any {
	return map[string]any{
		"signet:region":                 "eu-west-1",
		"signet:domainNames":            []any{"files.example.com", "share.example.com"},
		"signet:hostedZoneId":           "Z0123456789ABCDEFGHIJ",
		"signet:hostedZoneName":         "example.com",
		"signet:enableIpv6":             true,
		"signet:errorPages":             true,
		"signet:defaultRootObject":      "index.html",
		"signet:priceClass":             "PriceClass_100",
		"signet:logFilePrefix":          "edge-logs/",
		"signet:behaviors":              `[{"pathPattern":"/public/*","public":true},{"pathPattern":"/customers/*/video/*","caching":"disabled"}]`,
		"signet:originVerifyGeneration": 3,
		"signet:firewallManager":        true,
		"signet:firewallManagerAccount": "111122223333",
	}
}

var (
	fullEdgeOnce sync.Once
	fullEdgeApp  *synthesized
	fullEdgeErr  error
)

func fullEdge(t *testing.T) *synthesized {
	t.Helper()
	fullEdgeOnce.Do(func() { fullEdgeApp, fullEdgeErr = synth(fullEdgeContext(), false) })
	if fullEdgeErr != nil {
		t.Fatalf("synth with every edge setting failed: %v", fullEdgeErr)
	}
	return fullEdgeApp
}

// Managed CloudFront policy ids (CloudFront Developer Guide, managed cache and origin
// request policies).
const (
	cachingDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	allViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
)

func distributionConfig(t *testing.T, tmpl map[string]any) (string, map[string]any) {
	id, d := only(t, tmpl, "AWS::CloudFront::Distribution")
	return id, dig(d, "Properties", "DistributionConfig").(map[string]any)
}

func behaviorFor(dc map[string]any, pattern string) map[string]any {
	for _, b := range dc["CacheBehaviors"].([]any) {
		if dig(b, "PathPattern") == pattern {
			return b.(map[string]any)
		}
	}
	return nil
}

func originByID(dc map[string]any, id any) map[string]any {
	for _, o := range dc["Origins"].([]any) {
		if dig(o, "Id") == id {
			return o.(map[string]any)
		}
	}
	return nil
}

// secretRef is the dynamic reference CloudFormation resolves to a secret's value.
func secretRef(secretID string) string {
	return js(map[string]any{"Fn::Join": []any{"", []any{"{{resolve:secretsmanager:", map[string]any{"Ref": secretID}, ":SecretString:::}}"}}})
}

func secretIDs(tmpl map[string]any, prefix string) []string {
	var ids []string
	for id := range resources(tmpl, "AWS::SecretsManager::Secret") {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// The distribution serves the API under /api/*: every method, caching disabled, the
// viewer's headers (Authorization), query and cookies forwarded but not Host, no key
// group, to the execute-api origin at the stage, with the secret header.
func TestApiBehindTheDistribution(t *testing.T) {
	_, dc := distributionConfig(t, split.mainJSON)
	api := behaviorFor(dc, "/api/*")
	if api == nil {
		t.Fatalf("no /api/* behaviour: %s", js(dc["CacheBehaviors"]))
	}
	if got := js(api["AllowedMethods"]); got != `["GET","HEAD","OPTIONS","PUT","PATCH","POST","DELETE"]` {
		t.Errorf("methods %s", got)
	}
	if api["CachePolicyId"] != cachingDisabled || api["OriginRequestPolicyId"] != allViewerExceptHostHeader || api["TrustedKeyGroups"] != nil || api["ViewerProtocolPolicy"] != "https-only" {
		t.Errorf("api behaviour %s", js(api))
	}
	origin := originByID(dc, api["TargetOriginId"])
	restID, _ := only(t, split.mainJSON, "AWS::ApiGateway::RestApi")
	if origin == nil || !strings.Contains(js(origin["DomainName"]), `{"Ref":"`+restID+`"},".execute-api.eu-west-1."`) || origin["OriginPath"] != "/v1" ||
		js(dig(origin, "CustomOriginConfig", "OriginSSLProtocols")) != `["TLSv1.2"]` || dig(origin, "CustomOriginConfig", "OriginProtocolPolicy") != "https-only" {
		t.Fatalf("api origin %s", js(origin))
	}
	secrets := secretIDs(split.mainJSON, "OriginVerify")
	if len(secrets) != 1 {
		t.Fatalf("origin secrets %v", secrets)
	}
	if got := js(dig(origin, "OriginCustomHeaders")); got != `[{"HeaderName":"x-signet-origin-verify","HeaderValue":`+secretRef(secrets[0])+`}]` {
		t.Errorf("origin header %s", got)
	}
	// The signer reads the viewer's address from the edge's X-Forwarded-For.
	_, signer := apiFunction(t, split.mainJSON, "ApiSignerFunction")
	if dig(signer, "Properties", "Environment", "Variables", "SIGNET_BEHIND_EDGE") != "true" {
		t.Errorf("signer environment %s", js(dig(signer, "Properties", "Environment")))
	}
	// The client's URL is the distribution's.
	distID, _ := only(t, split.mainJSON, "AWS::CloudFront::Distribution")
	out := dig(split.mainJSON, "Outputs", "ApiUrl", "Value")
	if js(out) != `{"Fn::Join":["",["https://",{"Fn::GetAtt":["`+distID+`","DomainName"]},"/api/"]]}` {
		t.Errorf("ApiUrl %s", js(out))
	}
	// Routes live under /api on the REST API, as CloudFront passes the path on.
	paths := map[string]bool{}
	for _, r := range resources(split.mainJSON, "AWS::ApiGateway::Resource") {
		paths[fmt.Sprint(dig(r, "Properties", "PathPart"))] = true
	}
	for _, p := range []string{"api", "downloads", "uploads", "files", "admin"} {
		if !paths[p] {
			t.Errorf("no /%s resource: %v", p, keys(paths))
		}
	}
}

// The value is generated by Secrets Manager and only referenced: no template holds it.
func TestOriginHeaderSecretIsGeneratedAndReferenced(t *testing.T) {
	for _, id := range secretIDs(split.mainJSON, "OriginVerify") {
		s := resources(split.mainJSON, "AWS::SecretsManager::Secret")[id]
		p := props(s)
		if p["SecretString"] != nil || dig(p, "GenerateSecretString", "PasswordLength") != 48.0 || dig(p, "GenerateSecretString", "ExcludePunctuation") != true || p["KmsKeyId"] == nil {
			t.Errorf("secret %s: %s", id, js(p))
		}
	}
}

// The API's regional web ACL blocks, before any other rule, every request without
// the header CloudFront adds, keeps the header out of its logs, and leaves the per-IP
// rate rule to the edge (every request comes from a CloudFront address).
func TestRegionalWebAclRequiresTheOriginHeader(t *testing.T) {
	aclID, acl := only(t, split.mainJSON, "AWS::WAFv2::WebACL")
	rules := dig(acl, "Properties", "Rules").([]any)
	first := rules[0]
	secret := secretIDs(split.mainJSON, "OriginVerify")[0]
	match := dig(first, "Statement", "NotStatement", "Statement", "ByteMatchStatement")
	if dig(first, "Name") != "RequireOriginHeader" || dig(first, "Action", "Block") == nil || dig(first, "Priority") != 0.0 ||
		js(dig(match, "FieldToMatch")) != `{"SingleHeader":{"Name":"x-signet-origin-verify"}}` || dig(match, "PositionalConstraint") != "EXACTLY" ||
		js(dig(match, "SearchString")) != secretRef(secret) {
		t.Errorf("first rule %s", js(first))
	}
	if names := strings.Join(ruleNames(acl), ","); strings.Contains(names, "RateLimitPerIp") {
		t.Errorf("regional rules %s", names)
	}
	_, logging := only(t, split.mainJSON, "AWS::WAFv2::LoggingConfiguration")
	if !strings.Contains(js(dig(logging, "Properties", "RedactedFields")), `{"SingleHeader":{"Name":"x-signet-origin-verify"}}`) {
		t.Errorf("redacted %s", js(dig(logging, "Properties", "RedactedFields")))
	}
	// The distribution waits for the web ACL, so a new value is accepted before any
	// edge sends it.
	distID, _ := only(t, split.mainJSON, "AWS::CloudFront::Distribution")
	dist := resources(split.mainJSON, "AWS::CloudFront::Distribution")[distID]
	if !strings.Contains(js(dist["DependsOn"]), aclID) {
		t.Errorf("distribution depends on %s, not on %s", js(dist["DependsOn"]), aclID)
	}
}

// The defaults: no error pages, no root object, every edge location, logs under
// cloudfront/, no records without a zone.
func TestEdgeDefaults(t *testing.T) {
	_, dc := distributionConfig(t, split.mainJSON)
	if dc["CustomErrorResponses"] != nil || dc["DefaultRootObject"] != nil || dc["PriceClass"] != "PriceClass_All" || dig(dc, "Logging", "Prefix") != "cloudfront/" {
		t.Errorf("defaults %s", js(dc))
	}
	if n := len(dc["CacheBehaviors"].([]any)); n != 1 {
		t.Errorf("%d behaviours", n)
	}
	if rs := resources(split.mainJSON, "AWS::Route53::RecordSet"); len(rs) != 0 {
		t.Errorf("records without a zone: %v", keys(rs))
	}
}

// Every setting from context reaches the template.
func TestEdgeSettingsFromContext(t *testing.T) {
	s := fullEdge(t)
	_, dc := distributionConfig(t, s.mainJSON)
	if dc["DefaultRootObject"] != "index.html" || dc["PriceClass"] != "PriceClass_100" || dig(dc, "Logging", "Prefix") != "edge-logs/" || dc["IPV6Enabled"] != true {
		t.Errorf("settings %s", js(dc))
	}
	if got := js(dc["CustomErrorResponses"]); got != `[{"ErrorCachingMinTTL":60,"ErrorCode":403,"ResponseCode":403,"ResponsePagePath":"/api/pages/link-error"}]` {
		t.Errorf("error responses %s", got)
	}
	var order []string
	for _, b := range dc["CacheBehaviors"].([]any) {
		order = append(order, dig(b, "PathPattern").(string))
	}
	if strings.Join(order, " ") != "/api/* /customers/*/video/* /public/*" {
		t.Errorf("behaviour order %v", order)
	}
	if b := behaviorFor(dc, "/public/*"); b["TrustedKeyGroups"] != nil {
		t.Errorf("public behaviour %s", js(b))
	}
	if b := behaviorFor(dc, "/customers/*/video/*"); b["TrustedKeyGroups"] == nil || b["CachePolicyId"] != cachingDisabled {
		t.Errorf("private behaviour %s", js(b))
	}
	// The error page: a mock method with no authorizer, HTML, nothing else.
	var page map[string]any
	for _, m := range resources(s.mainJSON, "AWS::ApiGateway::Method") {
		if dig(m, "Properties", "Integration", "Type") == "MOCK" && dig(m, "Properties", "HttpMethod") == "GET" {
			page = m
		}
	}
	if page == nil || dig(page, "Properties", "AuthorizationType") != "NONE" ||
		!strings.Contains(fmt.Sprint(dig(page, "Properties", "Integration", "IntegrationResponses", 0, "ResponseTemplates", "text/html")), "This link does not open a file") {
		t.Errorf("error page method %s", js(page))
	}
	// Two generations accepted, the current one sent.
	secrets := secretIDs(s.mainJSON, "OriginVerify")
	if len(secrets) != 2 || !strings.HasPrefix(secrets[0], "OriginVerifyGeneration2") || !strings.HasPrefix(secrets[1], "OriginVerifyGeneration3") {
		t.Fatalf("secrets %v", secrets)
	}
	_, acl := only(t, s.mainJSON, "AWS::WAFv2::WebACL")
	accepted := js(dig(acl, "Properties", "Rules", 0, "Statement", "NotStatement", "Statement", "OrStatement", "Statements"))
	if !strings.Contains(accepted, secretRef(secrets[0])) || !strings.Contains(accepted, secretRef(secrets[1])) {
		t.Errorf("accepted values %s", accepted)
	}
	api := behaviorFor(dc, "/api/*")
	if got := js(dig(originByID(dc, api["TargetOriginId"]), "OriginCustomHeaders", 0, "HeaderValue")); got != secretRef(secrets[1]) {
		t.Errorf("sent value %s", got)
	}
}

// Alias A and AAAA records for each name, in the zone, at the distribution.
func TestAliasRecords(t *testing.T) {
	s := fullEdge(t)
	distID, _ := only(t, s.mainJSON, "AWS::CloudFront::Distribution")
	got := map[string]int{}
	for _, r := range resources(s.mainJSON, "AWS::Route53::RecordSet") {
		p := props(r)
		if p["HostedZoneId"] != "Z0123456789ABCDEFGHIJ" || js(dig(p, "AliasTarget", "DNSName")) != `{"Fn::GetAtt":["`+distID+`","DomainName"]}` ||
			dig(p, "AliasTarget", "HostedZoneId") == nil {
			t.Errorf("record %s", js(p))
		}
		got[fmt.Sprint(p["Name"], " ", p["Type"])]++
	}
	want := map[string]int{"files.example.com. A": 1, "files.example.com. AAAA": 1, "share.example.com. A": 1, "share.example.com. AAAA": 1}
	if js(got) != js(want) {
		t.Errorf("records %v", got)
	}
	// Without IPv6 only A records (the split layout with a domain).
	for _, r := range resources(splitDomain(t).mainJSON, "AWS::Route53::RecordSet") {
		if dig(r, "Properties", "Type") != "A" {
			t.Errorf("AAAA without IPv6: %s", js(r))
		}
	}
}

// With Firewall Manager the distribution sets no web ACL and carries the tag the
// policy selects; the edge stack holds only the certificate; the policy has its own
// stack in us-east-1 in the administrator account.
func TestFirewallManagerLayout(t *testing.T) {
	s := fullEdge(t)
	distID, dc := distributionConfig(t, s.mainJSON)
	if dc["WebACLId"] != nil {
		t.Errorf("web ACL set: %v", dc["WebACLId"])
	}
	tags := js(dig(resources(s.mainJSON, "AWS::CloudFront::Distribution")[distID], "Properties", "Tags"))
	if !strings.Contains(tags, `{"Key":"signet:web-acl","Value":"firewall-manager"}`) {
		t.Errorf("tags %s", tags)
	}
	if acls := resources(s.edgeJSON, "AWS::WAFv2::WebACL"); len(acls) != 0 {
		t.Errorf("edge web ACLs %v", keys(acls))
	}
	only(t, s.edgeJSON, "AWS::CertificateManager::Certificate")
	fms := s.dep.FirewallManager
	if fms == nil || *fms.Region() != "us-east-1" || *fms.Account() != "111122223333" {
		t.Fatalf("firewall manager stack %v", fms)
	}
	assertions.Template_FromStack(fms.Stack, nil).ResourceCountIs(jsii.String("AWS::FMS::Policy"), jsii.Number(1))
}

// The split layout with a custom domain and a zone: the certificate crosses from the
// us-east-1 stack by CDK's cross-region reference, and no template has a dependency
// cycle (CloudFormation would refuse it at deploy).
func TestSplitLayoutReferencesAndNoCycle(t *testing.T) {
	for name, s := range map[string]*synthesized{"split": split, "single": single, "split-domain": splitDomain(t), "full": fullEdge(t)} {
		for _, st := range s.dep.Stacks() {
			tmpl := toMap(assertions.Template_FromStack(st, nil))
			if cycle := findCycle(tmpl); cycle != nil {
				t.Errorf("%s/%s: cycle %v", name, *st.StackName(), cycle)
			}
		}
	}
	_, dc := distributionConfig(t, fullEdge(t).mainJSON)
	cert := js(dig(dc, "ViewerCertificate", "AcmCertificateArn"))
	if !strings.Contains(cert, `"Fn::GetStackOutput"`) || !strings.Contains(cert, `"Region":"us-east-1"`) || !strings.Contains(cert, `"StackName":"Signet-Edge"`) {
		t.Errorf("certificate is not a cross-region reference: %s", cert)
	}
}

// findCycle returns a dependency cycle among tmpl's resources (Ref, Fn::GetAtt,
// Fn::Sub names and DependsOn), or nil.
func findCycle(tmpl map[string]any) []string {
	res, _ := tmpl["Resources"].(map[string]any)
	deps := map[string][]string{}
	for id, r := range res {
		seen := map[string]bool{}
		collectRefs(r.(map[string]any)["Properties"], res, seen)
		switch d := r.(map[string]any)["DependsOn"].(type) {
		case string:
			seen[d] = true
		case []any:
			for _, x := range d {
				seen[x.(string)] = true
			}
		}
		deps[id] = keys(seen)
	}
	state := map[string]int{}
	var stack []string
	var visit func(string) []string
	visit = func(id string) []string {
		state[id] = 1
		stack = append(stack, id)
		for _, d := range deps[id] {
			if state[d] == 1 {
				return append(append([]string{}, stack...), d)
			}
			if state[d] == 0 {
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		state[id] = 2
		stack = stack[:len(stack)-1]
		return nil
	}
	for _, id := range keys(deps) {
		if state[id] == 0 {
			if c := visit(id); c != nil {
				return c
			}
		}
	}
	return nil
}

func collectRefs(v any, res map[string]any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["Ref"].(string); ok && res[r] != nil {
			out[r] = true
		}
		if g, ok := x["Fn::GetAtt"].([]any); ok && len(g) > 0 {
			if id, ok := g[0].(string); ok && res[id] != nil {
				out[id] = true
			}
		}
		for _, y := range x {
			collectRefs(y, res, out)
		}
	case []any:
		for _, y := range x {
			collectRefs(y, res, out)
		}
	}
}

// The edge stacks of every new layout pass the five nag packs.
func TestEdgeLayoutsPassNag(t *testing.T) {
	s := fullEdge(t)
	for _, st := range s.dep.Stacks() {
		errs := assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(".*")))
		for _, e := range *errs {
			t.Errorf("%s %s: %v", *st.StackName(), *e.Id, e.Entry.Data)
		}
	}
}

// Bad edge settings fail with every problem named at once.
func TestEdgeContextIsChecked(t *testing.T) {
	ctx := map[string]any{
		"signet:region":                 "eu-west-1",
		"signet:webAclArn":              "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/00000000-0000-0000-0000-000000000000",
		"signet:firewallManager":        true,
		"signet:priceClass":             "PriceClass_Cheap",
		"signet:originVerifyGeneration": 0,
		"signet:defaultRootObject":      "/index.html",
		"signet:domainNames":            []any{"files.other.org"},
		"signet:hostedZoneId":           "Z0123456789ABCDEFGHIJ",
		"signet:hostedZoneName":         "example.com",
		"signet:behaviors":              `[{"pathPattern":"/reports/*","public":true},{"pathPattern":"/api/x/*"},{"pathPattern":"/p/*","caching":"sometimes"}]`,
	}
	_, err := stacks.ConfigFromContext(func(k string) any { return ctx[k] })
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"signet:firewallManager=true: conflicts with signet:webAclArn",
		`signet:priceClass="PriceClass_Cheap"`,
		"signet:originVerifyGeneration=0",
		`signet:defaultRootObject="/index.html"`,
		`signet:domainNames="files.other.org": is not in signet:hostedZoneName example.com`,
		"signet:behaviors[0].public=true: only a pattern under /public/",
		`signet:behaviors[1].pathPattern="/api/x/*": is under /api`,
		`signet:behaviors[2].caching="sometimes"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	ctx = map[string]any{"signet:region": "eu-west-1", "signet:behaviors": `[{"pathPattern":"/p/*","Public":true}]`}
	if _, err := stacks.ConfigFromContext(func(k string) any { return ctx[k] }); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Errorf("unknown field: %v", err)
	}
}

// apiFunction is the Lambda function whose logical id starts with prefix.
func apiFunction(t *testing.T, tmpl map[string]any, prefix string) (string, map[string]any) {
	t.Helper()
	for id, f := range resources(tmpl, "AWS::Lambda::Function") {
		if strings.HasPrefix(id, prefix) {
			return id, f
		}
	}
	t.Fatalf("no function %s*", prefix)
	return "", nil
}

// In the split layout the CloudFront and edge-WAF alarms live in a third stack in
// us-east-1 (their metrics exist only there), reading the distribution id from the
// main stack; a single us-east-1 stack holds them itself.
func TestEdgeAlarmsWhereTheirMetricsAre(t *testing.T) {
	em := split.dep.EdgeMonitoring
	if em == nil || *em.Region() != "us-east-1" {
		t.Fatalf("edge monitoring stack %v", em)
	}
	tmpl := toMap(assertions.Template_FromStack(em.Stack, nil))
	alarms := resources(tmpl, "AWS::CloudWatch::Alarm")
	if len(alarms) != 2 {
		t.Fatalf("edge alarms %v", keys(alarms))
	}
	body := js(alarms)
	if !strings.Contains(body, `"Fn::GetStackOutput"`) || !strings.Contains(body, `"StackName":"Signet"`) || !strings.Contains(body, "5xxErrorRate") || !strings.Contains(body, "BlockedRequests") {
		t.Errorf("edge alarms: %s", body)
	}
	for _, a := range resources(split.mainJSON, "AWS::CloudWatch::Alarm") {
		if strings.Contains(js(a), "AWS/CloudFront") {
			t.Errorf("a CloudFront alarm in the eu-west-1 stack: %s", js(a))
		}
	}
	var cloudFront bool
	for _, a := range resources(single.mainJSON, "AWS::CloudWatch::Alarm") {
		cloudFront = cloudFront || strings.Contains(js(a), "5xxErrorRate")
	}
	if single.dep.EdgeMonitoring != nil || !cloudFront {
		t.Errorf("single us-east-1 stack: own edge monitoring stack %v, CloudFront alarm %v", single.dep.EdgeMonitoring != nil, cloudFront)
	}
}

// opsContext turns the operations options on: scanning, provisioned concurrency, an
// alarm email, a minimum capacity and a key-age limit.
func opsContext() map[string]any {
	return map[string]any{
		"signet:region": "eu-west-1", "signet:malwareScanning": true, "signet:signerProvisionedConcurrency": 5,
		"signet:alarmEmail": "ops@example.com", "signet:databaseMinCapacity": 0.5, "signet:signingKeyMaxAgeDays": 30,
		"signet:signerReservedConcurrency": 10,
	}
}

var (
	opsOnce sync.Once
	opsApp  *synthesized
	opsErr  error
)

// The operations options reach the template: GuardDuty's plan and the signer's gate,
// the "live" alias with provisioned concurrency that the API invokes, reserved
// concurrency, the email subscription, Aurora's minimum and the key-age threshold; and
// the five nag packs stay clean.
func TestOperationsOptions(t *testing.T) {
	opsOnce.Do(func() { opsApp, opsErr = synth(opsContext(), false) })
	if opsErr != nil {
		t.Fatal(opsErr)
	}
	m := opsApp.mainJSON
	_, plan := only(t, m, "AWS::GuardDuty::MalwareProtectionPlan")
	if dig(plan, "Properties", "Actions", "Tagging", "Status") != "ENABLED" {
		t.Errorf("plan %s", js(plan))
	}
	_, signer := apiFunction(t, m, "ApiSignerFunction")
	if dig(signer, "Properties", "Environment", "Variables", "SIGNET_MALWARE_SCANNING") != "true" || dig(signer, "Properties", "ReservedConcurrentExecutions") != 10.0 {
		t.Errorf("signer %s", js(props(signer)))
	}
	aliasID, alias := only(t, m, "AWS::Lambda::Alias")
	if dig(alias, "Properties", "Name") != "live" || dig(alias, "Properties", "ProvisionedConcurrencyConfig", "ProvisionedConcurrentExecutions") != 5.0 {
		t.Errorf("alias %s", js(alias))
	}
	invokesAlias := false
	for _, meth := range resources(m, "AWS::ApiGateway::Method") {
		invokesAlias = invokesAlias || strings.Contains(js(dig(meth, "Properties", "Integration", "Uri")), aliasID)
	}
	if !invokesAlias {
		t.Error("the API does not invoke the live alias")
	}
	_, sub := only(t, m, "AWS::SNS::Subscription")
	if dig(sub, "Properties", "Protocol") != "email" || dig(sub, "Properties", "Endpoint") != "ops@example.com" {
		t.Errorf("subscription %s", js(sub))
	}
	_, cluster := only(t, m, "AWS::RDS::DBCluster")
	if dig(cluster, "Properties", "ServerlessV2ScalingConfiguration", "MinCapacity") != 0.5 {
		t.Errorf("cluster scaling %s", js(dig(cluster, "Properties", "ServerlessV2ScalingConfiguration")))
	}
	var age bool
	for _, a := range resources(m, "AWS::CloudWatch::Alarm") {
		age = age || (dig(a, "Properties", "MetricName") == "SigningKeyAgeDays" && dig(a, "Properties", "Threshold") == 30.0)
	}
	if !age {
		t.Error("no key-age alarm at 30 days")
	}
	for _, st := range opsApp.dep.Stacks() {
		for _, e := range *assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(".*"))) {
			t.Errorf("%s %s: %v", *st.StackName(), *e.Id, e.Entry.Data)
		}
	}
	// The signer may never write the scan verdict.
	var denied bool
	for id, pol := range resources(m, "AWS::IAM::Policy") {
		if strings.HasPrefix(id, "ApiSignerRole") {
			for _, st := range statements(dig(pol, "Properties", "PolicyDocument")) {
				denied = denied || (st["Effect"] == "Deny" && strings.Contains(js(actions(st)), "s3:PutObjectTagging"))
			}
		}
	}
	if !denied {
		t.Error("the signer may tag objects")
	}
}
