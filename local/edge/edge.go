// Package edge is a local stand-in for Signet's CloudFront distribution: an
// http.Handler that does, on one machine, what the distribution does in AWS.
//
// # What it copies from CloudFront
//
//   - Restricted viewer access with a trusted key group. Every path outside /api/*
//     needs a signed URL (Expires or Policy, Signature, Key-Pair-Id, optional
//     Hash-Algorithm) or the signed cookies (the same values under CloudFront- names);
//     query parameters win when present. A canned policy is rebuilt from the URL and
//     Expires, a custom policy is decoded from CloudFront's URL-safe base64; the
//     signature is RSA PKCS#1 v1.5 or ECDSA (P-256) over SHA-1, or over SHA-256 with
//     Hash-Algorithm=SHA256; the single statement's Resource is matched, with * and ?
//     wildcards, against "https://" + Domain + the path and query as the viewer sent
//     them minus the signing parameters; DateLessThan, DateGreaterThan and
//     IpAddress (an IPv4 CIDR; an IPv6 viewer never matches) are enforced. Refusals
//     are 403 with CloudFront's XML error body and, where the documentation gives
//     one, CloudFront's message ("Missing Key-Pair-Id query parameter or cookie
//     value", "Unknown Key", "Request has expired").
//   - The files behaviour: GET and HEAD only, the object fetched from S3 with
//     SigV4-signed GetObject or HeadObject as Origin Access Control does, the viewer's
//     Range passed on, a missing object answered 403 as S3 answers OAC without
//     s3:ListBucket, the response headers policy added.
//   - The API behaviour (/api and /api/*): every method, nothing cached, the request
//     forwarded with its path, query, cookies and Authorization, without the viewer's
//     Host, with the origin custom headers set and X-Forwarded-For and
//     CloudFront-Viewer-Address written as CloudFront writes them.
//
// It does not cache, compress, serve a default root object, run WAF or functions,
// route by Host, or forward conditional requests; it serves one distribution's two
// behaviours.
//
// Where CloudFront's behaviour is undocumented it is stricter, so that a test fails
// rather than passes a bug: a custom policy needs a Resource and integer epoch
// times, an AWS:SourceIp needs a "/n" mask, a repeated signing parameter is refused,
// and an object key with a "." or ".." segment never reaches S3 (a file-backed
// local S3 might resolve it outside a signed folder).
//
// # Why it is hand-written
//
// It is the product's local stand-in for a managed service: no library checks
// CloudFront signed URLs and cookies and fronts an S3 bucket the way CloudFront does
// (aws-sdk-go-v2's feature/cloudfront/sign only signs). Tests use it to run the
// whole path a browser takes, and a local demo mode uses it in place of the
// distribution. It imports no CDK package: only the standard library, the AWS SDK's
// S3 client and Signet's signing package.
package edge

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Config describes the distribution to stand in for.
type Config struct {
	// Domain is the host resources are signed for ("files.example.com" or
	// "127.0.0.1:8443"); a policy Resource is matched against
	// "https://"+Domain+path[?query].
	Domain string
	// TrustedKeys maps a key pair id (CloudFront public key id) to its public key
	// (*rsa.PublicKey or *ecdsa.PublicKey): the trusted key group.
	TrustedKeys map[string]crypto.PublicKey
	// S3 fetches objects from Bucket, as Origin Access Control does (SigV4-signed
	// GetObject / HeadObject).
	S3     *s3.Client
	Bucket string
	// API serves /api/* (CloudFront's API behaviour: all methods, no caching, query
	// string and Authorization forwarded, Host not forwarded). Nil: /api/* is a file
	// path like any other, so it needs a signature, as it would on a distribution
	// without the API behaviour.
	API http.Handler
	// APIHost is the Host the API sees, as CloudFront sends the origin's domain name
	// instead of the viewer's Host. Empty leaves it empty, so that an
	// httputil.ReverseProxy in API sends its target's host.
	APIHost string
	// OriginHeaders are added to every request sent to API (CloudFront origin custom
	// headers), overwriting what the viewer sent under those names.
	OriginHeaders map[string]string
	// ResponseHeaders are added to every file response (the response headers policy:
	// HSTS, nosniff, CSP ...), refusals included.
	ResponseHeaders map[string]string
	// Now returns the current time; default time.Now (tests move it).
	Now func() time.Time
	// ViewerIP returns the viewer's address for r; default: the host of
	// r.RemoteAddr. (Tests use it to pretend another address.)
	ViewerIP func(r *http.Request) netip.Addr
}

// Edge serves one distribution. Safe for concurrent use.
type Edge struct {
	cfg Config
}

// New checks cfg and returns the edge.
func New(cfg Config) (*Edge, error) {
	if err := checkDomain(cfg.Domain); err != nil {
		return nil, err
	}
	if err := checkKeys(cfg.TrustedKeys); err != nil {
		return nil, err
	}
	if cfg.S3 == nil || cfg.Bucket == "" {
		return nil, errors.New("edge: Config.S3 and Config.Bucket are required: files are served from that bucket")
	}
	for name, v := range cfg.OriginHeaders {
		if !validHeaderName(name) || v == "" || strings.EqualFold(name, "Host") {
			return nil, fmt.Errorf("edge: Config.OriginHeaders: %q is not a header CloudFront lets an origin custom header set (or its value is empty)", name)
		}
	}
	for name := range cfg.ResponseHeaders {
		if !validHeaderName(name) {
			return nil, fmt.Errorf("edge: Config.ResponseHeaders: %q is not a header name", name)
		}
	}
	// Copies, so that a caller changing its maps later cannot race with requests.
	cfg.TrustedKeys = maps.Clone(cfg.TrustedKeys)
	cfg.OriginHeaders = maps.Clone(cfg.OriginHeaders)
	cfg.ResponseHeaders = maps.Clone(cfg.ResponseHeaders)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ViewerIP == nil {
		cfg.ViewerIP = remoteIP
	}
	return &Edge{cfg: cfg}, nil
}

// checkDomain accepts a lower-case host[:port], the form signing.EncodeURL gives a
// resource's host, so that signed resources can match at all.
func checkDomain(d string) error {
	if d == "" {
		return errors.New(`edge: Config.Domain is required ("files.example.com" or "127.0.0.1:8443")`)
	}
	if d != strings.ToLower(d) || strings.ContainsAny(d, "/?#@ \t\\*") {
		return fmt.Errorf("edge: Config.Domain %q must be a lower-case host or host:port, without scheme or path", d)
	}
	return nil
}

// checkKeys accepts the keys CloudFront accepts in a key group: RSA of 2048 bits or
// more, or ECDSA P-256.
func checkKeys(keys map[string]crypto.PublicKey) error {
	if len(keys) == 0 {
		return errors.New("edge: Config.TrustedKeys needs at least one key: without a trusted key group no signature verifies")
	}
	for id, k := range keys {
		if id == "" {
			return errors.New("edge: Config.TrustedKeys: empty key pair id")
		}
		switch k := k.(type) {
		case *rsa.PublicKey:
			if k == nil || k.N == nil || k.N.BitLen() < 2048 {
				return fmt.Errorf("edge: Config.TrustedKeys[%q]: RSA keys must have at least 2048 bits", id)
			}
		case *ecdsa.PublicKey:
			if k == nil || k.Curve != elliptic.P256() {
				return fmt.Errorf("edge: Config.TrustedKeys[%q]: ECDSA keys must be P-256", id)
			}
		default:
			return fmt.Errorf("edge: Config.TrustedKeys[%q]: %T is not an *rsa.PublicKey or *ecdsa.PublicKey", id, k)
		}
	}
	return nil
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// remoteIP is the default ViewerIP: the host of r.RemoteAddr.
func remoteIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr()
}

// ServeHTTP routes as the distribution's two behaviours do: /api and /api/* to the
// API, everything else to the signed files.
func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if e.cfg.API != nil && isAPIPath(requestPath(r)) {
		e.serveAPI(w, r)
		return
	}
	e.serveFile(w, r)
}

// isAPIPath matches the API behaviour's path patterns. It looks at the path as sent:
// CloudFront matches path patterns before decoding, so "/api%2Fx" is a file path.
func isAPIPath(p string) bool {
	return p == "/api" || strings.HasPrefix(p, "/api/")
}

// requestPath is the path exactly as the viewer sent it, percent-encoding included
// (CloudFront matches resources against that form). Requests built in code have no
// RequestURI; their escaped path is the best there is.
func requestPath(r *http.Request) string {
	if p, _, _ := strings.Cut(r.RequestURI, "?"); strings.HasPrefix(p, "/") {
		return p
	}
	return r.URL.EscapedPath()
}
