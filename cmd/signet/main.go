// Command signet is Signet's command-line client:
//
//	signet configure --outputs outputs.json [--stack Signet]   write the configuration
//	signet login                     sign in (browser, PKCE); caches tokens
//	signet ls [folder]               list readable files
//	signet upload <file> <path>      upload a file (presigned PUT to S3)
//	signet download <path> [file]    download through CloudFront ("-" for stdout)
//	signet url <path> [-ttl 5m] [-ip sourceIp|CIDR]   print a signed URL
//	signet admin ...                 customers, rules, users, audit (admin.go)
//
// Configuration: `signet configure` writes the stack's outputs (ApiUrl, AuthDomain,
// UserPoolClientId) to $SIGNET_CONFIG, else os.UserConfigDir()/signet/config.json
// (config.go). The environment variables SIGNET_API_URL, SIGNET_AUTH_DOMAIN and
// SIGNET_CLIENT_ID, when set, override the file; SIGNET_ID_TOKEN skips sign-in
// (automation).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/signet-cdk/signet/client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, client.ErrUnauthenticated) {
			fmt.Fprintln(os.Stderr, "run `signet login` first")
		}
		os.Exit(1)
	}
}

func usage() error {
	return errors.New("usage: signet configure ... | login | ls [folder] | upload <file> <path> | download <path> [file] | url <path> [-ttl d] [-ip sourceIp|CIDR] | share <path> [-folder] [-ttl d] [-ip sourceIp|CIDR] [-json] | admin ...")
}

// share prints a signed URL for a file, or with -folder the signed cookies for a
// folder (as a Cookie header line, or JSON with -json).
func share(ctx context.Context, c *client.Client, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("share", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	folder := fs.Bool("folder", false, "cookies for everything under the folder")
	ttl := fs.Duration("ttl", 5*time.Minute, "lifetime")
	ip := fs.String("ip", "", "sourceIp or an IPv4 CIDR")
	asJSON := fs.Bool("json", false, "print JSON")
	if len(args) < 1 {
		return usage()
	}
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		return usage()
	}
	if !*folder {
		u, exp, err := c.DownloadURL(ctx, args[0], client.DownloadOptions{Lifetime: *ttl, IPRestriction: *ip})
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(map[string]any{"url": u, "expiresAt": exp.UTC()})
		}
		fmt.Fprintln(stdout, u)
		return nil
	}
	cookies, resource, err := c.FolderCookies(ctx, args[0], *ttl)
	if err != nil {
		return err
	}
	pairs := map[string]string{}
	var header []string
	for _, ck := range cookies {
		pairs[ck.Name] = ck.Value
		header = append(header, ck.Name+"="+ck.Value)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"resource": resource, "cookies": pairs})
	}
	sort.Strings(header)
	fmt.Fprintf(stdout, "Cookie: %s\n# resource %s\n", strings.Join(header, "; "), resource)
	return nil
}

// httpClient, when set, is used for the API and the token endpoint (tests).
var httpClient *http.Client

func run(ctx context.Context, args []string, stdout io.Writer) error {
	return oneLine(dispatch(ctx, args, stdout))
}

func dispatch(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usage()
	}
	switch args[0] {
	case "configure":
		return configure(args[1:], stdout)
	case "admin":
		return admin(ctx, args[1:], stdout)
	case "login":
		return login(ctx, stdout)
	case "ls", "upload", "download", "url", "share":
		c, err := connect()
		if err != nil {
			return err
		}
		return fileCommand(ctx, c, args, stdout)
	}
	return usage()
}

func login(ctx context.Context, stdout io.Writer) error {
	cfg, _, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.AuthDomain == "" || cfg.ClientID == "" {
		return errors.New("signet: no sign-in domain and client id: run `signet configure --outputs outputs.json` (or set SIGNET_AUTH_DOMAIN and SIGNET_CLIENT_ID)")
	}
	hc, err := cfg.httpClient()
	if err != nil {
		return err
	}
	oauth := &client.OAuth{Domain: cfg.AuthDomain, ClientID: cfg.ClientID, HTTP: hc}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	tok, err := oauth.Login(ctx, func(u string) error {
		fmt.Fprintln(stdout, "Open this address to sign in:\n"+u)
		return nil
	})
	if err != nil {
		return err
	}
	return saveTokens(tokenCachePath(), tok)
}

// connect is the API client the configuration describes, with the cached tokens
// (refreshed when due) or SIGNET_ID_TOKEN.
func connect() (*client.Client, error) {
	cfg, path, err := loadConfig()
	if err != nil {
		return nil, err
	}
	if cfg.APIURL == "" {
		return nil, fmt.Errorf("signet: no API URL: run `signet configure --outputs outputs.json` (it writes %s) or set SIGNET_API_URL", path)
	}
	hc, err := cfg.httpClient()
	if err != nil {
		return nil, err
	}
	c := &client.Client{BaseURL: cfg.APIURL, HTTP: hc}
	if t := os.Getenv("SIGNET_ID_TOKEN"); t != "" {
		c.Tokens = client.StaticToken(t)
		return c, nil
	}
	cache := tokenCachePath()
	tok, _ := loadTokens(cache)
	oauth := &client.OAuth{Domain: cfg.AuthDomain, ClientID: cfg.ClientID, HTTP: hc}
	c.Tokens = &client.RefreshingTokens{OAuth: oauth, Tokens: tok, Save: func(t *client.Tokens) error { return saveTokens(cache, t) }}
	return c, nil
}

// fileCommand runs the file commands.
func fileCommand(ctx context.Context, c *client.Client, args []string, stdout io.Writer) error {
	switch args[0] {
	case "ls":
		folder := ""
		if len(args) > 1 {
			folder = args[1]
		}
		files, err := c.List(ctx, folder)
		if err != nil {
			return err
		}
		for _, f := range files {
			fmt.Fprintf(stdout, "%12d  %s  %s\n", f.Size, f.UpdatedAt.UTC().Format(time.RFC3339), f.Path)
		}
		return nil
	case "upload":
		if len(args) != 3 {
			return usage()
		}
		return c.Upload(ctx, args[1], args[2], mime.TypeByExtension(filepath.Ext(args[1])))
	case "download":
		if len(args) < 2 || len(args) > 3 {
			return usage()
		}
		out := filepath.Base(args[1])
		if len(args) == 3 {
			out = args[2]
		}
		var w io.Writer = stdout
		if out != "-" {
			f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		_, err := c.Download(ctx, args[1], w)
		return err
	case "share":
		return share(ctx, c, args[1:], stdout)
	case "url":
		fs := flag.NewFlagSet("url", flag.ContinueOnError)
		ttl := fs.Duration("ttl", 5*time.Minute, "lifetime")
		ip := fs.String("ip", "", "sourceIp or an IPv4 CIDR")
		if len(args) < 2 {
			return usage()
		}
		if err := fs.Parse(args[2:]); err != nil {
			return err
		}
		u, exp, err := c.DownloadURL(ctx, args[1], client.DownloadOptions{Lifetime: *ttl, IPRestriction: *ip})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n# expires %s\n", u, exp.UTC().Format(time.RFC3339))
		return nil
	}
	return usage()
}

func tokenCachePath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "signet", "tokens.json")
}

func saveTokens(path string, t *client.Tokens) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, _ := json.Marshal(t)
	return os.WriteFile(path, b, 0o600)
}

func loadTokens(path string) (*client.Tokens, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t client.Tokens
	return &t, json.Unmarshal(b, &t)
}
