package presign

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// Why a zero-byte PUT needs help: two parts of the SDK drop what Put binds when the
// body is empty.
//
//  1. Content-Type: PresignPutObject adds the build middleware
//     "RemoveContentTypeHeader" (aws/transport/http), which deletes Content-Type
//     whenever the request's ContentLength is 0, before signing. keepContentType
//     removes that middleware from the stack (client API options run after the
//     presign stack functions), so Content-Type reaches the signer.
//  2. Content-Length: the serializer moves the Content-Length header into
//     http.Request.ContentLength (smithy-go httpbinding), and the v4 signer signs
//     content-length only if that is above 0 (v4 buildCanonicalHeaders; it also
//     skips any Content-Length header). No option changes that, so for an empty
//     body Put signs with emptyBodySigner, which signs "content-length:0".
//
// Unsigned, the URL would take any Content-Type and (where the checksum is not
// checked) any body length.

// removeContentTypeHeader is the ID of the SDK middleware keepContentType removes.
const removeContentTypeHeader = "RemoveContentTypeHeader"

// keepContentType stops PresignPutObject dropping Content-Type from an empty PUT.
// If the SDK renames the middleware, Remove fails and so does Put: never a URL
// without Content-Type signed.
func keepContentType(o *s3.PresignOptions) {
	o.ClientOptions = append(o.ClientOptions, func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			_, err := s.Build.Remove(removeContentTypeHeader)
			return err
		})
	})
}

// emptyBodySigner presigns (SigV4, query) a request with an empty body, signing
// host, content-length:0 and every other header of the request, none hoisted into
// the query. For S3 the path is signed as sent (no second escaping).
type emptyBodySigner struct{}

const (
	sigV4Algorithm = "AWS4-HMAC-SHA256"
	amzDate        = "20060102T150405Z"
)

// PresignHTTP implements s3.HTTPPresignerV4.
func (emptyBodySigner) PresignHTTP(_ context.Context, c aws.Credentials, r *http.Request, payloadHash, service, region string,
	t time.Time, _ ...func(*v4.SignerOptions)) (string, http.Header, error) {
	if r.ContentLength != 0 {
		return "", nil, fmt.Errorf("empty-body signer given a %d-byte body", r.ContentLength)
	}
	t = t.UTC()
	scope := strings.Join([]string{t.Format("20060102"), region, service, "aws4_request"}, "/")
	signed := signedHeaders(r)
	names, canonical := canonicalHeaders(signed)
	query := presignQuery(r.URL, c, scope, names, t)
	path := r.URL.EscapedPath() // as sent: S3 does not escape the path a second time
	if path == "" {
		path = "/"
	}
	request := strings.Join([]string{r.Method, path, query, canonical, names, payloadHash}, "\n")
	toSign := strings.Join([]string{sigV4Algorithm, t.Format(amzDate), scope, hexSHA256(request)}, "\n")
	u := *r.URL
	u.RawQuery = query + "&X-Amz-Signature=" + signature(c.SecretAccessKey, scope, toSign)
	return u.String(), signed, nil
}

// presignQuery is u's canonical query with the SigV4 presigning parameters added
// (X-Amz-Expires is already there), as sent and as signed.
func presignQuery(u *url.URL, c aws.Credentials, scope, names string, t time.Time) string {
	q := u.Query()
	q.Set("X-Amz-Algorithm", sigV4Algorithm)
	q.Set("X-Amz-Credential", c.AccessKeyID+"/"+scope)
	q.Set("X-Amz-Date", t.Format(amzDate))
	q.Set("X-Amz-SignedHeaders", names)
	if c.SessionToken != "" {
		q.Set("X-Amz-Security-Token", c.SessionToken)
	}
	return strings.ReplaceAll(q.Encode(), "+", "%20") // sorted; SigV4 encodes a space as %20
}

// signature is the hex HMAC of toSign with the key derived from secret and scope.
func signature(secret, scope, toSign string) string {
	key := []byte("AWS4" + secret)
	for _, part := range strings.Split(scope, "/") {
		key = hmacSHA256(key, part)
	}
	return hex.EncodeToString(hmacSHA256(key, toSign))
}

// signedHeaders is what the request must carry: Host, Content-Length 0 and the
// request's headers but those SigV4 leaves unsigned.
func signedHeaders(r *http.Request) http.Header {
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	switch r.URL.Scheme { // a default port is not sent, so not signed
	case "http":
		host = strings.TrimSuffix(host, ":80")
	case "https":
		host = strings.TrimSuffix(host, ":443")
	}
	h := http.Header{"Host": {host}, "Content-Length": {"0"}}
	for k, v := range r.Header {
		switch k = http.CanonicalHeaderKey(k); k {
		case "Authorization", "User-Agent", "X-Amzn-Trace-Id", "Expect", "Transfer-Encoding", "Content-Length", "Host":
		default:
			h[k] = append(h[k], v...)
		}
	}
	return h
}

// canonicalHeaders returns SigV4's signed-header list and canonical header block.
func canonicalHeaders(h http.Header) (names, canonical string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, strings.ToLower(k))
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		var vs []string
		for _, v := range h.Values(k) {
			vs = append(vs, strings.Join(strings.Fields(v), " ")) // trimmed, spaces collapsed
		}
		b.WriteString(k + ":" + strings.Join(vs, ",") + "\n")
	}
	return strings.Join(keys, ";"), b.String()
}

func hexSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}
