package test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// resources returns the template's resources of type typ by logical id.
func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := tmpl["Resources"].(map[string]any)
	for id, r := range res {
		m := r.(map[string]any)
		if m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// only returns the single resource of type typ, failing t otherwise.
func only(t *testing.T, tmpl map[string]any, typ string) (string, map[string]any) {
	t.Helper()
	rs := resources(tmpl, typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, found %d: %v", typ, len(rs), keys(rs))
	}
	for id, r := range rs {
		return id, r
	}
	return "", nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func props(r map[string]any) map[string]any { p, _ := r["Properties"].(map[string]any); return p }

// dig walks a JSON value by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// statements of a policy document.
func statements(doc any) []map[string]any {
	var out []map[string]any
	for _, s := range dig(doc, "Statement").([]any) {
		out = append(out, s.(map[string]any))
	}
	return out
}

// servicePrincipal reports whether a statement's principal is the service svc.
func servicePrincipal(s map[string]any, svc string) bool {
	p := dig(s, "Principal", "Service")
	switch x := p.(type) {
	case string:
		return x == svc
	case []any:
		for _, e := range x {
			if e == svc {
				return true
			}
		}
	}
	return false
}

func actions(s map[string]any) []string {
	switch a := s["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			out = append(out, x.(string))
		}
		sort.Strings(out)
		return out
	}
	return nil
}

// hasProps asserts with CDK's matcher (objectLike at every level), as a test failure.
func hasProps(t *testing.T, tmpl assertions.Template, typ string, want map[string]any) {
	t.Helper()
	check(t, "has "+typ+" "+js(want), func() {
		tmpl.HasResourceProperties(jsii.String(typ), want)
	})
}

func countOf(t *testing.T, tmpl assertions.Template, typ string, n int) {
	t.Helper()
	check(t, "count of "+typ, func() { tmpl.ResourceCountIs(jsii.String(typ), jsii.Number(float64(n))) })
}

// refersTo reports whether v mentions logical id anywhere (Ref or GetAtt).
func refersTo(v any, id string) bool {
	s := js(v)
	return strings.Contains(s, `"Ref":"`+id+`"`) || strings.Contains(s, `"Fn::GetAtt":["`+id+`"`)
}
