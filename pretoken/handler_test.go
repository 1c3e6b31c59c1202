package pretoken_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/pretoken"
)

type handlerCase struct {
	name          string
	attrs         map[string]string
	cognitoGroups []string
	wantCustomer  string   // "" means suppressed
	wantGroups    []string // nil means none
	wantLog       []string // substrings of the log; nil means nothing logged
}

func runHandlerCases(t *testing.T, cases []handlerCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, logs := newBindings(t)
			got := handle(t, b, event(tc.attrs, tc.cognitoGroups...))
			if got.customer != tc.wantCustomer {
				t.Errorf("customer %q, want %q", got.customer, tc.wantCustomer)
			}
			if !slices.Equal(got.groups, tc.wantGroups) && (len(got.groups) != 0 || len(tc.wantGroups) != 0) {
				t.Errorf("groups %q, want %q", got.groups, tc.wantGroups)
			}
			checkLog(t, logs.String(), tc)
		})
	}
}

// checkLog wants the expected substrings, at most one line, and none of the user's
// attribute values that are not provider names (emails, forged ids, group values).
func checkLog(t *testing.T, logged string, tc handlerCase) {
	t.Helper()
	if tc.wantLog == nil && logged != "" {
		t.Errorf("unexpected log: %s", logged)
	}
	if strings.Count(logged, "\n") > 1 {
		t.Errorf("more than one log line: %s", logged)
	}
	for _, want := range tc.wantLog {
		if !strings.Contains(logged, want) {
			t.Errorf("log %q lacks %q", logged, want)
		}
	}
	for k, v := range tc.attrs {
		quoted, _ := json.Marshal(v) // as a JSON log would carry it
		if k != "identities" && v != "" && strings.Contains(logged, string(quoted)) {
			t.Errorf("log leaks attribute %s: %s", k, logged)
		}
	}
}

func TestHandleBoundProviders(t *testing.T) {
	runHandlerCases(t, []handlerCase{
		{name: "OIDC, groups as a JSON array, unmapped dropped",
			attrs:        map[string]string{"identities": identities("AcmeOkta"), "email": "ann@acme.example", "custom:idp_groups": `["signet-admins","signet-staff","Everyone"]`},
			wantCustomer: "acme", wantGroups: []string{"acme-admins", "acme-staff"}},
		{name: "OIDC, groups comma-separated",
			attrs:        map[string]string{"identities": identities("AcmeOkta"), "custom:idp_groups": "Everyone, signet-staff"},
			wantCustomer: "acme", wantGroups: []string{"acme-staff"}},
		{name: "OIDC, groups space-separated",
			attrs:        map[string]string{"identities": identities("AcmeOkta"), "custom:idp_groups": "signet-staff  signet-admins"},
			wantCustomer: "acme", wantGroups: []string{"acme-admins", "acme-staff"}},
		{name: "OIDC, one group with a space, stored bare",
			attrs:        map[string]string{"identities": identities("AcmeOkta"), "custom:idp_groups": "Domain Users"},
			wantCustomer: "acme", wantGroups: []string{"acme-staff"}},
		{name: "OIDC, two groups mapping to one role",
			attrs:        map[string]string{"identities": identities("AcmeOkta"), "custom:idp_groups": `["Domain Users","signet-staff"]`},
			wantCustomer: "acme", wantGroups: []string{"acme-staff"}},
		{name: "SAML, multi-valued attribute as Cognito stores it",
			attrs:        map[string]string{"identities": identities("GlobexSAML"), "custom:idp_groups": "[Admins, Staff, Everyone]"},
			wantCustomer: "globex", wantGroups: []string{"globex-admins", "globex-staff"}},
		{name: "SAML, single value",
			attrs:        map[string]string{"identities": identities("GlobexSAML"), "custom:idp_groups": "Staff"},
			wantCustomer: "globex", wantGroups: []string{"globex-staff"}},
		{name: "SAML, group names are case-sensitive",
			attrs:        map[string]string{"identities": identities("GlobexSAML"), "custom:idp_groups": "[admins, STAFF]"},
			wantCustomer: "globex"},
		{name: "bound, no groups attribute at all",
			attrs:        map[string]string{"identities": identities("AcmeOkta")},
			wantCustomer: "acme"},
		{name: "bound, empty groups attribute and empty list",
			attrs:        map[string]string{"identities": identities("GlobexSAML"), "custom:idp_groups": "[]"},
			wantCustomer: "globex"},
		{name: "bound, groups read from the binding's attribute only",
			attrs:        map[string]string{"identities": identities("AcmeEntra"), "custom:idp_groups": "signet-admins", "custom:saml_groups": "a1b2-finance"},
			wantCustomer: "acme", wantGroups: []string{"acme-finance"}},
		{name: "bound without a group mapping",
			attrs:        map[string]string{"identities": identities("Initech"), "custom:idp_groups": "admins"},
			wantCustomer: "initech"},
		{name: "Cognito groups replaced, including the provider's auto group",
			attrs:         map[string]string{"identities": identities("AcmeOkta"), "custom:idp_groups": "signet-staff"},
			cognitoGroups: []string{"eu-west-1_TEST_AcmeOkta", "globex-admins"},
			wantCustomer:  "acme", wantGroups: []string{"acme-staff"}},
	})
}

func TestHandleForgedAttributes(t *testing.T) {
	runHandlerCases(t, []handlerCase{
		{name: "IdP maps its own custom:customer_id",
			attrs:        map[string]string{"identities": identities("AcmeOkta"), "custom:customer_id": "globex", "custom:idp_groups": "signet-staff"},
			wantCustomer: "acme", wantGroups: []string{"acme-staff"}},
		{name: "forged customer and Cognito platform-admins on a bound federated user",
			attrs:         map[string]string{"identities": identities("GlobexSAML"), "custom:customer_id": "acme"},
			cognitoGroups: []string{"platform-admins", "acme-admins"},
			wantCustomer:  "globex"},
		{name: "IdP group named platform-admins",
			attrs:        map[string]string{"identities": identities("AcmeOkta"), "custom:idp_groups": `["platform-admins","signet-staff"]`},
			wantCustomer: "acme", wantGroups: []string{"acme-staff"}},
		{name: "IdP sends the reserved role name in every format",
			attrs:        map[string]string{"identities": identities("GlobexSAML"), "custom:idp_groups": "[platform-admins, Platform-Admins]"},
			wantCustomer: "globex"},
		{name: "Signet role names as IdP groups grant nothing",
			attrs:        map[string]string{"identities": identities("AcmeOkta"), "custom:idp_groups": "acme-admins,acme-staff"},
			wantCustomer: "acme"},
		{name: "malformed forged customer is still overridden",
			attrs:        map[string]string{"identities": identities("AcmeOkta"), "custom:customer_id": "../globex"},
			wantCustomer: "acme"},
		{name: "unbound provider with a forged customer",
			attrs:         map[string]string{"identities": identities("EvilIdP"), "custom:customer_id": "acme", "custom:idp_groups": "signet-admins"},
			cognitoGroups: []string{"platform-admins"},
			wantLog:       []string{"EvilIdP", "no binding"}},
	})
}

func TestHandleUnplacedFederatedUsers(t *testing.T) {
	withCustomer := func(ids string) map[string]string {
		return map[string]string{"identities": ids, "custom:customer_id": "acme", "email": "mallory@evil.example"}
	}
	runHandlerCases(t, []handlerCase{
		{name: "unknown provider", attrs: withCustomer(identities("Google")), cognitoGroups: []string{"acme-staff"},
			wantLog: []string{`"provider":"Google"`}},
		{name: "provider name differs only in case", attrs: withCustomer(identities("acmeokta")),
			wantLog: []string{`"provider":"acmeokta"`}},
		{name: "status EXTERNAL_PROVIDER without identities",
			attrs:   map[string]string{"cognito:user_status": "EXTERNAL_PROVIDER", "custom:customer_id": "acme"},
			wantLog: []string{"unreadable identities"}},
		{name: "identities not JSON", attrs: withCustomer("AcmeOkta"), wantLog: []string{"unreadable identities"}},
		{name: "identities empty string", attrs: withCustomer(""), wantLog: []string{"unreadable identities"}},
		{name: "identities null", attrs: withCustomer("null"), wantLog: []string{"unreadable identities"}},
		{name: "identities empty array", attrs: withCustomer("[]"), wantLog: []string{"unreadable identities"}},
		{name: "identities an object", attrs: withCustomer(`{"providerName":"AcmeOkta"}`), wantLog: []string{"unreadable identities"}},
		{name: "identities entry without providerName", attrs: withCustomer(`[{"providerType":"OIDC","userId":"x"}]`), wantLog: []string{"unreadable identities"}},
		{name: "identities providerName not a string", attrs: withCustomer(`[{"providerName":["AcmeOkta"]}]`), wantLog: []string{"unreadable identities"}},
		{name: "identities one good, one bad entry", attrs: withCustomer(`[{"providerName":"AcmeOkta"},{"providerName":""}]`), wantLog: []string{"unreadable identities"}},
		{name: "identities truncated", attrs: withCustomer(identities("AcmeOkta")[:20]), wantLog: []string{"unreadable identities"}},
		{name: "identities with trailing data", attrs: withCustomer(identities("AcmeOkta") + `[]`), wantLog: []string{"unreadable identities"}},
		{name: "identities field name in another case", attrs: withCustomer(`[{"PROVIDERNAME":"AcmeOkta"}]`), wantLog: []string{"unreadable identities"}},
	})
}

func TestHandleMultipleIdentities(t *testing.T) {
	runHandlerCases(t, []handlerCase{
		{name: "two providers of one customer: roles both grant",
			attrs: map[string]string{"identities": identities("AcmeOkta", "AcmeEntra"),
				"custom:idp_groups": `["signet-admins","signet-staff"]`, "custom:saml_groups": "[signet-staff, a1b2-finance]"},
			wantCustomer: "acme", wantGroups: []string{"acme-staff"}},
		{name: "two providers of one customer, one grants nothing",
			attrs:        map[string]string{"identities": identities("AcmeEntra", "AcmeOkta"), "custom:idp_groups": "signet-admins"},
			wantCustomer: "acme"},
		{name: "the same provider listed twice",
			attrs:        map[string]string{"identities": identities("GlobexSAML", "GlobexSAML"), "custom:idp_groups": "Admins"},
			wantCustomer: "globex", wantGroups: []string{"globex-admins"}},
		{name: "providers of different customers",
			attrs:   map[string]string{"identities": identities("AcmeOkta", "GlobexSAML"), "custom:idp_groups": "Admins signet-admins"},
			wantLog: []string{"different customers", "AcmeOkta", "GlobexSAML"}},
		{name: "one provider bound, one not",
			attrs:   map[string]string{"identities": identities("AcmeOkta", "EvilIdP"), "custom:idp_groups": "signet-admins"},
			wantLog: []string{`"provider":"EvilIdP"`}},
	})
}

func TestHandleNativeUsers(t *testing.T) {
	runHandlerCases(t, []handlerCase{
		{name: "customer and groups kept",
			attrs: map[string]string{"custom:customer_id": "acme", "email": "ann@acme.example"}, cognitoGroups: []string{"acme-staff", "acme-finance"},
			wantCustomer: "acme", wantGroups: []string{"acme-staff", "acme-finance"}},
		{name: "platform operator keeps platform-admins",
			attrs: map[string]string{"custom:customer_id": "signet-ops"}, cognitoGroups: []string{"platform-admins"},
			wantCustomer: "signet-ops", wantGroups: []string{"platform-admins"}},
		{name: "no customer id: suppressed, groups kept",
			attrs: map[string]string{"email": "bob@acme.example"}, cognitoGroups: []string{"platform-admins"},
			wantGroups: []string{"platform-admins"}},
		{name: "empty customer id", attrs: map[string]string{"custom:customer_id": ""}},
		{name: "no attributes at all", attrs: nil},
		{name: "customer id with capitals", attrs: map[string]string{"custom:customer_id": "Acme"}, cognitoGroups: []string{"acme-staff"},
			wantGroups: []string{"acme-staff"}, wantLog: []string{"malformed"}},
		{name: "customer id path traversal", attrs: map[string]string{"custom:customer_id": "../globex"}, wantLog: []string{"malformed"}},
		{name: "customer id with a space", attrs: map[string]string{"custom:customer_id": "acme corp"}, wantLog: []string{"malformed"}},
		{name: "customer id with a newline", attrs: map[string]string{"custom:customer_id": "acme\n"}, wantLog: []string{"malformed"}},
		{name: "customer id too long", attrs: map[string]string{"custom:customer_id": strings.Repeat("a", 64)}, wantLog: []string{"malformed"}},
		{name: "customer id of maximum length", attrs: map[string]string{"custom:customer_id": strings.Repeat("a", 63)},
			wantCustomer: strings.Repeat("a", 63)},
		{name: "groups attribute of a native user is ignored",
			attrs: map[string]string{"custom:customer_id": "acme", "custom:idp_groups": "signet-admins"}, cognitoGroups: []string{"acme-staff"},
			wantCustomer: "acme", wantGroups: []string{"acme-staff"}},
	})
}

// The zero Bindings binds nothing: native users work, federated users are refused.
func TestZeroBindings(t *testing.T) {
	b := pretoken.Bindings{}.WithLogger(slog.New(slog.DiscardHandler))
	if got := handle(t, b, event(map[string]string{"custom:customer_id": "acme"}, "acme-staff")); got.customer != "acme" || len(got.groups) != 1 {
		t.Errorf("native user: %+v", got)
	}
	if got := handle(t, b, event(map[string]string{"identities": identities("AcmeOkta"), "custom:customer_id": "acme"}, "acme-staff")); got.customer != "" || len(got.groups) != 0 {
		t.Errorf("federated user: %+v", got)
	}
}

// The response must carry empty lists, not null, and keep the native user's IAM roles.
func TestResponseJSON(t *testing.T) {
	b, _ := newBindings(t)
	ev := event(map[string]string{"identities": identities("EvilIdP")}, "platform-admins")
	ev.Request.GroupConfiguration.IAMRolesToOverride = []string{"arn:aws:iam::111122223333:role/x"}
	out, _ := b.Handle(context.Background(), ev)
	raw, err := json.Marshal(out.Response)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"groupsToOverride":[]`, `"iamRolesToOverride":[]`, `"claimsToSuppress":["custom:customer_id"]`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("response %s lacks %s", raw, want)
		}
	}
	ev = event(map[string]string{"custom:customer_id": "acme"}, "acme-staff")
	role := "arn:aws:iam::111122223333:role/x"
	ev.Request.GroupConfiguration = events.GroupConfigurationV2_0{GroupsToOverride: []string{"acme-staff"}, IAMRolesToOverride: []string{role}, PreferredRole: &role}
	out, _ = b.Handle(context.Background(), ev)
	if g := out.Response.ClaimsAndScopeOverrideDetails.GroupOverrideDetails; !slices.Equal(g.IAMRolesToOverride, []string{role}) || g.PreferredRole == nil || *g.PreferredRole != role {
		t.Errorf("native user's group configuration changed: %+v", g)
	}
}
