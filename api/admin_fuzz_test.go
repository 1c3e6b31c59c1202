package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/store"
)

// memAdmin is an in-memory admin store that refuses bad bytes the way PostgreSQL
// does (an unclassified error), so input that slipped past the handler's checks
// would show as a 500.
type memAdmin struct {
	customers map[string]store.CustomerRecord
}

func refuseBytes(ss ...string) error {
	for _, s := range ss {
		if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
			return errPostgresEncoding
		}
	}
	return nil
}

func (m *memAdmin) CreateCustomer(_ context.Context, a store.Actor, c store.CustomerRecord) error {
	if err := refuseBytes(a.Subject, c.ID, c.DisplayName, c.Prefix); err != nil {
		return err
	}
	if err := store.ValidateCustomer(c); err != nil {
		return err
	}
	m.customers[c.ID] = c
	return nil
}
func (m *memAdmin) UpdateCustomer(_ context.Context, a store.Actor, id string, name *string, _ *bool) error {
	if name != nil {
		return refuseBytes(*name, id)
	}
	return refuseBytes(id)
}
func (m *memAdmin) ListCustomers(_ context.Context, only string) ([]store.CustomerRecord, error) {
	return nil, refuseBytes(only)
}
func (m *memAdmin) GrantRule(_ context.Context, a store.Actor, r store.Rule) error {
	if err := refuseBytes(append([]string{a.Subject, r.CustomerID, r.PathPrefix, r.Role}, r.Actions...)...); err != nil {
		return err
	}
	return store.ValidateRule(r)
}
func (m *memAdmin) RevokeRule(_ context.Context, _ store.Actor, c, p, r string) error {
	return refuseBytes(c, p, r)
}
func (m *memAdmin) ListRules(_ context.Context, c string) ([]store.Rule, error) {
	return nil, refuseBytes(c)
}
func (m *memAdmin) AddUser(_ context.Context, _ store.Actor, u store.User) error {
	return refuseBytes(append([]string{u.Username, u.Email, u.CustomerID}, u.Roles...)...)
}
func (m *memAdmin) User(_ context.Context, c, u string) (store.User, error) {
	if err := refuseBytes(c, u); err != nil {
		return store.User{}, err
	}
	return store.User{Username: u, CustomerID: c}, nil
}
func (m *memAdmin) ListUsers(_ context.Context, c string) ([]store.User, error) {
	return nil, refuseBytes(c)
}
func (m *memAdmin) SetUserRoles(_ context.Context, _ store.Actor, c, u string, roles []string) error {
	return refuseBytes(append([]string{c, u}, roles...)...)
}
func (m *memAdmin) DisableUser(_ context.Context, _ store.Actor, c, u string) error {
	return refuseBytes(c, u)
}
func (m *memAdmin) DeleteUser(_ context.Context, _ store.Actor, c, u string) error {
	return refuseBytes(c, u)
}
func (m *memAdmin) AuditEvents(_ context.Context, q store.AuditQuery) ([]store.AuditEvent, error) {
	return nil, refuseBytes(q.CustomerID, q.Subject, q.PathPrefix)
}
func (m *memAdmin) AdminEvents(_ context.Context, c string, _ int) ([]store.AuditEvent, error) {
	return nil, refuseBytes(c)
}

type memDirectory struct{}

func (memDirectory) Invite(_ context.Context, email, customer string, roles []string) (string, error) {
	return "u-1", refuseBytes(append([]string{email, customer}, roles...)...)
}
func (memDirectory) SetRoles(_ context.Context, u string, roles []string) error {
	return refuseBytes(append([]string{u}, roles...)...)
}
func (memDirectory) Disable(_ context.Context, u string) error { return refuseBytes(u) }
func (memDirectory) Delete(_ context.Context, u string) error  { return refuseBytes(u) }

// FuzzAdminHandle sends arbitrary admin requests (method, path below /admin, body,
// query, claims): no input may cost a 500, and every refusal is a JSON error free of
// internal wording. The seed corpus runs in every `go test`.
func FuzzAdminHandle(f *testing.F) {
	for _, s := range []struct{ method, path, body, query, groups, customer string }{
		{"POST", "customers", `{"id":"acme","displayName":"Acme","prefix":"customers/acme"}`, "", "[platform-admins]", ""},
		{"POST", "customers", `{"id":"a\u0000","displayName":"x","prefix":"p"}`, "", "[platform-admins]", ""},
		{"PATCH", "customers/acme", `{"displayName":"A\u0000"}`, "", "[platform-admins]", ""},
		{"POST", "customers/acme/rules", `{"pathPrefix":"a/","role":"r","actions":["read"]}`, "", "[customer-admins]", "acme"},
		{"DELETE", "customers/acme/rules", ``, "pathPrefix=a\x00/&role=r", "[customer-admins]", "acme"},
		{"POST", "customers/acme/users", `{"email":"a@b.example","roles":["r\u0000"]}`, "", "[customer-admins]", "acme"},
		{"PUT", "customers/acme/users/u\x00/roles", `{"roles":[]}`, "", "[customer-admins]", "acme"},
		{"GET", "customers/acme/audit", ``, "subject=\xff&from=2026-01-01T00:00:00Z", "[customer-admins]", "acme"},
		{"GET", "customers/ac\xffme/users", ``, "", "[platform-admins]", ""},
		{"GET", "customers", ``, "", "[staff]", "acme"},
	} {
		f.Add(s.method, s.path, s.body, s.query, s.groups, s.customer)
	}
	f.Fuzz(func(t *testing.T, method, path, body, query, groups, customer string) {
		h := &api.AdminHandler{Store: &memAdmin{customers: map[string]store.CustomerRecord{}}, Directory: memDirectory{},
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
		claims := map[string]any{"sub": "admin", "cognito:groups": groups}
		if customer != "" {
			claims["custom:customer_id"] = customer
		}
		req := adminEvent(method, path, body, claims, nil)
		if k, v, ok := strings.Cut(query, "="); ok {
			req.QueryStringParameters = map[string]string{k: v}
		}
		resp, err := h.Handle(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode >= http.StatusInternalServerError {
			t.Fatalf("status %d for a client's input: %s", resp.StatusCode, resp.Body)
		}
		checkAnswer(t, resp)
	})
}
