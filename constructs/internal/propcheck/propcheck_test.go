package propcheck_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

func TestCheckerJoinsEveryFailure(t *testing.T) {
	c := propcheck.Checker{Construct: "cdn"}
	if c.Err() != nil {
		t.Fatal("no failure, yet an error")
	}
	c.Fail("DomainNames", []string{"bad..name"}, "is not a lowercase DNS name")
	c.Fail("LogBucket", nil, "is required")
	err := c.Err()
	want := "signet/cdn: props.DomainNames [\"bad..name\"]: is not a lowercase DNS name\n" +
		"signet/cdn: props.LogBucket <nil>: is required"
	if err == nil || err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
	var pe *propcheck.Error
	if !errors.As(err, &pe) || pe.Prop != "DomainNames" {
		t.Fatalf("errors.As: %#v", pe)
	}
}

func TestAtStampsThePath(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Signet"), nil)
	if got := propcheck.PathOf(stack, "Files"); got != "Signet/Files" {
		t.Fatalf("PathOf: %q", got)
	}
	if got := propcheck.PathOf(app, "Signet"); got != "Signet" {
		t.Fatalf("PathOf the app: %q", got)
	}
	c := propcheck.Checker{Construct: "cdn"}
	c.Fail("DomainNames", "bad..name", "is not a lowercase DNS name")
	c.Fail("Certificate", nil, "is required")
	err := propcheck.At("Signet/Files", errors.Join(c.Err(), errors.New("go list failed")))
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		`signet/cdn Signet/Files: props.DomainNames "bad..name": is not a lowercase DNS name`,
		`signet/cdn Signet/Files: props.Certificate <nil>: is required`,
		`Signet/Files: go list failed`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", err, strings.Join(want, "\n"))
	}
	var pe *propcheck.Error
	if !errors.As(err, &pe) || pe.Path != "Signet/Files" {
		t.Fatalf("errors.As: %#v", pe)
	}
	if propcheck.At("x", nil) != nil {
		t.Fatal("At(nil) is not nil")
	}
}

func TestAtKeepsADeeperPath(t *testing.T) {
	inner := &propcheck.Error{Path: "Signet/Db/Migrator", Construct: "gofunction", Prop: "ImportPath", Value: "x", Reason: "bad"}
	if got := propcheck.At("Signet/Db", inner).Error(); !strings.HasPrefix(got, "signet/gofunction Signet/Db/Migrator:") {
		t.Fatal(got)
	}
}

func TestMustAtPanicsWithThePath(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Signet"), nil)
	defer func() {
		err, _ := recover().(error)
		var pe *propcheck.Error
		if !errors.As(err, &pe) || pe.Path != "Signet/Files" {
			t.Fatalf("recovered %v", err)
		}
	}()
	propcheck.MustAt(stack, "Files", &propcheck.Error{Construct: "bucket", Prop: "NamePrefix", Value: "X", Reason: "bad"})
}

func TestWholeAndExactDurations(t *testing.T) {
	if d := propcheck.Days(awscdk.Duration_Hours(jsii.Number(36))); d != 1.5 || propcheck.Whole(d) {
		t.Fatalf("Days(36h) = %v", d)
	}
	if s := propcheck.Seconds(awscdk.Duration_Millis(jsii.Number(1500))); s != 1.5 {
		t.Fatalf("Seconds(1500ms) = %v", s)
	}
}

func TestMain(m *testing.M) {
	defer jsii.Close()
	m.Run()
}
