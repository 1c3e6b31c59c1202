package gateway

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Limits API Gateway REST APIs enforce (Amazon API Gateway quotas, "Payload size"
// and "Integration timeout").
const (
	// MaxPayload is the largest request body: 10 MB.
	MaxPayload = 10 << 20
	// DefaultIntegrationTimeout is how long API Gateway waits for the integration.
	DefaultIntegrationTimeout = 29 * time.Second
	// DefaultStage is the stage name the events carry, Signet's (signerapi.StageName).
	DefaultStage = "v1"
	// AccountID is the account the events name.
	AccountID = "000000000000"
	// APIID is the API id the events name.
	APIID = "local"
)

// Handler is a Lambda proxy integration: aws-lambda-go's handler signature for
// API Gateway REST events, as (*api.Handler).Handle and (*api.AdminHandler).Handle.
type Handler = func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// Route is one method on one resource, integrated with a Lambda function (AWS_PROXY).
type Route struct {
	// Method is an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS) or ANY.
	Method string
	// Resource is the resource path template: "/api/downloads", "/api/items/{id}",
	// "/api/admin/{proxy+}" (a greedy parameter, last segment only).
	Resource string
	// Handler is the integration.
	Handler Handler
	// Public methods have no authorizer (authorizationType NONE); every other method
	// has the Cognito user pools authorizer.
	Public bool
}

// Config is one REST API stage with one Cognito user pools authorizer.
type Config struct {
	// Issuer is the user pool's issuer URL, the iss of its tokens
	// ("https://cognito-idp.<region>.amazonaws.com/<pool id>" in AWS); its keys are
	// fetched from Issuer+"/.well-known/jwks.json", where Cognito publishes them. An
	// https URL. Required when a route is not Public.
	Issuer string
	// ClientIDs are the app clients whose ID tokens the authorizer accepts (the aud
	// claim). Required when a route is not Public. See the package documentation
	// for how this compares with AWS.
	ClientIDs []string
	// HTTPClient fetches the key set (the local issuer serves TLS with a local CA).
	// Default: http.DefaultClient.
	HTTPClient *http.Client
	// Routes are the API's methods.
	Routes []Route
	// BinaryMediaTypes are the API's binaryMediaTypes ("image/png", "image/*",
	// "*/*"). Default: none, as Signet's API has: every body is text.
	BinaryMediaTypes []string
	// Stage is the stage name in the events. Default: DefaultStage ("v1").
	Stage string
	// IntegrationTimeout is how long the gateway waits for a handler before it
	// answers 504. Default: DefaultIntegrationTimeout (29 s); tests shorten it.
	IntegrationTimeout time.Duration
	// Now returns the current time, for token expiry and the event's request time.
	// Default: time.Now.
	Now func() time.Time
	// Logger gets one line per request (as an access log) and the reasons for
	// refusals and failures. Default: slog.Default().
	Logger *slog.Logger
}

// Gateway serves a REST API stage over HTTP. Safe for concurrent use.
type Gateway struct {
	cfg       Config
	resources []*resource
	auth      *authorizer
}

// New checks cfg and returns the gateway.
func New(cfg Config) (*Gateway, error) {
	cfg.Stage = cmp.Or(cfg.Stage, DefaultStage)
	cfg.IntegrationTimeout = cmp.Or(cfg.IntegrationTimeout, DefaultIntegrationTimeout)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.IntegrationTimeout < 0 {
		return nil, errors.New("gateway: Config.IntegrationTimeout is negative")
	}
	if !validStage(cfg.Stage) {
		return nil, fmt.Errorf("gateway: Config.Stage %q: use letters, digits, - and _", cfg.Stage)
	}
	for _, t := range cfg.BinaryMediaTypes {
		if !validMediaRange(t) {
			return nil, fmt.Errorf("gateway: Config.BinaryMediaTypes: %q is not a type/subtype (* allowed)", t)
		}
	}
	resources, err := buildResources(cfg.Routes)
	if err != nil {
		return nil, err
	}
	cfg.ClientIDs = slices.Clone(cfg.ClientIDs)
	cfg.BinaryMediaTypes = slices.Clone(cfg.BinaryMediaTypes)
	cfg.Routes = nil // copied into resources
	g := &Gateway{cfg: cfg, resources: resources}
	if slices.ContainsFunc(resources, (*resource).authorized) {
		if g.auth, err = newAuthorizer(cfg); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// ServeHTTP answers r as the stage would: the gateway's own answers for requests it
// refuses, the handler's answer otherwise.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.cfg.Now()
	requestID := newUUID()
	status, route := g.serve(w, r, requestID, start)
	g.cfg.Logger.InfoContext(r.Context(), "gateway request", "requestId", requestID, "ip", sourceIP(r),
		"method", r.Method, "path", r.URL.Path, "resourcePath", route, "status", status,
		"ms", g.cfg.Now().Sub(start).Milliseconds())
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, requestID string, start time.Time) (status int, resourcePath string) {
	if r.ContentLength > MaxPayload {
		return g.refuse(w, requestID, errTooLarge), ""
	}
	rt, params, ok := g.match(r.Method, r.URL.Path)
	if !ok {
		return g.refuse(w, requestID, errMissingToken), ""
	}
	var claims map[string]any
	if !rt.Public {
		var reason error
		if claims, reason = g.auth.authorize(r.Context(), r.Header.Values("Authorization")); reason != nil {
			g.cfg.Logger.InfoContext(r.Context(), "gateway authorizer refused", "requestId", requestID, "reason", reason.Error())
			return g.refuse(w, requestID, refusalFor(reason)), rt.Resource
		}
	}
	var body []byte
	var err error
	if r.Body != nil {
		body, err = io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	}
	if err != nil {
		g.cfg.Logger.InfoContext(r.Context(), "gateway could not read the body", "requestId", requestID, "error", err.Error())
		return g.refuse(w, requestID, errBadRequestBody), rt.Resource
	}
	if len(body) > MaxPayload {
		return g.refuse(w, requestID, errTooLarge), rt.Resource
	}
	ev := g.event(r, rt, params, claims, body, requestID, start)
	resp, fail := g.invoke(r.Context(), rt, ev)
	if fail != nil {
		g.cfg.Logger.ErrorContext(r.Context(), "gateway integration failed", "requestId", requestID, "route", rt.Method+" "+rt.Resource, "error", fail.cause)
		return g.refuse(w, requestID, fail.answer), rt.Resource
	}
	return g.write(w, r, requestID, resp), rt.Resource
}

// failure is an integration that gave no usable answer.
type failure struct {
	answer *gatewayError
	cause  string
}

// invoke runs the handler as Lambda would: the event and the answer cross a JSON
// boundary, the handler has IntegrationTimeout, and a panic or an error is the
// gateway's 502. The handler's context is not the client's: API Gateway does not
// stop a Lambda when its caller hangs up.
func (g *Gateway) invoke(ctx context.Context, rt *Route, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, *failure) {
	in, err := roundTrip[events.APIGatewayProxyRequest](ev)
	if err != nil {
		return events.APIGatewayProxyResponse{}, &failure{errInternal, "event: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.cfg.IntegrationTimeout)
	defer cancel()
	type result struct {
		resp events.APIGatewayProxyResponse
		fail *failure
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{fail: &failure{errInternal, fmt.Sprintf("handler panicked: %v", p)}}
			}
		}()
		resp, err := rt.Handler(ctx, in)
		if err != nil {
			done <- result{fail: &failure{errInternal, "handler error: " + err.Error()}}
			return
		}
		out, err := roundTrip[events.APIGatewayProxyResponse](resp)
		if err != nil {
			done <- result{fail: &failure{errInternal, "answer: " + err.Error()}}
			return
		}
		done <- result{resp: out}
	}()
	select {
	case res := <-done:
		return res.resp, res.fail
	case <-ctx.Done():
		return events.APIGatewayProxyResponse{}, &failure{errTimeout, fmt.Sprintf("no answer within %s", g.cfg.IntegrationTimeout)}
	}
}

// roundTrip is v through JSON, as the Lambda service and runtime pass it.
func roundTrip[T any](v T) (T, error) {
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		return out, err
	}
	err = json.Unmarshal(b, &out)
	return out, err
}

// write sends the handler's answer as API Gateway does for a Lambda proxy
// integration: headers and multiValueHeaders merged (multiValueHeaders win for a
// name in both), Content-Type application/json when the answer names none, the body
// base64-decoded only when isBase64Encoded and the request's first Accept media
// type is one of BinaryMediaTypes. A status code outside 200-599 or an
// undecodable body is a malformed answer: 502.
func (g *Gateway) write(w http.ResponseWriter, r *http.Request, requestID string, resp events.APIGatewayProxyResponse) int {
	if resp.StatusCode < 200 || resp.StatusCode > 599 {
		g.cfg.Logger.ErrorContext(r.Context(), "gateway: malformed Lambda proxy response", "requestId", requestID, "statusCode", resp.StatusCode)
		return g.refuse(w, requestID, errInternal)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded && g.binary(firstAccept(r.Header)) {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			g.cfg.Logger.ErrorContext(r.Context(), "gateway: isBase64Encoded body is not base64", "requestId", requestID)
			return g.refuse(w, requestID, errInternal)
		}
		body = b
	}
	h := w.Header()
	multi := map[string]bool{}
	for k, vs := range resp.MultiValueHeaders {
		if !validHeaderName(k) {
			continue
		}
		multi[http.CanonicalHeaderKey(k)] = true
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		if validHeaderName(k) && !multi[http.CanonicalHeaderKey(k)] {
			h.Set(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	g.stamp(h, requestID)
	w.WriteHeader(resp.StatusCode)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return resp.StatusCode
}

// stamp adds the headers API Gateway adds to every answer.
func (g *Gateway) stamp(h http.Header, requestID string) {
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("X-Amz-Apigw-Id", extendedID(requestID))
}

// gatewayError is one of API Gateway's own answers (its gateway responses):
// status, {"message": ...} and, where API Gateway sends one, x-amzn-ErrorType.
type gatewayError struct {
	status    int
	message   string
	errorType string
}

func (e *gatewayError) Error() string { return e.message }

var (
	// MISSING_AUTHENTICATION_TOKEN: no resource or no method for the request.
	errMissingToken = &gatewayError{http.StatusForbidden, "Missing Authentication Token", "MissingAuthenticationTokenException"}
	// UNAUTHORIZED: no token, or one the authorizer refuses.
	errUnauthorized = &gatewayError{http.StatusUnauthorized, "Unauthorized", "UnauthorizedException"}
	// UNAUTHORIZED, for a Cognito token past its exp.
	errExpired = &gatewayError{http.StatusUnauthorized, "The incoming token has expired", "UnauthorizedException"}
	// REQUEST_TOO_LARGE.
	errTooLarge = &gatewayError{http.StatusRequestEntityTooLarge, "Request Too Long", ""}
	// INTEGRATION_TIMEOUT.
	errTimeout = &gatewayError{http.StatusGatewayTimeout, "Endpoint request timed out", ""}
	// A Lambda error, an unhandled exception or a malformed proxy answer.
	errInternal = &gatewayError{http.StatusBadGateway, "Internal server error", ""}
	// The client's body could not be read (it hung up or sent a broken chunk).
	errBadRequestBody = &gatewayError{http.StatusBadRequest, "Bad Request", ""}
)

// refuse writes one of the gateway's own answers.
func (g *Gateway) refuse(w http.ResponseWriter, requestID string, e *gatewayError) int {
	h := w.Header()
	for k := range h {
		delete(h, k)
	}
	h.Set("Content-Type", "application/json")
	if e.errorType != "" {
		h.Set("X-Amzn-Errortype", e.errorType)
	}
	g.stamp(h, requestID)
	b, _ := json.Marshal(map[string]string{"message": e.message})
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
	return e.status
}

// refusalFor is the answer to an authorizer refusal.
func refusalFor(reason error) *gatewayError {
	if errors.Is(reason, errExpired) {
		return errExpired
	}
	return errUnauthorized
}

// binary reports whether media type mt is one of BinaryMediaTypes.
func (g *Gateway) binary(mt string) bool {
	if mt == "" {
		return false
	}
	for _, pattern := range g.cfg.BinaryMediaTypes {
		if mediaMatch(pattern, mt) {
			return true
		}
	}
	return false
}

// mediaMatch matches "type/subtype" against a pattern with * for either part.
func mediaMatch(pattern, mt string) bool {
	pt, ps, _ := strings.Cut(strings.ToLower(pattern), "/")
	t, s, _ := strings.Cut(strings.ToLower(mt), "/")
	return (pt == "*" || pt == t) && (ps == "*" || ps == s)
}

func validMediaRange(s string) bool {
	t, sub, ok := strings.Cut(s, "/")
	return ok && t != "" && sub != "" && validToken(t) && validToken(sub)
}

func validStage(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validToken is an RFC 9110 token (header names, media type parts; * included).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func validHeaderName(s string) bool { return validToken(s) }
