package gateway

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// MinKeyRefetch is the least time between two fetches of the key set. A token with
// a key id the cached set lacks makes the authorizer fetch it again (how a rotated
// key is learnt), but no more often than this, so that tokens with made-up key ids
// cannot turn every request into a request to the issuer.
const MinKeyRefetch = time.Second

// maxKeySet bounds the key set document.
const maxKeySet = 1 << 20

// keySet is the user pool's signing keys, by key id, fetched from its jwks.json
// and kept. It is go-oidc's KeySet: the verifier hands it the token, it checks the
// signature with go-jose against the key the token's kid names, and only that key.
// (go-oidc's RemoteKeySet refetches the set for every signature that fails to
// verify, forged ones included.)
type keySet struct {
	url    string
	client *http.Client

	mu       sync.Mutex
	keys     map[string]*rsa.PublicKey
	fetched  time.Time     // when the last fetch started
	inflight chan struct{} // closed when the running fetch ends; nil when none runs
	lastErr  error
}

func newKeySet(url string, client *http.Client) *keySet {
	return &keySet{url: url, client: client}
}

// VerifySignature implements oidc.KeySet.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(jwt, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("not an RS256 JWT: %w", err)
	}
	if len(jws.Signatures) != 1 || jws.Signatures[0].Header.KeyID == "" {
		return nil, errors.New("the token has no key id (kid)")
	}
	key, err := k.key(ctx, jws.Signatures[0].Header.KeyID)
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, fmt.Errorf("bad signature for key %q: %w", jws.Signatures[0].Header.KeyID, err)
	}
	return payload, nil
}

// key is the public key with id kid: from the cache, or from a fresh fetch when
// the cache lacks it and the last fetch is at least MinKeyRefetch old. Concurrent
// callers share one fetch.
func (k *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	for {
		k.mu.Lock()
		if key := k.keys[kid]; key != nil {
			k.mu.Unlock()
			return key, nil
		}
		if wait := k.inflight; wait != nil {
			k.mu.Unlock()
			select {
			case <-wait:
				k.mu.Lock()
				key := k.keys[kid]
				err := k.lastErr
				k.mu.Unlock()
				if key != nil {
					return key, nil
				}
				if err != nil {
					return nil, err
				}
				return nil, fmt.Errorf("no key %q in the issuer's key set", kid)
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if !k.fetched.IsZero() && time.Since(k.fetched) < MinKeyRefetch {
			k.mu.Unlock()
			return nil, fmt.Errorf("no key %q in the issuer's key set (fetched %s ago)", kid, time.Since(k.fetched).Round(time.Millisecond))
		}
		done := make(chan struct{})
		k.inflight, k.fetched = done, time.Now()
		k.mu.Unlock()

		keys, err := k.fetch(ctx)
		k.mu.Lock()
		if err == nil {
			k.keys = keys
		}
		k.lastErr, k.inflight = err, nil
		close(done)
		k.mu.Unlock()
		if err != nil {
			return nil, err
		}
		// Loop once more: the key is now in the cache, or the refetch interval
		// refuses it.
	}
}

// fetch reads the key set: the RSA signing keys, by id.
func (k *keySet) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching the key set: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySet+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading the key set: %w", err)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("fetching the key set: %s", resp.Status)
	case len(body) > maxKeySet:
		return nil, errors.New("the key set is over 1 MiB")
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("the key set is not JSON: %w", err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, raw := range set.Keys {
		var jwk jose.JSONWebKey
		if json.Unmarshal(raw, &jwk) != nil {
			continue // a key type go-jose does not know: not one Cognito signs with
		}
		pub, ok := jwk.Public().Key.(*rsa.PublicKey)
		if !ok || jwk.KeyID == "" || jwk.Use != "" && jwk.Use != "sig" || jwk.Algorithm != "" && jwk.Algorithm != string(jose.RS256) {
			continue
		}
		keys[jwk.KeyID] = pub
	}
	return keys, nil
}
