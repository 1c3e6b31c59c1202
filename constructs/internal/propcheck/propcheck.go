// Package propcheck holds the one error type every Signet construct uses to reject
// bad props, so that a failed synth always names the construct, the prop and the value
// it received.
package propcheck

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Error is a rejected prop. Constructs panic with it (the CDK way of failing synth from
// a constructor); ValidateProps functions return it.
type Error struct {
	Construct string // package name, e.g. "cdn"
	Prop      string // field name in the props struct, e.g. "MinimumProtocolVersion"
	Value     any    // what was received
	Reason    string // lowercase, why it is rejected
}

func (e *Error) Error() string {
	return fmt.Sprintf("signet/%s: props.%s %s: %s", e.Construct, e.Prop, Show(e.Value), e.Reason)
}

// Show renders a received value for an error message: strings quoted, unresolved
// tokens marked as such, nil as <nil>.
func Show(v any) string {
	switch x := v.(type) {
	case nil:
		return "<nil>"
	case *string:
		if x == nil {
			return "<nil>"
		}
		return Show(*x)
	case string:
		if *awscdk.Token_IsUnresolved(jsii.String(x)) {
			return fmt.Sprintf("%q (an unresolved token)", x)
		}
		return fmt.Sprintf("%q", x)
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = fmt.Sprintf("%q", s)
		}
		return "[" + strings.Join(q, " ") + "]"
	case []*string:
		return Show(Strings(x))
	case *float64:
		if x == nil {
			return "<nil>"
		}
		return fmt.Sprintf("%v", *x)
	default:
		return fmt.Sprintf("%v", x)
	}
}

// Checker collects the first error for one construct.
type Checker struct {
	Construct string
	err       error
}

// Fail records a rejection unless an earlier one was recorded.
func (c *Checker) Fail(prop string, value any, format string, args ...any) {
	if c.err == nil {
		c.err = &Error{Construct: c.Construct, Prop: prop, Value: value, Reason: fmt.Sprintf(format, args...)}
	}
}

// Err is the first rejection, or nil.
func (c *Checker) Err() error { return c.err }

// Must panics with err when it is not nil: a construct constructor cannot return an
// error, and jsii turns the panic into a failed synth that prints the message.
func Must(err error) {
	if err != nil {
		panic(err)
	}
}

// Resolved reports whether s is a literal (not a CDK token) worth validating at synth.
func Resolved(s *string) bool {
	return s != nil && !*awscdk.Token_IsUnresolved(s)
}

// Strings dereferences a jsii string slice (nil entries become "").
func Strings(in []*string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		if s != nil {
			out[i] = *s
		}
	}
	return out
}

// RemovalOrRetain is the removal policy a stateful resource gets: p, or RETAIN.
func RemovalOrRetain(p awscdk.RemovalPolicy) awscdk.RemovalPolicy {
	if p == "" {
		return awscdk.RemovalPolicy_RETAIN
	}
	return p
}

// CheckOrigin returns why o is not a browser origin Signet accepts (https, a host,
// an optional port, nothing else, no wildcard), or "".
func CheckOrigin(o string) string {
	if strings.TrimSpace(o) == "" {
		return "is empty"
	}
	if strings.Contains(o, "*") {
		return "wildcards are not allowed; list each https origin"
	}
	u, err := url.Parse(o)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "must be an https origin such as \"https://app.example.com\" (scheme and host, optional port, no path)"
	}
	return ""
}
