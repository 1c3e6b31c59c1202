package monitoring

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"
)

// dashboardIntro heads the dashboard.
const dashboardIntro = "# Signet\n" +
	"Each alarm's description is its runbook line; alarms notify the monitoring topic on ALARM and on OK. " +
	"CloudFront and the CloudFront web ACL are read from us-east-1, where their alarms live (package monitoring, EdgeMonitoring). " +
	"URLs issued, uploads and database failures are the Lambdas' embedded metrics (namespace `" + MetricNamespace + "`)."

// searchPerCustomer graphs one EMF metric per customer: a SEARCH finds every
// customer's series, so new customers appear without a deploy.
func searchPerCustomer(metricName string) awscloudwatch.MathExpression {
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(fmt.Sprintf(`SEARCH('{%s,%s} MetricName="%s"', 'Sum', 300)`, MetricNamespace, DimensionCustomer, metricName)),
		// Each series is labelled with its customer only.
		Label:  jsii.String(""),
		Period: fiveMinutes(),
	})
}

func graph(title string, width float64, left []awscloudwatch.IMetric, opts func(*awscloudwatch.GraphWidgetProps)) awscloudwatch.IWidget {
	p := &awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Width: jsii.Number(width), Height: jsii.Number(6), Left: &left}
	if opts != nil {
		opts(p)
	}
	return awscloudwatch.NewGraphWidget(p)
}

func limit(value float64, label string) *[]*awscloudwatch.HorizontalAnnotation {
	return &[]*awscloudwatch.HorizontalAnnotation{{Value: jsii.Number(value), Label: jsii.String(label)}}
}

// dashboard is the one dashboard: the parts that were given, row by row.
func (w *watched) dashboard(alarms map[string]awscloudwatch.Alarm) awscloudwatch.Dashboard {
	p := w.props
	rows := [][]awscloudwatch.IWidget{{awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
		Markdown: jsii.String(dashboardIntro), Width: jsii.Number(24), Height: jsii.Number(2),
	})}}
	if len(alarms) > 0 {
		names := make([]string, 0, len(alarms))
		for k := range alarms {
			names = append(names, k)
		}
		sort.Strings(names)
		refs := make([]interfacesawscloudwatch.IAlarmRef, len(names))
		for i, k := range names {
			refs[i] = alarms[k]
		}
		rows = append(rows, []awscloudwatch.IWidget{awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
			Title: jsii.String("Alarms"), Alarms: &refs, Width: jsii.Number(24), Height: jsii.Number(3),
		})})
	}
	if p.Api != nil {
		rows = append(rows, []awscloudwatch.IWidget{
			graph("API requests", 8, []awscloudwatch.IMetric{w.apiRequests()}, nil),
			graph("API latency (ms)", 8, []awscloudwatch.IMetric{
				w.apiMetric("Latency", "p50", "p50"), w.apiMetric("Latency", "p99", "p99"),
			}, func(g *awscloudwatch.GraphWidgetProps) { g.LeftAnnotations = limit(ApiLatencyP99Millis, "p99 alarm") }),
			graph("API errors", 8, []awscloudwatch.IMetric{
				w.apiMetric("4XXError", "Sum", "4XX"), w.apiMetric("5XXError", "Sum", "5XX"),
			}, nil),
		})
	}
	if fns := w.lambdaMetrics(); len(fns) > 0 {
		rows = append(rows, []awscloudwatch.IWidget{graph("Lambda errors and throttles", 24, fns, nil)})
	}
	if p.SignerFunction != nil {
		rows = append(rows, []awscloudwatch.IWidget{
			graph("URLs issued per customer", 8, []awscloudwatch.IMetric{searchPerCustomer(MetricUrlsIssued)}, nil),
			graph("Uploads completed per customer", 8, []awscloudwatch.IMetric{searchPerCustomer(MetricUploadsCompleted)}, nil),
			graph("Database failures and signing key age", 8, []awscloudwatch.IMetric{databaseFailures("Database failures")}, func(g *awscloudwatch.GraphWidgetProps) {
				g.Right = &[]awscloudwatch.IMetric{signingKeyAge("Signing key age (days)")}
				g.RightAnnotations = limit(w.keyMaxAgeDays, "key age alarm (days)")
			}),
		})
	}
	var bottom []awscloudwatch.IWidget
	if p.DatabaseCluster != nil {
		bottom = append(bottom, graph("Aurora capacity", 8, []awscloudwatch.IMetric{
			w.databaseMetric("ServerlessDatabaseCapacity", "Average", "ACUs"),
		}, func(g *awscloudwatch.GraphWidgetProps) {
			g.Right = &[]awscloudwatch.IMetric{w.databaseMetric("ACUUtilization", "Average", "ACU utilization (%)")}
			g.LeftAnnotations = limit(w.maxCapacity*DatabaseCapacityPercent/100, "capacity alarm (ACUs)")
		}))
	}
	if waf := w.wafMetrics(); len(waf) > 0 {
		bottom = append(bottom, graph("WAF blocked requests", 8, waf, nil))
	}
	if p.DistributionId != nil {
		bottom = append(bottom, graph("CloudFront requests and 5xx rate (%)", 8, []awscloudwatch.IMetric{
			cdnMetric(p.DistributionId, "Requests", "Sum", EdgeRegion, "Requests"),
		}, func(g *awscloudwatch.GraphWidgetProps) {
			g.Region = jsii.String(EdgeRegion)
			g.Right = &[]awscloudwatch.IMetric{cdnMetric(p.DistributionId, "5xxErrorRate", "Average", EdgeRegion, "5xx rate (%)")}
		}))
	}
	if len(bottom) > 0 {
		rows = append(rows, bottom)
	}
	widgets := make([]*[]awscloudwatch.IWidget, len(rows))
	for i := range rows {
		widgets[i] = &rows[i]
	}
	return awscloudwatch.NewDashboard(w.scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
		Widgets:         &widgets,
	})
}

// lambdaMetrics are the given functions' errors and throttles.
func (w *watched) lambdaMetrics() []awscloudwatch.IMetric {
	var out []awscloudwatch.IMetric
	for _, f := range []struct {
		fn  awslambda.IFunction
		who string
	}{{w.props.SignerFunction, "Signer"}, {w.props.AdminFunction, "Admin"}, {w.props.KeygenFunction, "Keygen"}} {
		if f.fn != nil {
			out = append(out, lambdaMetric(f.fn, "Errors", f.who+" errors"), lambdaMetric(f.fn, "Throttles", f.who+" throttles"))
		}
	}
	return out
}

// wafMetrics are both web ACLs' blocked requests; the CloudFront one is read in
// us-east-1.
func (w *watched) wafMetrics() []awscloudwatch.IMetric {
	var out []awscloudwatch.IMetric
	if w.regionalAcl != nil {
		out = append(out, w.regionalWafBlocked("Regional WAF blocked"))
	}
	if w.edgeAcl != nil {
		out = append(out, wafBlocked(w.edgeAcl, nil, EdgeRegion, "Edge WAF blocked (us-east-1)"))
	}
	return out
}
