// Command signet is Signet's command-line client: configure, login, logout, whoami,
// ls, upload, download, share, rm and the admin commands (root.go builds the tree;
// `signet --help` lists it, docs/cli/ has the reference).
//
// Configuration: profiles in $SIGNET_CONFIG, else os.UserConfigDir()/signet/config.json
// (profiles.go), chosen with --profile or $SIGNET_PROFILE; SIGNET_API_URL,
// SIGNET_AUTH_DOMAIN and SIGNET_CLIENT_ID override the profile's values; SIGNET_ID_TOKEN
// skips sign-in (automation). Exit codes: exit.go.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the process at once
	}()
	tty := term.IsTerminal(int(os.Stderr.Fd()))
	os.Exit(execute(ctx, os.Args[1:], streams{out: os.Stdout, err: os.Stderr, tty: tty}))
}
