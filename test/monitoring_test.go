package test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/firewall"
	"github.com/signet-cdk/signet/constructs/monitoring"
	"github.com/signet-cdk/signet/internal/guardcheck/guard"
	"github.com/signet-cdk/signet/stacks"
)

const (
	monDistributionId = "E2QWRUHAPOMQZL"
	monEdgeAclArn     = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/signet-edge/11111111-2222-3333-4444-555555555555"
	monApiName        = "SignetApi"
	monMaxCapacity    = 8
)

// monFixture is a stack "T" with stand-ins for what Signet's composite passes
// (three Lambdas with inline code, a REST API, a Serverless v2 cluster, a regional
// firewall.WebAcl) and a monitoring.Monitoring "Monitoring" watching all of them, the
// distribution id and the CloudFront web ACL (in us-east-1 a firewall.WebAcl of its
// own, elsewhere a literal ARN).
type monFixture struct {
	app                    awscdk.App
	outdir                 string
	stack                  awscdk.Stack
	signer, admin, keygen  awslambda.Function
	api                    awsapigateway.RestApi
	cluster                awsrds.DatabaseCluster
	regionalAcl, edgeAcl   *firewall.WebAcl // edgeAcl only in us-east-1
	m                      *monitoring.Monitoring
	tmpl                   map[string]any
	topicID, regionalAclID string
}

func newMonFixture(t *testing.T, region string, edit func(*monitoring.MonitoringProps)) *monFixture {
	t.Helper()
	f := &monFixture{outdir: t.TempDir()}
	f.app = awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(f.outdir), AnalyticsReporting: jsii.Bool(false)})
	f.stack = awscdk.NewStack(f.app, jsii.String("T"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(region)}})
	fn := func(id string) awslambda.Function {
		return awslambda.NewFunction(f.stack, jsii.String(id), &awslambda.FunctionProps{
			Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"),
			Code: awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({statusCode: 200});")),
		})
	}
	f.signer, f.admin, f.keygen = fn("Signer"), fn("Admin"), fn("Keygen")
	f.api = awsapigateway.NewRestApi(f.stack, jsii.String("Api"), &awsapigateway.RestApiProps{RestApiName: jsii.String(monApiName)})
	f.api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), nil)
	vpc := awsec2.NewVpc(f.stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs: jsii.Number(2), NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{Name: jsii.String("isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}},
	})
	f.cluster = awsrds.NewDatabaseCluster(f.stack, jsii.String("Db"), &awsrds.DatabaseClusterProps{
		Engine:                  awsrds.DatabaseClusterEngine_AuroraPostgres(&awsrds.AuroraPostgresClusterEngineProps{Version: awsrds.AuroraPostgresEngineVersion_VER_17_5()}),
		Writer:                  awsrds.ClusterInstance_ServerlessV2(jsii.String("Writer"), nil),
		ServerlessV2MaxCapacity: jsii.Number(monMaxCapacity),
		Vpc:                     vpc,
		VpcSubnets:              &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
	})
	f.regionalAcl = firewall.NewWebAcl(f.stack, "RegionalAcl", &firewall.WebAclProps{Regional: true})
	edgeArn := jsii.String(monEdgeAclArn)
	if region == "us-east-1" {
		f.edgeAcl = firewall.NewWebAcl(f.stack, "EdgeAcl", nil)
		edgeArn = f.edgeAcl.Arn
	}
	mp := &monitoring.MonitoringProps{
		SignerFunction: f.signer, AdminFunction: f.admin, KeygenFunction: f.keygen,
		Api: f.api, DatabaseCluster: f.cluster, DatabaseMaxCapacity: jsii.Number(monMaxCapacity),
		RegionalWebAclArn: f.regionalAcl.Arn, EdgeWebAclArn: edgeArn, DistributionId: jsii.String(monDistributionId),
	}
	if edit != nil {
		edit(mp)
	}
	if err := catch(func() { f.m = monitoring.NewMonitoring(f.stack, "Monitoring", mp) }); err != nil {
		t.Fatal(err)
	}
	f.tmpl = toMap(assertions.Template_FromStack(f.stack, nil))
	f.topicID = logicalID(f.m.Topic)
	f.regionalAclID = *f.stack.GetLogicalId(f.regionalAcl.WebAcl)
	return f
}

// alarm is the alarm's Properties, failing t when the construct made none under key.
func (f *monFixture) alarm(t *testing.T, key string) map[string]any {
	t.Helper()
	a, ok := f.m.Alarms[key]
	if !ok {
		t.Fatalf("no alarm %s; have %v", key, keys(f.m.Alarms))
	}
	return resourceProps(t, f.tmpl, a)
}

// monDims is an alarm's or a metric's Dimensions as name -> value.
func monDims(v any) map[string]any {
	out := map[string]any{}
	list, _ := v.([]any)
	for _, d := range list {
		out[dig(d, "Name").(string)] = dig(d, "Value")
	}
	return out
}

// dimension matchers: a literal, or a check of an intrinsic.
type dimWant func(v any) bool

func is(s string) dimWant { return func(v any) bool { return v == s } }

func refTo(id string) dimWant { return func(v any) bool { return refersTo(v, id) } }

// webAclNameOf matches the name cut from a web ACL's Fn::GetAtt Arn.
func webAclNameOf(id string) dimWant {
	return func(v any) bool {
		return js(v) == js(map[string]any{"Fn::Select": []any{2, map[string]any{"Fn::Split": []any{"/", map[string]any{"Fn::GetAtt": []any{id, "Arn"}}}}}})
	}
}

func checkDims(t *testing.T, what string, got map[string]any, want map[string]dimWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: dimensions %s, want %v", what, js(got), keys(want))
	}
	for name, ok := range want {
		if !ok(got[name]) {
			t.Errorf("%s: dimension %s = %s", what, name, js(got[name]))
		}
	}
}

// monMetric is one metric an alarm or expression reads.
type monMetric struct {
	namespace, name, stat string
	dims                  map[string]dimWant
}

// monAlarm is what one alarm must be.
type monAlarm struct {
	key string
	// metric, for an alarm on one metric; expr and using for one on an expression.
	metric    *monMetric
	expr      string
	using     map[string]monMetric
	threshold float64
	op        string
	period    float64
	periods   float64
	missing   string
}

// checkAlarm compares the alarm's template with want: metric or expression, threshold,
// comparison, period, periods (and datapoints), missing data, the topic on ALARM and
// OK (nothing on INSUFFICIENT_DATA), and a runbook description.
func (f *monFixture) checkAlarm(t *testing.T, w monAlarm) {
	t.Helper()
	p := f.alarm(t, w.key)
	scalar := map[string]any{
		"Threshold": w.threshold, "ComparisonOperator": w.op, "EvaluationPeriods": w.periods,
		"DatapointsToAlarm": w.periods, "TreatMissingData": w.missing, "ActionsEnabled": true,
	}
	for k, v := range scalar {
		if p[k] != v {
			t.Errorf("%s: %s = %v, want %v", w.key, k, p[k], v)
		}
	}
	topic := js([]any{map[string]any{"Ref": f.topicID}})
	if js(p["AlarmActions"]) != topic || js(p["OKActions"]) != topic || p["InsufficientDataActions"] != nil {
		t.Errorf("%s: actions %s / %s / %s, want the topic on ALARM and OK", w.key, js(p["AlarmActions"]), js(p["OKActions"]), js(p["InsufficientDataActions"]))
	}
	desc, _ := p["AlarmDescription"].(string)
	if !strings.HasPrefix(desc, "Signet "+w.key+": ") || !strings.Contains(desc, "First") || len(desc) > 1024 {
		t.Errorf("%s: description is not a runbook line within CloudWatch's 1024 characters: %q", w.key, desc)
	}
	if w.metric != nil {
		m := w.metric
		if p["Namespace"] != m.namespace || p["MetricName"] != m.name || p["Statistic"] != m.stat || p["Period"] != w.period || p["Metrics"] != nil {
			t.Errorf("%s: metric %s", w.key, js(p))
		}
		checkDims(t, w.key, monDims(p["Dimensions"]), m.dims)
		return
	}
	queries, _ := p["Metrics"].([]any)
	if len(queries) != len(w.using)+1 || p["MetricName"] != nil || p["Period"] != nil {
		t.Fatalf("%s: want an expression over %d metrics: %s", w.key, len(w.using), js(p))
	}
	for _, q := range queries {
		id := dig(q, "Id").(string)
		if e, ok := dig(q, "Expression").(string); ok {
			if e != w.expr || dig(q, "ReturnData") != true {
				t.Errorf("%s: expression %q (returned %v), want %q", w.key, e, dig(q, "ReturnData"), w.expr)
			}
			continue
		}
		m, ok := w.using[id]
		if !ok || dig(q, "ReturnData") != false {
			t.Errorf("%s: unexpected query %s", w.key, js(q))
			continue
		}
		ms := dig(q, "MetricStat")
		if dig(ms, "Metric", "Namespace") != m.namespace || dig(ms, "Metric", "MetricName") != m.name || dig(ms, "Stat") != m.stat || dig(ms, "Period") != w.period {
			t.Errorf("%s: %s reads %s", w.key, id, js(ms))
		}
		checkDims(t, w.key+"/"+id, monDims(dig(ms, "Metric", "Dimensions")), m.dims)
	}
}

func monLambda(fn awslambda.Function, name string) *monMetric {
	return &monMetric{"AWS/Lambda", name, "Sum", map[string]dimWant{"FunctionName": refTo(logicalID(fn))}}
}

func monApi(name, stat string) monMetric {
	return monMetric{"AWS/ApiGateway", name, stat, map[string]dimWant{"ApiName": is(monApiName), "Stage": is("v1")}}
}

func monCdn(name, stat string) monMetric {
	return monMetric{"AWS/CloudFront", name, stat, map[string]dimWant{"DistributionId": is(monDistributionId), "Region": is("Global")}}
}

// mainRegionAlarms are the alarms every stack gets from the full fixture.
func (f *monFixture) mainRegionAlarms(region string) []monAlarm {
	gt, ge := "GreaterThanThreshold", "GreaterThanOrEqualToThreshold"
	nb := "notBreaching"
	return []monAlarm{
		{key: monitoring.AlarmSignerErrors, metric: monLambda(f.signer, "Errors"), threshold: 0, op: gt, period: 300, periods: 1, missing: nb},
		{key: monitoring.AlarmSignerThrottles, metric: monLambda(f.signer, "Throttles"), threshold: 0, op: gt, period: 300, periods: 1, missing: nb},
		{key: monitoring.AlarmAdminErrors, metric: monLambda(f.admin, "Errors"), threshold: 0, op: gt, period: 300, periods: 1, missing: nb},
		{key: monitoring.AlarmAdminThrottles, metric: monLambda(f.admin, "Throttles"), threshold: 0, op: gt, period: 300, periods: 1, missing: nb},
		{key: monitoring.AlarmKeygenErrors, metric: monLambda(f.keygen, "Errors"), threshold: 0, op: gt, period: 300, periods: 1, missing: nb},
		{
			key: monitoring.AlarmApi5xxRate, expr: "IF(requests >= 20, 100 * part / requests, 0)",
			using:     map[string]monMetric{"part": monApi("5XXError", "Sum"), "requests": monApi("Count", "Sum")},
			threshold: 1, op: gt, period: 300, periods: 1, missing: nb,
		},
		{
			key: monitoring.AlarmApiLatencyP99, expr: "IF(requests >= 20, value, 0)",
			using:     map[string]monMetric{"value": monApi("Latency", "p99"), "requests": monApi("Count", "Sum")},
			threshold: 3000, op: gt, period: 300, periods: 3, missing: nb,
		},
		{
			key: monitoring.AlarmApi4xxRate, expr: "IF(requests >= 50, 100 * part / requests, 0)",
			using:     map[string]monMetric{"part": monApi("4XXError", "Sum"), "requests": monApi("Count", "Sum")},
			threshold: 25, op: gt, period: 300, periods: 2, missing: nb,
		},
		{
			key:       monitoring.AlarmDatabaseCapacity,
			metric:    &monMetric{"AWS/RDS", "ServerlessDatabaseCapacity", "Average", map[string]dimWant{"DBClusterIdentifier": refTo(logicalID(f.cluster))}},
			threshold: 0.9 * monMaxCapacity, op: ge, period: 300, periods: 3, missing: nb,
		},
		{
			key:       monitoring.AlarmDatabaseFailures,
			metric:    &monMetric{"Signet", "DependencyFailures", "Sum", map[string]dimWant{"Dependency": is("database")}},
			threshold: 3, op: ge, period: 300, periods: 1, missing: nb,
		},
		{
			key:       monitoring.AlarmSigningKeyAge,
			metric:    &monMetric{"Signet", "SigningKeyAgeDays", "Maximum", map[string]dimWant{}},
			threshold: 90, op: gt, period: 3600, periods: 1, missing: "ignore",
		},
		{
			key: monitoring.AlarmRegionalWafBlocked,
			metric: &monMetric{"AWS/WAFV2", "BlockedRequests", "Sum", map[string]dimWant{
				"WebACL": webAclNameOf(f.regionalAclID), "Rule": is("ALL"), "Region": is(region),
			}},
			threshold: 100, op: gt, period: 300, periods: 1, missing: nb,
		},
	}
}

// Every alarm of the main region: the metric or expression, statistic, threshold,
// comparison, period, periods, missing data, the topic on ALARM and OK, and the
// runbook line. Outside us-east-1 there is no CloudFront or edge-WAF alarm.
func TestMonitoringAlarmsInTheMainRegion(t *testing.T) {
	f := newMonFixture(t, "eu-west-1", nil)
	want := f.mainRegionAlarms("eu-west-1")
	for _, w := range want {
		f.checkAlarm(t, w)
	}
	if len(f.m.Alarms) != len(want) {
		t.Errorf("alarms %v, want %d", keys(f.m.Alarms), len(want))
	}
	countOf(t, assertions.Template_FromStack(f.stack, nil), "AWS::CloudWatch::Alarm", len(want))
	for _, k := range []string{monitoring.AlarmCdn5xxRate, monitoring.AlarmEdgeWafBlocked} {
		if _, ok := f.m.Alarms[k]; ok {
			t.Errorf("%s in eu-west-1: CloudFront's metrics are in us-east-1", k)
		}
	}
}

// In a us-east-1 stack (Signet's single-stack layout) the CloudFront 5xx rate and the
// CLOUDFRONT web ACL's blocks are alarmed too, on the same topic; the CloudFront web
// ACL's metrics carry no Region dimension.
func TestMonitoringEdgeAlarmsInUsEast1(t *testing.T) {
	f := newMonFixture(t, "us-east-1", nil)
	want := append(f.mainRegionAlarms("us-east-1"), f.edgeAlarms(*f.stack.GetLogicalId(f.edgeAcl.WebAcl))...)
	for _, w := range want {
		f.checkAlarm(t, w)
	}
	if len(f.m.Alarms) != len(want) {
		t.Errorf("alarms %v, want %d", keys(f.m.Alarms), len(want))
	}
}

func (f *monFixture) edgeAlarms(aclID string) []monAlarm {
	acl := webAclNameOf(aclID)
	if aclID == "" {
		acl = is("signet-edge")
	}
	return []monAlarm{{
		key: monitoring.AlarmCdn5xxRate, expr: "IF(requests >= 50, value, 0)",
		using:     map[string]monMetric{"value": monCdn("5xxErrorRate", "Average"), "requests": monCdn("Requests", "Sum")},
		threshold: 1, op: "GreaterThanThreshold", period: 300, periods: 1, missing: "notBreaching",
	}, {
		key:       monitoring.AlarmEdgeWafBlocked,
		metric:    &monMetric{"AWS/WAFV2", "BlockedRequests", "Sum", map[string]dimWant{"WebACL": acl, "Rule": is("ALL")}},
		threshold: 1000, op: "GreaterThanThreshold", period: 300, periods: 1, missing: "notBreaching",
	}}
}

// EdgeMonitoring holds the edge alarms for a main stack elsewhere: only in us-east-1,
// with a topic of its own (encrypted, email optional) or the one it is given.
func TestMonitoringEdgeMonitoring(t *testing.T) {
	stack := newStack("us-east-1")
	var e *monitoring.EdgeMonitoring
	if err := catch(func() {
		e = monitoring.NewEdgeMonitoring(stack, "EdgeMonitoring", &monitoring.EdgeMonitoringProps{
			DistributionId: jsii.String(monDistributionId), WebAclArn: jsii.String(monEdgeAclArn), AlarmEmail: jsii.String("ops@example.com"),
		})
	}); err != nil {
		t.Fatal(err)
	}
	f := &monFixture{stack: stack, tmpl: toMap(assertions.Template_FromStack(stack, nil)), topicID: logicalID(e.Topic),
		m: &monitoring.Monitoring{Alarms: e.Alarms}}
	for _, w := range f.edgeAlarms("") {
		f.checkAlarm(t, w)
	}
	if len(e.Alarms) != 2 || e.TopicKey == nil {
		t.Errorf("alarms %v, key %v", keys(e.Alarms), e.TopicKey)
	}
	_, topic := only(t, f.tmpl, "AWS::SNS::Topic")
	_, sub := only(t, f.tmpl, "AWS::SNS::Subscription")
	if !refersTo(dig(topic, "Properties", "KmsMasterKeyId"), logicalID(e.TopicKey)) || dig(sub, "Properties", "Endpoint") != "ops@example.com" {
		t.Errorf("topic %s, subscription %s", js(topic), js(sub))
	}

	// Given a topic, it makes none and notifies that one.
	other := newStack("us-east-1")
	given := awssns.NewTopic(other, jsii.String("Ops"), nil)
	g := monitoring.NewEdgeMonitoring(other, "EdgeMonitoring", &monitoring.EdgeMonitoringProps{Topic: given, DistributionId: jsii.String(monDistributionId)})
	tmpl := toMap(assertions.Template_FromStack(other, nil))
	if n := len(resources(tmpl, "AWS::SNS::Topic")); n != 1 || len(resources(tmpl, "AWS::KMS::Key")) != 0 || len(g.Alarms) != 1 {
		t.Errorf("%d topics, %d keys, alarms %v", n, len(resources(tmpl, "AWS::KMS::Key")), keys(g.Alarms))
	}
	if a := resourceProps(t, tmpl, g.Alarms[monitoring.AlarmCdn5xxRate]); !refersTo(a["AlarmActions"], logicalID(given)) || !refersTo(a["OKActions"], logicalID(given)) {
		t.Errorf("actions %s / %s", js(a["AlarmActions"]), js(a["OKActions"]))
	}
}

// The topic: encrypted with a rotating key whose policy lets CloudWatch alarms of
// this account and region use it, TLS enforced, CloudWatch allowed to publish under
// the same conditions; no subscription unless AlarmEmail.
func TestMonitoringTopicIsEncryptedAndOnlyForOwnAlarms(t *testing.T) {
	f := newMonFixture(t, "eu-west-1", nil)
	topicProps := resourceProps(t, f.tmpl, f.m.Topic)
	keyID := logicalID(f.m.TopicKey)
	if !refersTo(topicProps["KmsMasterKeyId"], keyID) {
		t.Errorf("topic key %s, want %s", js(topicProps["KmsMasterKeyId"]), keyID)
	}
	key := resourceProps(t, f.tmpl, f.m.TopicKey)
	if key["EnableKeyRotation"] != true {
		t.Errorf("key rotation off: %s", js(key))
	}
	ownAlarms := func(s map[string]any) bool {
		c := js(s["Condition"])
		return refersTo(dig(s, "Condition", "StringEquals", "aws:SourceAccount"), "AWS::AccountId") &&
			strings.Contains(c, `":cloudwatch:eu-west-1:"`) && strings.Contains(c, `":alarm:*"`) &&
			dig(s, "Condition", "ArnLike", "aws:SourceArn") != nil
	}
	var keyGrant bool
	for _, s := range statements(key["KeyPolicy"]) {
		if servicePrincipal(s, "cloudwatch.amazonaws.com") {
			keyGrant = s["Effect"] == "Allow" && strings.Join(actions(s), ",") == "kms:Decrypt,kms:GenerateDataKey*" && s["Resource"] == "*" && ownAlarms(s)
		}
	}
	if !keyGrant {
		t.Errorf("key policy does not let this account's alarms use the key: %s", js(key["KeyPolicy"]))
	}
	_, pol := only(t, f.tmpl, "AWS::SNS::TopicPolicy")
	var tls, publish bool
	for _, s := range statements(dig(pol, "Properties", "PolicyDocument")) {
		switch {
		case s["Effect"] == "Deny" && dig(s, "Condition", "Bool", "aws:SecureTransport") == "false":
			tls = refersTo(s["Resource"], f.topicID)
		case servicePrincipal(s, "cloudwatch.amazonaws.com"):
			publish = s["Effect"] == "Allow" && strings.Join(actions(s), ",") == "sns:Publish" && refersTo(s["Resource"], f.topicID) && ownAlarms(s)
		default:
			t.Errorf("unexpected topic policy statement %s", js(s))
		}
	}
	if !tls || !publish {
		t.Errorf("topic policy: TLS only %v, alarms may publish %v: %s", tls, publish, js(pol))
	}
	if n := len(resources(f.tmpl, "AWS::SNS::Subscription")); n != 0 {
		t.Errorf("%d subscriptions without AlarmEmail", n)
	}

	mail := newMonFixture(t, "eu-west-1", func(p *monitoring.MonitoringProps) { p.AlarmEmail = jsii.String("ops+signet@example.com") })
	_, sub := only(t, mail.tmpl, "AWS::SNS::Subscription")
	if dig(sub, "Properties", "Protocol") != "email" || dig(sub, "Properties", "Endpoint") != "ops+signet@example.com" || !refersTo(dig(sub, "Properties", "TopicArn"), mail.topicID) {
		t.Errorf("subscription %s", js(sub))
	}
}

// A key of the app's own is used and gains the CloudWatch statement; no key is made.
func TestMonitoringUsesAGivenTopicKey(t *testing.T) {
	stack := newStack("eu-west-1")
	own := awskms.NewKey(stack, jsii.String("Own"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	m := monitoring.NewMonitoring(stack, "Monitoring", &monitoring.MonitoringProps{TopicKey: own})
	tmpl := toMap(assertions.Template_FromStack(stack, nil))
	if len(resources(tmpl, "AWS::KMS::Key")) != 1 || !refersTo(resourceProps(t, tmpl, m.Topic)["KmsMasterKeyId"], logicalID(own)) {
		t.Errorf("keys %v, topic %s", keys(resources(tmpl, "AWS::KMS::Key")), js(resourceProps(t, tmpl, m.Topic)))
	}
	var granted bool
	for _, s := range statements(resourceProps(t, tmpl, own)["KeyPolicy"]) {
		granted = granted || servicePrincipal(s, "cloudwatch.amazonaws.com")
	}
	if !granted {
		t.Error("the given key's policy does not admit CloudWatch")
	}
}

// Nothing to watch: the topic and a dashboard, no alarm.
func TestMonitoringWithNothingToWatch(t *testing.T) {
	stack := newStack("eu-west-1")
	m := monitoring.NewMonitoring(stack, "Monitoring", nil)
	tmpl := toMap(assertions.Template_FromStack(stack, nil))
	if len(m.Alarms) != 0 || len(resources(tmpl, "AWS::CloudWatch::Alarm")) != 0 {
		t.Errorf("alarms %v", keys(m.Alarms))
	}
	for _, typ := range []string{"AWS::SNS::Topic", "AWS::KMS::Key", "AWS::CloudWatch::Dashboard"} {
		only(t, tmpl, typ)
	}
}

// monDashboard is the dashboard's body with every intrinsic replaced by a placeholder
// naming it ("{Ref:X}", "{GetAtt:X.Arn}", "{Fn:...}"), parsed.
func monDashboard(t *testing.T, tmpl map[string]any) map[string]any {
	t.Helper()
	_, d := only(t, tmpl, "AWS::CloudWatch::Dashboard")
	body := dig(d, "Properties", "DashboardBody")
	parts, ok := dig(body, "Fn::Join", 1).([]any)
	if !ok || dig(body, "Fn::Join", 0) != "" {
		t.Fatalf("DashboardBody is not an Fn::Join: %s", js(body))
	}
	var sb strings.Builder
	for _, p := range parts {
		switch x := p.(type) {
		case string:
			sb.WriteString(x)
		case map[string]any:
			switch {
			case x["Ref"] != nil:
				fmt.Fprintf(&sb, "{Ref:%v}", x["Ref"])
			case x["Fn::GetAtt"] != nil:
				fmt.Fprintf(&sb, "{GetAtt:%v.%v}", dig(x, "Fn::GetAtt", 0), dig(x, "Fn::GetAtt", 1))
			default:
				sb.WriteString("{Fn:" + strings.ReplaceAll(js(x), `"`, `'`) + "}")
			}
		default:
			t.Fatalf("unexpected part %s", js(p))
		}
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(sb.String()), &out); err != nil {
		t.Fatalf("resolved body is not JSON: %v\n%s", err, sb.String())
	}
	return out
}

// monWidgets lists each graph's metrics by title, one string per metric as CDK
// renders it (dimensions sorted by name): its namespace, name and dimensions, then
// stat= and region= when set, or expr= for an expression; and the widget's own region
// under "<title>#region".
func monWidgets(body map[string]any) (graphs map[string][]string, alarmList []string, text string) {
	graphs = map[string][]string{}
	for _, w := range dig(body, "widgets").([]any) {
		switch dig(w, "type") {
		case "text":
			text, _ = dig(w, "properties", "markdown").(string)
		case "alarm":
			for _, a := range dig(w, "properties", "alarms").([]any) {
				alarmList = append(alarmList, a.(string))
			}
		case "metric":
			title := dig(w, "properties", "title").(string)
			graphs[title+"#region"] = []string{fmt.Sprint(dig(w, "properties", "region"))}
			for _, m := range dig(w, "properties", "metrics").([]any) {
				var words []string
				var opts map[string]any
				for _, e := range m.([]any) {
					switch x := e.(type) {
					case string:
						words = append(words, x)
					case map[string]any:
						opts = x
					}
				}
				if e, ok := opts["expression"].(string); ok {
					words = append(words, "expr="+e)
				}
				for _, k := range []string{"stat", "region"} {
					if v, ok := opts[k].(string); ok {
						words = append(words, k+"="+v)
					}
				}
				graphs[title] = append(graphs[title], strings.Join(words, " "))
			}
		}
	}
	return graphs, alarmList, text
}

// The one dashboard graphs requests, latency, errors, URLs issued and uploads per
// customer (SEARCH), the database's capacity, the signer's metrics, WAF blocks and
// CloudFront (read in us-east-1), and lists every alarm.
func TestMonitoringDashboard(t *testing.T) {
	f := newMonFixture(t, "eu-west-1", nil)
	graphs, alarmList, text := monWidgets(monDashboard(t, f.tmpl))
	api := "AWS/ApiGateway %s ApiName " + monApiName + " Stage v1 stat=%s"
	fn := func(c constructs.IConstruct, name string) string {
		return "AWS/Lambda " + name + " FunctionName {Ref:" + logicalID(c) + "} stat=Sum"
	}
	cluster := "DBClusterIdentifier {Ref:" + logicalID(f.cluster) + "}"
	search := func(name string) string {
		return `expr=SEARCH('{Signet,Customer} MetricName="` + name + `"', 'Sum', 300)`
	}
	regionalAcl := "AWS/WAFV2 BlockedRequests Region eu-west-1 Rule ALL WebACL {Fn:" + strings.ReplaceAll(js(map[string]any{"Fn::Select": []any{2, map[string]any{"Fn::Split": []any{"/", map[string]any{"Fn::GetAtt": []any{f.regionalAclID, "Arn"}}}}}}), `"`, `'`) + "} stat=Sum"
	want := map[string][]string{
		"API requests":     {fmt.Sprintf(api, "Count", "Sum")},
		"API latency (ms)": {fmt.Sprintf(api, "Latency", "p50"), fmt.Sprintf(api, "Latency", "p99")},
		"API errors":       {fmt.Sprintf(api, "4XXError", "Sum"), fmt.Sprintf(api, "5XXError", "Sum")},
		"Lambda errors and throttles": {
			fn(f.signer, "Errors"), fn(f.signer, "Throttles"), fn(f.admin, "Errors"), fn(f.admin, "Throttles"), fn(f.keygen, "Errors"), fn(f.keygen, "Throttles"),
		},
		"URLs issued per customer":       {search("UrlsIssued")},
		"Uploads completed per customer": {search("UploadsCompleted")},
		"Database failures and signing key age": {
			"Signet DependencyFailures Dependency database stat=Sum", "Signet SigningKeyAgeDays stat=Maximum",
		},
		// Average is the graphs' default statistic, which CDK leaves out.
		"Aurora capacity": {
			"AWS/RDS ServerlessDatabaseCapacity " + cluster, "AWS/RDS ACUUtilization " + cluster,
		},
		"WAF blocked requests": {
			regionalAcl, "AWS/WAFV2 BlockedRequests Rule ALL WebACL signet-edge stat=Sum region=us-east-1",
		},
		"CloudFront requests and 5xx rate (%)": {
			"AWS/CloudFront Requests DistributionId " + monDistributionId + " Region Global stat=Sum region=us-east-1",
			"AWS/CloudFront 5xxErrorRate DistributionId " + monDistributionId + " Region Global region=us-east-1",
		},
	}
	for title, metrics := range want {
		got := graphs[title]
		if strings.Join(got, "\n") != strings.Join(metrics, "\n") {
			t.Errorf("widget %q:\n%s\nwant\n%s", title, strings.Join(got, "\n"), strings.Join(metrics, "\n"))
		}
	}
	for title := range graphs {
		if _, ok := want[strings.TrimSuffix(title, "#region")]; !ok {
			t.Errorf("unexpected widget %q", title)
		}
	}
	if r := graphs["CloudFront requests and 5xx rate (%)#region"]; len(r) != 1 || r[0] != "us-east-1" {
		t.Errorf("CloudFront widget's region %v", r)
	}
	var listed []string
	for _, a := range alarmList {
		listed = append(listed, strings.TrimSuffix(strings.TrimPrefix(a, "{GetAtt:"), ".Arn}"))
	}
	var ids []string
	for _, a := range f.m.Alarms {
		ids = append(ids, logicalID(a))
	}
	sort.Strings(listed)
	sort.Strings(ids)
	if strings.Join(listed, ",") != strings.Join(ids, ",") {
		t.Errorf("alarm widget lists %v, want %v", listed, ids)
	}
	if !strings.Contains(text, "runbook") {
		t.Errorf("text widget: %q", text)
	}
}

// Bad props fail synth with the construct's path, the prop and the value, every one
// at once; ValidateMonitoringProps finds the same without a scope.
func TestMonitoringValidation(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Signet"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
	imported := awskms.Key_FromKeyArn(stack, jsii.String("Imported"), jsii.String("arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555"))
	bad := &monitoring.MonitoringProps{
		AlarmEmail:          jsii.String("ops at example.com"),
		TopicKey:            imported,
		ApiStage:            "v 1",
		DatabaseMaxCapacity: jsii.Number(300),
		RegionalWebAclArn:   jsii.String(monEdgeAclArn),
		EdgeWebAclArn:       jsii.String("arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/api/11111111-2222-3333-4444-555555555555"),
		DistributionId:      jsii.String("e2qw-bad"),
		SigningKeyMaxAge:    awscdk.Duration_Hours(jsii.Number(36)),
	}
	want := []string{
		`AlarmEmail "ops at example.com": must be one email address`,
		"TopicKey \"arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555\": is imported",
		`ApiStage "v 1": must be an API Gateway stage name`,
		`ApiStage "v 1": applies to Api, which is not set`,
		"DatabaseMaxCapacity 300: must be 1 to 256 ACUs in steps of 0.5",
		"DatabaseMaxCapacity 300: applies to DatabaseCluster, which is not set",
		`RegionalWebAclArn "` + monEdgeAclArn + `": must be a REGIONAL web ACL's ARN`,
		`EdgeWebAclArn "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/api/11111111-2222-3333-4444-555555555555": must be a CLOUDFRONT-scope web ACL's ARN`,
		`DistributionId "e2qw-bad": must be a CloudFront distribution id`,
		`SigningKeyMaxAge "1 day 12 hours": must be a whole number of days from 1 to 365`,
		`SigningKeyMaxAge "1 day 12 hours": applies to the age the signer reports`,
	}
	verr := monitoring.ValidateMonitoringProps(bad)
	if verr == nil {
		t.Fatal("ValidateMonitoringProps accepted")
	}
	assertEveryProblem(t, verr, "signet/monitoring: props.", want)
	err := panicOf(func() { monitoring.NewMonitoring(stack, "Monitoring", bad) })
	if err == nil {
		t.Fatal("NewMonitoring accepted")
	}
	assertEveryProblem(t, err, "signet/monitoring Signet/Monitoring: props.", want)
	if n := len(strings.Split(err.Error(), "\n")); n != len(want) {
		t.Errorf("%d problems, want %d:\n%s", n, len(want), err)
	}

	cluster := awsrds.DatabaseCluster_FromDatabaseClusterAttributes(stack, jsii.String("Db"), &awsrds.DatabaseClusterAttributes{ClusterIdentifier: jsii.String("db")})
	for _, c := range []float64{0, 0.5, 2.25, 256.5} {
		if e := monitoring.ValidateMonitoringProps(&monitoring.MonitoringProps{DatabaseCluster: cluster, DatabaseMaxCapacity: jsii.Number(c)}); e == nil || !strings.Contains(e.Error(), "steps of 0.5") {
			t.Errorf("capacity %v: %v", c, e)
		}
	}
	for _, e := range []string{"ops", "ops@example", "Ops <ops@example.com>", "a@b.c", "a@example.com,b@example.com", "a b@example.com"} {
		if monitoring.ValidateMonitoringProps(&monitoring.MonitoringProps{AlarmEmail: jsii.String(e)}) == nil {
			t.Errorf("email %q accepted", e)
		}
	}
	for _, d := range []float64{0, 366} {
		p := &monitoring.MonitoringProps{SignerFunction: awslambda.Function_FromFunctionName(stack, jsii.String(fmt.Sprint("Fn", d)), jsii.String("f")), SigningKeyMaxAge: awscdk.Duration_Days(jsii.Number(d))}
		if monitoring.ValidateMonitoringProps(p) == nil {
			t.Errorf("key age %v days accepted", d)
		}
	}

	// Good values, and tokens (known only at deploy), pass.
	param := awscdk.NewCfnParameter(stack, jsii.String("Email"), nil).ValueAsString()
	good := &monitoring.MonitoringProps{
		AlarmEmail: param, DatabaseCluster: cluster, DatabaseMaxCapacity: jsii.Number(2.5), DistributionId: param,
		Api:      awsapigateway.RestApi_FromRestApiAttributes(stack, jsii.String("Api"), &awsapigateway.RestApiAttributes{RestApiId: jsii.String("a"), RootResourceId: jsii.String("r"), RestApiName: jsii.String("x")}),
		ApiStage: "prod_2", RegionalWebAclArn: param, EdgeWebAclArn: jsii.String(monEdgeAclArn),
	}
	if e := monitoring.ValidateMonitoringProps(good); e != nil {
		t.Error(e)
	}
	for _, e := range []string{"ops+signet@example.co.uk", "first.last@sub.example.com"} {
		if err := monitoring.ValidateMonitoringProps(&monitoring.MonitoringProps{AlarmEmail: jsii.String(e)}); err != nil {
			t.Errorf("%q: %v", e, err)
		}
	}
	if monitoring.ValidateMonitoringProps(nil) != nil {
		t.Error("nil props refused")
	}

	// EdgeMonitoring: us-east-1 only, and the email and key belong to a topic it makes.
	edgeErr := panicOf(func() {
		monitoring.NewEdgeMonitoring(stack, "EdgeMonitoring", &monitoring.EdgeMonitoringProps{
			Topic: awssns.NewTopic(stack, jsii.String("Ops"), nil), AlarmEmail: jsii.String("ops@example.com"),
			TopicKey: awskms.NewKey(stack, jsii.String("K"), nil), DistributionId: jsii.String("bad id"),
		})
	})
	if edgeErr == nil {
		t.Fatal("NewEdgeMonitoring accepted")
	}
	edgeWant := []string{
		`AlarmEmail "ops@example.com": applies to the topic EdgeMonitoring creates`,
		"TopicKey", "applies to the topic EdgeMonitoring creates, and Topic is given",
		`DistributionId "bad id"`, `scope "eu-west-1": is the stack's region`,
	}
	assertEveryProblem(t, edgeErr, "signet/monitoring Signet/EdgeMonitoring: props.", edgeWant)
	if n := len(strings.Split(edgeErr.Error(), "\n")); n != 4 {
		t.Errorf("%d problems, want 4:\n%s", n, edgeErr)
	}
}

// monNagClean applies the five packs to c (the construct under test, not the
// stand-ins beside it), synthesizes, and fails t for any unsuppressed error and for
// a pack that wrote no report.
func monNagClean(t *testing.T, app awscdk.App, outdir string, c constructs.IConstruct, stackName string) {
	t.Helper()
	stacks.ApplyNagPacks(c, true)
	if err := catch(func() { app.Synth(nil) }); err != nil {
		t.Fatal(err)
	}
	check(t, "nag errors", func() {
		for _, e := range *assertions.Annotations_FromStack(awscdk.Stack_Of(c)).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(".*"))) {
			t.Errorf("%s: %v", *e.Id, e.Entry.Data)
		}
	})
	for _, pack := range stacks.NagPacks {
		rows := nagReport(t, outdir, pack, stackName)
		if len(rows) == 0 {
			t.Errorf("%s report for %s is empty", pack, stackName)
		}
		logNagRows(t, pack, rows)
	}
}

// The five cdk-nag packs pass on Monitoring (main region, everything watched, email)
// and on EdgeMonitoring, with no suppression.
func TestMonitoringNagPacks(t *testing.T) {
	f := newMonFixture(t, "eu-west-1", func(p *monitoring.MonitoringProps) { p.AlarmEmail = jsii.String("ops@example.com") })
	monNagClean(t, f.app, f.outdir, f.m.Construct, "T")

	outdir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir), AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("E"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	e := monitoring.NewEdgeMonitoring(stack, "EdgeMonitoring", &monitoring.EdgeMonitoringProps{
		DistributionId: jsii.String(monDistributionId), WebAclArn: jsii.String(monEdgeAclArn), AlarmEmail: jsii.String("ops@example.com"),
	})
	monNagClean(t, app, outdir, e.Construct, "E")
}

// The AWS Control Tower proactive controls (cfn-guard) find nothing on the monitoring
// resources of a us-east-1 stack, which has every alarm.
func TestMonitoringGuardControlTower(t *testing.T) {
	tools, err := guard.FindTools("..")
	if err != nil {
		t.Fatalf("%v (cfn-guard comes from .tools/package.json)", err)
	}
	f := newMonFixture(t, "us-east-1", func(p *monitoring.MonitoringProps) { p.AlarmEmail = jsii.String("ops@example.com") })
	if err := catch(func() { f.app.Synth(nil) }); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.outdir, "T.template.json")
	findings, err := tools.CheckTemplate(path)
	if err != nil {
		t.Fatal(err)
	}
	// The monitoring construct's resources, by logical id (the stand-ins beside it
	// are not under test).
	ours := map[string]string{}
	for _, c := range *f.m.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if el, ok := c.(awscdk.CfnElement); ok && *awscdk.CfnElement_IsCfnElement(c) {
			ours[*f.stack.GetLogicalId(el)] = *c.Node().Path()
		}
	}
	for _, fd := range findings {
		if p, ok := ours[fd.Resource]; ok && !fd.Accepted() {
			t.Errorf("unsuppressed cfn-guard finding on %s: %s", p, fd)
		}
	}
	if len(ours) < 19 { // 14 alarms, topic, policy, key, subscription, dashboard
		t.Errorf("only %d resources under %s", len(ours), *f.m.Node().Path())
	}
	t.Logf("%d findings in the template, %d resources checked", len(findings), len(ours))
}
