package oidc_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/signet-cdk/signet/pretoken"
)

// FuzzTokenEndpoint posts arbitrary form bodies to the token endpoint: it never
// panics, never answers 5xx, and always answers JSON, tokens or an RFC 6749 error.
func FuzzTokenEndpoint(f *testing.F) {
	e := newEnv(f, pretoken.Bindings{})
	e.addUser("fuzz@example.com", "acme", "acme-staff")
	code, verifier := e.code("fuzz@example.com")
	rt := e.tokens("fuzz@example.com")["refresh_token"].(string)
	f.Add(url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "code": {code},
		"redirect_uri": {callback}, "code_verifier": {verifier}}.Encode())
	f.Add(url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {rt}}.Encode())
	for _, seed := range []string{"", "grant_type=refresh_token", "grant_type=authorization_code&client_id=" + clientID,
		"a=1&a=2", "%zz", "grant_type=%00&client_id=%FF", "client_id=" + clientID + "&client_secret=&grant_type=refresh_token&refresh_token=",
		"grant_type=authorization_code&client_id=" + clientID + "&code=x&redirect_uri=y&code_verifier=" + strings.Repeat("a", 200),
		";;;&&&===", "grant_type=refresh_token&client_id=" + clientID + "&refresh_token=" + rt + "&refresh_token=" + rt} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/auth/oauth2/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		e.iss.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%d, not JSON: %q", rec.Code, rec.Body.String())
		}
		switch {
		case rec.Code >= 500:
			t.Fatalf("answered %d %v", rec.Code, out)
		case rec.Code == http.StatusOK && out["access_token"] == nil:
			t.Fatalf("200 without an access token: %v", out)
		case rec.Code != http.StatusOK && out["error"] == nil:
			t.Fatalf("%d without an error: %v", rec.Code, out)
		}
	})
}
