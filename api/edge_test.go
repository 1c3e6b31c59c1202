package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/signing"
)

// edgeHandler is the signer as deployed behind the distribution.
func edgeHandler(t *testing.T, cfg api.Config) *api.Handler {
	return &api.Handler{Store: newFakeStore(), Uploads: &fakeUploads{}, Now: func() time.Time { return now }, Config: cfg,
		Keys:   &fakeKeys{m: &keysource.Material{Signer: newSigner(t), Domain: "files.example.com", KeyName: "k1"}},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
}

// The cookies a browser gets from /api/downloads through the distribution: Secure,
// HttpOnly, SameSite=Lax, host-only (no Domain attribute), Path the folder granted and
// Max-Age the seconds to the policy's expiry; the JSON body carries them too.
func TestCookiesAreForTheBrowser(t *testing.T) {
	for _, c := range []struct {
		name, body, path string
		life             int
	}{
		{"folder", `{"path":"reports","scope":"folder","delivery":"cookies","lifetimeSeconds":600}`, "/customers/acme/reports/", 600},
		{"one file", `{"path":"q1.pdf","delivery":"cookies","lifetimeSeconds":120}`, "/customers/acme/", 120},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := edgeHandler(t, api.Config{BehindEdge: true})
			resp, _ := h.Handle(context.Background(), event("POST", "/api/downloads", c.body, member))
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, resp.Body)
			}
			var body api.DownloadResponse
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
				t.Fatal(err)
			}
			// The expiry is rounded up to the minute grid; Max-Age counts to it exactly.
			maxAge := int(body.ExpiresAt.Sub(now) / time.Second)
			if maxAge < c.life || maxAge >= c.life+60 {
				t.Fatalf("expiry %v for a %d s lifetime", body.ExpiresAt, c.life)
			}
			lines := resp.MultiValueHeaders["Set-Cookie"]
			if len(lines) != 4 || len(body.Cookies) != 4 { // Policy, Signature, Key-Pair-Id, Hash-Algorithm (ECDSA)
				t.Fatalf("Set-Cookie %v, body %v", lines, body.Cookies)
			}
			for _, line := range lines {
				parsed, err := http.ParseSetCookie(line)
				if err != nil {
					t.Fatalf("%q: %v", line, err)
				}
				if !parsed.Secure || !parsed.HttpOnly || parsed.SameSite != http.SameSiteLaxMode || parsed.Domain != "" ||
					strings.Contains(line, "Domain=") || parsed.Path != c.path || parsed.MaxAge != maxAge {
					t.Errorf("cookie %q", line)
				}
				if body.Cookies[parsed.Name] != parsed.Value {
					t.Errorf("%s: body and header differ", parsed.Name)
				}
			}
		})
	}
}

// A configured CookieDomain widens the cookies to it, and only then.
func TestCookieDomainWhenConfigured(t *testing.T) {
	h := edgeHandler(t, api.Config{CookieDomain: "example.com"})
	resp, _ := h.Handle(context.Background(), event("POST", "/downloads", `{"path":"reports","scope":"folder","delivery":"cookies"}`, member))
	for _, line := range resp.MultiValueHeaders["Set-Cookie"] {
		if c, _ := http.ParseSetCookie(line); c == nil || c.Domain != "example.com" {
			t.Errorf("cookie %q", line)
		}
	}
}

// viewerCase is a request as API Gateway passes it on: its source IP and the
// X-Forwarded-For it received.
type viewerCase struct {
	name, source, xff string
	behindEdge        bool
	want              string // the address signed into the policy, or "" for a 400
}

// Behind the edge the signer signs the viewer's address, the X-Forwarded-For entry
// CloudFront appended (just before API Gateway's, which is the source IP). What a
// client writes into X-Forwarded-For lands in front of it and changes nothing.
func TestViewerIPBehindTheEdge(t *testing.T) {
	const edgeIP = "130.176.1.5" // a CloudFront edge address, API Gateway's source IP
	for _, c := range []viewerCase{
		{name: "direct: the source ip", source: "203.0.113.9", want: "203.0.113.9"},
		{name: "direct: x-forwarded-for ignored", source: "203.0.113.9", xff: "198.51.100.7", want: "203.0.113.9"},
		{name: "edge: the viewer", source: edgeIP, xff: "203.0.113.9, " + edgeIP, behindEdge: true, want: "203.0.113.9"},
		{name: "edge: a spoofed entry stays in front", source: edgeIP, xff: "198.51.100.7, 203.0.113.9, " + edgeIP, behindEdge: true, want: "203.0.113.9"},
		{name: "edge: spoofed the whole chain", source: edgeIP, xff: "198.51.100.7, 198.51.100.8, 203.0.113.9, " + edgeIP, behindEdge: true, want: "203.0.113.9"},
		{name: "edge: no header", source: edgeIP, behindEdge: true},
		{name: "edge: chain not ending at the source", source: edgeIP, xff: "203.0.113.9, 198.51.100.7", behindEdge: true},
		{name: "edge: only the edge", source: edgeIP, xff: edgeIP, behindEdge: true},
		{name: "edge: the edge's own address is never the viewer", source: edgeIP, xff: "garbage, " + edgeIP, behindEdge: true},
	} {
		t.Run(c.name, func(t *testing.T) { checkViewerIP(t, c) })
	}
}

func checkViewerIP(t *testing.T, c viewerCase) {
	h := edgeHandler(t, api.Config{BehindEdge: c.behindEdge})
	req := event("POST", "/api/downloads", `{"path":"q1.pdf","ipRestriction":"sourceIp"}`, member)
	req.RequestContext.Identity.SourceIP = c.source
	if c.xff != "" {
		req.Headers["X-Forwarded-For"] = c.xff
	}
	resp, _ := h.Handle(context.Background(), req)
	if c.want == "" {
		if resp.StatusCode != 400 || !strings.Contains(resp.Body, "sourceIp") {
			t.Fatalf("want a 400 naming sourceIp, got %d %s", resp.StatusCode, resp.Body)
		}
		return
	}
	var body api.DownloadResponse
	if resp.StatusCode != 200 || json.Unmarshal([]byte(resp.Body), &body) != nil {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	policy := body.URL[strings.Index(body.URL, "Policy=")+len("Policy="):]
	doc, err := signing.DecodeURLSafe(policy[:strings.Index(policy, "&")])
	if err != nil || !strings.Contains(string(doc), `"AWS:SourceIp":"`+c.want+`/32"`) {
		t.Fatalf("policy %s (%v), want %s", doc, err, c.want)
	}
}

// The routes answer under /api/ (the distribution's behaviour) as under the root
// (the execute-api stage).
func TestRoutesUnderAPIPrefix(t *testing.T) {
	h := edgeHandler(t, api.Config{})
	for _, resource := range []string{"/files", "/api/files", "/api/files/"} {
		resp, _ := h.Handle(context.Background(), event("GET", resource, "", member))
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", resource, resp.StatusCode, resp.Body)
		}
	}
	for _, resource := range []string{"/apifiles", "/api", "/v1/api/files"} {
		if resp, _ := h.Handle(context.Background(), event("GET", resource, "", member)); resp.StatusCode != 405 {
			t.Errorf("%s: %d", resource, resp.StatusCode)
		}
	}
}
