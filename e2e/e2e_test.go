// Package e2e drives the real signet binary, as a user would, against the whole local
// stack (package local/stack): sign-in over the issuer's login page, the admin verbs,
// uploads to the SigV4-verifying S3, listing, downloads and shared links and cookies
// through the CloudFront stand-in, and the refusals a deployment must make.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-cdk/signet/local/stack"
)

var (
	local     *stack.Stack
	signetBin string
	outputs   string
	// clockSkew moves the edge's clock (expired links).
	clockSkew atomic.Int64

	invitesMu sync.Mutex
	invites   = map[string]string{}
)

func TestMain(m *testing.M) {
	os.Exit(func() int {
		tmp, err := os.MkdirTemp("", "signet-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		signetBin = filepath.Join(tmp, "signet")
		if out, err := exec.Command("go", "build", "-o", signetBin, "../cmd/signet").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build signet: %v\n%s", err, out)
			return 1
		}
		outputs = filepath.Join(tmp, "local")
		local, err = stack.Start(context.Background(), stack.Options{
			EdgeAddr: "127.0.0.1:0", AuthAddr: "127.0.0.1:0", OutputsDir: outputs,
			EdgeNow: func() time.Time { return time.Now().Add(time.Duration(clockSkew.Load())) },
			Invitations: func(email, pw string) {
				invitesMu.Lock()
				defer invitesMu.Unlock()
				invites[email] = pw
			},
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "start the local stack:", err)
			return 1
		}
		code := m.Run()
		addrs := []string{strings.TrimPrefix(local.EdgeURL, "https://"), strings.TrimPrefix(local.AuthURL, "https://"), strings.TrimPrefix(local.S3.Endpoint, "http://")}
		local.Close()
		if err := nothingListens(addrs); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return code
	}())
}

// nothingListens checks that Close left no server behind.
func nothingListens(addrs []string) error {
	for _, a := range addrs {
		for i := 0; ; i++ {
			c, err := net.DialTimeout("tcp", a, 200*time.Millisecond)
			if err != nil {
				break
			}
			c.Close()
			if i > 20 {
				return fmt.Errorf("%s still listens after Close", a)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

// user is one person at a terminal: their own configuration and token cache.
type user struct {
	t     *testing.T
	email string
	home  string
}

func newUser(t *testing.T, email string) *user {
	u := &user{t: t, email: email, home: t.TempDir()}
	u.mustRun("configure", "--local", "--dir", outputs)
	return u
}

func (u *user) env() []string {
	return append(os.Environ(), "HOME="+u.home, "XDG_CONFIG_HOME="+filepath.Join(u.home, ".config"),
		"SIGNET_CONFIG=", "SIGNET_ID_TOKEN=", "SIGNET_API_URL=", "SIGNET_AUTH_DOMAIN=", "SIGNET_CLIENT_ID=")
}

// run runs the binary in the user's home and returns stdout, stderr and the exit code.
func (u *user) run(args ...string) (string, string, int) {
	u.t.Helper()
	cmd := exec.Command(signetBin, args...)
	cmd.Env, cmd.Dir = u.env(), u.home
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		u.t.Fatalf("signet %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func (u *user) mustRun(args ...string) string {
	u.t.Helper()
	out, errOut, code := u.run(args...)
	if code != 0 {
		u.t.Fatalf("signet %s: exit %d: %s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// login runs `signet login` and completes the issuer's login page over HTTP, as the
// user would in a browser.
func (u *user) login(password string) {
	u.t.Helper()
	cmd := exec.Command(signetBin, "login")
	cmd.Env, cmd.Dir = u.env(), u.home
	stdout, _ := cmd.StdoutPipe()
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		u.t.Fatal(err)
	}
	authURL := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "https://") {
			authURL = sc.Text()
			break
		}
	}
	if authURL == "" {
		_ = cmd.Process.Kill()
		u.t.Fatalf("signet login printed no address: %s", errb.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	callback, err := local.CompleteLogin(context.Background(), authURL, u.email, password)
	if err != nil {
		_ = cmd.Process.Kill()
		u.t.Fatal(err)
	}
	resp, err := http.Get(callback) // the CLI's loopback listener
	if err != nil {
		u.t.Fatalf("callback: %v", err)
	}
	resp.Body.Close()
	if err := cmd.Wait(); err != nil {
		u.t.Fatalf("signet login: %v: %s", err, errb.String())
	}
}

func (u *user) seeded() stack.User {
	for _, s := range local.Users {
		if s.Email == u.email {
			return s
		}
	}
	u.t.Fatalf("no seeded user %s", u.email)
	return stack.User{}
}

// get fetches a URL on the edge with the stack's CA, with optional cookies.
func get(t *testing.T, u string, cookies map[string]string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := local.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func writeFile(t *testing.T, dir, name string, content []byte) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func sum(b []byte) [32]byte { return sha256.Sum256(b) }

// idToken is the user's cached ID token (what the CLI saved after login).
func (u *user) idToken() string {
	b, err := os.ReadFile(filepath.Join(u.home, ".config", "signet", "tokens-default.json"))
	if err != nil {
		u.t.Fatal(err)
	}
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if json.Unmarshal(b, &tok) != nil || tok.IDToken == "" {
		u.t.Fatalf("no ID token in %s", b)
	}
	return tok.IDToken
}
