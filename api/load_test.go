package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/store"
)

// More Lambda instances than the database admits connections: each simulated
// instance has its own one-connection store, as a Lambda does, and the database
// allows 6 (a per-database CONNECTION LIMIT: PostgreSQL refuses the 7th with the same
// SQLSTATE 53300 as a full max_connections). Callers past the limit get 503 with
// Retry-After at once (no retry loop, no timeout), nothing is half-written (one
// audit row per 200, none per 503), and service recovers when the load drops.
func TestConnectionExhaustionIs503AndRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	db, admin := cluster.MigratedDatabase(t,
		"INSERT INTO customers (id, display_name, s3_prefix) VALUES ('acme', 'Acme', 'customers/acme')",
		"INSERT INTO access_rules (customer_id, path_prefix, role, actions) VALUES ('acme', '', 'staff', '{read}')",
		"INSERT INTO files (customer_id, path, content_type, size_bytes, checksum_sha256, status, created_by) VALUES ('acme', 'q1.pdf', 'application/pdf', 3, '"+sumEmpty+"', 'available', 'u')",
	)
	ctx := context.Background()
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+db+" CONNECTION LIMIT 6"); err != nil {
		t.Fatal(err)
	}
	signer := newSigner(t)
	instance := func() (*api.Handler, *store.Store) {
		st, err := store.Open(store.Config{Host: "127.0.0.1", Port: cluster.Port, Database: db, User: "signet_app"})
		if err != nil {
			t.Fatal(err)
		}
		return &api.Handler{Store: st, Uploads: fakeUploads{}, Config: api.Config{RequestTimeout: 5 * time.Second},
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
			Keys:   &fakeKeys{m: &keysource.Material{Signer: signer, Domain: "d111111abcdef8.cloudfront.net", KeyName: "k1"}}}, st
	}
	req := event("POST", "/downloads", `{"path":"q1.pdf"}`, member)

	const instances, rounds = 24, 20
	var mu sync.Mutex
	status := map[int]int{}
	var slowest503 time.Duration
	var wg sync.WaitGroup
	stores := make([]*store.Store, instances)
	for i := range instances {
		h, st := instance()
		stores[i] = st
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				start := time.Now()
				resp, _ := h.Handle(ctx, req)
				took := time.Since(start)
				mu.Lock()
				status[resp.StatusCode]++
				if resp.StatusCode == http.StatusServiceUnavailable {
					slowest503 = max(slowest503, took)
					if resp.Headers["Retry-After"] == "" {
						t.Error("503 without Retry-After")
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("statuses under load: %v; slowest 503 %s", status, slowest503)
	if status[200] == 0 || status[503] == 0 || status[200]+status[503] != instances*rounds {
		t.Fatalf("want only 200s and 503s, both: %v", status)
	}
	if slowest503 > time.Second {
		t.Errorf("a 503 took %s: refusals must be quick, not timeouts", slowest503)
	}
	var audits int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM audit_events").Scan(&audits); err != nil || audits != status[200] {
		t.Fatalf("%d audit rows for %d issued URLs (%v)", audits, status[200], err)
	}
	// The load drops: the instances go away, and a new one is served.
	for _, st := range stores {
		st.Close()
	}
	h, st := instance()
	defer st.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, _ := h.Handle(ctx, req)
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery: %d %s", resp.StatusCode, resp.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
