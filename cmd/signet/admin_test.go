package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/signet-cdk/signet/client"
)

// standIn is a stand-in for the API: it records every request and answers with the
// status and body set for the next one.
type standIn struct {
	*httptest.Server
	got    []request
	status int
	answer string
}

type request struct {
	method, path string
	query        url.Values
	body         string
}

func newStandIn(t *testing.T, tls bool) *standIn {
	s := &standIn{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.got = append(s.got, request{r.Method, r.URL.EscapedPath(), r.URL.Query(), string(b)})
		if r.Header.Get("Authorization") != "tok" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":"unauthenticated","message":"sign in first"}}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if s.status != 0 {
			w.WriteHeader(s.status)
		}
		_, _ = io.WriteString(w, s.answer)
	})
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

// isolate keeps the test away from the user's configuration and tokens.
func isolate(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	t.Setenv("SIGNET_CONFIG", "")
	for _, env := range []string{"SIGNET_API_URL", "SIGNET_AUTH_DOMAIN", "SIGNET_CLIENT_ID", "SIGNET_ID_TOKEN", "SIGNET_PROFILE", "SIGNET_LOCAL_DIR"} {
		t.Setenv(env, "")
	}
	return dir
}

func adminAPI(t *testing.T) *standIn {
	isolate(t)
	api := newStandIn(t, false)
	t.Setenv("SIGNET_API_URL", api.URL+"/v1")
	t.Setenv("SIGNET_ID_TOKEN", "tok")
	return api
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

const (
	customersJSON = `[{"id":"acme","displayName":"Acme Corp","prefix":"customers/acme","disabled":false,"createdAt":"2030-01-02T03:04:05Z"},
		{"id":"globex","displayName":"Globex","prefix":"customers/globex","disabled":true,"createdAt":"2030-02-03T04:05:06Z"}]`
	ruleJSON  = `{"customerId":"acme","pathPrefix":"reports/","role":"staff","actions":["read","write"]}`
	userJSON  = `{"username":"u-1","email":"ana@example.com","customerId":"acme","roles":["staff","auditors"],"disabled":false,"createdBy":"root","createdAt":"2030-01-02T03:04:05Z"}`
	auditJSON = `[{"id":9,"at":"2030-01-02T03:04:05Z","kind":"access","subject":"alice","action":"read","target":"reports/q1.pdf","expiresAt":"2030-01-02T03:09:05Z"},
		{"id":8,"at":"2030-01-02T03:00:00Z","kind":"access","subject":"bob","action":"write","target":"reports/q2.pdf\u001b[31m","expiresAt":"2030-01-02T03:15:00Z"}]`
	eventsJSON = `[{"id":3,"at":"2030-01-02T03:04:05Z","kind":"admin","subject":"root","action":"rule.grant","target":"staff {read,write} on \"reports/\""}]`
)

// Each admin command: the request it sends (method, escaped path, query, body) and
// what it prints.
func TestAdminCommands(t *testing.T) {
	api := adminAPI(t)
	for _, tc := range []struct {
		args          []string
		answer        string
		method, path  string
		query         url.Values
		body          string // JSON, compared by value; "" for none
		out           string // the whole output
		outJSONEquals string // with --json: the output equals this JSON by value
	}{
		{
			args: []string{"customers", "list"}, answer: customersJSON, method: "GET", path: "/v1/admin/customers",
			out: "ID      NAME       PREFIX            STATUS    CREATED\n" +
				"acme    Acme Corp  customers/acme    active    2030-01-02T03:04:05Z\n" +
				"globex  Globex     customers/globex  disabled  2030-02-03T04:05:06Z\n",
		},
		{
			args: []string{"customers", "list", "--json"}, answer: customersJSON, method: "GET", path: "/v1/admin/customers",
			outJSONEquals: customersJSON,
		},
		{
			args: []string{"customers", "list", "--json"}, answer: `null`, method: "GET", path: "/v1/admin/customers",
			out: "[]\n",
		},
		{
			args:   []string{"customers", "create", "acme", "Acme Corp", "customers/acme"},
			answer: `{"id":"acme","displayName":"Acme Corp","prefix":"customers/acme","disabled":false,"createdAt":"0001-01-01T00:00:00Z"}`,
			method: "POST", path: "/v1/admin/customers", body: `{"id":"acme","displayName":"Acme Corp","prefix":"customers/acme"}`,
			out: "ID    NAME       PREFIX          STATUS  CREATED\nacme  Acme Corp  customers/acme  active  -\n",
		},
		{
			args: []string{"customers", "rename", "acme", "Acme Ltd"}, answer: `{"id":"acme","status":"updated"}`,
			method: "PATCH", path: "/v1/admin/customers/acme", body: `{"displayName":"Acme Ltd"}`,
			out: "customer acme renamed to \"Acme Ltd\"\n",
		},
		{
			args: []string{"customers", "disable", "acme"}, answer: `{"id":"acme","status":"updated"}`,
			method: "PATCH", path: "/v1/admin/customers/acme", body: `{"disabled":true}`, out: "customer acme disabled\n",
		},
		{
			args: []string{"customers", "enable", "acme", "--json"}, answer: `{"id":"acme","status":"updated"}`,
			method: "PATCH", path: "/v1/admin/customers/acme", body: `{"disabled":false}`,
			outJSONEquals: `{"id":"acme","status":"enabled"}`,
		},
		{
			args: []string{"rules", "list", "acme"}, answer: `[{"customerId":"acme","pathPrefix":"","role":"auditors","actions":["read"]},` + ruleJSON + `]`,
			method: "GET", path: "/v1/admin/customers/acme/rules",
			out: "PATH         ROLE      ACTIONS\n(all files)  auditors  read\nreports/     staff     read,write\n",
		},
		{
			args: []string{"rules", "grant", "acme", "staff", "read,write", "--path", "reports/"}, answer: ruleJSON,
			method: "POST", path: "/v1/admin/customers/acme/rules", body: `{"pathPrefix":"reports/","role":"staff","actions":["read","write"]}`,
			out: "PATH      ROLE   ACTIONS\nreports/  staff  read,write\n",
		},
		{ // flags before the arguments, spaces in the list
			args: []string{"rules", "grant", "--json", "--path=reports/", "acme", "staff", "read, write"}, answer: ruleJSON,
			method: "POST", path: "/v1/admin/customers/acme/rules", body: `{"pathPrefix":"reports/","role":"staff","actions":["read","write"]}`,
			outJSONEquals: ruleJSON,
		},
		{
			args: []string{"rules", "grant", "acme", "auditors", "read"}, answer: `{"customerId":"acme","pathPrefix":"","role":"auditors","actions":["read"]}`,
			method: "POST", path: "/v1/admin/customers/acme/rules", body: `{"pathPrefix":"","role":"auditors","actions":["read"]}`,
			out: "PATH         ROLE      ACTIONS\n(all files)  auditors  read\n",
		},
		{
			args: []string{"rules", "revoke", "acme", "staff", "--path", "reports/"}, answer: `{"status":"revoked"}`,
			method: "DELETE", path: "/v1/admin/customers/acme/rules", query: url.Values{"pathPrefix": {"reports/"}, "role": {"staff"}},
			out: "revoked the rule for role staff on reports/ of customer acme\n",
		},
		{
			args: []string{"rules", "revoke", "acme", "auditors"}, answer: `{"status":"revoked"}`,
			method: "DELETE", path: "/v1/admin/customers/acme/rules", query: url.Values{"pathPrefix": {""}, "role": {"auditors"}},
			out: "revoked the rule for role auditors on (all files) of customer acme\n",
		},
		{
			args: []string{"users", "list", "acme"}, answer: `[` + userJSON + `,{"username":"u-2","email":"bo@example.com","customerId":"acme","roles":[],"disabled":true,"createdBy":"","createdAt":"2030-01-02T03:04:05Z"}]`,
			method: "GET", path: "/v1/admin/customers/acme/users",
			out: "USERNAME  EMAIL            ROLES           STATUS    CREATED               BY\n" +
				"u-1       ana@example.com  staff,auditors  active    2030-01-02T03:04:05Z  root\n" +
				"u-2       bo@example.com   -               disabled  2030-01-02T03:04:05Z  -\n",
		},
		{
			args: []string{"users", "invite", "acme", "ana@example.com", "--roles", "staff,auditors"}, answer: userJSON,
			method: "POST", path: "/v1/admin/customers/acme/users", body: `{"email":"ana@example.com","roles":["staff","auditors"]}`,
			out: "USERNAME  EMAIL            ROLES           STATUS  CREATED               BY\n" +
				"u-1       ana@example.com  staff,auditors  active  2030-01-02T03:04:05Z  root\n",
		},
		{
			args: []string{"users", "invite", "acme", "ana@example.com", "--json"}, answer: userJSON,
			method: "POST", path: "/v1/admin/customers/acme/users", body: `{"email":"ana@example.com","roles":[]}`,
			outJSONEquals: userJSON,
		},
		{
			args: []string{"users", "roles", "acme", "u/1", "auditors"}, answer: userJSON,
			method: "PUT", path: "/v1/admin/customers/acme/users/u%2F1/roles", body: `{"roles":["auditors"]}`,
			out: "USERNAME  EMAIL            ROLES           STATUS  CREATED               BY\n" +
				"u-1       ana@example.com  staff,auditors  active  2030-01-02T03:04:05Z  root\n",
		},
		{
			args: []string{"users", "roles", "acme", "u-1", ""}, answer: userJSON,
			method: "PUT", path: "/v1/admin/customers/acme/users/u-1/roles", body: `{"roles":[]}`,
			outJSONEquals: "", out: "USERNAME  EMAIL            ROLES           STATUS  CREATED               BY\n" +
				"u-1       ana@example.com  staff,auditors  active  2030-01-02T03:04:05Z  root\n",
		},
		{
			args: []string{"users", "disable", "acme", "u-1"}, answer: `{"username":"u-1","status":"disabled"}`,
			method: "POST", path: "/v1/admin/customers/acme/users/u-1/disable", out: "user u-1 of customer acme disabled\n",
		},
		{
			args: []string{"users", "delete", "acme", "u-1", "--json"}, answer: `{"username":"u-1","status":"deleted"}`,
			method: "DELETE", path: "/v1/admin/customers/acme/users/u-1",
			outJSONEquals: `{"customer":"acme","username":"u-1","status":"deleted"}`,
		},
		{
			args: []string{"audit", "acme", "--subject", "alice", "--path", "reports/", "--from", "2030-01-01T00:00:00Z",
				"--to", "2030-01-03T00:00:00+01:00", "--limit", "50", "--before", "100"},
			answer: auditJSON, method: "GET", path: "/v1/admin/customers/acme/audit",
			query: url.Values{"subject": {"alice"}, "path": {"reports/"}, "from": {"2030-01-01T00:00:00Z"}, "to": {"2030-01-03T00:00:00+01:00"},
				"limit": {"50"}, "before": {"100"}},
			// The escape sequence in a target cannot reach the terminal.
			out: "ID  AT                    SUBJECT  ACTION  PATH                 EXPIRES\n" +
				"9   2030-01-02T03:04:05Z  alice    read    reports/q1.pdf       2030-01-02T03:09:05Z\n" +
				"8   2030-01-02T03:00:00Z  bob      write   reports/q2.pdf [31m  2030-01-02T03:15:00Z\n",
		},
		{
			args: []string{"audit", "acme", "--json"}, answer: auditJSON, method: "GET", path: "/v1/admin/customers/acme/audit",
			outJSONEquals: auditJSON,
		},
		{
			args: []string{"events", "acme"}, answer: eventsJSON, method: "GET", path: "/v1/admin/customers/acme/admin-events",
			out: "ID  AT                    SUBJECT  ACTION      TARGET\n3   2030-01-02T03:04:05Z  root     rule.grant  staff {read,write} on \"reports/\"\n",
		},
	} {
		name := strings.Join(tc.args, " ")
		api.answer, api.got = tc.answer, nil
		var out bytes.Buffer
		if err := run(context.Background(), append([]string{"admin"}, tc.args...), &out); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(api.got) != 1 {
			t.Errorf("%s: %d requests", name, len(api.got))
			continue
		}
		r := api.got[0]
		if tc.query == nil {
			tc.query = url.Values{}
		}
		if r.method != tc.method || r.path != tc.path || !reflect.DeepEqual(r.query, tc.query) {
			t.Errorf("%s: %s %s %v, want %s %s %v", name, r.method, r.path, r.query, tc.method, tc.path, tc.query)
		}
		if (tc.body == "") != (r.body == "") || (tc.body != "" && !jsonEqual(r.body, tc.body)) {
			t.Errorf("%s: body %s, want %s", name, r.body, tc.body)
		}
		if tc.outJSONEquals != "" {
			if !jsonEqual(out.String(), tc.outJSONEquals) {
				t.Errorf("%s: output %s, want the JSON %s", name, out.String(), tc.outJSONEquals)
			}
		} else if out.String() != tc.out {
			t.Errorf("%s: output\n%s\nwant\n%s", name, out.String(), tc.out)
		}
	}
}

// The API's refusals are one line with its own message, and still match the client's
// sentinel errors; nothing goes to stdout.
func TestAdminAPIErrors(t *testing.T) {
	api := adminAPI(t)
	for _, tc := range []struct {
		status   int
		body     string
		line     string
		sentinel error
	}{
		{400, `{"error":{"code":"invalid_request","message":"prefix: must not start with /"}}`,
			"signet: prefix: must not start with / (400 invalid_request)", client.ErrInvalid},
		{403, `{"error":{"code":"forbidden","message":"platform admins only"}}`,
			"signet: platform admins only (403 forbidden)", client.ErrForbidden},
		{404, `{"error":{"code":"not_found","message":"no such customer, rule or user"}}`,
			"signet: no such customer, rule or user (404 not_found)", client.ErrNotFound},
		{409, `{"error":{"code":"conflict","message":"it already exists (or its prefix overlaps another customer's)"}}`,
			"signet: it already exists (or its prefix overlaps another customer's) (409 conflict)", client.ErrConflict},
		// A message is printed on one line, without control characters.
		{400, `{"error":{"code":"invalid_request","message":"one\ntwo\u001b[2J"}}`,
			"signet: one two [2J (400 invalid_request)", client.ErrInvalid},
	} {
		api.status, api.answer = tc.status, tc.body
		var out bytes.Buffer
		err := run(context.Background(), []string{"admin", "customers", "create", "acme", "Acme", "/customers/acme"}, &out)
		if err == nil || err.Error() != tc.line || !errors.Is(err, tc.sentinel) || out.Len() != 0 {
			t.Errorf("%d: %v (stdout %q)", tc.status, err, out.String())
		}
	}
	t.Setenv("SIGNET_ID_TOKEN", "expired")
	api.status = 0
	if err := run(context.Background(), []string{"admin", "customers", "list"}, io.Discard); err == nil ||
		err.Error() != "signet: sign in first (401 unauthenticated)" || !errors.Is(err, client.ErrUnauthenticated) {
		t.Errorf("401: %v", err)
	}
}

// Bad input is refused here with the API's wording, before any request (or any
// configuration: these run with none): exit 2, one line on stderr, nothing on stdout.
func TestAdminBadInput(t *testing.T) {
	isolate(t)
	api := newStandIn(t, false)
	const badID = "signet: customer id must be 1-63 lowercase letters, digits and hyphens, starting with a letter or digit"
	for _, tc := range []struct {
		args []string
		line string
	}{
		{[]string{"customers", "create", "Acme", "Acme", "customers/acme"}, badID},
		{[]string{"customers", "create", "acme", " ", "customers/acme"}, "signet: display name must be 1-200 characters of text"},
		{[]string{"customers", "create", "--", "-acme", "", "p"}, badID + "; display name must be 1-200 characters of text"},
		{[]string{"customers", "rename", "acme", strings.Repeat("x", 201)}, "signet: display name must be 1-200 characters of text"},
		{[]string{"customers", "disable", "acme/../globex"}, badID},
		{[]string{"rules", "list", ""}, badID},
		{[]string{"rules", "grant", "acme", "staff", "read,execute"}, `signet: action "execute" is not read, write or delete`},
		{[]string{"rules", "grant", "acme", "staff", ""}, "signet: actions must list read, write or delete"},
		{[]string{"rules", "grant", "acme", "platform-admins", "read"}, "signet: role must be 1-128 letters, digits, _ . - and not reserved"},
		{[]string{"rules", "grant", "acme", "sales team", "read"}, "signet: role must be 1-128 letters, digits, _ . - and not reserved"},
		{[]string{"rules", "revoke", "acme", ""}, "signet: role is empty"},
		{[]string{"users", "invite", "acme", "Ana <ana@example.com>"}, "signet: email must be a plain address such as ana@example.com"},
		{[]string{"users", "invite", "acme", "ana"}, "signet: email must be a plain address such as ana@example.com"},
		{[]string{"users", "invite", "acme", "ana@example.com", "--roles", "staff,platform-admins"},
			`signet: role "platform-admins" must be 1-128 letters, digits, _ . - and not reserved`},
		{[]string{"users", "roles", "acme", "u-1", "staff,,auditors"}, `signet: role "" must be 1-128 letters, digits, _ . - and not reserved`},
		{[]string{"users", "disable", "acme", ""}, "signet: username is empty"},
		{[]string{"audit", "acme", "--from", "2030-01-01"}, "signet: from must be an RFC 3339 time"},
		{[]string{"audit", "acme", "--to", "yesterday", "--limit", "0"}, "signet: to must be an RFC 3339 time; limit must be a whole number from 1 to 1000"},
		{[]string{"audit", "acme", "--limit", "1001"}, "signet: limit must be a whole number from 1 to 1000"},
		{[]string{"audit", "acme", "--before", "x"}, "signet: before must be a whole number from 1"},
		// Usage: wrong counts, unknown commands and flags.
		{[]string{"customers", "create", "acme", "Acme"},
			"signet admin customers create: accepts 3 arg(s), received 2 (usage: signet admin customers create <id> <displayName> <prefix> [flags])"},
		{[]string{"customers", "list", "--bogus"}, "signet admin customers list: unknown flag: --bogus (usage: signet admin customers list [flags])"},
		{[]string{"users", "list", "acme", "--roles", "x"},
			"signet admin users list: unknown flag: --roles (usage: signet admin users list <customer> [flags])"},
		{[]string{"customers", "frobnicate"}, `signet admin customers: unknown command "frobnicate" (see 'signet admin customers --help')`},
		{[]string{"frobnicate"}, `signet admin: unknown command "frobnicate" (see 'signet admin --help')`},
		{[]string{"rules", "grant", "-path", "x", "acme", "staff", "read"},
			"signet admin rules grant: flags take two dashes: --path, not -path (usage: signet admin rules grant <customer> <role> <actions: read,write,delete> [flags])"},
	} {
		r := signet(t, append([]string{"admin"}, tc.args...)...)
		if r.stderr != tc.line+"\n" || r.stdout != "" || r.code != ExitUsage {
			t.Errorf("%q:\n got %d %q\nwant %s", tc.args, r.code, r.stderr, tc.line)
		}
	}
	// -h is help, on stdout, with no configuration.
	if r := signet(t, "admin", "rules", "grant", "-h"); r.code != 0 || !strings.Contains(r.stdout, "signet admin rules grant <customer> <role> <actions: read,write,delete> [flags]") ||
		!strings.Contains(r.stdout, "--path string") || r.stderr != "" {
		t.Errorf("rules grant -h: %+v", r)
	}
	if len(api.got) != 0 {
		t.Errorf("requests were made: %+v", api.got)
	}
	// Good input without configuration: the next step says how to configure.
	err := run(context.Background(), []string{"admin", "customers", "list"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "signet configure") || !strings.Contains(err.Error(), filepath.Join("signet", "config.json")) {
		t.Errorf("unconfigured: %v", err)
	}
}
