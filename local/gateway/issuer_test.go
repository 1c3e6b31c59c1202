package gateway_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/signet-cdk/signet/local/gateway"
)

const (
	poolPath = "/us-east-1_LocalPool"
	clientID = "localclient0123456789abcdef"
	kid      = "key-1"
)

// testKey is generated once: RSA generation is the slowest step of these tests.
var testKey, otherKey = mustKey(), mustKey()

func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// issuer is a user pool's token side: its key set served over TLS at Cognito's
// path, and tokens signed with its key.
type issuer struct {
	URL        string
	Client     *http.Client
	jwksHits   atomic.Int64
	signingKey *rsa.PrivateKey

	mu        sync.Mutex
	published map[string]*rsa.PrivateKey // by kid
}

// publish adds a key to the key set (a rotation).
func (iss *issuer) publish(keyID string, key *rsa.PrivateKey) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.published[keyID] = key
}

func newIssuer(t testing.TB) *issuer {
	t.Helper()
	iss := &issuer{signingKey: testKey, published: map[string]*rsa.PrivateKey{kid: testKey}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+poolPath+gateway.JWKSPath, func(w http.ResponseWriter, r *http.Request) {
		iss.jwksHits.Add(1)
		var set jose.JSONWebKeySet
		iss.mu.Lock()
		for id, k := range iss.published {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: id, Algorithm: "RS256", Use: "sig"})
		}
		iss.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	iss.URL, iss.Client = srv.URL+poolPath, srv.Client()
	return iss
}

// idClaims are the claims of a Cognito ID token for a staff member of acme.
func (iss *issuer) idClaims(now time.Time) map[string]any {
	return map[string]any{
		"sub":                "8f1e2d3c-0000-4000-8000-000000000001",
		"aud":                clientID,
		"iss":                iss.URL,
		"token_use":          "id",
		"auth_time":          now.Add(-time.Minute).Unix(),
		"iat":                now.Add(-time.Minute).Unix(),
		"exp":                now.Add(time.Hour).Unix(),
		"email":              "ann@acme.example",
		"email_verified":     true,
		"cognito:username":   "ann",
		"cognito:groups":     []string{"staff", "customer-admins"},
		"custom:customer_id": "acme",
		"event_id":           "e1",
		"jti":                "j1",
		"origin_jti":         "o1",
	}
}

// sign signs claims as a compact RS256 JWS with key and kid.
func sign(t testing.TB, key *rsa.PrivateKey, keyID string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if keyID != "" {
		opts = opts.WithHeader("kid", keyID)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// token is a valid ID token with changes applied (a nil value deletes the claim).
func (iss *issuer) token(t testing.TB, changes map[string]any) string {
	t.Helper()
	c := iss.idClaims(time.Now())
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return sign(t, iss.signingKey, kid, c)
}

// unsigned is a JWS with header h and the claims, signed with nothing ("none") or
// with HMAC-SHA256 under secret.
func unsigned(t testing.TB, alg string, secret []byte, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": alg, "kid": kid, "typ": "JWT"})
	p, _ := json.Marshal(claims)
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(p)
	if alg == "none" {
		return input + "."
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, (&jose.SignerOptions{}).WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(p)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := jws.CompactSerialize()
	return tok
}

// recorder is a handler that records the events it gets and answers resp.
type recorder struct {
	calls  atomic.Int64
	events chan events.APIGatewayProxyRequest
	resp   events.APIGatewayProxyResponse
}

func newRecorder() *recorder {
	return &recorder{events: make(chan events.APIGatewayProxyRequest, 64),
		resp: events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"ok":true}`}}
}

func (rec *recorder) Handle(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	rec.calls.Add(1)
	select {
	case rec.events <- ev:
	default:
	}
	return rec.resp, nil
}

// last is the event the handler got; it fails the test when there is none.
func (rec *recorder) last(t testing.TB) events.APIGatewayProxyRequest {
	t.Helper()
	select {
	case ev := <-rec.events:
		return ev
	default:
		t.Fatal("the handler was not called")
		return events.APIGatewayProxyRequest{}
	}
}

// newGateway is a gateway over iss with routes, failing the test on error.
func newGateway(t testing.TB, iss *issuer, routes []gateway.Route, edit ...func(*gateway.Config)) *gateway.Gateway {
	t.Helper()
	cfg := gateway.Config{Issuer: iss.URL, ClientIDs: []string{"otherclient", clientID}, HTTPClient: iss.Client, Routes: routes,
		Logger: discard()}
	for _, e := range edit {
		e(&cfg)
	}
	g, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// do serves one request and returns the status, headers and body.
func do(g http.Handler, method, target, auth string, body io.Reader, hdr ...string) (int, http.Header, string) {
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = "198.51.100.7:41234"
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	return w.Code, w.Result().Header, w.Body.String()
}

func message(t testing.TB, body string) string {
	t.Helper()
	var m struct{ Message string }
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.Message == "" {
		t.Fatalf("body %q is not API Gateway's {\"message\": ...}", body)
	}
	return m.Message
}
