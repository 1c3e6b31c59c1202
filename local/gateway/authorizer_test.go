package gateway_test

import (
	"bytes"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-cdk/signet/local/gateway"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// syncBuffer is a log sink safe for the handler goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// TestAuthorizer: which Authorization headers reach the handler, and what every
// refused one gets back.
func TestAuthorizer(t *testing.T) {
	iss := newIssuer(t)
	rec := newRecorder()
	var log syncBuffer
	g := newGateway(t, iss, []gateway.Route{{Method: "GET", Resource: "/api/files", Handler: rec.Handle}},
		func(c *gateway.Config) { c.Logger = slog.New(slog.NewTextHandler(&log, nil)) })
	now := time.Now()
	valid := iss.token(t, nil)
	claims := iss.idClaims(now)
	for _, tc := range []struct {
		name, auth string
		extra      []string // more header lines
		want       int
		message    string
		reason     string // in the log line that says why
	}{
		{name: "valid raw ID token", auth: valid, want: 200},
		{name: "Bearer scheme", auth: "Bearer " + valid, want: 200},
		{name: "bearer scheme in lower case", auth: "bearer " + valid, want: 200},
		{name: "ID token of the second app client", auth: iss.token(t, map[string]any{"aud": "otherclient"}), want: 200},
		{name: "iat within the leeway ahead", auth: iss.token(t, map[string]any{"iat": now.Add(time.Minute).Unix()}), want: 200},

		{name: "missing header", want: 401, message: "Unauthorized", reason: "no Authorization header"},
		{name: "Bearer without token", auth: "Bearer ", want: 401, message: "Unauthorized", reason: "compact serialization"},
		{name: "Bearer with two spaces", auth: "Bearer  " + valid, want: 401, message: "Unauthorized", reason: "compact serialization"},
		{name: "other scheme", auth: "Basic " + valid, want: 401, message: "Unauthorized", reason: "neither a token"},
		{name: "token with trailing text", auth: valid + " x", want: 401, message: "Unauthorized", reason: "neither a token"},
		{name: "Bearer x", auth: "Bearer x", want: 401, message: "Unauthorized", reason: "compact serialization"},
		{name: "garbage", auth: "not-a-token", want: 401, message: "Unauthorized", reason: "compact serialization"},
		{name: "two Authorization headers", auth: valid, extra: []string{"Authorization", valid}, want: 401, message: "Unauthorized", reason: "more than once"},
		{name: "JWS JSON serialization", auth: `{"payload":"e30","signatures":[]}`, want: 401, message: "Unauthorized", reason: "compact serialization"},

		{name: "expired", auth: iss.token(t, map[string]any{"exp": now.Add(-time.Second).Unix()}), want: 401, message: "The incoming token has expired", reason: "token is expired"},
		{name: "no exp", auth: iss.token(t, map[string]any{"exp": nil}), want: 401, message: "Unauthorized", reason: "token is expired"},
		{name: "iat in the future", auth: iss.token(t, map[string]any{"iat": now.Add(gateway.Leeway + time.Minute).Unix()}), want: 401, message: "Unauthorized", reason: "iat"},
		{name: "no iat", auth: iss.token(t, map[string]any{"iat": nil}), want: 401, message: "Unauthorized", reason: "iat"},
		{name: "nbf in the future", auth: iss.token(t, map[string]any{"nbf": now.Add(time.Hour).Unix()}), want: 401, message: "Unauthorized", reason: "nbf"},
		{name: "wrong issuer", auth: iss.token(t, map[string]any{"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"}), want: 401, message: "Unauthorized", reason: "different provider"},
		{name: "wrong audience", auth: iss.token(t, map[string]any{"aud": "someoneelse"}), want: 401, message: "Unauthorized", reason: "audience"},
		{name: "two audiences", auth: iss.token(t, map[string]any{"aud": []string{clientID, "someoneelse"}}), want: 401, message: "Unauthorized", reason: "audience"},
		{name: "access token", auth: iss.token(t, map[string]any{"token_use": "access", "aud": nil, "client_id": clientID}), want: 401, message: "Unauthorized", reason: "audience"},
		{name: "access token with aud", auth: iss.token(t, map[string]any{"token_use": "access"}), want: 401, message: "Unauthorized", reason: "token_use"},
		{name: "no token_use", auth: iss.token(t, map[string]any{"token_use": nil}), want: 401, message: "Unauthorized", reason: "token_use"},
		{name: "signed by another key under the right kid", auth: sign(t, otherKey, kid, claims), want: 401, message: "Unauthorized", reason: "signature"},
		{name: "unknown kid", auth: sign(t, testKey, "key-2", claims), want: 401, message: "Unauthorized", reason: "signature"},
		{name: "no kid", auth: sign(t, testKey, "", claims), want: 401, message: "Unauthorized", reason: "kid"},
		{name: "alg none", auth: unsigned(t, "none", nil, claims), want: 401, message: "Unauthorized", reason: "not an RS256 JWT"},
		{name: "HS256 keyed with the public modulus", auth: unsigned(t, "HS256", testKey.PublicKey.N.Bytes(), claims), want: 401, message: "Unauthorized", reason: "not an RS256 JWT"},
		{name: "payload changed after signing", auth: tamper(valid), want: 401, message: "Unauthorized", reason: "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := rec.calls.Load()
			log.Reset()
			status, hdr, body := do(g, "GET", "/api/files", tc.auth, nil, tc.extra...)
			if status != tc.want {
				t.Fatalf("status %d, want %d (body %s)", status, tc.want, body)
			}
			reached := rec.calls.Load() != before
			if reached != (tc.want == 200) {
				t.Fatalf("handler reached: %v", reached)
			}
			if tc.want == 200 {
				rec.last(t)
				return
			}
			if got := message(t, body); got != tc.message {
				t.Errorf("message %q, want %q", got, tc.message)
			}
			if !strings.Contains(log.String(), tc.reason) {
				t.Errorf("refused, but not because of %q: %s", tc.reason, log.String())
			}
			if hdr.Get("X-Amzn-Errortype") != "UnauthorizedException" || hdr.Get("Content-Type") != "application/json" {
				t.Errorf("headers %v", hdr)
			}
		})
	}
}

// tamper swaps the payload of a signed token for one with another subject.
func tamper(tok string) string {
	parts := splitDots(tok)
	return parts[0] + ".eyJzdWIiOiJtYWxsb3J5In0." + parts[2]
}

func splitDots(s string) [3]string {
	var out [3]string
	i := 0
	for _, c := range s {
		if c == '.' && i < 2 {
			i++
			continue
		}
		out[i] += string(c)
	}
	return out
}

// TestClaimsAsStrings: the claims reach the handler the way API Gateway's REST
// authorizer passes them: every value a string, exp and iat as Java dates, lists
// joined with commas.
func TestClaimsAsStrings(t *testing.T) {
	iss := newIssuer(t)
	rec := newRecorder()
	g := newGateway(t, iss, []gateway.Route{{Method: "GET", Resource: "/api/files", Handler: rec.Handle}})
	now := time.Date(2030, 7, 9, 8, 7, 6, 0, time.UTC)
	c := iss.idClaims(now)
	c["exp"] = time.Now().Add(time.Hour).Unix()
	c["iat"] = time.Now().Add(-time.Minute).Unix()
	c["custom:score"] = 12.5
	c["address"] = map[string]any{"formatted": "1 Main St"}
	c["nothing"] = nil
	c["cognito:roles"] = []string{"arn:aws:iam::000000000000:role/one"}
	status, _, body := do(g, "GET", "/api/files", sign(t, testKey, kid, c), nil)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	ev := rec.last(t)
	got, ok := ev.RequestContext.Authorizer["claims"].(map[string]any)
	if !ok {
		t.Fatalf("authorizer %#v has no claims map", ev.RequestContext.Authorizer)
	}
	javaDate := func(n any) string { return time.Unix(n.(int64), 0).UTC().Format("Mon Jan 02 15:04:05 UTC 2006") }
	want := map[string]any{
		"sub":                "8f1e2d3c-0000-4000-8000-000000000001",
		"aud":                clientID,
		"iss":                iss.URL,
		"token_use":          "id",
		"auth_time":          strconv.FormatInt(now.Add(-time.Minute).Unix(), 10),
		"iat":                javaDate(c["iat"]),
		"exp":                javaDate(c["exp"]),
		"email":              "ann@acme.example",
		"email_verified":     "true",
		"cognito:username":   "ann",
		"cognito:groups":     "staff,customer-admins",
		"cognito:roles":      "arn:aws:iam::000000000000:role/one",
		"custom:customer_id": "acme",
		"custom:score":       "12.5",
		"address":            `{"formatted":"1 Main St"}`,
		"event_id":           "e1",
		"jti":                "j1",
		"origin_jti":         "o1",
	}
	if !maps.Equal(got, want) {
		for k := range maps.Keys(want) {
			if got[k] != want[k] {
				t.Errorf("claim %s = %#v, want %#v", k, got[k], want[k])
			}
		}
		for k := range maps.Keys(got) {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected claim %s = %#v", k, got[k])
			}
		}
	}
}

// TestKeySet: the key set is fetched once and kept, as a long-lived authorizer
// does. A forged signature under a known kid never makes the gateway fetch again;
// an unknown kid does (a rotated key), at most once per MinKeyRefetch; and a key
// the issuer publishes later is then accepted.
func TestKeySet(t *testing.T) {
	iss := newIssuer(t)
	rec := newRecorder()
	g := newGateway(t, iss, []gateway.Route{{Method: "GET", Resource: "/api/files", Handler: rec.Handle}})
	tok := iss.token(t, nil)
	for range 5 {
		if status, _, body := do(g, "GET", "/api/files", tok, nil); status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
	}
	forged := sign(t, otherKey, kid, iss.idClaims(time.Now()))
	for range 5 {
		do(g, "GET", "/api/files", forged, nil)
	}
	if n := iss.jwksHits.Load(); n != 1 {
		t.Fatalf("key set fetched %d times, want 1", n)
	}
	rotated := sign(t, otherKey, "key-2", iss.idClaims(time.Now()))
	if status, _, _ := do(g, "GET", "/api/files", rotated, nil); status != 401 {
		t.Fatalf("a kid the issuer does not publish: %d", status)
	}
	iss.publish("key-2", otherKey)
	time.Sleep(gateway.MinKeyRefetch)
	// Concurrent requests with the new kid share one fetch.
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() { statuses[i], _, _ = do(g, "GET", "/api/files", rotated, nil) })
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Errorf("request %d with the rotated key: %d", i, s)
		}
	}
	if n := iss.jwksHits.Load(); n != 2 {
		t.Errorf("key set fetched %d times in all, want 2", n)
	}
	for range 5 {
		do(g, "GET", "/api/files", sign(t, testKey, "key-3", iss.idClaims(time.Now())), nil)
	}
	if n := iss.jwksHits.Load(); n != 2 {
		t.Errorf("unknown kids fetched the key set %d times in under %s", n-2, gateway.MinKeyRefetch)
	}
}

// TestIssuerUnreachable: when the key set cannot be fetched, every token is refused.
func TestIssuerUnreachable(t *testing.T) {
	iss := newIssuer(t)
	rec := newRecorder()
	g := newGateway(t, iss, []gateway.Route{{Method: "GET", Resource: "/api/files", Handler: rec.Handle}},
		func(c *gateway.Config) { c.HTTPClient = &http.Client{} }) // does not trust the test CA
	if status, _, _ := do(g, "GET", "/api/files", iss.token(t, nil), nil); status != 401 || rec.calls.Load() != 0 {
		t.Fatalf("status %d, calls %d", status, rec.calls.Load())
	}
}
