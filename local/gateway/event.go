package gateway

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// event is the Lambda proxy integration's input for r, as API Gateway builds it
// for a REST API (the "Input format of a Lambda function for proxy integration").
func (g *Gateway) event(r *http.Request, rt *Route, params map[string]string, claims map[string]any, body []byte,
	requestID string, start time.Time) events.APIGatewayProxyRequest {
	multiHeaders := requestHeaders(r)
	ev := events.APIGatewayProxyRequest{
		Resource:          rt.Resource,
		Path:              r.URL.Path,
		HTTPMethod:        r.Method,
		Headers:           lastValues(multiHeaders),
		MultiValueHeaders: multiHeaders,
		PathParameters:    params,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         AccountID,
			ResourceID:        resourceID(rt.Resource),
			Stage:             g.cfg.Stage,
			DomainName:        r.Host,
			DomainPrefix:      domainPrefix(r.Host),
			RequestID:         requestID,
			ExtendedRequestID: extendedID(requestID),
			Protocol:          r.Proto,
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  sourceIP(r),
				UserAgent: r.Header.Get("User-Agent"),
			},
			ResourcePath:     rt.Resource,
			Path:             "/" + g.cfg.Stage + r.URL.Path,
			HTTPMethod:       r.Method,
			RequestTime:      start.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: start.UnixMilli(),
			APIID:            APIID,
		},
	}
	if multiQuery := queryParameters(r.URL.RawQuery); multiQuery != nil {
		ev.MultiValueQueryStringParameters = multiQuery
		ev.QueryStringParameters = lastValues(multiQuery)
	}
	if claims != nil {
		ev.RequestContext.Authorizer = map[string]any{"claims": claims}
	}
	if len(body) > 0 {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if g.binary(mt) {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		} else {
			ev.Body = string(body)
		}
	}
	return ev
}

// requestHeaders are r's headers as API Gateway passes them: every value of every
// header, names as received (net/http's canonical form), Host included,
// X-Forwarded-For with the caller's address appended, X-Forwarded-Proto and
// X-Forwarded-Port set to how the caller connected, and an X-Amzn-Trace-Id when the
// caller sent none.
func requestHeaders(r *http.Request) map[string][]string {
	h := make(map[string][]string, len(r.Header)+4)
	for k, vs := range r.Header {
		h[k] = append([]string(nil), vs...)
	}
	if r.Host != "" {
		h["Host"] = []string{r.Host}
	}
	xff := sourceIP(r)
	if prior := r.Header.Values("X-Forwarded-For"); len(prior) > 0 {
		xff = strings.Join(prior, ", ") + ", " + xff
	}
	h["X-Forwarded-For"] = []string{xff}
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, p, err := net.SplitHostPort(a.String()); err == nil {
			port = p
		}
	}
	h["X-Forwarded-Proto"] = []string{proto}
	h["X-Forwarded-Port"] = []string{port}
	if len(h["X-Amzn-Trace-Id"]) == 0 {
		h["X-Amzn-Trace-Id"] = []string{traceID()}
	}
	return h
}

// lastValues is the single-value map: the last value of each name.
func lastValues(multi map[string][]string) map[string]string {
	out := make(map[string]string, len(multi))
	for k, vs := range multi {
		if len(vs) > 0 {
			out[k] = vs[len(vs)-1]
		}
	}
	return out
}

// queryParameters decodes a raw query as API Gateway does: "&"-separated pairs,
// each name and value percent-decoded ("+" is a space), a name without "=" having
// the empty value, every value kept in order; empty pairs and names are skipped,
// and a part that does not decode is kept as sent. Nil when there is no parameter.
func queryParameters(raw string) map[string][]string {
	var out map[string][]string
	for pair := range strings.SplitSeq(raw, "&") {
		k, v, _ := strings.Cut(pair, "=")
		k, v = unescape(k), unescape(v)
		if k == "" {
			continue
		}
		if out == nil {
			out = map[string][]string{}
		}
		out[k] = append(out[k], v)
	}
	return out
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// sourceIP is the caller's address: the host of r.RemoteAddr.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// firstAccept is the first media type of the request's first Accept header.
func firstAccept(h http.Header) string {
	first, _, _ := strings.Cut(h.Get("Accept"), ",")
	mt, _, err := mime.ParseMediaType(strings.TrimSpace(first))
	if err != nil {
		return ""
	}
	return mt
}

func domainPrefix(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	prefix, _, _ := strings.Cut(host, ".")
	return prefix
}

// resourceID is a stable id for a resource, in the shape of API Gateway's (ten
// lowercase letters and digits).
func resourceID(template string) string {
	sum := sha256.Sum256([]byte(template))
	return hex.EncodeToString(sum[:5])
}

// newUUID is a random (version 4) UUID, the shape of API Gateway's request ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// extendedID is the x-amz-apigw-id for a request id (16 base64 characters).
func extendedID(requestID string) string {
	sum := sha256.Sum256([]byte(requestID))
	return base64.StdEncoding.EncodeToString(sum[:12])
}

// traceID is an X-Ray trace header for a request that brought none.
func traceID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "Root=1-" + strconv.FormatInt(time.Now().Unix(), 16) + "-" + hex.EncodeToString(b[:])
}
