package pretoken

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/aws/aws-lambda-go/events"
)

const (
	// CustomerClaim is the claim (and user pool attribute) holding the customer id.
	CustomerClaim = "custom:customer_id"

	identitiesAttr = "identities"          // written by Cognito alone, for linked IdPs
	statusAttr     = "cognito:user_status" // EXTERNAL_PROVIDER for federated users
	externalStatus = "EXTERNAL_PROVIDER"
)

// identity is the decision for one user: customer "" means none (suppressed).
type identity struct {
	customer string
	groups   events.GroupConfigurationV2_0
}

// refused is the identity of a user Signet cannot place: no customer, no groups.
func refused() identity { return identity{} }

// Handle is the Lambda handler. It never returns an error: a trigger error fails the
// sign-in, and nothing in a user's data may do that; a user who cannot be placed gets
// a token the API refuses instead.
func (b Bindings) Handle(ctx context.Context, ev events.CognitoEventUserPoolsPreTokenGenV2_0) (out events.CognitoEventUserPoolsPreTokenGenV2_0, err error) {
	defer func() {
		// Last line of defence: a bug must neither lock everyone out nor let a token
		// through unchanged. The panic value is not logged: it could hold user data.
		if recover() != nil {
			b.log().ErrorContext(ctx, "pretoken: internal error; token issued without customer or groups")
			out, err = withIdentity(ev, refused()), nil
		}
	}()
	return withIdentity(ev, b.resolve(ctx, ev.Request)), nil
}

// resolve decides who the user is: federated users by their binding, native users by
// what an administrator set.
func (b Bindings) resolve(ctx context.Context, req events.CognitoEventUserPoolsPreTokenGenRequestV2_0) identity {
	attrs := req.UserAttributes
	raw, linked := attrs[identitiesAttr]
	if linked || attrs[statusAttr] == externalStatus {
		return b.federated(ctx, raw, attrs)
	}
	return b.native(ctx, req)
}

// native keeps the admin-set customer id (if well-formed) and the Cognito groups.
func (b Bindings) native(ctx context.Context, req events.CognitoEventUserPoolsPreTokenGenRequestV2_0) identity {
	id := identity{groups: req.GroupConfiguration}
	switch c, set := req.UserAttributes[CustomerClaim]; {
	case customerIDRE.MatchString(c):
		id.customer = c
	case set && c != "":
		// The value is not logged: it is not a customer id, so it may be anything.
		b.log().WarnContext(ctx, "pretoken: native user's "+CustomerClaim+" is malformed; suppressed")
	}
	return id
}

// federated places a user by the bindings of its providers, or refuses it.
func (b Bindings) federated(ctx context.Context, raw string, attrs map[string]string) identity {
	providers, ok := providerNames(raw)
	if !ok {
		b.log().WarnContext(ctx, "pretoken: federated user with unreadable identities; no customer")
		return refused()
	}
	bs := make([]Binding, 0, len(providers))
	for _, p := range providers {
		bd, bound := b.byProvider[p]
		if !bound {
			b.log().WarnContext(ctx, "pretoken: identity provider has no binding; no customer", "provider", p)
			return refused()
		}
		bs = append(bs, bd)
	}
	if slices.ContainsFunc(bs, func(bd Binding) bool { return bd.Customer != bs[0].Customer }) {
		b.log().WarnContext(ctx, "pretoken: user linked to providers of different customers; no customer", "providers", providers)
		return refused()
	}
	return identity{customer: bs[0].Customer, groups: events.GroupConfigurationV2_0{GroupsToOverride: commonRoles(bs, attrs)}}
}

// providerNames reads the distinct providerName values of the identities attribute;
// ok is false unless it is a non-empty JSON array of objects that each name one.
func providerNames(raw string) (names []string, ok bool) {
	var entries []map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &entries) != nil || len(entries) == 0 {
		return nil, false
	}
	for _, e := range entries {
		var name string
		if json.Unmarshal(e["providerName"], &name) != nil || name == "" {
			return nil, false
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names, true
}

// withIdentity writes id into both tokens of ev's response: the customer claim added
// or suppressed, the groups replaced.
func withIdentity(ev events.CognitoEventUserPoolsPreTokenGenV2_0, id identity) events.CognitoEventUserPoolsPreTokenGenV2_0 {
	groups := id.groups
	// Empty lists, never null: null could read as "no override" and keep the user's
	// Cognito groups, where an empty list removes them.
	groups.GroupsToOverride = nonNil(groups.GroupsToOverride)
	groups.IAMRolesToOverride = nonNil(groups.IAMRolesToOverride)
	idAdd, idSuppress := customerClaim(id.customer)
	accessAdd, accessSuppress := customerClaim(id.customer)
	ev.Response.ClaimsAndScopeOverrideDetails = events.ClaimsAndScopeOverrideDetailsV2_0{
		IDTokenGeneration: events.IDTokenGenerationV2_0{ClaimsToAddOrOverride: idAdd, ClaimsToSuppress: idSuppress},
		AccessTokenGeneration: events.AccessTokenGenerationV2_0{ClaimsToAddOrOverride: accessAdd, ClaimsToSuppress: accessSuppress,
			ScopesToAdd: []string{}, ScopesToSuppress: []string{}},
		GroupOverrideDetails: groups,
	}
	return ev
}

// customerClaim sets the customer claim, or suppresses it when there is no customer:
// overriding with "" would still be a claim, and a forged one the IdP mapped would
// otherwise reach the token.
func customerClaim(customer string) (add map[string]any, suppress []string) {
	if customer == "" {
		return map[string]any{}, []string{CustomerClaim}
	}
	return map[string]any{CustomerClaim: customer}, []string{}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
