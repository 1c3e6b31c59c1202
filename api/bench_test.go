package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/store"
)

// BenchmarkDownloadRequest is a whole signed download through the handler (decode,
// validate, one statement that authorizes, checks the file and writes the audit row,
// then the signature) against a real PostgreSQL on loopback, alternating with a bare
// `SELECT 1` on the same one-connection pool, so both see the same machine. It
// reports both p50s and their ratio (the target is <= 1.3x: the request should cost
// about one round trip).
func BenchmarkDownloadRequest(b *testing.B) {
	db, admin := cluster.MigratedDatabase(b,
		"INSERT INTO customers (id, display_name, s3_prefix) VALUES ('acme', 'Acme', 'customers/acme')",
		"INSERT INTO access_rules (customer_id, path_prefix, role, actions) SELECT 'acme', 'team' || g || '/', 'role' || g, '{read,write}' FROM generate_series(10, 59) g",
		"INSERT INTO access_rules (customer_id, path_prefix, role, actions) VALUES ('acme', 'reports/', 'staff', '{read}')",
		"INSERT INTO files (customer_id, path, content_type, size_bytes, checksum_sha256, status, created_by) VALUES ('acme', 'reports/q1.pdf', 'application/pdf', 3, '"+sumEmpty+"', 'available', 'u')",
	)
	ctx := context.Background()
	st, err := store.Open(store.Config{Host: "127.0.0.1", Port: cluster.Port, Database: db, User: "signet_app"})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	h := &api.Handler{Store: st, Uploads: fakeUploads{}, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Keys: &fakeKeys{m: &keysource.Material{Signer: newSigner(b), Domain: "d111111abcdef8.cloudfront.net", KeyName: "k1"}}}
	claims := map[string]any{"sub": "user-1", "custom:customer_id": "acme", "cognito:groups": "[staff role17]"}
	req := event("POST", "/downloads", `{"path":"reports/q1.pdf","lifetimeSeconds":300}`, claims)
	download := func() {
		if resp, _ := h.Handle(ctx, req); resp.StatusCode != 200 {
			b.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
	}
	selectOne := func() {
		var one int
		if err := st.Pool().QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
			b.Fatal(err)
		}
	}
	download() // connect and warm
	var dl, rt []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		download()
		dl = append(dl, time.Since(start))
		start = time.Now()
		selectOne()
		rt = append(rt, time.Since(start))
	}
	b.StopTimer()
	p50 := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2]
	}
	b.ReportMetric(float64(p50(dl).Microseconds()), "p50-us")
	b.ReportMetric(float64(p50(rt).Microseconds()), "roundtrip-p50-us")
	b.ReportMetric(float64(p50(dl))/float64(p50(rt)), "ratio-x")
	var audits int
	_ = admin.QueryRow(ctx, "SELECT count(*) FROM audit_events").Scan(&audits)
	if audits < b.N {
		b.Fatal(fmt.Sprintf("%d audit rows for %d downloads", audits, b.N+1))
	}
}
