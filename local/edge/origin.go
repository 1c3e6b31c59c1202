package edge

import (
	"errors"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// serveFile is the files behaviour: verify, then fetch from S3.
func (e *Edge) serveFile(w http.ResponseWriter, r *http.Request) {
	e.policyHeaders(w.Header())
	if err := e.Verify(r); err != nil {
		var ref *Refusal
		errors.As(err, &ref)
		writeError(w, r, http.StatusForbidden, "AccessDenied", ref.Message)
		return
	}
	key, ok := objectKey(requestPath(r))
	if !ok {
		writeError(w, r, http.StatusForbidden, "AccessDenied", "Access Denied")
		return
	}
	var meta objectMeta
	var body io.ReadCloser
	var err error
	if r.Method == http.MethodHead {
		meta, err = e.head(r, key)
	} else {
		meta, body, err = e.get(r, key)
	}
	if err != nil {
		writeOriginError(w, r, err)
		return
	}
	meta.write(w.Header())
	e.policyHeaders(w.Header()) // again: the policy overrides what S3 sent, as Signet's does
	if meta.contentRange != "" {
		w.WriteHeader(http.StatusPartialContent)
	}
	if body != nil {
		defer body.Close()
		_, _ = io.Copy(w, body)
	}
}

// policyHeaders adds the response headers policy's headers.
func (e *Edge) policyHeaders(h http.Header) {
	for name, v := range e.cfg.ResponseHeaders {
		h.Set(name, v)
	}
}

// objectKey is the S3 key for a request path: decoded once, without the leading
// "/", as S3 decodes the path CloudFront forwards. An empty key (S3 would list the
// bucket, which OAC may not) and "." or ".." segments are refused; the latter is a
// deliberate difference: S3 takes such keys literally, but a file-backed local S3
// could resolve them outside a signed folder, and Signet never creates them.
func objectKey(rawPath string) (string, bool) {
	p, err := url.PathUnescape(rawPath)
	if err != nil || len(p) < 2 || p[0] != '/' {
		return "", false
	}
	key := p[1:]
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "." || seg == ".." {
			return "", false
		}
	}
	return key, true
}

func (e *Edge) get(r *http.Request, key string) (objectMeta, io.ReadCloser, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(e.cfg.Bucket), Key: aws.String(key)}
	if rg := r.Header.Get("Range"); rg != "" {
		in.Range = aws.String(rg)
	}
	out, err := e.cfg.S3.GetObject(r.Context(), in)
	if err != nil {
		return objectMeta{}, nil, err
	}
	return objectMeta{out.ContentType, out.ContentLength, out.ETag, out.LastModified, out.AcceptRanges,
		aws.ToString(out.ContentRange), out.CacheControl, out.ContentDisposition, out.ContentEncoding, out.ContentLanguage}, out.Body, nil
}

func (e *Edge) head(r *http.Request, key string) (objectMeta, error) {
	in := &s3.HeadObjectInput{Bucket: aws.String(e.cfg.Bucket), Key: aws.String(key)}
	if rg := r.Header.Get("Range"); rg != "" {
		in.Range = aws.String(rg)
	}
	out, err := e.cfg.S3.HeadObject(r.Context(), in)
	if err != nil {
		return objectMeta{}, err
	}
	return objectMeta{out.ContentType, out.ContentLength, out.ETag, out.LastModified, out.AcceptRanges,
		aws.ToString(out.ContentRange), out.CacheControl, out.ContentDisposition, out.ContentEncoding, out.ContentLanguage}, nil
}

// objectMeta is what CloudFront passes on from S3's response headers.
type objectMeta struct {
	contentType   *string
	contentLength *int64
	etag          *string
	lastModified  *time.Time
	acceptRanges  *string
	contentRange  string
	cacheControl  *string
	disposition   *string
	encoding      *string
	language      *string
}

func (m objectMeta) write(h http.Header) {
	set := func(name string, v *string) {
		if v != nil && *v != "" {
			h.Set(name, *v)
		}
	}
	set("Content-Type", m.contentType)
	set("ETag", m.etag)
	set("Accept-Ranges", m.acceptRanges)
	set("Cache-Control", m.cacheControl)
	set("Content-Disposition", m.disposition)
	set("Content-Encoding", m.encoding)
	set("Content-Language", m.language)
	if m.contentRange != "" {
		h.Set("Content-Range", m.contentRange)
	}
	if m.contentLength != nil {
		h.Set("Content-Length", strconv.FormatInt(*m.contentLength, 10))
	}
	if m.lastModified != nil {
		h.Set("Last-Modified", m.lastModified.UTC().Format(http.TimeFormat))
	}
}

// writeOriginError answers an S3 failure without S3's text: a missing or forbidden
// object is 403 AccessDenied (S3 answers OAC without s3:ListBucket 403 for a missing
// key, and CloudFront passes it on), an unsatisfiable range 416, anything else
// (redirects included: they are never followed) 502.
func writeOriginError(w http.ResponseWriter, r *http.Request, err error) {
	var status interface{ HTTPStatusCode() int }
	code := 0
	if errors.As(err, &status) {
		code = status.HTTPStatusCode()
	}
	switch code {
	case http.StatusForbidden, http.StatusNotFound:
		writeError(w, r, http.StatusForbidden, "AccessDenied", "Access Denied")
	case http.StatusRequestedRangeNotSatisfiable:
		writeError(w, r, code, "InvalidRange", "The requested range is not satisfiable")
	default:
		writeError(w, r, http.StatusBadGateway, "BadGateway", "CloudFront wasn't able to connect to the origin.")
	}
}

// writeError writes CloudFront's XML error body.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>` + xmlEscape(message) + `</Message></Error>`
	h := w.Header()
	for _, name := range []string{"ETag", "Last-Modified", "Accept-Ranges", "Content-Range"} {
		h.Del(name)
	}
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, body)
	}
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace(s)
}

// serveAPI is the API behaviour: the request goes on as the viewer sent it, except
// for what CloudFront changes on its way to an origin.
func (e *Edge) serveAPI(w http.ResponseWriter, r *http.Request) {
	out := r.Clone(r.Context())
	out.Host = e.cfg.APIHost
	h := out.Header
	// CloudFront writes its own CloudFront-* headers; a viewer's copies never reach
	// the origin.
	for name := range h {
		if strings.HasPrefix(name, "Cloudfront-") {
			delete(h, name)
		}
	}
	if viewer := e.cfg.ViewerIP(r).Unmap(); viewer.IsValid() {
		port := uint16(0)
		if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
			port = ap.Port()
		}
		h.Set("CloudFront-Viewer-Address", viewerAddress(viewer, port))
		h.Set("X-Forwarded-For", appendForwarded(h.Values("X-Forwarded-For"), viewer))
	}
	for name, v := range e.cfg.OriginHeaders {
		h.Set(name, v)
	}
	e.cfg.API.ServeHTTP(w, out)
}

// viewerAddress is "ip:port" as CloudFront writes CloudFront-Viewer-Address, for
// IPv6 too (no brackets: the port is what follows the last colon).
func viewerAddress(ip netip.Addr, port uint16) string {
	return ip.String() + ":" + strconv.Itoa(int(port))
}

// appendForwarded appends the viewer to what the viewer already sent, as CloudFront
// does: "a, b, viewer".
func appendForwarded(sent []string, viewer netip.Addr) string {
	var parts []string
	for _, v := range sent {
		if v = strings.TrimSpace(v); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(append(parts, viewer.String()), ", ")
}
