// Command signet-local runs the whole of Signet on this machine (package local/stack):
// PostgreSQL, a SigV4-verifying S3, a Cognito-shaped sign-in, the real signer and
// admin handlers behind an API Gateway stand-in, and a CloudFront stand-in that checks
// signed URLs and cookies. `make demo` runs it. Ctrl-C stops everything; nothing is
// left behind unless --dir names a folder to keep the state in.
//
//	signet-local [--dir DIR] [--edge-addr 127.0.0.1:8443] [--auth-addr 127.0.0.1:8444]
//
// DATABASE_URL, when set, is an existing PostgreSQL database to use instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/signet-cdk/signet/local/localdir"
	"github.com/signet-cdk/signet/local/stack"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "signet-local:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("signet-local", flag.ContinueOnError)
	dir := fs.String("dir", "", "keep the state (database, files, users, keys) in this folder across runs")
	edgeAddr := fs.String("edge-addr", "127.0.0.1:8443", "address of the files and API host")
	authAddr := fs.String("auth-addr", "127.0.0.1:8444", "address of sign-in")
	verbose := fs.Bool("v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	start := time.Now()
	s, err := stack.Start(ctx, stack.Options{
		Dir: *dir, DatabaseURL: os.Getenv("DATABASE_URL"), EdgeAddr: *edgeAddr, AuthAddr: *authAddr, Logger: logger,
		Invitations: func(email, pw string) {
			fmt.Fprintf(stdout, "invitation for %s: temporary password %s\n", email, pw)
		},
	})
	if err != nil {
		return err
	}
	defer s.Close()
	banner(stdout, s, time.Since(start))
	<-ctx.Done()
	fmt.Fprintln(stdout, "\nstopping")
	return nil
}

func banner(w io.Writer, s *stack.Stack, took time.Duration) {
	fmt.Fprintf(w, "Signet is running locally (started in %s).\n\n", took.Round(10*time.Millisecond))
	fmt.Fprintf(w, "  files and API  %s  (API under %s)\n", s.EdgeURL, s.APIURL)
	fmt.Fprintf(w, "  sign-in        %s\n", s.AuthURL)
	fmt.Fprintf(w, "  local CA       %s\n\n", s.CAFile)
	fmt.Fprintln(w, "Accounts:")
	for _, u := range s.Users {
		who := "platform admin"
		if u.Customer != "" {
			who = "customer " + u.Customer + ", roles " + fmt.Sprint(u.Roles)
		}
		fmt.Fprintf(w, "  %-24s %-22s %s\n", u.Email, u.Password, who)
	}
	fmt.Fprintf(w, "\nTry it (another terminal):\n")
	fmt.Fprintf(w, "  go build -o signet ./cmd/signet\n")
	if d := localdir.Default(); d != "" {
		fmt.Fprintf(w, "  ./signet configure --local          # reads %s\n", d)
	}
	fmt.Fprintf(w, "  ./signet login                      # open the printed address, sign in as a user above\n")
	fmt.Fprintf(w, "  ./signet upload README.md docs/readme.md && ./signet ls && ./signet download docs/readme.md copy.md\n")
	fmt.Fprintf(w, "  ./signet share docs --folder        # signed cookies for a folder\n\n")
	fmt.Fprintln(w, "Ctrl-C stops everything.")
}
