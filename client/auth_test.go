package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-cdk/signet/client"
)

// tokenEndpoint is a stand-in Cognito token endpoint that counts refreshes and hands
// out id-1, id-2, ... It holds each answer until release is closed (nil: answers at
// once), so that callers can pile up while a refresh is in flight.
type tokenEndpoint struct {
	*httptest.Server
	refreshes atomic.Int64
	arrived   chan struct{} // one send per refresh request, when release is set
	release   chan struct{}
}

func newTokenEndpoint(t *testing.T, hold bool) *tokenEndpoint {
	e := &tokenEndpoint{}
	if hold {
		e.arrived, e.release = make(chan struct{}, 100), make(chan struct{})
	}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth2/token" || r.PostFormValue("refresh_token") != "refresh-1" {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		n := e.refreshes.Add(1)
		if e.release != nil {
			e.arrived <- struct{}{}
			<-e.release
		}
		// Cognito's answer: access and ID tokens (the API takes the ID token), as JSON.
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"access-%d","id_token":"id-%d","token_type":"Bearer","expires_in":3600}`, n, n)
	}))
	t.Cleanup(e.Close)
	return e
}

func dueTokens() *client.Tokens {
	return &client.Tokens{IDToken: "id-0", RefreshToken: "refresh-1", ExpiresAt: time.Now()}
}

// Many goroutines ask for a token while it is due: exactly one refresh happens, all of
// them get its token, and the source then holds it. Under -race this also checks that
// the tokens are never read while being replaced.
func TestRefreshingTokensConcurrentCallersShareOneRefresh(t *testing.T) {
	idp := newTokenEndpoint(t, true)
	src := &client.RefreshingTokens{OAuth: &client.OAuth{Domain: idp.URL, ClientID: "c"}, Tokens: dueTokens()}
	const callers = 50
	ids, errs := make([]string, callers), make([]error, callers)
	var started, done sync.WaitGroup
	for i := range callers {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			ids[i], errs[i] = src.Token(context.Background())
		}()
	}
	started.Wait()
	<-idp.arrived // a refresh is in flight; let the other callers reach it
	time.Sleep(20 * time.Millisecond)
	close(idp.release)
	done.Wait()
	for i := range callers {
		if errs[i] != nil || ids[i] != "id-1" {
			t.Fatalf("caller %d: %q %v", i, ids[i], errs[i])
		}
	}
	if n := idp.refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes for one expiry, want 1", n)
	}
	if cur := src.Current(); cur.IDToken != "id-1" || cur.RefreshToken != "refresh-1" {
		t.Fatalf("current tokens %+v", cur)
	}
}

// A caller that gives up while waiting returns at once; the refresh goes on for the
// others and is not repeated.
func TestRefreshingTokensWaiterCanGiveUp(t *testing.T) {
	idp := newTokenEndpoint(t, true)
	src := &client.RefreshingTokens{OAuth: &client.OAuth{Domain: idp.URL, ClientID: "c"}, Tokens: dueTokens()}
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		_, err := src.Token(ctx)
		gaveUp <- err
	}()
	<-idp.arrived
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	close(idp.release)
	if id, err := src.Token(context.Background()); err != nil || id != "id-1" || idp.refreshes.Load() != 1 {
		t.Fatalf("after the refresh: %q %v, %d refreshes", id, err, idp.refreshes.Load())
	}
}

// A failed save still installs the refreshed tokens and reports the failure.
func TestRefreshingTokensSaveFailure(t *testing.T) {
	idp := newTokenEndpoint(t, false)
	var saved []string
	src := &client.RefreshingTokens{OAuth: &client.OAuth{Domain: idp.URL, ClientID: "c"}, Tokens: dueTokens(),
		Save: func(tok *client.Tokens) error {
			saved = append(saved, tok.IDToken)
			return errors.New("disk full")
		}}
	if _, err := src.Token(context.Background()); err == nil {
		t.Fatal("save failure not reported")
	}
	if id, err := src.Token(context.Background()); err != nil || id != "id-1" || len(saved) != 1 {
		t.Fatalf("after a failed save: %q %v, saved %v", id, err, saved)
	}
}
