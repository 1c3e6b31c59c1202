package main

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/signet-cdk/signet/client"
)

// --json prints valid JSON, and only that, on every read verb.
func TestJSONOutput(t *testing.T) {
	isolate(t)
	w := newFileWorld(t)
	w.set("reports/q1.pdf", []byte("q1"))
	id := jwt(map[string]any{"email": "ana@example.com", "exp": time.Now().Add(time.Hour).Unix()})
	w.tokens[id] = true
	t.Setenv("SIGNET_ID_TOKEN", "")
	_ = saveTokens("default", &client.Tokens{IDToken: id, ExpiresAt: time.Now().Add(time.Hour)})
	keys := func(args ...string) []string {
		t.Helper()
		r := signet(t, args...)
		r.ok(t)
		var v any
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
			t.Fatalf("%q: not JSON: %v\n%s", args, err, r.stdout)
		}
		if list, ok := v.([]any); ok {
			if len(list) == 0 {
				return []string{"[]"}
			}
			v = list[0]
		}
		var names []string
		for k := range v.(map[string]any) {
			names = append(names, k)
		}
		sort.Strings(names)
		return names
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ls", "--json"}, "contentType path size updatedAt"},
		{[]string{"ls", "nothing-here/", "--json"}, "[]"},
		{[]string{"share", "reports/q1.pdf", "--json"}, "expiresAt url"},
		{[]string{"share", "reports", "--folder", "--json"}, "cookies expiresAt resource"},
		{[]string{"whoami", "--json"}, "customer email expired expiresAt profile renewable roles source subject"},
		{[]string{"rm", "reports/q1.pdf", "--json"}, "deleted path"},
	} {
		if got := strings.Join(keys(tc.args...), " "); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%q: keys %s, want %s", tc.args, got, tc.want)
		}
	}
	var shared struct {
		Resource string            `json:"resource"`
		Cookies  map[string]string `json:"cookies"`
	}
	_ = json.Unmarshal([]byte(signet(t, "share", "--folder", "--json", "reports").stdout), &shared)
	if !strings.HasSuffix(shared.Resource, "/customers/acme/reports/*") || len(shared.Cookies) != 3 {
		t.Errorf("folder cookies %+v", shared)
	}
	var gone struct {
		Deleted bool `json:"deleted"`
	}
	if _ = json.Unmarshal([]byte(signet(t, "rm", "reports/q1.pdf", "--json").stdout), &gone); gone.Deleted {
		t.Error("deleting twice said deleted")
	}
	if r := signet(t, "rm", "reports/q1.pdf"); r.stdout != "reports/q1.pdf: no such file; nothing deleted\n" {
		t.Errorf("rm: %+v", r)
	}
}

// The text forms: ls's columns, share's URL alone on stdout, folder cookies as a
// Cookie header.
func TestTextOutput(t *testing.T) {
	isolate(t)
	w := newFileWorld(t)
	w.set("reports/q1.pdf", make([]byte, 42))
	if r := signet(t, "ls", "reports"); r.stdout != "          42  2030-01-01T00:00:00Z  reports/q1.pdf\n" {
		t.Errorf("ls: %q", r.stdout)
	}
	r := signet(t, "share", "reports/q1.pdf", "--starts-at", "2030-01-01T09:00:00+01:00", "--via", "s3")
	if !strings.HasPrefix(r.stdout, w.URL+"/obj/reports/q1.pdf?") || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("share: %q", r.stdout)
	}
	if body := w.lastBody(); !reflect.DeepEqual(body, map[string]any{"path": "reports/q1.pdf", "lifetimeSeconds": float64(300), "startsAt": "2030-01-01T08:00:00Z", "via": "s3"}) {
		t.Errorf("share sent %v", body)
	}
	r = signet(t, "share", "reports", "--folder", "--ttl", "1h")
	if !strings.HasPrefix(r.stdout, "Cookie: CloudFront-Key-Pair-Id=K; CloudFront-Policy=p; CloudFront-Signature=s\n# resource "+w.URL+"/customers/acme/reports/*, expires ") {
		t.Errorf("share --folder: %q", r.stdout)
	}
	if body := w.lastBody(); body["lifetimeSeconds"] != float64(3600) || body["scope"] != "folder" {
		t.Errorf("share --folder sent %v", body)
	}
	if r := signet(t, "rm", "reports/q1.pdf"); r.stdout != "deleted reports/q1.pdf\n" {
		t.Errorf("rm: %+v", r)
	}
}
