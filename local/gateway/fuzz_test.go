package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/local/gateway"
)

// FuzzGateway: whatever the path, query, headers and Authorization value, the
// gateway answers without panicking, with a status it may give, and a request
// without a valid token never reaches a protected handler. (The corpus has real
// tokens that must still fail: expired, another key, another audience.)
func FuzzGateway(f *testing.F) {
	iss := newIssuer(f)
	now := time.Now()
	expired := iss.token(f, map[string]any{"exp": now.Add(-time.Hour).Unix()})
	otherAud := iss.token(f, map[string]any{"aud": "someoneelse"})
	access := iss.token(f, map[string]any{"token_use": "access"})
	forged := sign(f, otherKey, kid, iss.idClaims(now))
	for _, seed := range [][5]string{
		{"GET", "/api/files", "folder=a&limit=1", "X-Custom", ""},
		{"POST", "/api/admin/customers/acme", "", "Content-Type", "Bearer " + expired},
		{"DELETE", "/api/admin/", "a=%zz", "X-Forwarded-For", otherAud},
		{"PUT", "//api//files/", "&&=", "Authorization", access},
		{"GET", "/api/pages/link-error", "x", "Host", forged},
		{"OPTIONS", "/api/admin/{proxy+}", "", "Accept", "Bearer  " + forged},
		{"GET", "/api/items/%2F", ";", "Authorization", "bearer eyJ.eyJ.sig"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4])
	}
	var protected, public atomic.Int64
	count := func(n *atomic.Int64) gateway.Handler {
		return func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			n.Add(1)
			return events.APIGatewayProxyResponse{StatusCode: 200}, nil
		}
	}
	g := newGateway(f, iss, []gateway.Route{
		{Method: "POST", Resource: "/api/downloads", Handler: count(&protected)},
		{Method: "GET", Resource: "/api/files", Handler: count(&protected)},
		{Method: "ANY", Resource: "/api/admin/{proxy+}", Handler: count(&protected)},
		{Method: "GET", Resource: "/api/items/{id}", Handler: count(&protected)},
		{Method: "GET", Resource: "/api/pages/link-error", Handler: count(&public), Public: true},
	})
	f.Fuzz(func(t *testing.T, method, path, query, name, value string) {
		if method == "" || !validMethod(method) {
			method = "GET"
		}
		r := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: path, RawQuery: query},
			Proto:      "HTTP/1.1",
			ProtoMajor: 1, ProtoMinor: 1,
			Header:     http.Header{},
			Body:       io.NopCloser(strings.NewReader(value)),
			Host:       "files.example.com",
			RemoteAddr: "192.0.2.10:1234",
		}
		r = r.WithContext(context.Background())
		r.Header.Add(name, value)
		r.Header.Add("Authorization", value)
		before := protected.Load()
		w := httptest.NewRecorder()
		g.ServeHTTP(w, r)
		if protected.Load() != before {
			t.Fatalf("%s %q with Authorization %.40q reached a protected handler", method, path, value)
		}
		switch w.Code {
		case 200, 401, 403, 413:
		default:
			t.Fatalf("status %d for %s %q", w.Code, method, path)
		}
		if w.Code != 200 && w.Header().Get("X-Amzn-Requestid") == "" {
			t.Fatal("a gateway answer without x-amzn-RequestId")
		}
	})
}

func validMethod(m string) bool {
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return len(m) <= 10
}
