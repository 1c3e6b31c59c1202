package edge_test

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/signet-cdk/signet/internal/nodejs"
	"github.com/signet-cdk/signet/local/edge"
	"github.com/signet-cdk/signet/signing"
)

type jsCase struct {
	Kind            string `json:"kind"`
	URL             string `json:"url,omitempty"`
	KeyPairID       string `json:"keyPairId"`
	PrivateKey      string `json:"privateKey"`
	DateLessThan    int64  `json:"dateLessThan,omitempty"`
	DateGreaterThan int64  `json:"dateGreaterThan,omitempty"`
	IPAddress       string `json:"ipAddress,omitempty"`
	Policy          string `json:"policy,omitempty"`
	Algorithm       string `json:"algorithm,omitempty"`
}

type jsResult struct {
	URL     string         `json:"url"`
	Cookies map[string]any `json:"cookies"`
	Error   string         `json:"error"`
}

// jsSign signs every case in one run of the AWS JavaScript signer.
func jsSign(t *testing.T, cases []jsCase) []jsResult {
	t.Helper()
	var res []jsResult
	if err := nodejs.RunJSON(filepath.Join("testdata", "jssign.js"), cases, &res); err != nil {
		t.Fatal(err)
	}
	if len(res) != len(cases) {
		t.Fatalf("node answered %d results for %d cases", len(res), len(cases))
	}
	return res
}

// pems are the run's keys in the PEM forms the JavaScript signer reads.
func pems(t *testing.T) (rsaPEM, ecPEM string) {
	rk, ek := keys()
	der, err := x509.MarshalPKCS8PrivateKey(ek)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// jsCookies turns the signer's cookie object (Expires is a number) into cookies.
func jsCookies(m map[string]any) []*http.Cookie {
	var out []*http.Cookie
	for name, v := range m {
		s, ok := v.(string)
		if f, isNum := v.(float64); isNum {
			s, ok = strconv.FormatFloat(f, 'f', -1, 64), true
		}
		if ok {
			out = append(out, &http.Cookie{Name: name, Value: s})
		}
	}
	return out
}

// URLs and cookies made by the AWS JavaScript signer, not by Signet: canned and
// custom, RSA over SHA-1 and SHA-256, ECDSA, a folder wildcard, a URL with its own
// query string and a path the signer percent-encodes. Each returns the exact bytes.
func TestServesWhatTheJavaScriptSignerSigned(t *testing.T) {
	c := newCDN(t, nil) // the viewer is 127.0.0.1
	rsaPEM, ecPEM := pems(t)
	folder, err := signing.WildcardResource(c.domain, "customers/acme/shared")
	if err != nil {
		t.Fatal(err)
	}
	folderPolicy := `{"Statement":[{"Resource":"` + folder + `","Condition":{"DateLessThan":{"AWS:EpochTime":` +
		strconv.FormatInt(expires.Unix(), 10) + `},"IpAddress":{"AWS:SourceIp":"127.0.0.0/8"}}}]}`
	base := "https://" + c.domain + "/"
	cases := []struct {
		name string
		js   jsCase
		keys []string // fetched with the result; the first is the signed URL's
	}{
		{"rsa canned url", jsCase{Kind: "url", URL: base + "customers/acme/shared/a.txt", KeyPairID: rsaID, PrivateKey: rsaPEM}, []string{"customers/acme/shared/a.txt"}},
		{"rsa sha256 canned url", jsCase{Kind: "url", URL: base + "customers/acme/shared/a.txt", KeyPairID: rsaID, PrivateKey: rsaPEM, Algorithm: "SHA256"}, []string{"customers/acme/shared/a.txt"}},
		{"ecdsa custom url with start and ip", jsCase{Kind: "url", URL: base + "customers/acme/private/a", KeyPairID: ecID, PrivateKey: ecPEM, Algorithm: "SHA256",
			DateGreaterThan: now.Add(-time.Hour).Unix(), IPAddress: "127.0.0.1"}, []string{"customers/acme/private/a"}},
		{"ecdsa folder url", jsCase{Kind: "url", URL: base + "customers/acme/shared/b.bin", KeyPairID: ecID, PrivateKey: ecPEM, Algorithm: "SHA256", Policy: folderPolicy},
			[]string{"customers/acme/shared/b.bin"}},
		{"url with its own query", jsCase{Kind: "url", URL: base + "customers/acme/shared/a.txt?download=1&v=2", KeyPairID: rsaID, PrivateKey: rsaPEM}, []string{"customers/acme/shared/a.txt"}},
		{"path the signer encodes", jsCase{Kind: "url", URL: base + "customers/acme/annual report 2025.pdf", KeyPairID: rsaID, PrivateKey: rsaPEM}, []string{"customers/acme/annual report 2025.pdf"}},
		{"rsa canned cookies", jsCase{Kind: "cookies", URL: c.url(t, "customers/acme/résumé.txt"), KeyPairID: rsaID, PrivateKey: rsaPEM}, []string{"customers/acme/résumé.txt"}},
		{"rsa folder cookies", jsCase{Kind: "cookies", KeyPairID: rsaID, PrivateKey: rsaPEM, Policy: folderPolicy},
			[]string{"customers/acme/shared/a.txt", "customers/acme/shared/b.bin"}},
		{"ecdsa folder cookies", jsCase{Kind: "cookies", KeyPairID: ecID, PrivateKey: ecPEM, Algorithm: "SHA256", Policy: folderPolicy},
			[]string{"customers/acme/shared/a.txt", "customers/acme/shared/b.bin"}},
	}
	var in []jsCase
	for _, tc := range cases {
		if tc.js.Policy == "" {
			tc.js.DateLessThan = expires.Unix()
		}
		in = append(in, tc.js)
	}
	results := jsSign(t, in)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := results[i]
			if res.Error != "" {
				t.Fatalf("js signer: %s", res.Error)
			}
			if tc.js.Kind == "url" {
				wantFile(t, c.do(t, http.MethodGet, res.URL, nil, nil), tc.keys[0])
				return
			}
			for _, key := range tc.keys {
				wantFile(t, c.do(t, http.MethodGet, c.url(t, key), jsCookies(res.Cookies), nil), key)
			}
		})
	}
	// The folder cookies open nothing next to the folder.
	res := results[len(results)-1]
	r := c.do(t, http.MethodGet, c.url(t, "customers/acme/sharedX/a"), jsCookies(res.Cookies), nil)
	if r.status != http.StatusForbidden {
		t.Fatalf("sharedX with shared/* cookies: %d", r.status)
	}
	// The JavaScript signer's URL with its own query is bound to that query.
	e := c.Edge
	req := httptestRequest(t, http.MethodGet, dropParam(results[4].URL, "v"))
	if err := e.Verify(req); !isRefusal(err, edge.ErrBadSignature) {
		t.Fatalf("query changed: %v", err)
	}
}
