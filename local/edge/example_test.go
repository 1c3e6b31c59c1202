package edge_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/signet-cdk/signet/local/edge"
	"github.com/signet-cdk/signet/signing"
)

// ExampleNew wires an edge in front of a bucket and an API, as a local demo does:
// the signer's public key is the trusted key group, the listener's address is the
// signed domain, and a URL signed by Signet's signer downloads the file.
func ExampleNew() {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	signer, _ := signing.NewSignerFromKey("K2JCJMDEHXQW5F", key)

	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "api saw %s %s", r.Method, r.URL.Path)
	})
	srv := httptest.NewUnstartedServer(nil)
	domain := srv.Listener.Addr().String() // what URLs are signed for
	e, err := edge.New(edge.Config{
		Domain:          domain,
		TrustedKeys:     map[string]crypto.PublicKey{signer.KeyPairID(): signer.Public()},
		S3:              s3srv.Client(nil), // any S3 client; here the tests' local S3
		Bucket:          bucket,
		API:             api,
		OriginHeaders:   map[string]string{"X-Origin-Verify": "local-demo"},
		ResponseHeaders: map[string]string{"Strict-Transport-Security": "max-age=63072000"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv.Config.Handler = e
	srv.StartTLS()
	defer srv.Close()

	signed, _ := signer.SignURL("https://"+domain+"/customers/acme/shared/a.txt", signing.URLOptions{Expires: time.Now().Add(time.Minute)})
	for _, u := range []string{signed, srv.URL + "/customers/acme/shared/a.txt", srv.URL + "/api/files"} {
		resp, err := srv.Client().Get(u)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
	}
	// Output:
	// 200 content of a.txt
	// 403 <?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Missing Key-Pair-Id query parameter or cookie value</Message></Error>
	// 200 api saw GET /api/files
}
