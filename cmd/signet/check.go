package main

import (
	"errors"
	"fmt"
	"math"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/signet-cdk/signet/client"
)

// Local checks of admin input. The messages are the API's own (store.Validate*,
// api/admin.go), so a mistake reads the same whether the CLI or the API catches it.

var (
	customerIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	roleRE       = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)
)

// reservedRoles are Cognito groups with platform meaning (store.ReservedRoles).
var reservedRoles = []string{"platform-admins"}

// checks is the failed checks as one line, a usage error; nil when all passed.
func checks(errs ...error) error {
	var msgs []string
	for _, err := range errs {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return &usageError{"signet: " + strings.Join(msgs, "; ")}
}

func checkCustomerID(id string) error {
	if !customerIDRE.MatchString(id) {
		return errors.New("customer id must be 1-63 lowercase letters, digits and hyphens, starting with a letter or digit")
	}
	return nil
}

func checkDisplayName(name string) error {
	if len(name) > 200 || !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 || strings.TrimSpace(name) == "" {
		return errors.New("display name must be 1-200 characters of text")
	}
	return nil
}

func checkRole(role string) error {
	if !roleRE.MatchString(role) || slices.Contains(reservedRoles, role) {
		return errors.New("role must be 1-128 letters, digits, _ . - and not reserved")
	}
	return nil
}

func checkRoles(roles []string) error {
	for _, r := range roles {
		if !roleRE.MatchString(r) || slices.Contains(reservedRoles, r) {
			return fmt.Errorf("role %q must be 1-128 letters, digits, _ . - and not reserved", r)
		}
	}
	return nil
}

func checkActions(actions []string) error {
	if len(actions) == 0 {
		return errors.New("actions must list read, write or delete")
	}
	for _, a := range actions {
		if a != "read" && a != "write" && a != "delete" {
			return fmt.Errorf("action %q is not read, write or delete", a)
		}
	}
	return nil
}

func checkEmail(email string) error {
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return errors.New("email must be a plain address such as ana@example.com")
	}
	return nil
}

func checkNonEmpty(field, v string) error {
	if v == "" {
		return fmt.Errorf("%s is empty", field)
	}
	return nil
}

// splitList splits "a,b" (spaces around items ignored); "" is the empty list.
func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return []string{}
	}
	items := strings.Split(s, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return items
}

func parseTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s must be an RFC 3339 time", name)
	}
	return t, nil
}

// parseWhole parses an optional whole number from 1 to most, as the API does.
func parseWhole(name, s string, most int64) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > most || strconv.FormatInt(n, 10) != s {
		if most < math.MaxInt64 {
			return 0, fmt.Errorf("%s must be a whole number from 1 to %d", name, most)
		}
		return 0, fmt.Errorf("%s must be a whole number from 1", name)
	}
	return n, nil
}

// clean makes text from elsewhere safe to print on one line: control characters
// (newlines, tabs, terminal escapes) become spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
}

// oneLine is the error as the one line the CLI prints. An API refusal is shown with
// the API's own message, then its status and code; a sign-in needed with what it is.
func oneLine(err error) error {
	var ae *client.APIError
	var au *authError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		return &lineError{fmt.Sprintf("signet: %s (%d %s)", clean(ae.Message), ae.Status, clean(ae.Code)), err}
	case errors.As(err, &au):
		return &lineError{clean(au.line), err}
	case strings.ContainsAny(err.Error(), "\r\n"):
		return &lineError{clean(err.Error()), err}
	}
	return err
}

// lineError is an error printed as line; errors.Is and As still see the cause.
type lineError struct {
	line string
	err  error
}

func (e *lineError) Error() string { return e.line }
func (e *lineError) Unwrap() error { return e.err }
