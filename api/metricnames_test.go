package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/signet-cdk/signet/api"
)

// The signer writes the metric names the monitoring construct reads. The construct
// is CDK code the Lambda must not import, so its constants are read from its source.
func TestMetricNamesMatchTheMonitoringConstruct(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../constructs/monitoring/monitoring.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			for i, name := range vs.Names {
				if i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						consts[name.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
		return true
	})
	for name, ours := range map[string]string{
		"MetricNamespace": api.MetricNamespace, "MetricUrlsIssued": api.MetricUrlsIssued, "MetricUploadsCompleted": api.MetricUploadsCompleted,
		"MetricDependencyFailures": api.MetricDependencyFailures, "MetricSigningKeyAgeDays": api.MetricSigningKeyAgeDays,
		"DimensionCustomer": api.DimensionCustomer, "DimensionDependency": api.DimensionDependency, "DependencyDatabase": api.DependencyDatabase,
	} {
		if theirs, ok := consts[name]; !ok || theirs != ours {
			t.Errorf("%s: the construct reads %q (found: %v), the signer writes %q", name, theirs, ok, ours)
		}
	}
}
