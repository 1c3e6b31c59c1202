package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/directory"
	"github.com/signet-cdk/signet/internal/cognitofake"
	"github.com/signet-cdk/signet/store"
)

// adminRig is the admin handler on real PostgreSQL (as the admin role) and the
// Cognito stand-in driven through the real SDK client.
type adminRig struct {
	h       *api.AdminHandler
	admin   *pgx.Conn
	cognito *cognitofake.Server
	signer  *store.Store // the signer's role, to see what it authorizes
}

func newAdminRig(t *testing.T) adminRig {
	db, admin := cluster.MigratedDatabase(t)
	open := func(user string) *store.Store {
		s, err := store.Open(store.Config{Host: "127.0.0.1", Port: cluster.Port, Database: db, User: user})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	fake, client := cognitofake.New(t)
	h := &api.AdminHandler{Store: open("signet_admin_app"), Directory: &directory.Directory{Client: client, UserPoolID: fake.PoolID()},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	return adminRig{h: h, admin: admin, cognito: fake, signer: open("signet_app")}
}

var (
	platformAdmin = map[string]any{"sub": "root-sub", "cognito:groups": "[platform-admins]"}
	acmeAdmin     = map[string]any{"sub": "acme-admin", "custom:customer_id": "acme", "cognito:groups": "[customer-admins]"}
	globexAdmin   = map[string]any{"sub": "globex-admin", "custom:customer_id": "globex", "cognito:groups": "[customer-admins]"}
	acmeMember    = map[string]any{"sub": "acme-user", "custom:customer_id": "acme", "cognito:groups": "[staff]"}
)

func adminEvent(method, path, body string, claims map[string]any, query map[string]string) events.APIGatewayProxyRequest {
	e := event(method, "/admin/{proxy+}", body, claims)
	e.Path = "/admin/" + path
	e.PathParameters = map[string]string{"proxy": path}
	e.QueryStringParameters = query
	return e
}

func (r adminRig) do(t *testing.T, method, path, body string, claims map[string]any, query map[string]string) (int, string) {
	t.Helper()
	resp, err := r.h.Handle(context.Background(), adminEvent(method, path, body, claims, query))
	if err != nil {
		t.Fatal(err)
	}
	checkAnswer(t, resp)
	return resp.StatusCode, resp.Body
}

func (r adminRig) must(t *testing.T, method, path, body string, claims map[string]any) string {
	t.Helper()
	status, out := r.do(t, method, path, body, claims, nil)
	if status != 200 {
		t.Fatalf("%s %s: %d %s", method, path, status, out)
	}
	return out
}

// The day-one walk: a platform admin creates a customer and a rule and invites a
// user; Cognito mails the invitation; the user's token (set by the trigger from the
// attribute the admin set) is then authorized by the signer's store.
func TestAdminDayOne(t *testing.T) {
	r := newAdminRig(t)
	r.must(t, "POST", "customers", `{"id":"acme","displayName":"Acme","prefix":"customers/acme"}`, platformAdmin)
	r.must(t, "POST", "customers/acme/rules", `{"pathPrefix":"reports/","role":"staff","actions":["read","write"]}`, platformAdmin)
	out := r.must(t, "POST", "customers/acme/users", `{"email":"ana@acme.example","roles":["staff"]}`, platformAdmin)
	var u store.User
	_ = json.Unmarshal([]byte(out), &u)
	cu, ok := r.cognito.User(u.Username)
	if !ok || !cu.Invited() || cu.Attributes[directory.CustomerAttribute] != "acme" || !slices.Equal(r.cognito.UserGroups(u.Username), []string{"staff"}) {
		t.Fatalf("cognito user %+v groups %v", cu, r.cognito.UserGroups(u.Username))
	}
	p := store.Principal{Subject: cu.Attributes["sub"], CustomerID: "acme", Roles: r.cognito.UserGroups(u.Username)}
	if _, err := r.signer.Authorize(context.Background(), p, store.Write, "reports/q1.pdf"); err != nil {
		t.Fatalf("the invited user may not upload: %v", err)
	}
	r.must(t, "PUT", "customers/acme/users/"+u.Username+"/roles", `{"roles":["auditors"]}`, acmeAdmin)
	if got := r.cognito.UserGroups(u.Username); !slices.Equal(got, []string{"auditors"}) {
		t.Errorf("groups after set roles: %v", got)
	}
	r.must(t, "POST", "customers/acme/users/"+u.Username+"/disable", ``, acmeAdmin)
	if cu, _ := r.cognito.User(u.Username); cu.Enabled {
		t.Error("still enabled in Cognito")
	}
	r.must(t, "DELETE", "customers/acme/users/"+u.Username, ``, acmeAdmin)
	if _, ok := r.cognito.User(u.Username); ok {
		t.Error("still in Cognito")
	}
	r.must(t, "PATCH", "customers/acme", `{"displayName":"Acme Ltd"}`, platformAdmin)
	if out := r.must(t, "GET", "customers", ``, acmeAdmin); !strings.Contains(out, "Acme Ltd") {
		t.Errorf("list %s", out)
	}
	out = r.must(t, "GET", "customers/acme/admin-events", ``, acmeAdmin)
	for _, want := range []string{"customer.create", "rule.grant", "user.invite", "user.roles", "user.disable", "user.delete", "customer.update"} {
		if !strings.Contains(out, want) {
			t.Errorf("trail lacks %s: %s", want, out)
		}
	}
	status, _ := r.do(t, "DELETE", "customers/acme/rules", ``, acmeAdmin, map[string]string{"pathPrefix": "reports/", "role": "staff"})
	if rules := r.must(t, "GET", "customers/acme/rules", ``, acmeAdmin); status != 200 || rules != "[]" {
		t.Errorf("revoke: %d, rules %s", status, rules)
	}
}

// A customer admin reaches only its own customer: not by id guessing, not by a
// username of another customer, not by granting a reserved role.
func TestAdminIsolation(t *testing.T) {
	r := newAdminRig(t)
	for _, c := range []string{"acme", "globex"} {
		r.must(t, "POST", "customers", fmt.Sprintf(`{"id":%q,"displayName":%q,"prefix":"customers/%s"}`, c, c, c), platformAdmin)
	}
	out := r.must(t, "POST", "customers/globex/users", `{"email":"bo@globex.example","roles":["staff"]}`, platformAdmin)
	var bo store.User
	_ = json.Unmarshal([]byte(out), &bo)
	cases := []struct {
		name, method, path, body string
		claims                   map[string]any
		query                    map[string]string
		status                   int
	}{
		{"list other's rules", "GET", "customers/globex/rules", ``, acmeAdmin, nil, 403},
		{"grant in other's customer", "POST", "customers/globex/rules", `{"pathPrefix":"","role":"staff","actions":["read"]}`, acmeAdmin, nil, 403},
		{"list other's users", "GET", "customers/globex/users", ``, acmeAdmin, nil, 403},
		{"invite into other's customer", "POST", "customers/globex/users", `{"email":"x@acme.example","roles":[]}`, acmeAdmin, nil, 403},
		{"other's user through own customer", "PUT", "customers/acme/users/" + bo.Username + "/roles", `{"roles":["staff"]}`, acmeAdmin, nil, 404},
		{"disable other's user through own customer", "POST", "customers/acme/users/" + bo.Username + "/disable", ``, acmeAdmin, nil, 404},
		{"delete other's user through own customer", "DELETE", "customers/acme/users/" + bo.Username, ``, acmeAdmin, nil, 404},
		{"read other's audit", "GET", "customers/globex/audit", ``, acmeAdmin, nil, 403},
		{"read other's admin trail", "GET", "customers/globex/admin-events", ``, acmeAdmin, nil, 403},
		{"create a customer", "POST", "customers", `{"id":"evil","displayName":"e","prefix":"customers/evil"}`, acmeAdmin, nil, 403},
		{"rename own customer", "PATCH", "customers/acme", `{"displayName":"x"}`, acmeAdmin, nil, 403},
		{"grant platform-admins by rule", "POST", "customers/acme/rules", `{"pathPrefix":"","role":"platform-admins","actions":["read"]}`, acmeAdmin, nil, 400},
		{"invite as platform-admins", "POST", "customers/acme/users", `{"email":"x@acme.example","roles":["platform-admins"]}`, acmeAdmin, nil, 400},
		{"path tricks", "GET", "customers/acme/../globex/rules", ``, acmeAdmin, nil, 405},
		{"encoded path tricks", "GET", "customers/globex%2F..%2Facme/rules", ``, acmeAdmin, nil, 403},
		{"a member is not an admin", "GET", "customers", ``, acmeMember, nil, 403},
		{"other admin sees only its customer", "GET", "customers", ``, globexAdmin, nil, 200},
		{"bad email", "POST", "customers/acme/users", `{"email":"Ana <ana@acme.example>","roles":[]}`, acmeAdmin, nil, 400},
		{"unknown customer", "POST", "customers/nobody/users", `{"email":"x@acme.example","roles":[]}`, platformAdmin, nil, 404},
		{"duplicate customer", "POST", "customers", `{"id":"acme","displayName":"a","prefix":"customers/other"}`, platformAdmin, nil, 409},
		{"overlapping prefix", "POST", "customers", `{"id":"sub","displayName":"a","prefix":"customers/acme/sub"}`, platformAdmin, nil, 409},
		{"bad audit time", "GET", "customers/acme/audit", ``, acmeAdmin, map[string]string{"from": "yesterday"}, 400},
		{"revoke without a rule", "DELETE", "customers/acme/rules", ``, acmeAdmin, map[string]string{"pathPrefix": "x/", "role": "staff"}, 404},
		{"unknown query", "GET", "customers/acme/audit", ``, acmeAdmin, map[string]string{"sort": "x"}, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if status, out := r.do(t, c.method, c.path, c.body, c.claims, c.query); status != c.status {
				t.Errorf("got %d %s, want %d", status, out, c.status)
			}
		})
	}
	if got := r.cognito.UserGroups(bo.Username); !slices.Equal(got, []string{"staff"}) {
		t.Errorf("another customer's user was changed: %v", got)
	}
	if out := r.must(t, "GET", "customers", ``, globexAdmin); strings.Contains(out, "acme") {
		t.Errorf("globex admin sees acme: %s", out)
	}
}

// The audit trail of file access, filtered by subject, path and time.
func TestAdminAuditQuery(t *testing.T) {
	r := newAdminRig(t)
	r.must(t, "POST", "customers", `{"id":"acme","displayName":"Acme","prefix":"customers/acme"}`, platformAdmin)
	ctx := context.Background()
	for i, row := range []string{"u1 reports/a.pdf", "u2 reports/b.pdf", "u1 hr/c.pdf"} {
		f := strings.Fields(row)
		if _, err := r.admin.Exec(ctx, `INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, request_id) VALUES ($1, 'acme', $2, 'read', now(), $3)`, f[0], f[1], fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = r.admin.Exec(ctx, `INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, request_id) VALUES ('u1', 'globex', 'reports/x.pdf', 'read', now(), 'g')`)
	for q, want := range map[string]int{"": 3, "subject=u1": 2, "path=reports/": 2, "subject=u1&path=reports/": 1, "limit=1": 1,
		"from=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339): 0} {
		query := map[string]string{}
		for _, kv := range strings.Split(q, "&") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				query[k] = v
			}
		}
		status, out := r.do(t, "GET", "customers/acme/audit", ``, acmeAdmin, query)
		var events []store.AuditEvent
		_ = json.Unmarshal([]byte(out), &events)
		if status != http.StatusOK || len(events) != want {
			t.Errorf("%q: %d %d events, want %d: %s", q, status, len(events), want, out)
		}
	}
}
