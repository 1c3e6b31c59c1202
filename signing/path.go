package signing

import (
	"errors"
	"fmt"
	"strings"
)

// MaxPathLength bounds an object path (S3 allows 1024 bytes per key).
const MaxPathLength = 1024

// ErrBadPath is returned for an object path that is not canonical.
var ErrBadPath = errors.New("signing: bad object path")

// PathError says why a path is not canonical, in words meant for whoever sent the
// path (an API answers with Reason); errors.Is(err, ErrBadPath) matches it.
type PathError struct {
	Reason string
}

func (e *PathError) Error() string        { return ErrBadPath.Error() + ": " + e.Reason }
func (e *PathError) Is(target error) bool { return target == ErrBadPath }

func badPath(format string, args ...any) error {
	return &PathError{Reason: fmt.Sprintf(format, args...)}
}

// CanonicalPath checks that p is an object path Signet signs, rejecting rather than
// "cleaning up": non-empty, at most MaxPathLength bytes, no leading or trailing "/",
// no empty, "." or ".." segment, and only the ASCII safe set A-Z a-z 0-9 and
// ! - _ . ' ( ) plus "/" between segments: no backslash, no "%", no "*" or "?"
// (CloudFront wildcards), no space, no control or non-ASCII character.
func CanonicalPath(p string) error {
	if p == "" {
		return badPath("is empty")
	}
	if len(p) > MaxPathLength {
		return badPath("is %d bytes, at most %d are allowed", len(p), MaxPathLength)
	}
	for i := 0; i < len(p); i++ {
		if !safePathByte(p[i]) {
			return badPath("character %q at byte %d is not allowed (letters, digits, ! - _ . ' ( ) and / between names)", p[i], i)
		}
	}
	if p[0] == '/' || p[len(p)-1] == '/' {
		return badPath("must not start or end with \"/\"")
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return badPath("must not contain \"//\"")
		case ".", "..":
			return badPath("must not contain a %q segment", seg)
		}
	}
	return nil
}

func safePathByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '/', '!', '-', '_', '.', '\'', '(', ')':
		return true
	}
	return false
}

// JoinPath joins a customer prefix and an object path, both canonical, and checks the
// result is still inside the prefix (it always is for canonical inputs; the check is
// the invariant written down).
func JoinPath(prefix, p string) (string, error) {
	if err := CanonicalPath(prefix); err != nil {
		return "", fmt.Errorf("prefix: %w", err)
	}
	if err := CanonicalPath(p); err != nil {
		return "", err
	}
	full := prefix + "/" + p
	if len(full) > MaxPathLength || !strings.HasPrefix(full, prefix+"/") {
		return "", fmt.Errorf("%w: %q does not fit under %q", ErrBadPath, p, prefix)
	}
	return full, nil
}
