package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/signet-cdk/signet/client"
)

// Exit codes: what a script can tell apart without reading the message. `signet help
// exit-codes` lists them (exitCodesHelp).
const (
	ExitOK          = 0   // done
	ExitError       = 1   // any other error (no configuration, a refused request, a local file problem)
	ExitUsage       = 2   // wrong command, arguments or flags
	ExitAuth        = 3   // not signed in, or the sign-in expired: run `signet login`
	ExitNotFound    = 4   // not found, or forbidden (the API does not tell them apart for files)
	ExitUnavailable = 5   // network error, timeout, or the service is unavailable: try again
	ExitChecksum    = 6   // the bytes do not match their checksum
	ExitInterrupted = 130 // interrupted (Ctrl-C); an upload or download resumes when run again
)

const exitCodesHelp = `Exit codes of every signet command:

  0    done
  1    any other error: no configuration, a refused request, a local file problem
  2    usage: an unknown command or flag, a wrong number of arguments, a bad value
  3    authentication needed: not signed in, or the sign-in expired (run 'signet login')
  4    not found, or forbidden
  5    network error, timeout, or the service unavailable (502, 503, 504, 429): try again
  6    checksum mismatch: the bytes received or sent do not match their checksum
  130  interrupted (Ctrl-C): an upload or download resumes when run again

Errors are printed on one line on stderr; stdout carries only the command's output.`

// exitCode is the exit code for err: the client's sentinel errors, matched with
// errors.Is, then the transport's errors.
func exitCode(err error) int {
	var usage *usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &usage):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, client.ErrChecksumMismatch), storageChecksum(err):
		return ExitChecksum
	case errors.Is(err, client.ErrUnauthenticated):
		return ExitAuth
	case errors.Is(err, client.ErrNotFound), errors.Is(err, client.ErrForbidden):
		return ExitNotFound
	case unavailable(err):
		return ExitUnavailable
	}
	return ExitError
}

// unavailable says err is worth trying again later: the network, a timeout, or the
// service saying so.
func unavailable(err error) bool {
	var ae *client.APIError
	if errors.As(err, &ae) {
		switch ae.Status {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var op *net.OpError
	var dns *net.DNSError
	var ne net.Error
	return errors.Is(err, client.ErrNetwork) || errors.Is(err, client.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.As(err, &op) || errors.As(err, &dns) || (errors.As(err, &ne) && ne.Timeout())
}

// storageChecksum says the storage refused bytes for not matching their checksum (an
// upload's part or whole file).
func storageChecksum(err error) bool {
	var se *client.StorageError
	return errors.As(err, &se) && (se.Code == "BadDigest" || se.Code == "InvalidDigest" || se.Code == "XAmzContentChecksumMismatch" || se.Code == "XAmzContentSHA256Mismatch")
}
