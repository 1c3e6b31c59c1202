package lambdaboot

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// Require returns the values of the named environment variables, keyed by name. An
// unset or empty one is an error; all of them are reported at once (errors.Join, in
// argument order) so one failed cold start shows everything to fix, not the first.
func Require(names ...string) (map[string]string, error) {
	vals := make(map[string]string, len(names))
	var errs []error
	for _, name := range names {
		v, ok := os.LookupEnv(name)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("environment variable %s is required but not set", name))
		case v == "":
			errs = append(errs, fmt.Errorf("environment variable %s is required but empty", name))
		}
		vals[name] = v
	}
	return vals, errors.Join(errs...)
}

// Optional parses the named environment variable, or returns def if it is unset or
// empty. A value that is present but does not parse is an error, never def: a typo
// in the configuration must fail the cold start, not quietly run with the default.
func Optional[T any](name string, def T, parse func(string) (T, error)) (T, error) {
	s := os.Getenv(name)
	if s == "" {
		return def, nil
	}
	v, err := parse(s)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("environment variable %s=%q: %w", name, s, err)
	}
	return v, nil
}

// Port parses a TCP port, 1 to 65535; a parser for Optional.
func Port(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, errors.New("not a port number (1-65535)")
	}
	return p, nil
}
