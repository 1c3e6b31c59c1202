package pretoken_test

import (
	"regexp"
	"slices"
	"testing"
)

var customerIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// FuzzHandle feeds arbitrary identities and groups attributes (and a forged customer
// id) to the handler. It must never panic or fail, and the customer claim is always
// suppressed, exactly a bound customer (federated), or exactly the well-formed
// admin-set attribute (native); a federated user only ever gets mapped roles.
func FuzzHandle(f *testing.F) {
	for _, seed := range []struct {
		ids, groups, customer string
		linked                bool
	}{
		{identities("AcmeOkta"), `["signet-admins","signet-staff"]`, "globex", true},
		{identities("GlobexSAML"), `[Admins, Staff]`, "", true},
		{identities("AcmeOkta", "AcmeEntra"), `signet-staff, a1b2-finance`, "acme", true},
		{identities("AcmeOkta", "GlobexSAML"), `Admins signet-admins`, "", true},
		{identities("EvilIdP"), `platform-admins`, "acme", true},
		{`[{"providerName":"AcmeOkta"}`, `[`, "acme", true},
		{`[{"providerName":null}]`, `["a",1]`, "", true},
		{`null`, `Domain Users`, "", true},
		{"", "signet-admins", "acme", false},
		{"", "", "ACME", false},
		{"", "", "../x", false},
	} {
		f.Add(seed.ids, seed.groups, seed.customer, seed.linked)
	}
	b, _ := newBindings(f)
	f.Fuzz(func(t *testing.T, ids, groups, customer string, linked bool) {
		attrs := map[string]string{"custom:idp_groups": groups, "custom:saml_groups": groups, "custom:customer_id": customer}
		if linked {
			attrs["identities"] = ids
		}
		got := handle(t, b, event(attrs, "platform-admins", "acme-staff"))
		if linked {
			checkFederated(t, got)
		} else {
			checkNative(t, got, customer)
		}
	})
}

func checkFederated(t *testing.T, got outcome) {
	if got.customer != "" && !slices.Contains(boundCustomers, got.customer) {
		t.Fatalf("federated user got customer %q, which no binding names", got.customer)
	}
	if got.customer == "" && len(got.groups) != 0 {
		t.Fatalf("refused user got groups %q", got.groups)
	}
	for _, g := range got.groups {
		if !slices.Contains(mappedRoles, g) {
			t.Fatalf("federated user got role %q, which no binding maps to", g)
		}
	}
}

func checkNative(t *testing.T, got outcome, customer string) {
	want := ""
	if customerIDRE.MatchString(customer) {
		want = customer
	}
	if got.customer != want {
		t.Fatalf("native user with %q got customer %q, want %q", customer, got.customer, want)
	}
	if !slices.Equal(got.groups, []string{"platform-admins", "acme-staff"}) {
		t.Fatalf("native user's groups changed to %q", got.groups)
	}
}
