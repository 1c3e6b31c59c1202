package lambdaboot

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

const unset = "<unset>" // table marker: the variable is absent, not empty

// setenv sets name to v, or unsets it for the marker; t.Setenv restores it afterwards.
func setenv(t *testing.T, name, v string) {
	t.Helper()
	if v != unset {
		t.Setenv(name, v)
		return
	}
	t.Setenv(name, "")
	os.Unsetenv(name)
}

func TestRequire(t *testing.T) {
	for _, tc := range []struct {
		name     string
		a, b, c  string
		wantErrs []string // substrings, in order; none means success
	}{
		{name: "all set", a: "x", b: "y", c: "z"},
		{name: "one unset", a: "x", b: unset, c: "z", wantErrs: []string{"LB_TEST_B is required but not set"}},
		{name: "one empty", a: "x", b: "y", c: "", wantErrs: []string{"LB_TEST_C is required but empty"}},
		{name: "all missing, all reported", a: unset, b: "", c: unset, wantErrs: []string{"LB_TEST_A", "LB_TEST_B", "LB_TEST_C"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setenv(t, "LB_TEST_A", tc.a)
			setenv(t, "LB_TEST_B", tc.b)
			setenv(t, "LB_TEST_C", tc.c)
			vals, err := Require("LB_TEST_A", "LB_TEST_B", "LB_TEST_C")
			if len(tc.wantErrs) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if vals["LB_TEST_A"] != "x" || vals["LB_TEST_B"] != "y" || vals["LB_TEST_C"] != "z" {
					t.Fatalf("values %v", vals)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			var joined interface{ Unwrap() []error }
			if !errors.As(err, &joined) || len(joined.Unwrap()) != len(tc.wantErrs) {
				t.Fatalf("want %d joined errors, got %q", len(tc.wantErrs), err)
			}
			for i, e := range joined.Unwrap() {
				if !strings.Contains(e.Error(), tc.wantErrs[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, e, tc.wantErrs[i])
				}
			}
		})
	}
}

func TestOptionalPort(t *testing.T) {
	for _, tc := range []struct {
		env     string
		want    int
		wantErr bool
	}{
		{env: unset, want: 5432},
		{env: "", want: 5432},
		{env: "6432", want: 6432},
		{env: "1", want: 1},
		{env: "65535", want: 65535},
		{env: "54x2", wantErr: true},
		{env: "0", wantErr: true},
		{env: "65536", wantErr: true},
		{env: "-5432", wantErr: true},
		{env: " 5432", wantErr: true},
	} {
		t.Run(strconv.Quote(tc.env), func(t *testing.T) {
			setenv(t, "LB_TEST_PORT", tc.env)
			got, err := Optional("LB_TEST_PORT", 5432, Port)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "LB_TEST_PORT") || !strings.Contains(err.Error(), strconv.Quote(tc.env)) {
					t.Fatalf("got %d, %v; want an error naming the variable and its value", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

// Optional takes any parser with strconv's shape; the error wraps the parser's.
func TestOptionalOtherParsers(t *testing.T) {
	t.Setenv("LB_TEST_BOOL", "maybe")
	if _, err := Optional("LB_TEST_BOOL", false, strconv.ParseBool); !errors.Is(err, strconv.ErrSyntax) {
		t.Fatalf("want a wrapped strconv.ErrSyntax, got %v", err)
	}
	t.Setenv("LB_TEST_BOOL", "true")
	if v, err := Optional("LB_TEST_BOOL", false, strconv.ParseBool); err != nil || !v {
		t.Fatalf("got %v, %v", v, err)
	}
}
