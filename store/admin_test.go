package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/store"
)

// adminDB is a fresh database with a Store as the admin API's role.
func adminDB(t *testing.T) (*pgx.Conn, *store.Store, *store.Store) {
	t.Helper()
	admin, app := freshDB(t)
	var db string
	if err := admin.QueryRow(context.Background(), "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(store.Config{Host: "127.0.0.1", Port: cluster.Port, Database: db, User: "signet_admin_app", RetryBudget: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return admin, s, app
}

func trailOf(t *testing.T, admin *pgx.Conn) []string {
	t.Helper()
	rows, err := admin.Query(context.Background(), "SELECT coalesce(customer_id, '-') || ' ' || action || ' ' || target || ' by ' || subject FROM admin_events ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAdministration(t *testing.T) {
	admin, s, app := adminDB(t)
	ctx := context.Background()
	root := store.Actor{Subject: "root", RequestID: "r1"}
	if err := s.CreateCustomer(ctx, root, store.CustomerRecord{ID: "acme", DisplayName: "Acme", Prefix: "customers/acme"}); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]store.CustomerRecord{
		"same id":          {ID: "acme", DisplayName: "Again", Prefix: "customers/acme2"},
		"nested prefix":    {ID: "evil", DisplayName: "Evil", Prefix: "customers/acme/evil"},
		"enclosing prefix": {ID: "evil2", DisplayName: "Evil", Prefix: "customers"},
	} {
		if err := s.CreateCustomer(ctx, root, c); !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, c := range map[string]store.CustomerRecord{
		"bad id":       {ID: "Acme!", DisplayName: "x", Prefix: "p"},
		"bad prefix":   {ID: "ok", DisplayName: "x", Prefix: "../p"},
		"empty name":   {ID: "ok", DisplayName: " ", Prefix: "p"},
		"NUL in name":  {ID: "ok", DisplayName: "a\x00", Prefix: "p"},
		"api prefix":   {ID: "ok", DisplayName: "x", Prefix: "api/ok"},
		"public":       {ID: "ok", DisplayName: "x", Prefix: "public"},
		"under public": {ID: "ok", DisplayName: "x", Prefix: "public/ok"},
	} {
		if err := s.CreateCustomer(ctx, root, c); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := s.GrantRule(ctx, root, store.Rule{CustomerID: "acme", PathPrefix: "reports/", Role: "staff", Actions: []string{"read"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRule(ctx, root, store.Rule{CustomerID: "acme", PathPrefix: "reports/", Role: "staff", Actions: []string{"read", "write"}}); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]store.Rule{
		"reserved role": {CustomerID: "acme", Role: "platform-admins", Actions: []string{"read"}},
		"bad action":    {CustomerID: "acme", Role: "staff", Actions: []string{"admin"}},
		"no action":     {CustomerID: "acme", Role: "staff"},
		"bad prefix":    {CustomerID: "acme", PathPrefix: "a//b/", Role: "staff", Actions: []string{"read"}},
	} {
		if err := s.GrantRule(ctx, root, r); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := s.GrantRule(ctx, root, store.Rule{CustomerID: "nobody", Role: "staff", Actions: []string{"read"}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rule for an unknown customer: %v", err)
	}
	rules, err := s.ListRules(ctx, "acme")
	if err != nil || len(rules) != 1 || strings.Join(rules[0].Actions, ",") != "read,write" {
		t.Fatalf("rules %+v %v", rules, err)
	}
	if err := s.AddUser(ctx, root, store.User{Username: "u-1", Email: "ana@acme.example", CustomerID: "acme", Roles: []string{"staff"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUser(ctx, root, store.User{Username: "u-2", Email: "ana@acme.example", CustomerID: "acme"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("same email twice: %v", err)
	}
	if _, err := s.User(ctx, "globex", "u-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another customer's user: %v", err)
	}
	if err := s.SetUserRoles(ctx, root, "globex", "u-1", []string{"x"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("roles through another customer: %v", err)
	}
	if err := s.SetUserRoles(ctx, root, "acme", "u-1", []string{"platform-admins"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("reserved role: %v", err)
	}
	if err := s.RevokeRule(ctx, root, "acme", "reports/", "staff"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeRule(ctx, root, "acme", "reports/", "staff"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second revoke: %v", err)
	}
	// A disabled customer gets nothing signed.
	exec(t, admin, "INSERT INTO access_rules (customer_id, path_prefix, role, actions) VALUES ('acme', '', 'staff', '{read}')")
	p := store.Principal{Subject: "u-1", CustomerID: "acme", Roles: []string{"staff"}}
	if _, err := app.Authorize(ctx, p, store.Read, "a.txt"); err != nil {
		t.Fatal(err)
	}
	yes := true
	if err := s.UpdateCustomer(ctx, root, "acme", nil, &yes); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Authorize(ctx, p, store.Read, "a.txt"); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("disabled customer authorized: %v", err)
	}
	want := []string{
		"acme customer.create acme by root", "acme rule.grant staff {read} on \"reports/\" by root",
		"acme rule.grant staff {read,write} on \"reports/\" by root", "acme user.invite u-1 ana@acme.example by root",
		"acme rule.revoke staff on \"reports/\" by root", "acme customer.update acme disabled by root",
	}
	if got := trailOf(t, admin); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("trail:\n%s", strings.Join(got, "\n"))
	}
}

// The admin role writes only customers, rules, users and its trail.
func TestAdminRoleIsLeastPrivilege(t *testing.T) {
	admin, s, _ := adminDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	ctx := context.Background()
	for _, sql := range []string{
		"DELETE FROM customers", "UPDATE customers SET s3_prefix = 'x'", "UPDATE files SET status = 'deleted'",
		"INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, request_id) VALUES ('x', 'acme', 'a', 'read', now(), 'r')",
		"DELETE FROM admin_events", "UPDATE admin_events SET subject = 'x'", "DROP TABLE users",
	} {
		if _, err := s.Pool().Exec(ctx, sql); err == nil {
			t.Errorf("admin role may: %s", sql)
		}
	}
}
