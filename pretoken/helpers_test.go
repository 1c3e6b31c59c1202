package pretoken_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/pretoken"
)

// testBindings: Acme signs in through an OIDC and a SAML provider, Globex through SAML,
// Initech through a provider with no group mapping.
const testBindings = `[
  {"provider": "AcmeOkta", "customer": "acme", "groupsAttribute": "custom:idp_groups",
   "groups": {"signet-admins": "acme-admins", "signet-staff": "acme-staff", "Domain Users": "acme-staff"}},
  {"provider": "AcmeEntra", "customer": "acme", "groupsAttribute": "custom:saml_groups",
   "groups": {"a1b2-finance": "acme-finance", "signet-staff": "acme-staff", "signet-admins": "acme-admins"}},
  {"provider": "GlobexSAML", "customer": "globex", "groupsAttribute": "custom:idp_groups",
   "groups": {"Admins": "globex-admins", "Staff": "globex-staff"}},
  {"provider": "Initech", "customer": "initech"}
]`

var boundCustomers = []string{"acme", "globex", "initech"}

// mappedRoles is every role testBindings can grant.
var mappedRoles = []string{"acme-admins", "acme-finance", "acme-staff", "globex-admins", "globex-staff"}

// newBindings parses testBindings with a logger writing to the returned buffer.
func newBindings(t testing.TB) (pretoken.Bindings, *bytes.Buffer) {
	t.Helper()
	b, err := pretoken.ParseBindings([]byte(testBindings))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	return b.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))), &logs
}

// identities is the attribute Cognito writes for users linked to the given providers.
func identities(providers ...string) string {
	type entry struct {
		UserID       string `json:"userId"`
		ProviderName string `json:"providerName"`
		ProviderType string `json:"providerType"`
		Issuer       any    `json:"issuer"`
		Primary      string `json:"primary"`
		DateCreated  string `json:"dateCreated"`
	}
	var list []entry
	for i, p := range providers {
		list = append(list, entry{UserID: "user-" + p, ProviderName: p, ProviderType: "OIDC",
			Primary: map[bool]string{true: "true", false: "false"}[i == 0], DateCreated: "1700000000000"})
	}
	raw, _ := json.Marshal(list)
	return string(raw)
}

// event is a V2_0 event for a user with attrs who is in the given Cognito groups.
func event(attrs map[string]string, cognitoGroups ...string) events.CognitoEventUserPoolsPreTokenGenV2_0 {
	var ev events.CognitoEventUserPoolsPreTokenGenV2_0
	ev.Version = "2"
	ev.TriggerSource = "TokenGeneration_HostedAuth"
	ev.UserPoolID = "eu-west-1_TEST"
	ev.UserName = "someone"
	ev.Request.UserAttributes = attrs
	ev.Request.GroupConfiguration.GroupsToOverride = cognitoGroups
	ev.Request.Scopes = []string{"openid", "email"}
	return ev
}

// outcome is what a response says about the user, once both tokens are checked to say
// the same thing.
type outcome struct {
	customer string // "" when suppressed
	groups   []string
}

// outcomeOf reads a response, failing the test unless the ID and access tokens agree,
// the customer claim is either set or suppressed (never both, never neither), and no
// list is null.
func outcomeOf(t testing.TB, out events.CognitoEventUserPoolsPreTokenGenV2_0) outcome {
	t.Helper()
	d := out.Response.ClaimsAndScopeOverrideDetails
	idC := customerOf(t, "ID", d.IDTokenGeneration.ClaimsToAddOrOverride, d.IDTokenGeneration.ClaimsToSuppress)
	accC := customerOf(t, "access", d.AccessTokenGeneration.ClaimsToAddOrOverride, d.AccessTokenGeneration.ClaimsToSuppress)
	if idC != accC {
		t.Fatalf("ID token customer %q, access token customer %q", idC, accC)
	}
	g := d.GroupOverrideDetails
	if g.GroupsToOverride == nil || g.IAMRolesToOverride == nil {
		t.Fatalf("null group lists in %+v (null may mean: keep the Cognito groups)", g)
	}
	return outcome{customer: idC, groups: g.GroupsToOverride}
}

func customerOf(t testing.TB, token string, add map[string]any, suppress []string) string {
	t.Helper()
	v, added := add[pretoken.CustomerClaim]
	suppressed := slices.Contains(suppress, pretoken.CustomerClaim)
	s, isString := v.(string)
	switch {
	case added == suppressed:
		t.Fatalf("%s token: customer claim added=%v suppressed=%v; want exactly one", token, added, suppressed)
	case added && (!isString || s == ""):
		t.Fatalf("%s token: customer claim %#v, want a non-empty string", token, v)
	}
	if len(add) > 1 || len(suppress) > 1 {
		t.Fatalf("%s token: unexpected claims changed: add %v, suppress %v", token, add, suppress)
	}
	return s
}

func handle(t testing.TB, b pretoken.Bindings, ev events.CognitoEventUserPoolsPreTokenGenV2_0) outcome {
	t.Helper()
	out, err := b.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("Handle returned an error (fails the sign-in): %v", err)
	}
	if out.UserName != ev.UserName || out.UserPoolID != ev.UserPoolID || !slices.Equal(out.Request.Scopes, ev.Request.Scopes) {
		t.Fatal("Handle changed the event's header or request")
	}
	return outcomeOf(t, out)
}
