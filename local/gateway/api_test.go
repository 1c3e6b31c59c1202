package gateway_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/local/gateway"
	"github.com/signet-cdk/signet/store"
)

// listStore is the signer's store for GET /api/files only: it records the caller
// and lists one file. The embedded interface is nil: any other call would panic,
// which the test would see as a 500.
type listStore struct {
	api.Store
	mu      sync.Mutex
	callers []store.Principal
	folder  string
}

func (s *listStore) ListReadable(_ context.Context, p store.Principal, folder, _ string, _ int) ([]store.File, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callers = append(s.callers, p)
	s.folder = folder
	return []store.File{{Path: "customers/acme/report.pdf", ContentType: "application/pdf", Size: 3}}, "", nil
}

// adminStore answers ListCustomers only, recording which customer it was asked for.
type adminStore struct {
	api.AdminStore
	mu   sync.Mutex
	only []string
}

func (s *adminStore) ListCustomers(_ context.Context, only string) ([]store.CustomerRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.only = append(s.only, only)
	return []store.CustomerRecord{{ID: "acme", DisplayName: "Acme", Prefix: "customers/acme"}}, nil
}

// signetRoutes are Signet's API as signerapi builds it, with the real handlers.
func signetRoutes(signer *api.Handler, admin *api.AdminHandler) []gateway.Route {
	return []gateway.Route{
		{Method: "POST", Resource: "/api/downloads", Handler: signer.Handle},
		{Method: "POST", Resource: "/api/uploads", Handler: signer.Handle},
		{Method: "POST", Resource: "/api/uploads/complete", Handler: signer.Handle},
		{Method: "GET", Resource: "/api/files", Handler: signer.Handle},
		{Method: "ANY", Resource: "/api/admin/{proxy+}", Handler: admin.Handle},
	}
}

// TestRealSignerHandler: the signer's own handler (package api) behind the gateway.
// Unauthenticated requests never reach it; an ID token's claims, as the gateway
// renders them, become the principal the store sees (subject, customer, and the
// groups from the comma-joined cognito:groups); its answer comes back unchanged.
func TestRealSignerHandler(t *testing.T) {
	iss := newIssuer(t)
	st := &listStore{}
	signer := &api.Handler{Store: st, Logger: discard()}
	admin := &api.AdminHandler{Logger: discard()}
	g := newGateway(t, iss, signetRoutes(signer, admin))

	for _, auth := range []string{"", "Bearer", "Bearer x", sign(t, otherKey, kid, iss.idClaims(time.Now()))} {
		if status, _, _ := do(g, "GET", "/api/files", auth, nil); status != 401 {
			t.Errorf("Authorization %.20q: status %d", auth, status)
		}
	}
	if len(st.callers) != 0 {
		t.Fatalf("unauthenticated requests reached the store: %v", st.callers)
	}

	status, hdr, body := do(g, "GET", "/api/files?folder=customers/acme", iss.token(t, nil), nil)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var list api.FileList
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Files) != 1 || list.Files[0].Path != "customers/acme/report.pdf" {
		t.Fatalf("answer %s (%v)", body, err)
	}
	if hdr.Get("Cache-Control") != "no-store" || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("the handler's headers did not come back: %v", hdr)
	}
	want := store.Principal{Subject: "8f1e2d3c-0000-4000-8000-000000000001", CustomerID: "acme", Roles: []string{"staff", "customer-admins"}}
	if len(st.callers) != 1 || st.callers[0].Subject != want.Subject || st.callers[0].CustomerID != want.CustomerID ||
		!slices.Equal(st.callers[0].Roles, want.Roles) || st.folder != "customers/acme" {
		t.Errorf("store saw %+v (folder %q), want %+v", st.callers, st.folder, want)
	}

	// With no dependencies at all (a nil Store) the handler recovers and answers its
	// own 500, which comes back as it is: not the gateway's 502.
	bare := newGateway(t, iss, signetRoutes(&api.Handler{Logger: discard()}, admin))
	status, _, body = do(bare, "GET", "/api/files", iss.token(t, nil), nil)
	if status != 500 || !strings.Contains(body, `"error"`) {
		t.Errorf("nil store: %d %s", status, body)
	}

	// The handler's own refusals pass through: a token without a customer is its 403.
	status, _, body = do(g, "GET", "/api/files", iss.token(t, map[string]any{"custom:customer_id": nil}), nil)
	if status != 403 || !strings.Contains(body, `"error"`) {
		t.Errorf("no customer: %d %s", status, body)
	}
}

// TestRealAdminHandler: the admin handler behind {proxy+} reads the proxy parameter
// and the groups as the gateway passes them: a customer admin lists its own
// customer, a platform admin all, a member of neither group is its 403, and no
// token is the gateway's 401.
func TestRealAdminHandler(t *testing.T) {
	iss := newIssuer(t)
	st := &adminStore{}
	g := newGateway(t, iss, signetRoutes(&api.Handler{Logger: discard()}, &api.AdminHandler{Store: st, Logger: discard()}))
	for _, tc := range []struct {
		groups any
		want   int
		only   string
	}{
		{[]string{"staff", api.CustomerAdminsGroup}, 200, "acme"},
		{[]string{api.PlatformAdminsGroup}, 200, ""},
		{[]string{"staff"}, 403, "-"},
		{nil, 403, "-"},
	} {
		st.only = nil
		status, _, body := do(g, "GET", "/api/admin/customers", iss.token(t, map[string]any{"cognito:groups": tc.groups}), nil)
		if status != tc.want {
			t.Errorf("groups %v: %d %s", tc.groups, status, body)
			continue
		}
		if tc.want == 200 && (len(st.only) != 1 || st.only[0] != tc.only) {
			t.Errorf("groups %v: store asked for %q", tc.groups, st.only)
		}
		if tc.want != 200 && len(st.only) != 0 {
			t.Errorf("groups %v: store reached", tc.groups)
		}
	}
	if status, _, _ := do(g, "GET", "/api/admin/customers", "", nil); status != 401 || len(st.only) != 0 {
		t.Errorf("no token: %d", status)
	}
}
