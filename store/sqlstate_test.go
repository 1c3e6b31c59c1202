package store

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// Every SQLSTATE class a client's input or a database fault can cause maps to a typed
// error; only Signet's own bugs (42: syntax, undefined object) stay unclassified.
func TestSQLStateClasses(t *testing.T) {
	for code, want := range map[string]error{
		"22021": ErrInvalid, "22P05": ErrInvalid, "22003": ErrInvalid, "22P02": ErrInvalid, "22001": ErrInvalid,
		"23514": ErrInvalid, "23502": ErrInvalid, "23505": ErrConflict, "23503": ErrNotFound,
		"08006": ErrUnavailable, "40001": ErrUnavailable, "40P01": ErrUnavailable, "53300": ErrUnavailable,
		"57014": ErrUnavailable, "57P03": ErrUnavailable, "58030": ErrUnavailable, "XX000": ErrUnavailable,
	} {
		if got := mapError(&pgconn.PgError{Code: code, Message: "m"}); !errors.Is(got, want) {
			t.Errorf("%s: got %v, want %v", code, got, want)
		}
	}
	for _, code := range []string{"42601", "42P01", "42703"} {
		got := mapError(&pgconn.PgError{Code: code, Message: "m"})
		for _, typed := range []error{ErrInvalid, ErrConflict, ErrNotFound, ErrUnavailable, ErrForbidden} {
			if errors.Is(got, typed) {
				t.Errorf("%s (a bug) mapped to %v", code, typed)
			}
		}
	}
}
