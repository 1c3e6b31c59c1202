package store_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/signet-cdk/signet/store"
)

// BenchmarkAuthorizeAndAudit is one signing decision's database work on loopback:
// authorize (one query) then write the audit row, as the signer does per URL. It
// reports the p50 and p99 latency of the pair.
func BenchmarkAuthorizeAndAudit(b *testing.B) {
	admin, s := freshDB(b)
	addCustomer(b, admin, "acme", "customers/acme")
	for i := range 50 {
		addRule(b, admin, "acme", fmt.Sprintf("team%02d/", i), fmt.Sprintf("role%02d", i), "read", "write")
	}
	addRule(b, admin, "acme", "", "staff", "read")
	addRule(b, admin, "acme", "reports/", "staff", "read", "write")
	ctx := context.Background()
	p := store.Principal{Subject: "u1", CustomerID: "acme", Roles: []string{"staff", "role07"}}
	exp := time.Now().Add(5 * time.Minute)
	if _, err := s.Authorize(ctx, p, store.Read, "reports/q1.pdf"); err != nil { // warm the pool
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := s.Authorize(ctx, p, store.Read, "reports/q1.pdf"); err != nil {
			b.Fatal(err)
		}
		if err := s.Audit(ctx, p, store.AuditEntry{Path: "reports/q1.pdf", Action: store.Read, ExpiresAt: exp, RequestID: "bench"}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-us")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-us")
}
