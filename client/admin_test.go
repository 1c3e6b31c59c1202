package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/signet-cdk/signet/client"
)

// adminStandIn is a stand-in admin API: it records each request and answers with the
// next canned answer.
type adminStandIn struct {
	*httptest.Server
	got    []seen
	status int
	answer string
}

type seen struct {
	method, path, query, body, auth, contentType string
}

func newAdminStandIn(t *testing.T) *adminStandIn {
	s := &adminStandIn{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.got = append(s.got, seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(b), r.Header.Get("Authorization"), r.Header.Get("Content-Type")})
		w.Header().Set("Content-Type", "application/json")
		if s.status != 0 {
			w.WriteHeader(s.status)
		}
		_, _ = io.WriteString(w, s.answer)
	}))
	t.Cleanup(s.Close)
	return s
}

// last is the one request made since the previous call.
func (s *adminStandIn) last(t *testing.T) seen {
	t.Helper()
	if len(s.got) != 1 {
		t.Fatalf("%d requests, want 1: %+v", len(s.got), s.got)
	}
	r := s.got[0]
	s.got = nil
	if r.auth != "admin-token" {
		t.Errorf("Authorization %q", r.auth)
	}
	return r
}

// sameJSON compares JSON texts by value ("" is no body).
func sameJSON(t *testing.T, got, want string) {
	t.Helper()
	if got == "" || want == "" {
		if got != want {
			t.Errorf("body %q, want %q", got, want)
		}
		return
	}
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body %q: %v", got, err)
	}
	_ = json.Unmarshal([]byte(want), &w)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body %s, want %s", got, want)
	}
}

func TestAdminRequests(t *testing.T) {
	api := newAdminStandIn(t)
	c := &client.Client{BaseURL: api.URL + "/v1/", Tokens: client.StaticToken("admin-token")}
	ctx := context.Background()
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	check := func(name, method, path, query, body string) {
		t.Helper()
		r := api.last(t)
		if r.method != method || r.path != "/v1"+path || r.query != query {
			t.Errorf("%s: %s %s?%s, want %s %s?%s", name, r.method, r.path, r.query, method, "/v1"+path, query)
		}
		sameJSON(t, r.body, body)
		if (body != "") != (r.contentType == "application/json") {
			t.Errorf("%s: Content-Type %q with body %q", name, r.contentType, r.body)
		}
	}

	api.answer = `[{"id":"acme","displayName":"Acme","prefix":"customers/acme","disabled":true,"createdAt":"2030-01-02T03:04:05Z"}]`
	cs, err := c.Customers(ctx)
	check("Customers", "GET", "/admin/customers", "", "")
	if want := []client.Customer{{ID: "acme", DisplayName: "Acme", Prefix: "customers/acme", Disabled: true, CreatedAt: at}}; err != nil || !reflect.DeepEqual(cs, want) {
		t.Errorf("Customers: %+v %v", cs, err)
	}

	api.answer = `{"id":"acme","displayName":"Acme","prefix":"customers/acme","disabled":false,"createdAt":"0001-01-01T00:00:00Z"}`
	cu, err := c.CreateCustomer(ctx, "acme", "Acme", "customers/acme")
	check("CreateCustomer", "POST", "/admin/customers", "", `{"id":"acme","displayName":"Acme","prefix":"customers/acme"}`)
	if err != nil || cu.ID != "acme" || cu.Prefix != "customers/acme" {
		t.Errorf("CreateCustomer: %+v %v", cu, err)
	}

	api.answer = `{"id":"acme","status":"updated"}`
	name, yes, no := "Acme Ltd", true, false
	for _, u := range []struct {
		upd  client.CustomerUpdate
		body string
	}{
		{client.CustomerUpdate{DisplayName: &name}, `{"displayName":"Acme Ltd"}`},
		{client.CustomerUpdate{Disabled: &yes}, `{"disabled":true}`},
		{client.CustomerUpdate{Disabled: &no}, `{"disabled":false}`}, // enabling sends false, not nothing
	} {
		if err := c.UpdateCustomer(ctx, "acme", u.upd); err != nil {
			t.Errorf("UpdateCustomer %s: %v", u.body, err)
		}
		check("UpdateCustomer", "PATCH", "/admin/customers/acme", "", u.body)
	}

	api.answer = `[{"customerId":"acme","pathPrefix":"","role":"staff","actions":["read"]}]`
	rules, err := c.Rules(ctx, "acme")
	check("Rules", "GET", "/admin/customers/acme/rules", "", "")
	if err != nil || len(rules) != 1 || rules[0].Role != "staff" || !reflect.DeepEqual(rules[0].Actions, []string{"read"}) {
		t.Errorf("Rules: %+v %v", rules, err)
	}

	api.answer = `{"customerId":"acme","pathPrefix":"reports/","role":"staff","actions":["read","write"]}`
	r, err := c.Grant(ctx, client.Rule{CustomerID: "acme", PathPrefix: "reports/", Role: "staff", Actions: []string{"read", "write"}})
	check("Grant", "POST", "/admin/customers/acme/rules", "", `{"pathPrefix":"reports/","role":"staff","actions":["read","write"]}`)
	if err != nil || r.PathPrefix != "reports/" || len(r.Actions) != 2 {
		t.Errorf("Grant: %+v %v", r, err)
	}

	api.answer = `{"status":"revoked"}`
	if err := c.Revoke(ctx, "acme", "reports/", "staff"); err != nil {
		t.Error(err)
	}
	check("Revoke", "DELETE", "/admin/customers/acme/rules", "pathPrefix=reports%2F&role=staff", "")
	if err := c.Revoke(ctx, "acme", "", "staff"); err != nil { // the whole customer's rule
		t.Error(err)
	}
	check("Revoke whole", "DELETE", "/admin/customers/acme/rules", "pathPrefix=&role=staff", "")

	api.answer = `[{"username":"u-1","email":"ana@example.com","customerId":"acme","roles":["staff"],"disabled":false,"createdBy":"root","createdAt":"2030-01-02T03:04:05Z"}]`
	users, err := c.Users(ctx, "acme")
	check("Users", "GET", "/admin/customers/acme/users", "", "")
	want := client.User{Username: "u-1", Email: "ana@example.com", CustomerID: "acme", Roles: []string{"staff"}, CreatedBy: "root", CreatedAt: at}
	if err != nil || len(users) != 1 || !reflect.DeepEqual(users[0], want) {
		t.Errorf("Users: %+v %v", users, err)
	}

	api.answer = `{"username":"u-2","email":"bo@example.com","customerId":"acme","roles":[]}`
	u, err := c.Invite(ctx, "acme", "bo@example.com", nil)
	check("Invite", "POST", "/admin/customers/acme/users", "", `{"email":"bo@example.com","roles":[]}`) // no roles: [], not null
	if err != nil || u.Username != "u-2" {
		t.Errorf("Invite: %+v %v", u, err)
	}

	// Usernames are path segments: escaped, so a slash cannot reach another route.
	api.answer = `{"username":"a/b c","roles":["auditors"]}`
	u, err = c.SetRoles(ctx, "acme", "a/b c", []string{"auditors"})
	check("SetRoles", "PUT", "/admin/customers/acme/users/a%2Fb%20c/roles", "", `{"roles":["auditors"]}`)
	if err != nil || !reflect.DeepEqual(u.Roles, []string{"auditors"}) {
		t.Errorf("SetRoles: %+v %v", u, err)
	}

	api.answer = `{"username":"u-1","status":"disabled"}`
	if err := c.DisableUser(ctx, "acme", "u-1"); err != nil {
		t.Error(err)
	}
	check("DisableUser", "POST", "/admin/customers/acme/users/u-1/disable", "", "")

	api.answer = `{"username":"u-1","status":"deleted"}`
	if err := c.DeleteUser(ctx, "acme", "u-1"); err != nil {
		t.Error(err)
	}
	check("DeleteUser", "DELETE", "/admin/customers/acme/users/u-1", "", "")

	api.answer = `[{"id":7,"at":"2030-01-02T03:04:05Z","kind":"access","subject":"alice","action":"read","target":"reports/q1.pdf","expiresAt":"2030-01-02T03:09:05Z"}]`
	evs, err := c.Audit(ctx, "acme", client.AuditQuery{Subject: "alice", Path: "reports/", From: at, To: at.Add(time.Hour).In(time.FixedZone("", 3600)), Before: 99, Limit: 50})
	check("Audit", "GET", "/admin/customers/acme/audit",
		"before=99&from=2030-01-02T03%3A04%3A05Z&limit=50&path=reports%2F&subject=alice&to=2030-01-02T05%3A04%3A05%2B01%3A00", "")
	if err != nil || len(evs) != 1 || evs[0].ID != 7 || !evs[0].ExpiresAt.Equal(at.Add(5*time.Minute)) {
		t.Errorf("Audit: %+v %v", evs, err)
	}
	if _, err := c.Audit(ctx, "acme", client.AuditQuery{}); err != nil {
		t.Error(err)
	}
	check("Audit unfiltered", "GET", "/admin/customers/acme/audit", "", "")

	api.answer = `[{"id":3,"at":"2030-01-02T03:04:05Z","kind":"admin","subject":"root","action":"rule.grant","target":"staff {read} on \"\""}]`
	evs, err = c.AdminEvents(ctx, "acme")
	check("AdminEvents", "GET", "/admin/customers/acme/admin-events", "", "")
	if err != nil || len(evs) != 1 || evs[0].Kind != "admin" || !evs[0].ExpiresAt.IsZero() {
		t.Errorf("AdminEvents: %+v %v", evs, err)
	}
}

// The API's refusals come back as *APIError with its message, matching the sentinels.
func TestAdminRefusals(t *testing.T) {
	api := newAdminStandIn(t)
	c := &client.Client{BaseURL: api.URL, Tokens: client.StaticToken("admin-token")}
	ctx := context.Background()
	for _, tc := range []struct {
		status   int
		body     string
		sentinel error
		code     string
		message  string
	}{
		{400, `{"error":{"code":"invalid_request","message":"prefix: must not start with /"}}`, client.ErrInvalid, "invalid_request", "prefix: must not start with /"},
		{403, `{"error":{"code":"forbidden","message":"platform admins only"}}`, client.ErrForbidden, "forbidden", "platform admins only"},
		{404, `{"error":{"code":"not_found","message":"no such customer, rule or user"}}`, client.ErrNotFound, "not_found", "no such customer, rule or user"},
		{409, `{"error":{"code":"conflict","message":"it already exists (or its prefix overlaps another customer's)"}}`, client.ErrConflict, "conflict",
			"it already exists (or its prefix overlaps another customer's)"},
		// API Gateway's own answers carry only a message.
		{401, `{"message":"Unauthorized"}`, client.ErrUnauthenticated, "http_error", "Unauthorized"},
		{502, `<html>bad gateway</html>`, nil, "http_error", "Bad Gateway"},
	} {
		api.status, api.answer = tc.status, tc.body
		_, err := c.CreateCustomer(ctx, "acme", "Acme", "/customers/acme")
		api.got = nil
		var ae *client.APIError
		if !errors.As(err, &ae) || ae.Status != tc.status || ae.Code != tc.code || ae.Message != tc.message {
			t.Errorf("%d: %#v", tc.status, err)
		}
		if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
			t.Errorf("%d: %v is not %v", tc.status, err, tc.sentinel)
		}
	}
}

// An empty customer id or username would name another route; it is refused before
// any request.
func TestAdminEmptyIDs(t *testing.T) {
	api := newAdminStandIn(t)
	c := &client.Client{BaseURL: api.URL, Tokens: client.StaticToken("admin-token")}
	ctx := context.Background()
	calls := map[string]error{
		"UpdateCustomer": c.UpdateCustomer(ctx, "", client.CustomerUpdate{}),
		"Revoke":         c.Revoke(ctx, "", "", "staff"),
		"DisableUser":    c.DisableUser(ctx, "acme", ""),
		"DeleteUser":     c.DeleteUser(ctx, "acme", ""),
	}
	_, calls["Rules"] = c.Rules(ctx, "")
	_, calls["Grant"] = c.Grant(ctx, client.Rule{Role: "staff", Actions: []string{"read"}})
	_, calls["Users"] = c.Users(ctx, "")
	_, calls["Invite"] = c.Invite(ctx, "", "ana@example.com", nil)
	_, calls["SetRoles"] = c.SetRoles(ctx, "acme", "", nil)
	_, calls["Audit"] = c.Audit(ctx, "", client.AuditQuery{})
	_, calls["AdminEvents"] = c.AdminEvents(ctx, "")
	for name, err := range calls {
		if !errors.Is(err, client.ErrInvalid) || !strings.Contains(err.Error(), "is empty") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(api.got) != 0 {
		t.Errorf("requests were made: %+v", api.got)
	}
}
