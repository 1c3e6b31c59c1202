package monitoring

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// watched is what props point at, with the defaults applied and the names the
// metrics' dimensions take.
type watched struct {
	scope          constructs.Construct
	props          *MonitoringProps
	stage          string
	maxCapacity    float64
	keyMaxAgeDays  float64
	regionalAcl    *string // the regional web ACL's name
	edgeAcl        *string // the CLOUDFRONT web ACL's name
	distributionId *string
}

func newWatched(scope constructs.Construct, props *MonitoringProps) *watched {
	w := &watched{scope: scope, props: props, stage: DefaultApiStage, maxCapacity: DefaultDatabaseMaxCapacity,
		keyMaxAgeDays: DefaultSigningKeyMaxAgeDays, distributionId: props.DistributionId}
	if props.ApiStage != "" {
		w.stage = props.ApiStage
	}
	if props.DatabaseMaxCapacity != nil {
		w.maxCapacity = *props.DatabaseMaxCapacity
	}
	if props.SigningKeyMaxAge != nil {
		w.keyMaxAgeDays = propcheck.Days(props.SigningKeyMaxAge)
	}
	if props.RegionalWebAclArn != nil {
		w.regionalAcl = WebAclName(props.RegionalWebAclArn)
	}
	if props.EdgeWebAclArn != nil {
		w.edgeAcl = WebAclName(props.EdgeWebAclArn)
	}
	return w
}

// WebAclName is the name of the WAFv2 web ACL arn names
// (arn:...:wafv2:<region>:<account>:<scope>/webacl/<name>/<id>), the value of the
// WebACL dimension of its metrics: a literal for a literal ARN, an Fn::Select of it
// otherwise (firewall.WebAcl leaves the name to CloudFormation).
func WebAclName(arn *string) *string {
	if propcheck.Resolved(arn) {
		if parts := strings.Split(*arn, "/"); len(parts) == 4 {
			return jsii.String(parts[2])
		}
	}
	return awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), arn, nil))
}

func lambdaMetric(fn awslambda.IFunction, name, label string) awscloudwatch.Metric {
	return metric("AWS/Lambda", name, map[string]*string{"FunctionName": fn.FunctionName()}, "Sum", fiveMinutes(), label)
}

func (w *watched) lambdaAlarms() []alarmSpec {
	var out []alarmSpec
	add := func(fn awslambda.IFunction, errKey, errRunbook, thrKey, thrRunbook, who string) {
		if fn == nil {
			return
		}
		out = append(out, alarmSpec{
			key: errKey, metric: lambdaMetric(fn, "Errors", ""), threshold: LambdaErrorsThreshold,
			op: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, periods: 1,
			// No invocations, no errors.
			missing: awscloudwatch.TreatMissingData_NOT_BREACHING, runbook: errRunbook,
		})
		if thrKey != "" {
			out = append(out, alarmSpec{
				key: thrKey, metric: lambdaMetric(fn, "Throttles", ""), threshold: LambdaThrottlesThreshold,
				op: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, periods: 1,
				missing: awscloudwatch.TreatMissingData_NOT_BREACHING, runbook: thrRunbook,
			})
		}
	}
	p := w.props
	add(p.SignerFunction, AlarmSignerErrors,
		"the signer Lambda failed (an unhandled error or a timeout): callers got a 5XX. "+
			"First: its log group, ERROR lines and 'Task timed out' in the last 15 minutes. "+
			"Timeouts waiting on the database point at DatabaseFailures and DatabaseCapacity; a panic after a deploy means roll back.",
		AlarmSignerThrottles,
		"the signer reached its reserved concurrency and Lambda refused invocations: those callers' requests failed. "+
			"First: ConcurrentExecutions against the reservation (signet:signerConcurrency). "+
			"Real load: raise it if the database's connection budget allows (synth checks), or turn on signet:databaseProxy. "+
			"A sudden flood from one caller: the API access log and the WAF graphs.",
		"Signer")
	add(p.AdminFunction, AlarmAdminErrors,
		"the admin API Lambda failed (an unhandled error or a timeout): an administrator's action did not complete. "+
			"First: its log group, ERROR lines and 'Task timed out'; a Cognito error is the directory Lambda's (read its log too).",
		AlarmAdminThrottles,
		"the admin Lambda reached its reserved concurrency (2 by default) and admin calls were refused. "+
			"First: the API access log for a script calling /api/admin in a loop; raise AdminReservedConcurrency only if the connection budget allows.",
		"Admin")
	add(p.KeygenFunction, AlarmKeygenErrors,
		"the signing-key Lambda failed to create or remove a key during a deploy: the deploy rolled back, or a removed key's parameter stayed in SSM. "+
			"First: its log group and the stack's events. Never remove the active key or change a key's algorithm in place; add a new key instead.",
		"", "", "Keygen")
	return out
}

// apiMetric is an API Gateway metric of the API's stage.
func (w *watched) apiMetric(name, stat, label string) awscloudwatch.Metric {
	return metric("AWS/ApiGateway", name, map[string]*string{
		"ApiName": w.props.Api.RestApiName(), "Stage": jsii.String(w.stage),
	}, stat, fiveMinutes(), label)
}

func (w *watched) apiRequests() awscloudwatch.Metric { return w.apiMetric("Count", "Sum", "Requests") }

func (w *watched) apiAlarms() []alarmSpec {
	if w.props.Api == nil {
		return nil
	}
	requests := w.apiRequests()
	return []alarmSpec{{
		key:       AlarmApi5xxRate,
		metric:    gatedRate(w.apiMetric("5XXError", "Sum", "5XX"), requests, ApiMinRequests, "API 5XX rate (%)"),
		threshold: Api5xxRatePercent, op: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, periods: 1,
		// No requests is no failure.
		missing: awscloudwatch.TreatMissingData_NOT_BREACHING,
		runbook: fmt.Sprintf("more than %d%% of the API's requests (%d or more in %d minutes) failed with a 5XX. ", Api5xxRatePercent, ApiMinRequests, AlarmPeriodMinutes) +
			"First: SignerErrors, SignerThrottles and DatabaseFailures say which part fails; the API access log has each request's status and integration error. " +
			"A deploy in the last hour is the first suspect.",
	}, {
		key:       AlarmApiLatencyP99,
		metric:    gated(w.apiMetric("Latency", "p99", "p99"), requests, ApiMinRequests, "API p99 latency (ms)"),
		threshold: ApiLatencyP99Millis, op: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, periods: ApiLatencyPeriods,
		missing: awscloudwatch.TreatMissingData_NOT_BREACHING,
		runbook: fmt.Sprintf("the API's p99 latency stayed above %d ms for %d minutes (%d or more requests in each %d-minute period). ", ApiLatencyP99Millis, ApiLatencyPeriods*AlarmPeriodMinutes, ApiMinRequests, AlarmPeriodMinutes) +
			"First: the dashboard's latency and Aurora capacity graphs. Capacity at its maximum: raise signet:databaseMaxCapacity; " +
			"slow starts only: the signer's Init Duration in its log; one slow route: the access log.",
	}, {
		key:       AlarmApi4xxRate,
		metric:    gatedRate(w.apiMetric("4XXError", "Sum", "4XX"), requests, Api4xxMinRequests, "API 4XX rate (%)"),
		threshold: Api4xxRatePercent, op: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, periods: Api4xxPeriods,
		missing: awscloudwatch.TreatMissingData_NOT_BREACHING,
		runbook: fmt.Sprintf("more than %d%% of the API's requests (%d or more in %d minutes) were refused with a 4XX, for %d minutes. ", Api4xxRatePercent, Api4xxMinRequests, AlarmPeriodMinutes, Api4xxPeriods*AlarmPeriodMinutes) +
			"First: the status mix in the API access log: 401 is tokens (Cognito, an identity provider's change, clocks), 403 is RBAC or the WAF, 429 the stage throttle. " +
			"A new client release is the usual cause; one caller alone is a probe.",
	}}
}

func (w *watched) databaseMetric(name, stat, label string) awscloudwatch.Metric {
	return metric("AWS/RDS", name, map[string]*string{"DBClusterIdentifier": w.props.DatabaseCluster.ClusterIdentifier()}, stat, fiveMinutes(), label)
}

func (w *watched) databaseAlarms() []alarmSpec {
	if w.props.DatabaseCluster == nil {
		return nil
	}
	return []alarmSpec{{
		key:       AlarmDatabaseCapacity,
		metric:    w.databaseMetric("ServerlessDatabaseCapacity", "Average", ""),
		threshold: w.maxCapacity * DatabaseCapacityPercent / 100, op: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		periods: DatabaseCapacityPeriods,
		// A paused cluster is far from its maximum.
		missing: awscloudwatch.TreatMissingData_NOT_BREACHING,
		runbook: fmt.Sprintf("Aurora ran at %d%% or more of its maximum capacity (%g ACUs) for %d minutes; at the maximum, queries queue and the API slows. ",
			DatabaseCapacityPercent, w.maxCapacity, DatabaseCapacityPeriods*AlarmPeriodMinutes) +
			"First: the dashboard's capacity and API graphs. Expected load: raise signet:databaseMaxCapacity (it raises max_connections too); " +
			"unexpected load: find the caller in the API access log.",
	}}
}

// signetMetric is one of the Lambdas' EMF metrics.
func signetMetric(name string, dims map[string]*string, stat string, period awscdk.Duration, label string) awscloudwatch.Metric {
	return metric(MetricNamespace, name, dims, stat, period, label)
}

func databaseFailures(label string) awscloudwatch.Metric {
	return signetMetric(MetricDependencyFailures, map[string]*string{DimensionDependency: jsii.String(DependencyDatabase)}, "Sum", fiveMinutes(), label)
}

func signingKeyAge(label string) awscloudwatch.Metric {
	return signetMetric(MetricSigningKeyAgeDays, map[string]*string{}, "Maximum", awscdk.Duration_Hours(jsii.Number(SigningKeyAgePeriodHours)), label)
}

// signerMetricAlarms watch what the signer emits.
func (w *watched) signerMetricAlarms() []alarmSpec {
	if w.props.SignerFunction == nil {
		return nil
	}
	return []alarmSpec{{
		key: AlarmDatabaseFailures, metric: databaseFailures(""),
		threshold: DatabaseFailuresThreshold, op: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, periods: 1,
		// The signer emits the metric only when a request fails.
		missing: awscloudwatch.TreatMissingData_NOT_BREACHING,
		runbook: fmt.Sprintf("%d or more requests in %d minutes failed because the metadata database did not answer after the store's retries. ", DatabaseFailuresThreshold, AlarmPeriodMinutes) +
			"First: the cluster's status and events in RDS (not resuming from pause, failover, maintenance), then the signer's log for the error: " +
			"IAM authentication, TLS, security groups, or too many connections (DatabaseCapacity, the connection budget).",
	}, {
		key: AlarmSigningKeyAge, metric: signingKeyAge(""),
		threshold: w.keyMaxAgeDays, op: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, periods: 1,
		// The signer reports the age when it loads its keys, so quiet hours have no
		// data: keep the last state rather than clear a stale-key alarm overnight.
		missing: awscloudwatch.TreatMissingData_IGNORE,
		runbook: fmt.Sprintf("the active CloudFront signing key is older than %g days. ", w.keyMaxAgeDays) +
			"First: rotate it (README, 'Rotation runbook'): add a key and make it active, deploy, wait for the longest URL lifetime to pass, then drop the old key and deploy again.",
	}}
}

// wafBlocked is AWS/WAFV2 BlockedRequests of the web ACL named name, every rule;
// region is the Region dimension (REGIONAL web ACLs only) and metricRegion the region
// the metric is read in ("" for the stack's).
func wafBlocked(name *string, region *string, metricRegion string, label string) awscloudwatch.Metric {
	dims := map[string]*string{"WebACL": name, "Rule": jsii.String("ALL")}
	if region != nil {
		dims["Region"] = region
	}
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String("AWS/WAFV2"), MetricName: jsii.String("BlockedRequests"), DimensionsMap: &dims,
		Statistic: jsii.String("Sum"), Period: fiveMinutes(), Label: optional(label), Region: optional(metricRegion),
	})
}

func (w *watched) regionalWafBlocked(label string) awscloudwatch.Metric {
	return wafBlocked(w.regionalAcl, awscdk.Stack_Of(w.scope).Region(), "", label)
}

func (w *watched) regionalWafAlarms() []alarmSpec {
	if w.regionalAcl == nil {
		return nil
	}
	return []alarmSpec{wafBlockedAlarm(AlarmRegionalWafBlocked, w.regionalWafBlocked(""), RegionalWafBlockedThreshold, "the API's regional web ACL",
		"First: this web ACL's sampled requests in WAF name the rule. "+
			"RequireOriginHeader blocking everything means CloudFront's origin header and the web ACL disagree "+
			"(a half-done origin-verify rotation: finish or roll back signet:originVerifyGeneration); "+
			"a managed rule means an attack on the execute-api name or a false positive (check the WAF logs before excluding a rule).")}
}

func wafBlockedAlarm(key string, m awscloudwatch.IMetric, threshold float64, who, runbook string) alarmSpec {
	return alarmSpec{
		key: key, metric: m, threshold: threshold, op: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, periods: 1,
		// WAF publishes nothing for a web ACL that blocked nothing.
		missing: awscloudwatch.TreatMissingData_NOT_BREACHING,
		runbook: fmt.Sprintf("%s blocked more than %g requests in %d minutes. ", who, threshold, AlarmPeriodMinutes) + runbook,
	}
}

// cdnMetric is a CloudFront metric of the distribution (published in us-east-1 with
// Region=Global).
func cdnMetric(distributionId *string, name, stat, metricRegion, label string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String("AWS/CloudFront"), MetricName: jsii.String(name),
		DimensionsMap: &map[string]*string{"DistributionId": distributionId, "Region": jsii.String("Global")},
		Statistic:     jsii.String(stat), Period: fiveMinutes(), Label: optional(label), Region: optional(metricRegion),
	})
}

// edgeAlarms are the alarms on us-east-1's metrics, for a stack in us-east-1:
// CloudFront's 5xx rate and the CLOUDFRONT web ACL's blocks. Nil parts are skipped.
func edgeAlarms(distributionId, edgeAcl *string) []alarmSpec {
	var out []alarmSpec
	if distributionId != nil {
		out = append(out, alarmSpec{
			key: AlarmCdn5xxRate,
			metric: gated(cdnMetric(distributionId, "5xxErrorRate", "Average", "", "5xx rate"),
				cdnMetric(distributionId, "Requests", "Sum", "", "Requests"), CdnMinRequests, "CloudFront 5xx rate (%)"),
			threshold: Cdn5xxRatePercent, op: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, periods: 1,
			missing: awscloudwatch.TreatMissingData_NOT_BREACHING,
			runbook: fmt.Sprintf("more than %d%% of CloudFront's requests (%d or more in %d minutes) ended in a 5xx. ", Cdn5xxRatePercent, CdnMinRequests, AlarmPeriodMinutes) +
				"First: which behaviour. /api/* errors show in the main region's API alarms; file errors come from S3 or KMS: " +
				"a changed bucket or data-key policy (CloudFront must keep s3:GetObject and kms:Decrypt for this distribution), or S3 itself (AWS Health).",
		})
	}
	if edgeAcl != nil {
		out = append(out, wafBlockedAlarm(AlarmEdgeWafBlocked, wafBlocked(edgeAcl, nil, "", ""), EdgeWafBlockedThreshold, "the CloudFront web ACL",
			"First: its sampled requests in WAF (us-east-1, Global) name the rule. RateLimitPerIp: one client above signet:wafRateLimit "+
				"(abuse, or a customer's batch job: talk to them); IP reputation or managed rules: an attack, nothing to do unless customers "+
				"report refusals, then look for a false positive in the WAF logs before excluding a rule."))
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}
