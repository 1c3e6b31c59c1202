// Package ssmfake is a local HTTP server that speaks enough of the SSM JSON protocol
// (awsJson1_1) for Signet's tests to use the real aws-sdk-go-v2 SSM client:
// PutParameter, GetParameter, GetParametersByPath and DeleteParameter, with errors
// that can be injected per operation. Tests only.
package ssmfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Server is the fake. Its fields are guarded by Mu.
type Server struct {
	Mu     sync.Mutex
	Params map[string]map[string]any // name -> the PutParameter input
	// Fail maps an operation to error codes to answer with, one per call, before
	// answering normally ("InternalServerError" answers 500, others 400).
	Fail  map[string][]string
	Calls map[string]int
}

// New starts a fake and returns it with a real SDK client pointed at it (3 attempts,
// millisecond backoff).
func New(t testing.TB) (*Server, *ssm.Client) {
	f := &Server{Params: map[string]map[string]any{}, Fail: map[string][]string{}, Calls: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client := ssm.New(ssm.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.MaxBackoff = 5 * time.Millisecond
		}),
	})
	return f, client
}

// Put stores a parameter directly.
func (f *Server) Put(name, typ, value string) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.Params[name] = map[string]any{"Name": name, "Type": typ, "Value": value}
}

// Value returns a stored value and whether it exists.
func (f *Server) Value(name string) (string, bool) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	p, ok := f.Params[name]
	if !ok {
		return "", false
	}
	v, _ := p["Value"].(string)
	return v, true
}

// CallCount is how often op was called.
func (f *Server) CallCount(op string) int {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return f.Calls[op]
}

// FailNext queues error codes for op.
func (f *Server) FailNext(op string, codes ...string) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.Fail[op] = append(f.Fail[op], codes...)
}

func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSSM.")
	f.Calls[op]++
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		writeErr(w, 400, "MissingAuthenticationToken")
		return
	}
	if q := f.Fail[op]; len(q) > 0 {
		f.Fail[op] = q[1:]
		status := 400
		if q[0] == "InternalServerError" {
			status = 500
		}
		writeErr(w, status, q[0])
		return
	}
	var in map[string]any
	body, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(body, &in)
	name, _ := in["Name"].(string)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch op {
	case "PutParameter":
		if _, ok := f.Params[name]; ok && in["Overwrite"] != true {
			writeErr(w, 400, "ParameterAlreadyExists")
			return
		}
		f.Params[name] = in
		_, _ = w.Write([]byte(`{"Version":1,"Tier":"Standard"}`))
	case "GetParameter":
		p, ok := f.Params[name]
		if !ok {
			writeErr(w, 400, "ParameterNotFound")
			return
		}
		writeJSON(w, map[string]any{"Parameter": param(name, p)})
	case "GetParametersByPath":
		path, _ := in["Path"].(string)
		var names []string
		for n := range f.Params {
			if strings.HasPrefix(n, strings.TrimSuffix(path, "/")+"/") {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		// Pages of 10, as SSM does; NextToken is the index to resume at.
		start := 0
		if tok, _ := in["NextToken"].(string); tok != "" {
			_ = json.Unmarshal([]byte(tok), &start)
		}
		end := min(start+10, len(names))
		var out []any
		for _, n := range names[start:end] {
			out = append(out, param(n, f.Params[n]))
		}
		resp := map[string]any{"Parameters": out}
		if end < len(names) {
			resp["NextToken"] = strings.TrimSpace(string(must(json.Marshal(end))))
		}
		writeJSON(w, resp)
	case "DeleteParameter":
		if _, ok := f.Params[name]; !ok {
			writeErr(w, 400, "ParameterNotFound")
			return
		}
		delete(f.Params, name)
		_, _ = w.Write([]byte(`{}`))
	default:
		writeErr(w, 400, "InvalidAction")
	}
}

func param(name string, p map[string]any) map[string]any {
	return map[string]any{"Name": name, "Type": p["Type"], "Value": p["Value"], "Version": 1}
}

func must(b []byte, _ error) []byte { return b }

func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	_, _ = w.Write(b)
}

func writeErr(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"__type":"` + code + `","message":"fake ` + code + `"}`))
}
