package oidc

import (
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// Signet's trigger never touches a reserved claim or returns a null group list, so
// these rules of Cognito's are checked here, below the HTTP tests.
func TestTriggerAnswerIsAppliedAsCognitoDoes(t *testing.T) {
	claims := map[string]any{"sub": "s", "iss": "i", "token_use": "id", "cognito:username": "u", "email": "e", "keep": 1}
	add := map[string]any{"sub": "forged", "iss": "forged", "cognito:username": "forged", "cognito:groups": []string{"x"},
		"email": "other", "new": "n", "both": "b"}
	customize(claims, add, []string{"email", "both", "sub", "token_use"}, reservedID)
	want := map[string]any{"sub": "s", "iss": "i", "token_use": "id", "cognito:username": "u", "keep": 1, "new": "n"}
	if len(claims) != len(want) {
		t.Fatalf("claims = %v, want %v", claims, want)
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("%s = %v, want %v", k, claims[k], v)
		}
	}
	access := map[string]any{}
	customize(access, map[string]any{"client_id": "x", "scope": "x", "username": "x", "version": 3}, nil, reservedAccess)
	if len(access) != 0 {
		t.Errorf("reserved access token claims were added: %v", access)
	}
}

func TestGroupOverride(t *testing.T) {
	p := profile{groups: []string{"a", "b"}, roles: []string{"arn:aws:iam::1:role/r"}}
	cases := []struct {
		name     string
		override []string
		want     any
	}{
		{"null keeps the user's groups", nil, []string{"a", "b"}},
		{"an empty list removes the claim", []string{}, nil},
		{"a list replaces them", []string{"c"}, []string{"c"}},
	}
	for _, c := range cases {
		claims := map[string]any{}
		groupClaims(claims, p, events.GroupConfigurationV2_0{GroupsToOverride: c.override}, true)
		got, _ := claims["cognito:groups"].([]string)
		if want, _ := c.want.([]string); !slices.Equal(got, want) || (c.want == nil && claims["cognito:groups"] != nil) {
			t.Errorf("%s: cognito:groups = %v", c.name, claims["cognito:groups"])
		}
		if r, _ := claims["cognito:roles"].([]string); !slices.Equal(r, p.roles) {
			t.Errorf("%s: cognito:roles = %v", c.name, claims["cognito:roles"])
		}
	}
	if got := scopes([]string{"openid", "email"}, []string{"x", "email", "bad scope"}, []string{"email"}); !slices.Equal(got, []string{"openid", "x"}) {
		t.Errorf("scopes = %v", got)
	}
}
