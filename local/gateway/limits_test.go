package gateway_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/local/gateway"
)

// TestPayloadLimit: a body over 10 MB is API Gateway's 413 Request Too Long, whether
// the client declared its length or streamed it; 10 MB exactly passes.
func TestPayloadLimit(t *testing.T) {
	iss := newIssuer(t)
	rec := newRecorder()
	g := newGateway(t, iss, []gateway.Route{{Method: "POST", Resource: "/api/uploads", Handler: rec.Handle}})
	tok := iss.token(t, nil)
	big := strings.Repeat("a", gateway.MaxPayload+1)

	status, _, body := do(g, "POST", "/api/uploads", tok, strings.NewReader(big))
	if status != 413 || message(t, body) != "Request Too Long" {
		t.Errorf("declared length: %d %s", status, body)
	}
	// Streamed (no Content-Length): the gateway counts.
	r := httptest.NewRequest("POST", "/api/uploads", io.MultiReader(strings.NewReader(big)))
	r.ContentLength = -1
	r.Header.Set("Authorization", tok)
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	if w.Code != 413 || message(t, w.Body.String()) != "Request Too Long" {
		t.Errorf("streamed: %d %s", w.Code, w.Body)
	}
	if rec.calls.Load() != 0 {
		t.Fatal("an oversized request reached the handler")
	}
	status, _, _ = do(g, "POST", "/api/uploads", tok, strings.NewReader(big[1:]))
	if ev := rec.last(t); status != 200 || len(ev.Body) != gateway.MaxPayload {
		t.Errorf("10 MB exactly: status %d, body %d bytes", status, len(ev.Body))
	}
}

// TestIntegrationTimeout: a handler still running at IntegrationTimeout is API
// Gateway's 504; the handler's context carries that deadline.
func TestIntegrationTimeout(t *testing.T) {
	iss := newIssuer(t)
	release := make(chan struct{})
	defer close(release)
	var sawDeadline atomic.Bool
	slow := func(ctx context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		if d, ok := ctx.Deadline(); ok && time.Until(d) <= 100*time.Millisecond {
			sawDeadline.Store(true)
		}
		<-release // sleeps past the timeout, whatever its context says
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	g := newGateway(t, iss, []gateway.Route{{Method: "GET", Resource: "/api/slow", Handler: slow, Public: true}},
		func(c *gateway.Config) { c.IntegrationTimeout = 100 * time.Millisecond })
	start := time.Now()
	status, _, body := do(g, "GET", "/api/slow", "", nil)
	if status != 504 || message(t, body) != "Endpoint request timed out" {
		t.Errorf("%d %s", status, body)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 5*time.Second {
		t.Errorf("answered after %s", d)
	}
	if !sawDeadline.Load() {
		t.Error("the handler's context had no deadline at the integration timeout")
	}
}

// TestDefaultIntegrationTimeout: without a setting the handler gets 29 s.
func TestDefaultIntegrationTimeout(t *testing.T) {
	iss := newIssuer(t)
	var left time.Duration
	h := func(ctx context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		d, _ := ctx.Deadline()
		left = time.Until(d)
		return events.APIGatewayProxyResponse{StatusCode: 204}, nil
	}
	g := newGateway(t, iss, []gateway.Route{{Method: "GET", Resource: "/x", Handler: h, Public: true}})
	if status, _, _ := do(g, "GET", "/x", "", nil); status != 204 || left <= 28*time.Second || left > 29*time.Second {
		t.Errorf("status %d, deadline in %s", status, left)
	}
}

// TestHandlerFailures: a handler error, a panic and a malformed answer are API
// Gateway's 502 Internal server error, and the gateway keeps serving.
func TestHandlerFailures(t *testing.T) {
	iss := newIssuer(t)
	fail := func(_ context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "partial"}, errors.New("boom")
	}
	panics := func(_ context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		var m map[string]int
		m["x"]++ // nil map write
		return events.APIGatewayProxyResponse{}, nil
	}
	noStatus := func(_ context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{Body: "{}"}, nil
	}
	badBase64 := func(_ context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "!!", IsBase64Encoded: true}, nil
	}
	g := newGateway(t, iss, []gateway.Route{
		{Method: "GET", Resource: "/fail", Handler: fail, Public: true},
		{Method: "GET", Resource: "/panic", Handler: panics, Public: true},
		{Method: "GET", Resource: "/nostatus", Handler: noStatus, Public: true},
		{Method: "GET", Resource: "/badbase64", Handler: badBase64, Public: true},
		{Method: "GET", Resource: "/ok", Handler: named("ok"), Public: true},
	}, func(c *gateway.Config) { c.BinaryMediaTypes = []string{"*/*"} })
	for _, path := range []string{"/fail", "/panic", "/nostatus", "/badbase64"} {
		status, _, body := do(g, "GET", path, "", nil, "Accept", "application/octet-stream")
		if status != 502 || message(t, body) != "Internal server error" {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
	if status, _, body := do(g, "GET", "/ok", "", nil); status != 200 || body != "ok" {
		t.Errorf("after the failures: %d %s", status, body)
	}
}

// TestNotUTF8: a text body crosses the JSON boundary to Lambda, where bytes that are
// not UTF-8 become U+FFFD.
func TestNotUTF8(t *testing.T) {
	iss := newIssuer(t)
	rec := newRecorder()
	g := newGateway(t, iss, []gateway.Route{{Method: "POST", Resource: "/x", Handler: rec.Handle, Public: true}})
	do(g, "POST", "/x", "", strings.NewReader("a\xffb"))
	if ev := rec.last(t); ev.Body != "a\uFFFDb" {
		t.Errorf("body %q", ev.Body)
	}
}

// TestClientHangUp: a caller that goes away does not cancel the handler's context;
// API Gateway does not stop a Lambda invocation for it.
func TestClientHangUp(t *testing.T) {
	iss := newIssuer(t)
	errc := make(chan error, 1)
	h := func(ctx context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		time.Sleep(50 * time.Millisecond)
		errc <- ctx.Err()
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	g := newGateway(t, iss, []gateway.Route{{Method: "GET", Resource: "/x", Handler: h, Public: true}})
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequest("GET", "/x", nil).WithContext(ctx)
	cancel()
	g.ServeHTTP(httptest.NewRecorder(), r)
	if err := <-errc; err != nil {
		t.Errorf("handler context: %v", err)
	}
}

var _ http.Handler = (*gateway.Gateway)(nil)
