package api

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/store"
)

// Metrics receives the signer's application metrics; package emf's Writer writes them
// as CloudWatch embedded metric format lines. Handler.Metrics nil: none. A metric that
// cannot be written is logged and never fails a request.
type Metrics interface {
	// Count adds v to a count metric.
	Count(metric string, dims map[string]string, v float64) error
	// Gauge records a value without a unit.
	Gauge(metric string, dims map[string]string, v float64) error
}

// Metric names and dimensions, in namespace MetricNamespace. They are the strings the
// monitoring construct (constructs/monitoring: MetricUrlsIssued and the others) reads;
// this package imports nothing from CDK, so a test checks the two agree.
const (
	MetricNamespace = "Signet"
	// MetricUrlsIssued counts successful download answers (a CloudFront URL, a cookie
	// set, or an S3 URL), per DimensionCustomer.
	MetricUrlsIssued = "UrlsIssued"
	// MetricUploadsCompleted counts completed uploads (single and multipart), per
	// DimensionCustomer.
	MetricUploadsCompleted = "UploadsCompleted"
	// MetricDependencyFailures counts requests that failed because a dependency did
	// not answer, per DimensionDependency (DependencyDatabase: the store's
	// ErrUnavailable, after its retries).
	MetricDependencyFailures = "DependencyFailures"
	// MetricSigningKeyAgeDays is the active signing key's age in days (no dimension),
	// reported at each load of the keys (ReportKeyAge).
	MetricSigningKeyAgeDays = "SigningKeyAgeDays"
	// MetricInfectedFiles counts downloads refused because GuardDuty found malware in
	// the file, per DimensionCustomer (Config.MalwareScanning).
	MetricInfectedFiles = "InfectedFiles"

	DimensionCustomer   = "Customer"
	DimensionDependency = "Dependency"
	DependencyDatabase  = "database"
)

// count adds 1 to metric for p's customer; a metric that cannot be written is logged.
func (h *Handler) count(ctx context.Context, metric string, dims map[string]string) {
	if h.Metrics == nil {
		return
	}
	if err := h.Metrics.Count(metric, dims, 1); err != nil {
		h.logger().WarnContext(ctx, "metric not written", "metric", metric, "error", err.Error())
	}
}

func (h *Handler) countCustomer(ctx context.Context, metric string, p store.Principal) {
	h.count(ctx, metric, map[string]string{DimensionCustomer: p.CustomerID})
}

// countFailure counts a request that failed because the database did not answer.
func (h *Handler) countFailure(ctx context.Context, err error) {
	dependencyFailure(ctx, h.Metrics, h.logger(), err)
}

// dependencyFailure counts on m (the signer's or the admin API's) a request that failed
// because the database did not answer; a metric that cannot be written is logged.
func dependencyFailure(ctx context.Context, m Metrics, log *slog.Logger, err error) {
	if m == nil || !errors.Is(err, store.ErrUnavailable) {
		return
	}
	if werr := m.Count(MetricDependencyFailures, map[string]string{DimensionDependency: DependencyDatabase}, 1); werr != nil {
		log.WarnContext(ctx, "metric not written", "metric", MetricDependencyFailures, "error", werr.Error())
	}
}

// ReportKeyAge returns a keysource.Config.OnLoad that records the active key's age in
// days (MetricSigningKeyAgeDays) each time the signer loads its keys; nothing when the
// key's date is unknown (the alarm keeps its state rather than see a false "new").
// now nil: time.Now.
func ReportKeyAge(m Metrics, now func() time.Time) func(*keysource.Material) {
	if now == nil {
		now = time.Now
	}
	return func(k *keysource.Material) {
		if m == nil || k.KeyModifiedAt.IsZero() {
			return
		}
		_ = m.Gauge(MetricSigningKeyAgeDays, nil, k.KeyAge(now()).Hours()/24)
	}
}
