// Package monitoring is Signet's operational monitoring: CloudWatch alarms on what
// breaks a deployment (the Lambdas, the API, the database, the WAF, the signing keys),
// each with its runbook line as the alarm description, notifying one KMS-encrypted
// SNS topic (alarm and OK), and one dashboard with requests, latency, errors, URLs
// issued and uploads per customer, database capacity and WAF blocks.
//
// Pass the parts to watch (MonitoringProps); every part left nil is skipped. Signet's
// composite passes its own: the signer, admin and keygen Lambdas, the REST API, the
// Aurora cluster and its maximum capacity, the regional web ACL, the distribution
// and the CloudFront web ACL.
//
// # Where the edge alarms live
//
// CloudFront and a CLOUDFRONT-scope web ACL publish their metrics in us-east-1 only,
// and a CloudWatch alarm (and the SNS topic it notifies) must be in the region of its
// metric: CloudFormation cannot create a cross-region alarm. So:
//   - in a us-east-1 stack (Signet's single-stack layout) NewMonitoring creates the
//     CloudFront 5xx-rate and edge-WAF alarms itself, on the same topic;
//   - in any other region (or a stack whose region is unknown at synth) it creates
//     none of them, and NewEdgeMonitoring, in a us-east-1 stack, does: with its own
//     topic (alarms cannot notify a topic in another region). In the split layout the
//     edge stack cannot hold the CloudFront alarm, because the distribution is in the
//     main stack, which deploys after the edge stack and reads from it; put
//     EdgeMonitoring in a third us-east-1 stack that deploys after the main stack and
//     takes the distribution id by cross-region reference.
//
// The dashboard is not bound by that rule: it graphs the us-east-1 metrics from any
// region.
//
// WAF metrics (AWS/WAFV2 BlockedRequests) are read with Rule=ALL and WebACL = the
// web ACL's name (not its VisibilityConfig metric name; WebAclName cuts it from the
// ARN), plus Region=<region> for a REGIONAL web ACL only: a CLOUDFRONT one's metrics
// have no Region dimension. CloudFront's (AWS/CloudFront) carry DistributionId and
// Region=Global.
//
// # Signet's own metrics (embedded metric format)
//
// The Lambdas publish application metrics as CloudWatch embedded metric format (EMF)
// log lines in namespace MetricNamespace; they import nothing from CDK and mirror the
// names below as plain strings:
//   - MetricUrlsIssued, dimension DimensionCustomer: signed URLs and cookie sets handed
//     out (graph per customer);
//   - MetricUploadsCompleted, dimension DimensionCustomer: uploads completed (graph);
//   - MetricDependencyFailures, dimension DimensionDependency = DependencyDatabase: a
//     request failed because the database could not be reached after the store's
//     retries (alarm);
//   - MetricSigningKeyAgeDays, no dimension: the age in days of the active signing
//     key, from its private-key parameter's LastModifiedDate, each time the signer
//     (re)loads its keys (alarm).
//
// Until a Lambda emits a metric its alarm stays in INSUFFICIENT_DATA (the key age) or
// OK (the others, whose missing data is "no failure").
//
// The namespace is per account and region: two Signet deployments there add their
// numbers together.
package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// Signet's embedded-metric-format names. The Lambdas write them as strings.
const (
	// MetricNamespace is the namespace of every Signet metric.
	MetricNamespace = "Signet"
	// MetricUrlsIssued counts signed URLs and cookie sets issued, per DimensionCustomer.
	MetricUrlsIssued = "UrlsIssued"
	// MetricUploadsCompleted counts completed uploads, per DimensionCustomer.
	MetricUploadsCompleted = "UploadsCompleted"
	// MetricDependencyFailures counts requests failed by a dependency the retries did
	// not bring back, per DimensionDependency.
	MetricDependencyFailures = "DependencyFailures"
	// MetricSigningKeyAgeDays is the active signing key's age in days (no dimension).
	MetricSigningKeyAgeDays = "SigningKeyAgeDays"
	// DimensionCustomer is the customer id.
	DimensionCustomer = "Customer"
	// DimensionDependency names the dependency that failed.
	DimensionDependency = "Dependency"
	// DependencyDatabase is DimensionDependency's value for the metadata database.
	DependencyDatabase = "database"
)

// Alarm keys: Monitoring.Alarms and EdgeMonitoring.Alarms are keyed by these, and
// each is also the alarm's construct id (a compatibility contract: renaming one
// replaces the alarm).
const (
	AlarmSignerErrors       = "SignerErrors"
	AlarmSignerThrottles    = "SignerThrottles"
	AlarmAdminErrors        = "AdminErrors"
	AlarmAdminThrottles     = "AdminThrottles"
	AlarmKeygenErrors       = "KeygenErrors"
	AlarmApi5xxRate         = "Api5xxRate"
	AlarmApiLatencyP99      = "ApiLatencyP99"
	AlarmApi4xxRate         = "Api4xxRate"
	AlarmDatabaseCapacity   = "DatabaseCapacity"
	AlarmDatabaseFailures   = "DatabaseFailures"
	AlarmRegionalWafBlocked = "RegionalWafBlocked"
	AlarmSigningKeyAge      = "SigningKeyAge"
	AlarmCdn5xxRate         = "Cdn5xxRate"
	AlarmEdgeWafBlocked     = "EdgeWafBlocked"
)

// Thresholds. Every alarm evaluates 5-minute periods (AlarmPeriodMinutes) unless its
// constant says otherwise.
const (
	// AlarmPeriodMinutes is the period of every alarm but the signing-key age.
	AlarmPeriodMinutes = 5
	// LambdaErrorsThreshold: a function error is an unhandled failure or a timeout
	// (Signet's handlers answer every expected failure themselves), so one is too many.
	LambdaErrorsThreshold = 0
	// LambdaThrottlesThreshold: a throttle is a request refused at the reserved
	// concurrency, which the API turns into a 5XX for the caller.
	LambdaThrottlesThreshold = 0
	// Api5xxRatePercent of requests answered 5XX in a period ...
	Api5xxRatePercent = 1
	// ... counted only from ApiMinRequests requests on, so that one failure in three
	// requests at night does not page anyone (the Lambda error alarms still see it).
	ApiMinRequests = 20
	// ApiLatencyP99Millis is the p99 latency limit, over ApiLatencyPeriods periods in a
	// row (a database resuming from auto-pause makes single slow periods).
	ApiLatencyP99Millis = 3000
	ApiLatencyPeriods   = 3
	// Api4xxRatePercent of requests answered 4XX, from Api4xxMinRequests requests on,
	// over Api4xxPeriods periods in a row: clients fail, not Signet (expired tokens,
	// refused paths), but a sustained spike is a broken client release, a
	// misconfigured identity provider, or someone probing.
	Api4xxRatePercent = 25
	Api4xxMinRequests = 50
	Api4xxPeriods     = 2
	// DatabaseCapacityPercent of DatabaseMaxCapacity, over DatabaseCapacityPeriods
	// periods in a row (15 minutes).
	DatabaseCapacityPercent = 90
	DatabaseCapacityPeriods = 3
	// DatabaseFailuresThreshold: requests failed for want of the database in one
	// period. The store retries (a resume from auto-pause included) before a failure
	// is counted, so each is a caller's failed request; three in five minutes is an
	// outage, not a blip.
	DatabaseFailuresThreshold = 3
	// RegionalWafBlockedThreshold: requests the API's web ACL blocked in one period.
	// Behind CloudFront it sees only the distribution's requests (already filtered by
	// the edge web ACL) and direct calls to the execute-api name, so its baseline is
	// near zero.
	RegionalWafBlockedThreshold = 100
	// EdgeWafBlockedThreshold: requests the CloudFront web ACL blocked in one period.
	// It faces the internet (scanners, the per-IP rate rule), so its baseline is
	// higher.
	EdgeWafBlockedThreshold = 1000
	// Cdn5xxRatePercent: CloudFront's 5xxErrorRate (average, percent), from
	// CdnMinRequests requests on.
	Cdn5xxRatePercent = 1
	CdnMinRequests    = 50
	// DefaultSigningKeyMaxAgeDays is the default SigningKeyMaxAge: rotate a signing key
	// at least this often.
	DefaultSigningKeyMaxAgeDays = 90
	// SigningKeyAgePeriodHours is the key-age alarm's period (one period).
	SigningKeyAgePeriodHours = 1
)

// DefaultApiStage is the stage ApiStage defaults to (signerapi.StageName).
const DefaultApiStage = "v1"

// DefaultDatabaseMaxCapacity is DatabaseMaxCapacity's default, the database
// package's default maximum (ACUs).
const DefaultDatabaseMaxCapacity = 4

// MonitoringProps says what to watch; every part left nil is skipped.
type MonitoringProps struct {
	// SignerFunction, the signer Lambda: errors and throttles; with it the alarms on
	// the metrics it emits (database failures, signing-key age) and their graphs.
	SignerFunction awslambda.IFunction
	// AdminFunction, the admin API's Lambda: errors and throttles.
	AdminFunction awslambda.IFunction
	// KeygenFunction, the signing keys' custom-resource Lambda: errors (key
	// generation or removal failed during a deploy).
	KeygenFunction awslambda.IFunction
	// Api, the REST API: 5XX rate, p99 latency, 4XX rate. Its RestApiName is the
	// metrics' ApiName (import one with awsapigateway.RestApi_FromRestApiAttributes and
	// its RestApiName).
	Api awsapigateway.IRestApi
	// ApiStage whose metrics are watched. Default: DefaultApiStage.
	ApiStage string
	// DatabaseCluster, the Aurora Serverless v2 cluster: capacity near its maximum.
	DatabaseCluster awsrds.IDatabaseCluster
	// DatabaseMaxCapacity of DatabaseCluster in ACUs (the capacity alarm's 100%), 1 to
	// 256 in steps of 0.5. Default: DefaultDatabaseMaxCapacity.
	DatabaseMaxCapacity *float64
	// RegionalWebAclArn, the API's REGIONAL web ACL: blocked-request spikes.
	RegionalWebAclArn *string
	// DistributionId of the CloudFront distribution: its 5xx error rate (alarm in a
	// us-east-1 stack only, see the package doc; graphed everywhere).
	DistributionId *string
	// EdgeWebAclArn, the distribution's CLOUDFRONT-scope web ACL: blocked-request
	// spikes (alarm in a us-east-1 stack only; graphed everywhere).
	EdgeWebAclArn *string
	// SigningKeyMaxAge: the active signing key older than this raises the key-age
	// alarm. Whole days, 1 to 365. Only with SignerFunction. Default:
	// DefaultSigningKeyMaxAgeDays.
	SigningKeyMaxAge awscdk.Duration
	// AlarmEmail subscribes an address to the topic (SNS mails a confirmation link
	// first). Default: none; subscribe what you use (chat, paging) to Topic.
	AlarmEmail *string
	// TopicKey encrypts the topic: a key defined in the app (its policy gains the
	// statement that lets CloudWatch alarms use it; an imported key's policy cannot be
	// changed and is refused). Default: a new rotating customer-managed key.
	TopicKey awskms.IKey
	// RemovalPolicy of the created key. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// Monitoring is the topic, the alarms and the dashboard.
type Monitoring struct {
	constructs.Construct
	// Topic receives every alarm's ALARM and OK notifications.
	Topic awssns.Topic
	// TopicKey encrypts Topic: the given key or the created one.
	TopicKey awskms.IKey
	// Alarms by their Alarm* key; only the parts that were given have alarms.
	Alarms    map[string]awscloudwatch.Alarm
	Dashboard awscloudwatch.Dashboard
}

// NewMonitoring creates the topic, the alarms on the parts in props, and the
// dashboard.
func NewMonitoring(scope constructs.Construct, id string, props *MonitoringProps) *Monitoring {
	if props == nil {
		props = &MonitoringProps{}
	}
	propcheck.MustAt(scope, id, ValidateMonitoringProps(props))
	c := constructs.NewConstruct(scope, jsii.String(id))
	m := &Monitoring{Construct: c, Alarms: map[string]awscloudwatch.Alarm{}}
	m.Topic, m.TopicKey = newAlarmTopic(c, "Signet alarms", props.TopicKey, props.AlarmEmail, propcheck.RemovalOrRetain(props.RemovalPolicy))

	w := newWatched(c, props)
	specs := append(w.lambdaAlarms(), w.apiAlarms()...)
	specs = append(specs, w.databaseAlarms()...)
	specs = append(specs, w.signerMetricAlarms()...)
	specs = append(specs, w.regionalWafAlarms()...)
	if edgeHere(c) {
		specs = append(specs, edgeAlarms(w.distributionId, w.edgeAcl)...)
	}
	for _, s := range specs {
		m.Alarms[s.key] = newAlarm(c, m.Topic, s)
	}
	m.Dashboard = w.dashboard(m.Alarms)
	return m
}

// edgeHere reports whether scope's stack is in us-east-1, where CloudFront's and a
// CLOUDFRONT web ACL's metrics are.
func edgeHere(scope constructs.IConstruct) bool {
	r := awscdk.Stack_Of(scope).Region()
	return propcheck.Resolved(r) && *r == EdgeRegion
}

// EdgeRegion is where CloudFront and CLOUDFRONT-scope web ACLs publish metrics.
const EdgeRegion = "us-east-1"

func fiveMinutes() awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(AlarmPeriodMinutes)) }

// alarmSpec is one alarm: a metric (or expression), its threshold and comparison, how
// many periods in a row breach, what missing data means, and the runbook line.
type alarmSpec struct {
	key       string
	metric    awscloudwatch.IMetric
	threshold float64
	op        awscloudwatch.ComparisonOperator
	periods   float64
	missing   awscloudwatch.TreatMissingData
	runbook   string
}

// newAlarm creates s in scope, notifying topic on ALARM and on OK.
func newAlarm(scope constructs.Construct, topic awssns.ITopic, s alarmSpec) awscloudwatch.Alarm {
	a := awscloudwatch.NewAlarm(scope, jsii.String(s.key), &awscloudwatch.AlarmProps{
		Metric:             s.metric,
		Threshold:          jsii.Number(s.threshold),
		ComparisonOperator: s.op,
		EvaluationPeriods:  jsii.Number(s.periods),
		DatapointsToAlarm:  jsii.Number(s.periods),
		TreatMissingData:   s.missing,
		AlarmDescription:   jsii.String("Signet " + s.key + ": " + s.runbook),
		ActionsEnabled:     jsii.Bool(true),
	})
	action := newSnsAction(topic)
	a.AddAlarmAction(action)
	a.AddOkAction(action)
	return a
}

// metric is one CloudWatch metric over period; label only for graphs (an alarm on a
// labelled metric renders as a metric query instead of the plain metric).
func metric(namespace, name string, dims map[string]*string, stat string, period awscdk.Duration, label string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String(namespace), MetricName: jsii.String(name), DimensionsMap: &dims,
		Statistic: jsii.String(stat), Period: period, Label: optional(label),
	})
}

// gatedRate is IF(requests >= min, 100 * part / requests, 0): the percentage of
// requests part counts, zero below min requests (and no data without requests).
func gatedRate(part, requests awscloudwatch.IMetric, min int, label string) awscloudwatch.MathExpression {
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String(fmt.Sprintf("IF(requests >= %d, 100 * part / requests, 0)", min)),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"part": part, "requests": requests},
		Period:       fiveMinutes(),
		Label:        jsii.String(label),
	})
}

// gated is IF(requests >= min, value, 0).
func gated(value, requests awscloudwatch.IMetric, min int, label string) awscloudwatch.MathExpression {
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String(fmt.Sprintf("IF(requests >= %d, value, 0)", min)),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"value": value, "requests": requests},
		Period:       fiveMinutes(),
		Label:        jsii.String(label),
	})
}
