package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-cdk/signet/client"
)

// silentServer accepts connections and reads the requests but never answers.
func silentServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// With the default HTTP client, a server that never sends response headers fails the
// call within the response-header timeout, for the API and the token endpoint alike.
func TestDefaultClientResponseHeaderTimeout(t *testing.T) {
	url := silentServer(t)
	quick := client.Timeouts{ResponseHeader: 100 * time.Millisecond}
	calls := map[string]func(context.Context) error{
		"api": func(ctx context.Context) error {
			_, err := (&client.Client{BaseURL: url, Timeouts: quick}).List(ctx, "")
			return err
		},
		"token": func(ctx context.Context) error {
			_, err := (&client.OAuth{Domain: url, ClientID: "c", Timeouts: quick}).Refresh(ctx, "r")
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			err := call(context.Background())
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("want a timeout, got %v", err)
			}
			// Well under Timeouts.Call (30 s): the transport gave up, not the call.
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("failed after %v", d)
			}
		})
	}
}

// The response-header timeout does not bound the body: a download that keeps
// trickling for longer than it still completes.
func TestSlowDownloadBodyIsNotCutOff(t *testing.T) {
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 4 {
			fmt.Fprintf(w, "part %d;", i)
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
	}))
	defer cdn.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"url":%q,"expiresAt":"2030-01-01T00:00:00Z"}`, cdn.URL+"/f")
	}))
	defer api.Close()
	c := &client.Client{BaseURL: api.URL, Timeouts: client.Timeouts{ResponseHeader: 50 * time.Millisecond}}
	var got bytes.Buffer
	if _, err := c.Download(context.Background(), "f", &got); err != nil || strings.Count(got.String(), "part") != 4 {
		t.Fatalf("download: %q %v", got.String(), err)
	}
}
