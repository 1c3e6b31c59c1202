package gateway_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/local/gateway"
)

// TestEventShape: the proxy event carries what API Gateway's does: method,
// template and path, headers in both maps (last value / every value),
// X-Forwarded-For with the caller appended, query parameters in both maps, the
// body as text, and the request context.
func TestEventShape(t *testing.T) {
	iss := newIssuer(t)
	rec := newRecorder()
	g := newGateway(t, iss, []gateway.Route{{Method: "POST", Resource: "/api/admin/{proxy+}", Handler: rec.Handle}},
		func(c *gateway.Config) { c.Stage = "v9" })
	tok := iss.token(t, nil)
	r := httptest.NewRequest("POST", "https://files.example.com/api/admin/customers/acme/rules?pathPrefix=a%2Fb&role=staff&role=admin&flag&q=x+y&=skip&&bad=%zz", strings.NewReader(`{"pathPrefix":"docs"}`))
	r.RemoteAddr = "203.0.113.9:50000"
	r.Header.Set("Authorization", tok)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Add("Accept", "application/json")
	r.Header.Add("X-Custom", "one")
	r.Header.Add("X-Custom", "two")
	r.Header.Add("X-Forwarded-For", "192.0.2.1")
	r.Header.Add("X-Forwarded-For", "192.0.2.2, 192.0.2.3")
	r.Header.Set("X-Forwarded-Proto", "gopher") // overwritten
	r.Header.Set("User-Agent", "signet-test/1")
	before := time.Now()
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	ev := rec.last(t)
	check := func(what string, got, want any) {
		t.Helper()
		if !equal(got, want) {
			t.Errorf("%s = %#v, want %#v", what, got, want)
		}
	}
	check("HTTPMethod", ev.HTTPMethod, "POST")
	check("Resource", ev.Resource, "/api/admin/{proxy+}")
	check("Path", ev.Path, "/api/admin/customers/acme/rules")
	check("PathParameters", ev.PathParameters, map[string]string{"proxy": "customers/acme/rules"})
	check("Body", ev.Body, `{"pathPrefix":"docs"}`)
	check("IsBase64Encoded", ev.IsBase64Encoded, false)

	check("Headers[X-Custom]", ev.Headers["X-Custom"], "two")
	check("MultiValueHeaders[X-Custom]", ev.MultiValueHeaders["X-Custom"], []string{"one", "two"})
	check("Headers[Authorization]", ev.Headers["Authorization"], tok)
	check("Headers[Host]", ev.Headers["Host"], "files.example.com")
	check("Headers[Content-Type]", ev.Headers["Content-Type"], "application/json")
	xff := "192.0.2.1, 192.0.2.2, 192.0.2.3, 203.0.113.9"
	check("Headers[X-Forwarded-For]", ev.Headers["X-Forwarded-For"], xff)
	check("MultiValueHeaders[X-Forwarded-For]", ev.MultiValueHeaders["X-Forwarded-For"], []string{xff})
	check("Headers[X-Forwarded-Proto]", ev.Headers["X-Forwarded-Proto"], "https")
	check("Headers[X-Forwarded-Port]", ev.Headers["X-Forwarded-Port"], "443")
	if !regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`).MatchString(ev.Headers["X-Amzn-Trace-Id"]) {
		t.Errorf("X-Amzn-Trace-Id %q", ev.Headers["X-Amzn-Trace-Id"])
	}
	for k, v := range ev.Headers {
		if mv := ev.MultiValueHeaders[k]; len(mv) == 0 || mv[len(mv)-1] != v {
			t.Errorf("header %s: single value %q is not the last of %q", k, v, mv)
		}
	}
	check("QueryStringParameters", ev.QueryStringParameters, map[string]string{"pathPrefix": "a/b", "role": "admin", "flag": "", "q": "x y", "bad": "%zz"})
	check("MultiValueQueryStringParameters", ev.MultiValueQueryStringParameters,
		map[string][]string{"pathPrefix": {"a/b"}, "role": {"staff", "admin"}, "flag": {""}, "q": {"x y"}, "bad": {"%zz"}})

	rc := ev.RequestContext
	check("Stage", rc.Stage, "v9")
	check("ResourcePath", rc.ResourcePath, "/api/admin/{proxy+}")
	check("RequestContext.HTTPMethod", rc.HTTPMethod, "POST")
	check("RequestContext.Path", rc.Path, "/v9/api/admin/customers/acme/rules")
	check("AccountID", rc.AccountID, "000000000000")
	check("APIID", rc.APIID, "local")
	check("SourceIP", rc.Identity.SourceIP, "203.0.113.9")
	check("UserAgent", rc.Identity.UserAgent, "signet-test/1")
	check("DomainName", rc.DomainName, "files.example.com")
	check("DomainPrefix", rc.DomainPrefix, "files")
	check("Protocol", rc.Protocol, "HTTP/1.1")
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(rc.RequestID) {
		t.Errorf("RequestID %q is not a UUID", rc.RequestID)
	}
	check("x-amzn-RequestId", w.Header().Get("X-Amzn-Requestid"), rc.RequestID)
	if ms := rc.RequestTimeEpoch; ms < before.UnixMilli() || ms > time.Now().UnixMilli() {
		t.Errorf("RequestTimeEpoch %d is not now", ms)
	}
	if _, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.RequestTime); err != nil {
		t.Errorf("RequestTime %q: %v", rc.RequestTime, err)
	}
	if claims, _ := rc.Authorizer["claims"].(map[string]any); claims["sub"] != "8f1e2d3c-0000-4000-8000-000000000001" {
		t.Errorf("authorizer %v", rc.Authorizer)
	}
}

// TestEventWithoutQueryOrBody: no query string gives null query maps, no body an
// empty one, and a caller without X-Forwarded-For gets its address alone.
func TestEventWithoutQueryOrBody(t *testing.T) {
	iss := newIssuer(t)
	rec := newRecorder()
	g := newGateway(t, iss, []gateway.Route{{Method: "GET", Resource: "/api/files", Handler: rec.Handle}})
	if status, _, body := do(g, "GET", "/api/files", iss.token(t, nil), nil); status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	ev := rec.last(t)
	if ev.QueryStringParameters != nil || ev.MultiValueQueryStringParameters != nil || ev.PathParameters != nil || ev.Body != "" {
		t.Errorf("query %#v / %#v, path %#v, body %q", ev.QueryStringParameters, ev.MultiValueQueryStringParameters, ev.PathParameters, ev.Body)
	}
	if got := ev.Headers["X-Forwarded-For"]; got != "198.51.100.7" {
		t.Errorf("X-Forwarded-For %q", got)
	}
	if got := ev.Headers["X-Forwarded-Proto"] + ":" + ev.Headers["X-Forwarded-Port"]; got != "http:80" {
		t.Errorf("forwarded proto:port %q", got)
	}
}

// TestBinaryMediaTypes: without binaryMediaTypes (Signet's API) every body is text
// both ways, a base64 answer included; with them, a matching request body arrives
// base64-encoded and a base64 answer is decoded for a matching Accept.
func TestBinaryMediaTypes(t *testing.T) {
	iss := newIssuer(t)
	png := []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}
	rec := newRecorder()
	rec.resp = events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "image/png"},
		Body: base64.StdEncoding.EncodeToString(png), IsBase64Encoded: true}
	routes := []gateway.Route{{Method: "POST", Resource: "/api/blobs", Handler: rec.Handle}}
	tok := iss.token(t, nil)

	text := newGateway(t, iss, routes)
	status, _, body := do(text, "POST", "/api/blobs", tok, strings.NewReader("héllo"), "Content-Type", "image/png", "Accept", "image/png")
	if ev := rec.last(t); status != 200 || ev.IsBase64Encoded || ev.Body != "héllo" {
		t.Errorf("no binary media types: request body %q (base64 %v)", ev.Body, ev.IsBase64Encoded)
	}
	if body != base64.StdEncoding.EncodeToString(png) {
		t.Errorf("no binary media types: answer %q, want the base64 text as sent", body)
	}

	binary := newGateway(t, iss, routes, func(c *gateway.Config) { c.BinaryMediaTypes = []string{"image/*"} })
	status, hdr, body := do(binary, "POST", "/api/blobs", tok, strings.NewReader(string(png)), "Content-Type", "image/png", "Accept", "image/png, */*")
	ev := rec.last(t)
	if status != 200 || !ev.IsBase64Encoded || ev.Body != base64.StdEncoding.EncodeToString(png) {
		t.Errorf("binary request body %q (base64 %v)", ev.Body, ev.IsBase64Encoded)
	}
	if body != string(png) || hdr.Get("Content-Type") != "image/png" {
		t.Errorf("binary answer %q (%s), want the decoded bytes", body, hdr.Get("Content-Type"))
	}
	// A JSON request to the same API stays text, and an Accept that does not match
	// gets the base64 text.
	_, _, body = do(binary, "POST", "/api/blobs", tok, strings.NewReader(`{}`), "Content-Type", "application/json", "Accept", "application/json, image/png")
	if ev := rec.last(t); ev.IsBase64Encoded || ev.Body != `{}` || body != base64.StdEncoding.EncodeToString(png) {
		t.Errorf("JSON request: body %q (base64 %v), answer %q", ev.Body, ev.IsBase64Encoded, body)
	}
}

// TestResponse: the answer's headers and multiValueHeaders are merged as API
// Gateway merges them (two Set-Cookie lines stay two), a missing Content-Type is
// application/json, and HEAD gets no body.
func TestResponse(t *testing.T) {
	iss := newIssuer(t)
	h := func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{
			StatusCode: 201,
			Headers:    map[string]string{"Cache-Control": "no-store", "set-cookie": "ignored=1", "X-One": "single"},
			MultiValueHeaders: map[string][]string{
				"Set-Cookie": {"CloudFront-Policy=p; Path=/; Secure; HttpOnly", "CloudFront-Signature=s; Path=/; Secure; HttpOnly"},
				"X-Many":     {"a", "b"},
			},
			Body: `{"created":true}`,
		}, nil
	}
	g := newGateway(t, iss, []gateway.Route{{Method: "ANY", Resource: "/api/cookies", Handler: h, Public: true}})
	status, hdr, body := do(g, "POST", "/api/cookies", "", nil)
	if status != 201 || body != `{"created":true}` {
		t.Fatalf("status %d body %q", status, body)
	}
	if got := hdr.Values("Set-Cookie"); !slices.Equal(got, []string{"CloudFront-Policy=p; Path=/; Secure; HttpOnly", "CloudFront-Signature=s; Path=/; Secure; HttpOnly"}) {
		t.Errorf("Set-Cookie %q", got)
	}
	if got := hdr.Values("X-Many"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("X-Many %q", got)
	}
	if hdr.Get("Cache-Control") != "no-store" || hdr.Get("X-One") != "single" || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", hdr)
	}
	res := httptest.NewRecorder()
	g.ServeHTTP(res, httptest.NewRequest(http.MethodHead, "/api/cookies", nil))
	if res.Code != 201 || res.Body.Len() != 0 {
		t.Errorf("HEAD: %d with %d body bytes", res.Code, res.Body.Len())
	}
}

// equal compares the values these tests use.
func equal(a, b any) bool {
	switch a := a.(type) {
	case []string:
		return slices.Equal(a, b.([]string))
	case map[string]string:
		b := b.(map[string]string)
		if len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if w, ok := b[k]; !ok || w != v {
				return false
			}
		}
		return true
	case map[string][]string:
		b := b.(map[string][]string)
		if len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if !slices.Equal(v, b[k]) {
				return false
			}
		}
		return true
	}
	return a == b
}
