package client_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/client"
	"github.com/signet-cdk/signet/directory"
	"github.com/signet-cdk/signet/internal/cognitofake"
	"github.com/signet-cdk/signet/store"
)

// The admin methods against the real admin handler (PostgreSQL as the admin role, the
// Cognito stand-in through the SDK) behind the API Gateway stand-in: every route the
// client calls exists, takes what the client sends, and answers what it decodes.
func TestAdminEndToEnd(t *testing.T) {
	ctx := context.Background()
	db, pg := cluster.MigratedDatabase(t)
	st, err := store.Open(store.Config{Host: "127.0.0.1", Port: cluster.Port, Database: db, User: "signet_admin_app", RetryBudget: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	fake, cip := cognitofake.New(t)
	h := &api.AdminHandler{Store: st, Directory: &directory.Directory{Client: cip, UserPoolID: fake.PoolID()},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	srv := httptest.NewServer(gateway(h.Handle))
	t.Cleanup(srv.Close)
	root := &client.Client{BaseURL: srv.URL, Tokens: client.StaticToken("root-token")}
	acmeAdmin := &client.Client{BaseURL: srv.URL, Tokens: client.StaticToken("acme-admin-token")}

	for _, id := range []string{"acme", "globex"} {
		c, err := root.CreateCustomer(ctx, id, "The "+id, "customers/"+id)
		if err != nil || c.ID != id || c.Prefix != "customers/"+id {
			t.Fatalf("create %s: %+v %v", id, c, err)
		}
	}
	if _, err := root.CreateCustomer(ctx, "acme2", "Acme", "customers/acme"); !errors.Is(err, client.ErrConflict) {
		t.Errorf("taken prefix: %v", err)
	}
	var ae *client.APIError
	if _, err := root.CreateCustomer(ctx, "Bad Id", "x", "customers/x"); !errors.As(err, &ae) || ae.Status != 400 ||
		ae.Message != "customer id must be 1-63 lowercase letters, digits and hyphens, starting with a letter or digit" {
		t.Errorf("bad id: %v", err)
	}
	if _, err := acmeAdmin.CreateCustomer(ctx, "initech", "Initech", "customers/initech"); !errors.Is(err, client.ErrForbidden) {
		t.Errorf("a customer admin created a customer: %v", err)
	}
	if cs, err := acmeAdmin.Customers(ctx); err != nil || len(cs) != 1 || cs[0].ID != "acme" || cs[0].CreatedAt.IsZero() {
		t.Errorf("a customer admin's customers: %+v %v", cs, err)
	}

	name, yes, no := "Acme Ltd", true, false
	for _, u := range []client.CustomerUpdate{{DisplayName: &name}, {Disabled: &yes}, {Disabled: &no}} {
		if err := root.UpdateCustomer(ctx, "acme", u); err != nil {
			t.Fatal(err)
		}
	}
	if cs, _ := root.Customers(ctx); len(cs) != 2 || cs[0].DisplayName != "Acme Ltd" || cs[0].Disabled {
		t.Errorf("after rename, disable, enable: %+v", cs)
	}
	if err := root.UpdateCustomer(ctx, "nobody", client.CustomerUpdate{Disabled: &yes}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("update of a missing customer: %v", err)
	}

	if _, err := acmeAdmin.Grant(ctx, client.Rule{CustomerID: "acme", PathPrefix: "reports/", Role: "staff", Actions: []string{"read", "write"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := acmeAdmin.Grant(ctx, client.Rule{CustomerID: "acme", Role: "auditors", Actions: []string{"read"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := acmeAdmin.Grant(ctx, client.Rule{CustomerID: "globex", Role: "staff", Actions: []string{"read"}}); !errors.Is(err, client.ErrForbidden) {
		t.Errorf("grant on another customer: %v", err)
	}
	rules, err := acmeAdmin.Rules(ctx, "acme")
	if err != nil || len(rules) != 2 || rules[0].PathPrefix != "" || rules[1].PathPrefix != "reports/" || !slices.Equal(rules[1].Actions, []string{"read", "write"}) {
		t.Errorf("rules: %+v %v", rules, err)
	}
	if err := acmeAdmin.Revoke(ctx, "acme", "", "auditors"); err != nil {
		t.Error(err)
	}
	if err := acmeAdmin.Revoke(ctx, "acme", "", "auditors"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("revoke twice: %v", err)
	}

	u, err := acmeAdmin.Invite(ctx, "acme", "ana@acme.example", []string{"staff"})
	if err != nil || u.Username == "" || u.CustomerID != "acme" {
		t.Fatalf("invite: %+v %v", u, err)
	}
	if got := fake.UserGroups(u.Username); !slices.Equal(got, []string{"staff"}) {
		t.Errorf("Cognito groups %v", got)
	}
	if u, err = acmeAdmin.SetRoles(ctx, "acme", u.Username, []string{"auditors", "staff"}); err != nil || !slices.Equal(u.Roles, []string{"auditors", "staff"}) {
		t.Errorf("set roles: %+v %v", u, err)
	}
	if err := acmeAdmin.DisableUser(ctx, "acme", u.Username); err != nil {
		t.Error(err)
	}
	if users, err := acmeAdmin.Users(ctx, "acme"); err != nil || len(users) != 1 || !users[0].Disabled || users[0].CreatedBy != "acme-admin" {
		t.Errorf("users: %+v %v", users, err)
	}
	if err := root.DisableUser(ctx, "globex", u.Username); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("acme's user through globex: %v", err)
	}
	if err := acmeAdmin.DeleteUser(ctx, "acme", u.Username); err != nil {
		t.Error(err)
	}
	if users, err := acmeAdmin.Users(ctx, "acme"); err != nil || len(users) != 0 {
		t.Errorf("users after delete: %+v %v", users, err)
	}

	evs, err := acmeAdmin.AdminEvents(ctx, "acme")
	if err != nil || len(evs) == 0 || evs[0].Action != "user.delete" || evs[0].Kind != "admin" || evs[0].Subject != "acme-admin" {
		t.Errorf("admin events: %+v %v", evs, err)
	}

	// Three access events; the filters and the paging reach the store as meant.
	if _, err := pg.Exec(ctx, `INSERT INTO audit_events (at, subject, customer_id, file_path, action, expires_at, request_id) VALUES
		('2030-01-01T10:00:00Z', 'alice', 'acme', 'reports/q1.pdf', 'read', '2030-01-01T10:05:00Z', 'r1'),
		('2030-01-01T11:00:00Z', 'bob', 'acme', 'reports/q2.pdf', 'write', '2030-01-01T11:15:00Z', 'r2'),
		('2030-01-01T12:00:00Z', 'alice', 'acme', 'other/x.txt', 'read', '2030-01-01T12:05:00Z', 'r3')`); err != nil {
		t.Fatal(err)
	}
	audit := func(q client.AuditQuery) []string {
		t.Helper()
		evs, err := acmeAdmin.Audit(ctx, "acme", q)
		if err != nil {
			t.Fatal(err)
		}
		var targets []string
		for _, e := range evs {
			targets = append(targets, e.Target)
		}
		return targets
	}
	day := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		q    client.AuditQuery
		want []string
	}{
		{client.AuditQuery{}, []string{"other/x.txt", "reports/q2.pdf", "reports/q1.pdf"}},
		{client.AuditQuery{Subject: "alice"}, []string{"other/x.txt", "reports/q1.pdf"}},
		{client.AuditQuery{Path: "reports/"}, []string{"reports/q2.pdf", "reports/q1.pdf"}},
		{client.AuditQuery{From: day.Add(11 * time.Hour), To: day.Add(12 * time.Hour)}, []string{"reports/q2.pdf"}},
		{client.AuditQuery{Limit: 1}, []string{"other/x.txt"}},
	} {
		if got := audit(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.q, got, tc.want)
		}
	}
	first, _ := acmeAdmin.Audit(ctx, "acme", client.AuditQuery{Limit: 2})
	if got := audit(client.AuditQuery{Before: first[1].ID}); !slices.Equal(got, []string{"reports/q1.pdf"}) {
		t.Errorf("next page: %v", got)
	}
	if _, err := acmeAdmin.Audit(ctx, "globex", client.AuditQuery{}); !errors.Is(err, client.ErrForbidden) {
		t.Errorf("another customer's audit: %v", err)
	}
}
