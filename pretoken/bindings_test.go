package pretoken_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/signet-cdk/signet/pretoken"
)

func TestParseBindingsValid(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		providers []string
	}{
		{name: "empty list", doc: `[]`, providers: []string{}},
		{name: "test bindings", doc: testBindings, providers: []string{"AcmeEntra", "AcmeOkta", "GlobexSAML", "Initech"}},
		{name: "no groups, no attribute", doc: `[{"provider":"P","customer":"c"}]`, providers: []string{"P"}},
		{name: "empty groups", doc: `[{"provider":"P","customer":"c","groups":{}}]`, providers: []string{"P"}},
		{name: "longest customer and role", doc: `[{"provider":"P","customer":"` + strings.Repeat("a", 63) + `","groupsAttribute":"custom:g","groups":{"g":"` + strings.Repeat("R", 128) + `"}}]`, providers: []string{"P"}},
		{name: "one provider name differing in case", doc: `[{"provider":"P","customer":"c"},{"provider":"p","customer":"d"}]`, providers: []string{"P", "p"}},
		{name: "whitespace around the document", doc: "\n  []  \n", providers: []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := pretoken.ParseBindings([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if got := b.Providers(); !slices.Equal(got, tc.providers) {
				t.Errorf("providers %q, want %q", got, tc.providers)
			}
		})
	}
}

func TestParseBindingsErrors(t *testing.T) {
	ok := `{"provider":"P","customer":"acme","groupsAttribute":"custom:g","groups":{"g":"staff"}}`
	binding := func(customer, group, role string) string {
		return `[{"provider":"P","customer":"` + customer + `","groupsAttribute":"custom:g","groups":{"` + group + `":"` + role + `"}}]`
	}
	for _, tc := range []struct {
		name, doc string
		want      []string // substrings of the error
	}{
		{name: "empty document", doc: ``, want: []string{"EOF"}},
		{name: "not JSON", doc: `[{`, want: []string{"provider bindings"}},
		{name: "null", doc: `null`, want: []string{"not null"}},
		{name: "an object, not a list", doc: ok, want: []string{"cannot unmarshal object"}},
		{name: "a string", doc: `"P"`, want: []string{"cannot unmarshal string"}},
		{name: "trailing data", doc: `[] []`, want: []string{"after the JSON array"}},
		{name: "unknown field", doc: `[{"provider":"P","customer":"acme","customers":["x"]}]`, want: []string{`unknown field "customers"`}},
		{name: "misspelt groupsAttribute", doc: `[{"provider":"P","customer":"acme","groupsattribute":"custom:g"}]`, want: []string{"unknown field"}},
		{name: "field name in another case", doc: `[{"provider":"P","Customer":"acme"}]`, want: []string{`binding 0: unknown field "Customer"`}},
		{name: "one field in two cases", doc: `[{"provider":"P","customer":"acme","Customer":"globex"}]`, want: []string{`unknown field "Customer"`}},
		{name: "wrong type", doc: `[{"provider":"P","customer":"acme","groups":["g"]}]`, want: []string{"cannot unmarshal array"}},
		{name: "duplicate key customer", doc: `[{"provider":"P","customer":"acme","customer":"globex"}]`, want: []string{`key "customer" is given twice`}},
		{name: "duplicate IdP group", doc: `[{"provider":"P","customer":"acme","groupsAttribute":"custom:g","groups":{"g":"staff","g":"admins"}}]`, want: []string{`key "g" is given twice`}},
		{name: "duplicate provider", doc: `[` + ok + `,` + ok + `]`, want: []string{`binding 1: provider "P" is bound twice`}},
		{name: "empty provider", doc: `[{"provider":"","customer":"acme"}]`, want: []string{"provider is empty"}},
		{name: "missing provider", doc: `[{"customer":"acme"}]`, want: []string{"provider is empty"}},
		{name: "provider with spaces", doc: `[{"provider":" P","customer":"acme"}]`, want: []string{"leading or trailing spaces"}},
		{name: "empty customer", doc: `[{"provider":"P","customer":""}]`, want: []string{"customer is empty"}},
		{name: "missing customer", doc: `[{"provider":"P"}]`, want: []string{"customer is empty"}},
		{name: "customer with capitals", doc: binding("Acme", "g", "staff"), want: []string{`customer "Acme" does not match`}},
		{name: "customer with underscore", doc: binding("acme_corp", "g", "staff"), want: []string{"does not match"}},
		{name: "customer starting with a hyphen", doc: binding("-acme", "g", "staff"), want: []string{"does not match"}},
		{name: "customer too long", doc: binding(strings.Repeat("a", 64), "g", "staff"), want: []string{"does not match"}},
		{name: "customer path traversal", doc: binding("../acme", "g", "staff"), want: []string{"does not match"}},
		{name: "role platform-admins", doc: binding("acme", "g", "platform-admins"), want: []string{`role "platform-admins" is reserved`}},
		{name: "role Platform-Admins", doc: binding("acme", "g", "Platform-Admins"), want: []string{"is reserved"}},
		{name: "role with a space", doc: binding("acme", "g", "acme staff"), want: []string{`role "acme staff" does not match`}},
		{name: "role with a comma", doc: binding("acme", "g", "a,b"), want: []string{"does not match"}},
		{name: "empty role", doc: binding("acme", "g", ""), want: []string{`role "" does not match`}},
		{name: "role too long", doc: binding("acme", "g", strings.Repeat("r", 129)), want: []string{"does not match"}},
		{name: "empty IdP group", doc: binding("acme", "", "staff"), want: []string{"IdP group names must be non-empty"}},
		{name: "IdP group with trailing space", doc: binding("acme", "g ", "staff"), want: []string{"IdP group names must be non-empty"}},
		{name: "groups without groupsAttribute", doc: `[{"provider":"P","customer":"acme","groups":{"g":"staff"}}]`, want: []string{"groupsAttribute is empty"}},
		{name: "every problem reported", doc: `[{"provider":"","customer":"Acme","groupsAttribute":"custom:g","groups":{"a":"platform-admins","b":"x y"}}]`,
			want: []string{"provider is empty", `customer "Acme"`, `group "a": role "platform-admins" is reserved`, `group "b": role "x y"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := pretoken.ParseBindings([]byte(tc.doc))
			if err == nil {
				t.Fatalf("no error; providers %q", b.Providers())
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines (the cold-start failure must be one line): %q", msg)
			}
			for _, want := range append([]string{"provider bindings: "}, tc.want...) {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			if len(b.Providers()) != 0 {
				t.Error("a failed parse returned bindings")
			}
		})
	}
}

// A parsed binding is a copy: changing the document's bytes afterwards changes nothing.
func TestParseBindingsCopies(t *testing.T) {
	doc := []byte(`[{"provider":"P","customer":"acme","groupsAttribute":"custom:g","groups":{"g":"staff"}}]`)
	b, err := pretoken.ParseBindings(doc)
	if err != nil {
		t.Fatal(err)
	}
	copy(doc, strings.Repeat("x", len(doc)))
	got := handle(t, b, event(map[string]string{"identities": identities("P"), "custom:g": "g"}))
	if got.customer != "acme" || !slices.Equal(got.groups, []string{"staff"}) {
		t.Errorf("got %+v", got)
	}
}
