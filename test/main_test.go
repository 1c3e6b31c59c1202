// Package test holds the template tests: one synthesis of the real app per
// configuration, shared by every assertion in the package, plus cdk-nag, logical-ID
// pins, snapshots and prop validation.
package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/stacks"
)

// synthesized is one app, synthesized once.
type synthesized struct {
	dep       *stacks.Deployment
	outdir    string
	main      assertions.Template
	edge      assertions.Template // nil when one stack
	mainJSON  map[string]any
	edgeJSON  map[string]any
	mainStack awscdk.Stack
}

var (
	// split is the default app: main stack in eu-west-1, edge stack in us-east-1.
	split *synthesized
	// single is one us-east-1 stack with a custom domain and a DNS-validated
	// certificate.
	single *synthesized
)

// defaultContext is what cdk.json holds for the app, minus feature flags.
func defaultContext() map[string]any {
	return map[string]any{"signet:region": "eu-west-1"}
}

func synth(ctx map[string]any, bundle bool) (*synthesized, error) {
	outdir, err := os.MkdirTemp("", "signet-cdk-out-")
	if err != nil {
		return nil, err
	}
	flags, err := cdkJSONContext()
	if err != nil {
		return nil, err
	}
	for k, v := range ctx {
		flags[k] = v
	}
	if !bundle {
		// Unit tests skip bundling; gofunction's own tests and the CI synth bundle for real.
		flags["aws:cdk:bundling-stacks"] = []any{}
	}
	app := awscdk.NewApp(&awscdk.AppProps{
		Outdir:             jsii.String(outdir),
		Context:            &flags,
		AnalyticsReporting: jsii.Bool(false),
	})
	cfg, err := stacks.ConfigFromContext(stacks.NodeContext(app))
	if err != nil {
		return nil, err
	}
	s := &synthesized{outdir: outdir}
	if err := catch(func() {
		s.dep = stacks.NewSignet(app, cfg)
		stacks.ApplyNagPacks(app, true)
		app.Synth(nil)
	}); err != nil {
		return nil, err
	}
	s.mainStack = s.dep.Main.Stack
	s.main = assertions.Template_FromStack(s.dep.Main.Stack, nil)
	s.mainJSON = toMap(s.main)
	if s.dep.EdgeStack != nil {
		s.edge = assertions.Template_FromStack(s.dep.EdgeStack.Stack, nil)
		s.edgeJSON = toMap(s.edge)
	}
	return s, nil
}

// cdkJSONContext is the context of ../cdk.json (feature flags and defaults), so the
// tests synthesize what `cdk synth` does.
func cdkJSONContext() (map[string]any, error) {
	b, err := os.ReadFile(filepath.Join("..", "cdk.json"))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	return doc.Context, nil
}

func toMap(t assertions.Template) map[string]any {
	m := map[string]any{}
	for k, v := range *t.ToJSON() {
		m[k] = v
	}
	// Round-trip through JSON so every value is a plain Go JSON value.
	b, _ := json.Marshal(m)
	out := map[string]any{}
	_ = json.Unmarshal(b, &out)
	return out
}

// catch runs f and turns a panic (a failed CDK assertion or a rejected prop) into an
// error.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}

// check fails t (without stopping it) when f panics: CDK assertions panic.
func check(t *testing.T, what string, f func()) {
	t.Helper()
	if err := catch(f); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

func TestMain(m *testing.M) {
	code := func() int {
		defer jsii.Close()
		var err error
		if split, err = synth(defaultContext(), false); err != nil {
			fmt.Fprintln(os.Stderr, "synth of the default app failed:", err)
			return 1
		}
		if single, err = synth(map[string]any{
			"signet:region":             "us-east-1",
			"signet:domainNames":        []any{"files.example.com"},
			"signet:hostedZoneId":       "Z0123456789ABCDEFGHIJ",
			"signet:hostedZoneName":     "example.com",
			"signet:corsAllowedOrigins": "https://app.example.com",
			"signet:signingKeys":        []any{"k1", "k2:ECDSA_P256"},
			"signet:activeSigningKey":   "k2",
			"signet:wafRateLimit":       500,
			"signet:blockAnonymousIps":  true,
		}, false); err != nil {
			fmt.Fprintln(os.Stderr, "synth of the single-stack app failed:", err)
			return 1
		}
		code := m.Run()
		if code == 0 {
			os.RemoveAll(split.outdir)
			os.RemoveAll(single.outdir)
		}
		return code
	}()
	os.Exit(code)
}
