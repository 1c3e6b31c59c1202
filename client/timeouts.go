package client

import (
	"context"
	"net"
	"net/http"
	"time"
)

// Timeouts bound the stages of the client's HTTP exchanges. A zero field takes its
// default. Dial, TLSHandshake, ResponseHeader and Idle shape the transport of the
// default *http.Client and are ignored when the caller supplies one; Call bounds every
// small JSON call (API, token endpoint) whichever client sends it.
//
// There is deliberately no overall http.Client.Timeout: it would also cut off the body
// of a big upload or download that is still moving. A transfer is bounded by its
// stages and otherwise by the caller's context.
type Timeouts struct {
	// Dial bounds opening the TCP connection. Default 10 s.
	Dial time.Duration
	// TLSHandshake bounds the TLS handshake. Default 10 s.
	TLSHandshake time.Duration
	// ResponseHeader bounds the wait for the response headers after the request,
	// body included, has been sent; so it does not grow with an upload's size.
	// Default 30 s.
	ResponseHeader time.Duration
	// Idle closes pooled keep-alive connections unused for this long. Default 90 s.
	Idle time.Duration
	// Call bounds each attempt of a JSON call to the API (see Retry) or the token
	// endpoint, through its context. Default 30 s, API Gateway's own limit on an integration (29 s) plus
	// slack: waiting longer cannot bring an answer.
	Call time.Duration
}

// defaultTimeouts are the values a zero Timeouts field takes (documented on the fields).
var defaultTimeouts = Timeouts{
	Dial:           10 * time.Second,
	TLSHandshake:   10 * time.Second,
	ResponseHeader: 30 * time.Second,
	Idle:           90 * time.Second,
	Call:           30 * time.Second,
}

func (t Timeouts) withDefaults() Timeouts {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&t.Dial, defaultTimeouts.Dial)
	def(&t.TLSHandshake, defaultTimeouts.TLSHandshake)
	def(&t.ResponseHeader, defaultTimeouts.ResponseHeader)
	def(&t.Idle, defaultTimeouts.Idle)
	def(&t.Call, defaultTimeouts.Call)
	return t
}

// newHTTPClient builds the default client of Client and OAuth: every stage before the
// body is bounded, the body itself only by the request's context.
func newHTTPClient(t Timeouts) *http.Client {
	t = t.withDefaults()
	dialer := &net.Dialer{Timeout: t.Dial, KeepAlive: 30 * time.Second}
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   t.TLSHandshake,
		ResponseHeaderTimeout: t.ResponseHeader,
		IdleConnTimeout:       t.Idle,
		MaxIdleConns:          100,
		ExpectContinueTimeout: time.Second,
	}}
}

// callContext bounds one small JSON call.
func (t Timeouts) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, t.withDefaults().Call)
}
