package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// httpClient, when set, is used for the API, the token endpoint and the transfers
// (tests).
var httpClient *http.Client

// streams are where a command writes: stdout its output only, stderr the progress
// bars and the error line. tty says stderr is a terminal (progress bars are drawn only
// then).
type streams struct {
	out, err io.Writer
	tty      bool
}

// app is one run of the CLI: its streams and the global flags.
type app struct {
	streams
	profile string // --profile
}

// execute runs the CLI and returns the exit code, having printed any error as one
// line on stderr.
func execute(ctx context.Context, args []string, s streams) int {
	a := &app{streams: s}
	err := a.run(ctx, args)
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	if ctx.Err() != nil && code != ExitUsage {
		code = ExitInterrupted
	}
	fmt.Fprintln(s.err, a.message(err, code))
	return code
}

// run runs the CLI with stdout and no stderr (tests): the error is the line execute
// would print, before any hint.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	a := &app{streams: streams{out: stdout, err: io.Discard}}
	return a.run(ctx, args)
}

func (a *app) run(ctx context.Context, args []string) error {
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root := newRoot(a)
	root.SetArgs(args)
	_, err := root.ExecuteContextC(ctx)
	return oneLine(err)
}

// message is the line printed for err, with what to do next when the exit code calls
// for it.
func (a *app) message(err error, code int) string {
	line := err.Error()
	switch {
	case code == ExitAuth && !strings.Contains(line, "signet login"):
		line += "; run `signet login" + a.profileFlag() + "`"
	case code == ExitInterrupted && !strings.Contains(line, "interrupted"):
		line = "signet: interrupted"
	}
	return line
}

// profileFlag is " --profile NAME" when the profile was chosen with the flag.
func (a *app) profileFlag() string {
	if a.profile == "" {
		return ""
	}
	return " --profile " + a.profile
}

// interruptedError is an interruption of a transfer that the same command resumes.
type interruptedError struct {
	what string // "the upload"
	err  error
}

func (e *interruptedError) Error() string {
	return "signet: interrupted; run the same command again to resume " + e.what
}
func (e *interruptedError) Unwrap() error { return e.err }
