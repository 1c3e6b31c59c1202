package gateway_test

import (
	"context"
	"maps"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/local/gateway"
)

// named answers with its own name, so a test sees which route served a request.
func named(name string) gateway.Handler {
	return func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: name}, nil
	}
}

// TestRouting: method and resource template select the route, the most specific
// resource first; anything else is API Gateway's 403 Missing Authentication Token,
// before the authorizer looks at the request.
func TestRouting(t *testing.T) {
	iss := newIssuer(t)
	var seen []events.APIGatewayProxyRequest
	capture := func(name string) gateway.Handler {
		return func(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			seen = append(seen, ev)
			return named(name)(ctx, ev)
		}
	}
	g := newGateway(t, iss, []gateway.Route{
		{Method: "POST", Resource: "/api/downloads", Handler: capture("downloads")},
		{Method: "POST", Resource: "/api/uploads", Handler: capture("uploads")},
		{Method: "POST", Resource: "/api/uploads/complete", Handler: capture("complete")},
		{Method: "GET", Resource: "/api/files", Handler: capture("files")},
		{Method: "ANY", Resource: "/api/admin/{proxy+}", Handler: capture("admin")},
		{Method: "GET", Resource: "/api/admin/health", Handler: capture("health")},
		{Method: "GET", Resource: "/api/items/{id}", Handler: capture("item")},
		{Method: "GET", Resource: "/api/items/{id}/parts/{part}", Handler: capture("part")},
		{Method: "GET", Resource: "/api/pages/link-error", Handler: capture("page"), Public: true},
		{Method: "GET", Resource: "/", Handler: capture("root"), Public: true},
	})
	tok := iss.token(t, nil)
	for _, tc := range []struct {
		method, path, auth string
		want               int
		served             string
		resource           string
		params             map[string]string
	}{
		{"POST", "/api/downloads", tok, 200, "downloads", "/api/downloads", nil},
		{"POST", "/api/uploads", tok, 200, "uploads", "/api/uploads", nil},
		{"POST", "/api/uploads/complete", tok, 200, "complete", "/api/uploads/complete", nil},
		{"GET", "/api/files", tok, 200, "files", "/api/files", nil},
		{"GET", "/api/admin/customers", tok, 200, "admin", "/api/admin/{proxy+}", map[string]string{"proxy": "customers"}},
		{"DELETE", "/api/admin/customers/acme/users/ann", tok, 200, "admin", "/api/admin/{proxy+}", map[string]string{"proxy": "customers/acme/users/ann"}},
		{"PATCH", "/api/admin/customers/acme/", tok, 200, "admin", "/api/admin/{proxy+}", map[string]string{"proxy": "customers/acme/"}},
		{"GET", "/api/admin/health", tok, 200, "health", "/api/admin/health", nil}, // a literal beats {proxy+}
		{"POST", "/api/admin/health", tok, 403, "", "", nil},                       // ... and does not fall back to it
		{"GET", "/api/admin/health/x", tok, 200, "admin", "/api/admin/{proxy+}", map[string]string{"proxy": "health/x"}},
		{"GET", "/api/items/42", tok, 200, "item", "/api/items/{id}", map[string]string{"id": "42"}},
		{"GET", "/api/items/42/parts/7", tok, 200, "part", "/api/items/{id}/parts/{part}", map[string]string{"id": "42", "part": "7"}},
		{"GET", "/api/items/a%20b", tok, 200, "item", "/api/items/{id}", map[string]string{"id": "a b"}},
		{"GET", "/api/pages/link-error", "", 200, "page", "/api/pages/link-error", nil}, // Public: no token needed
		{"GET", "/api/pages/link-error", "garbage", 200, "page", "/api/pages/link-error", nil},
		{"GET", "/", "", 200, "root", "/", nil},

		// No resource: 403 even with a valid token, and even without one.
		{"GET", "/api/nothing", tok, 403, "", "", nil},
		{"GET", "/api/nothing", "", 403, "", "", nil},
		{"GET", "/api", tok, 403, "", "", nil},
		{"GET", "/api/admin", tok, 403, "", "", nil},  // {proxy+} needs something
		{"GET", "/api/admin/", tok, 403, "", "", nil}, // ... not the empty string
		{"GET", "/api/files/", tok, 403, "", "", nil}, // no trailing-slash folding
		{"GET", "//api/files", tok, 403, "", "", nil},
		{"GET", "/API/files", tok, 403, "", "", nil}, // case-sensitive
		{"GET", "/v1/api/files", tok, 403, "", "", nil},
		{"GET", "/api/items/", tok, 403, "", "", nil},
		{"GET", "/api/items/42/parts", tok, 403, "", "", nil},
		// A resource without the method: 403 too, not 405.
		{"GET", "/api/downloads", tok, 403, "", "", nil},
		{"PUT", "/api/files", "", 403, "", "", nil},
		{"OPTIONS", "/api/uploads", "", 403, "", "", nil},
		{"HEAD", "/api/files", tok, 403, "", "", nil},
		// A route that exists, without a token: the authorizer's 401.
		{"GET", "/api/files", "", 401, "", "", nil},
		{"POST", "/api/admin/customers", "", 401, "", "", nil},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			seen = nil
			status, hdr, body := do(g, tc.method, tc.path, tc.auth, nil)
			if status != tc.want {
				t.Fatalf("status %d, want %d: %s", status, tc.want, body)
			}
			switch tc.want {
			case 403:
				if m := message(t, body); m != "Missing Authentication Token" || hdr.Get("X-Amzn-Errortype") != "MissingAuthenticationTokenException" {
					t.Errorf("403 answer %q, headers %v", m, hdr)
				}
			case 401:
				if m := message(t, body); m != "Unauthorized" {
					t.Errorf("401 answer %q", m)
				}
			}
			if tc.want != 200 {
				if len(seen) != 0 {
					t.Fatalf("a refused request reached a handler")
				}
				return
			}
			if body != tc.served || len(seen) != 1 {
				t.Fatalf("served by %q (%d events), want %q", body, len(seen), tc.served)
			}
			ev := seen[0]
			if ev.Resource != tc.resource || ev.RequestContext.ResourcePath != tc.resource || ev.HTTPMethod != tc.method ||
				!maps.Equal(ev.PathParameters, tc.params) {
				t.Errorf("resource %q / %q, method %q, path parameters %v; want %q, %v",
					ev.Resource, ev.RequestContext.ResourcePath, ev.HTTPMethod, ev.PathParameters, tc.resource, tc.params)
			}
			if tc.params == nil && ev.PathParameters != nil {
				t.Errorf("path parameters %#v, want null", ev.PathParameters)
			}
			public := tc.served == "page" || tc.served == "root"
			if (ev.RequestContext.Authorizer != nil) == public {
				t.Errorf("authorizer context %v on a route with Public=%v", ev.RequestContext.Authorizer, public)
			}
		})
	}
}

// TestNewRefuses: configurations API Gateway would not deploy, or that leave the
// authorizer without what it needs.
func TestNewRefuses(t *testing.T) {
	h := named("x")
	base := func() gateway.Config {
		return gateway.Config{Issuer: "https://issuer.example/pool", ClientIDs: []string{"c"},
			Routes: []gateway.Route{{Method: "GET", Resource: "/api/files", Handler: h}}}
	}
	for name, edit := range map[string]func(*gateway.Config){
		"no routes":         func(c *gateway.Config) { c.Routes = nil },
		"unknown method":    func(c *gateway.Config) { c.Routes[0].Method = "get" },
		"no handler":        func(c *gateway.Config) { c.Routes[0].Handler = nil },
		"relative resource": func(c *gateway.Config) { c.Routes[0].Resource = "api/files" },
		"trailing slash":    func(c *gateway.Config) { c.Routes[0].Resource = "/api/files/" },
		"greedy not last":   func(c *gateway.Config) { c.Routes[0].Resource = "/api/{proxy+}/x" },
		"bad literal":       func(c *gateway.Config) { c.Routes[0].Resource = "/api/fi les" },
		"duplicate param":   func(c *gateway.Config) { c.Routes[0].Resource = "/api/{id}/{id}" },
		"duplicate route":   func(c *gateway.Config) { c.Routes = append(c.Routes, c.Routes[0]) },
		"sibling variables": func(c *gateway.Config) {
			c.Routes = append(c.Routes, gateway.Route{Method: "GET", Resource: "/api/{a}", Handler: h}, gateway.Route{Method: "GET", Resource: "/api/{proxy+}", Handler: h})
		},
		"no issuer":             func(c *gateway.Config) { c.Issuer = "" },
		"http issuer":           func(c *gateway.Config) { c.Issuer = "http://issuer.example/pool" },
		"issuer with slash":     func(c *gateway.Config) { c.Issuer = "https://issuer.example/pool/" },
		"no client ids":         func(c *gateway.Config) { c.ClientIDs = nil },
		"empty client id":       func(c *gateway.Config) { c.ClientIDs = []string{""} },
		"bad stage":             func(c *gateway.Config) { c.Stage = "v1/x" },
		"bad binary media type": func(c *gateway.Config) { c.BinaryMediaTypes = []string{"png"} },
	} {
		t.Run(name, func(t *testing.T) {
			c := base()
			c.Routes = append([]gateway.Route(nil), c.Routes...)
			edit(&c)
			if _, err := gateway.New(c); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	// Public routes alone need no issuer.
	if _, err := gateway.New(gateway.Config{Routes: []gateway.Route{{Method: "GET", Resource: "/", Handler: h, Public: true}}}); err != nil {
		t.Errorf("public-only API: %v", err)
	}
	if _, err := gateway.New(base()); err != nil {
		t.Errorf("base config: %v", err)
	}
}
