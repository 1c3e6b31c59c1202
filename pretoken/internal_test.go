package pretoken

import (
	"slices"
	"testing"

	"github.com/signet-cdk/signet/store"
)

// The trigger keeps its own copy of the reserved roles so its binary does not link the
// store; this keeps the copy honest.
func TestReservedRolesMatchStore(t *testing.T) {
	if !slices.Equal(reservedRoles, store.ReservedRoles) {
		t.Fatalf("pretoken reserves %q, store reserves %q", reservedRoles, store.ReservedRoles)
	}
}

func TestIdpGroups(t *testing.T) {
	mapped := map[string]string{"Domain Users": "x", "Admins": "y"}
	for _, tc := range []struct {
		raw  string
		want []string
	}{
		{``, nil},
		{`   `, nil},
		{`[]`, []string{}},
		{`["a","b c"]`, []string{"a", "b c"}}, // OIDC array claim, names kept whole
		{` ["a", "b"] `, []string{"a", "b"}},  // surrounding space
		{`["a",null]`, []string{"a", ""}},     // null matches no mapping
		{`[a, b c]`, []string{"a", "b c"}},    // SAML multi-valued
		{`[Domain Users, Admins]`, []string{"Domain Users", "Admins"}},
		{`[a,,b]`, []string{"a", "b"}},
		{`[1, 2]`, []string{"1", "2"}},             // not strings: read as a SAML list
		{`[a`, []string{"[a"}},                     // unbalanced: one bare value
		{`a,b , c`, []string{"a", "b", "c"}},       // comma list
		{`a b	c`, []string{"a", "b", "c"}},         // whitespace list
		{`Domain Users`, []string{"Domain Users"}}, // mapped as a whole
		{`Not Admins`, []string{"Not", "Admins"}},  // the documented hazard
		{`Admins`, []string{"Admins"}},
	} {
		got := idpGroups(tc.raw, mapped)
		if !slices.Equal(got, tc.want) || (got == nil) != (tc.want == nil) && len(tc.want) != 0 {
			t.Errorf("idpGroups(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}
