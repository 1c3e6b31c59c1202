package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/emf"
	"github.com/signet-cdk/signet/store"
)

// downAdmin is an admin store whose database does not answer.
type downAdmin struct{ *memAdmin }

func (downAdmin) ListCustomers(context.Context, string) ([]store.CustomerRecord, error) {
	return nil, fmt.Errorf("list: %w", store.ErrUnavailable)
}

// The admin API counts a request the database failed, as the signer does, so the
// DatabaseFailures alarm sees both; a refusal is not a failure.
func TestAdminCountsDatabaseFailures(t *testing.T) {
	for _, c := range []struct {
		name   string
		store  api.AdminStore
		status int
		counts int
	}{
		{"database down", downAdmin{&memAdmin{}}, 503, 1},
		{"answered", &memAdmin{customers: map[string]store.CustomerRecord{}}, 200, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			h := &api.AdminHandler{Store: c.store, Directory: memDirectory{}, Metrics: &emf.Writer{W: &out, Namespace: api.MetricNamespace},
				Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
			req := event("GET", "/admin/{proxy+}", "", map[string]any{"sub": "root", "cognito:groups": "platform-admins"})
			req.Path, req.PathParameters = "/api/admin/customers", map[string]string{"proxy": "customers"}
			resp, _ := h.Handle(context.Background(), req)
			if resp.StatusCode != c.status {
				t.Fatalf("%d %s", resp.StatusCode, resp.Body)
			}
			if got := strings.Count(out.String(), `"DependencyFailures":1`); got != c.counts || (c.counts > 0 && !strings.Contains(out.String(), `"Dependency":"database"`)) {
				t.Errorf("metrics %q", out.String())
			}
		})
	}
}
