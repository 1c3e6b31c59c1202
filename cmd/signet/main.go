// Command signet is Signet's command-line client:
//
//	signet login                     sign in (browser, PKCE); caches tokens
//	signet ls [folder]               list readable files
//	signet upload <file> <path>      upload a file (presigned PUT to S3)
//	signet download <path> [file]    download through CloudFront ("-" for stdout)
//	signet url <path> [-ttl 5m] [-ip sourceIp|CIDR]   print a signed URL
//
// Configuration from the environment (the stack's outputs): SIGNET_API_URL,
// SIGNET_AUTH_DOMAIN, SIGNET_CLIENT_ID; SIGNET_ID_TOKEN skips sign-in (automation).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"os"
	"os/signal"
	"path/filepath"
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
	return errors.New("usage: signet login | ls [folder] | upload <file> <path> | download <path> [file] | url <path> [-ttl d] [-ip sourceIp|CIDR]")
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usage()
	}
	oauth := &client.OAuth{Domain: os.Getenv("SIGNET_AUTH_DOMAIN"), ClientID: os.Getenv("SIGNET_CLIENT_ID")}
	cache := tokenCachePath()
	if args[0] == "login" {
		if oauth.Domain == "" || oauth.ClientID == "" {
			return errors.New("signet: set SIGNET_AUTH_DOMAIN and SIGNET_CLIENT_ID")
		}
		ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		tok, err := oauth.Login(ctx, func(u string) error {
			fmt.Fprintln(stdout, "Open this address to sign in:\n"+u)
			return nil
		})
		if err != nil {
			return err
		}
		return saveTokens(cache, tok)
	}
	c := &client.Client{BaseURL: os.Getenv("SIGNET_API_URL")}
	if c.BaseURL == "" {
		return errors.New("signet: set SIGNET_API_URL")
	}
	if t := os.Getenv("SIGNET_ID_TOKEN"); t != "" {
		c.Tokens = client.StaticToken(t)
	} else {
		tok, _ := loadTokens(cache)
		c.Tokens = &client.RefreshingTokens{OAuth: oauth, Tokens: tok, Save: func(t *client.Tokens) error { return saveTokens(cache, t) }}
	}
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
