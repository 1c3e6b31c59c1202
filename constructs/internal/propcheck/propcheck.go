// Package propcheck holds the one error type every Signet construct uses to reject
// bad props, so that a failed synth names every problem at once, each with the
// construct's path, the prop and the value it received.
package propcheck

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Error is a rejected prop. ValidateProps functions return every one they find,
// joined (errors.As finds the first); constructors stamp them with the construct's
// path and panic (the CDK way of failing synth from a constructor).
type Error struct {
	Path      string // construct node path, e.g. "Signet/Files"; "" before a constructor stamps it
	Construct string // package name, e.g. "cdn"
	Prop      string // field name in the props struct, e.g. "MinimumProtocolVersion"
	Value     any    // what was received
	Reason    string // lowercase, why it is rejected
}

func (e *Error) Error() string {
	where := "signet/" + e.Construct
	if e.Path != "" {
		where += " " + e.Path
	}
	return fmt.Sprintf("%s: props.%s %s: %s", where, e.Prop, Show(e.Value), e.Reason)
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

// Checker collects every rejection for one construct.
type Checker struct {
	Construct string
	errs      []error
}

// Fail records a rejection; earlier ones are kept.
func (c *Checker) Fail(prop string, value any, format string, args ...any) {
	c.errs = append(c.errs, &Error{Construct: c.Construct, Prop: prop, Value: value, Reason: fmt.Sprintf(format, args...)})
}

// Err joins every rejection (errors.Join: one per line), or is nil.
func (c *Checker) Err() error { return errors.Join(c.errs...) }

// Must panics with err when it is not nil: a construct constructor cannot return an
// error, and jsii turns the panic into a failed synth that prints the message.
func Must(err error) {
	if err != nil {
		panic(err)
	}
}

// MustAt is Must for the construct id about to be created in scope: every problem in
// err is stamped with that construct's path first (see At).
func MustAt(scope constructs.IConstruct, id string, err error) {
	Must(At(PathOf(scope, id), err))
}

// PathOf is the node path the construct id gets in scope, e.g. "Signet/Files".
func PathOf(scope constructs.IConstruct, id string) string {
	if scope == nil {
		return id
	}
	if p := *scope.Node().Path(); p != "" {
		return p + "/" + id
	}
	return id
}

// At returns err with path on every problem it holds: each *Error (joined or not)
// gets Path, any other error is prefixed with it. Nil stays nil.
func At(path string, err error) error {
	if err == nil {
		return nil
	}
	var errs []error
	for _, e := range flatten(err) {
		pe, ok := e.(*Error)
		switch {
		case ok && pe.Path == "":
			stamped := *pe
			stamped.Path = path
			errs = append(errs, &stamped)
		case ok:
			errs = append(errs, pe) // already names a construct further down
		default:
			errs = append(errs, fmt.Errorf("%s: %w", path, e))
		}
	}
	return errors.Join(errs...)
}

// flatten lists the leaves of a tree of joined errors, in order.
func flatten(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		if e != nil {
			out = append(out, flatten(e)...)
		}
	}
	return out
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

// exact converts a Duration without rounding: CDK's default (integral) conversion
// throws on a fractional amount, which would end validation at that one prop.
var exact = &awscdk.TimeConversionOptions{Integral: jsii.Bool(false)}

// Seconds is d in seconds, fractions kept.
func Seconds(d awscdk.Duration) float64 { return *d.ToSeconds(exact) }

// Days is d in days, fractions kept.
func Days(d awscdk.Duration) float64 { return *d.ToDays(exact) }

// Whole reports whether x has no fractional part.
func Whole(x float64) bool { return x == float64(int64(x)) }

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

// CertificateRegion is where cert lives: the region in its ARN when that is known at
// synth (an imported us-east-1 certificate is used from a stack in any region), else
// its stack's region, else "". CloudFront and Cognito custom domains need us-east-1.
func CertificateRegion(cert awscertificatemanager.ICertificate) string {
	if arn := cert.CertificateArn(); Resolved(arn) {
		if parts := strings.Split(*arn, ":"); len(parts) > 3 && parts[3] != "" {
			return parts[3]
		}
	}
	if r := cert.Env().Region; Resolved(r) {
		return *r
	}
	return ""
}
