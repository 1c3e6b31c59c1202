package oidc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// grant is what a token set is issued for: one user's sign-in.
type grant struct {
	username string
	scopes   []string
	nonce    string
	authTime time.Time
	origin   string // origin_jti: the sign-in that refreshes descend from
	source   string // the trigger source
}

// profile is a snapshot of a user, taken under the lock, for the trigger and tokens.
type profile struct {
	username string
	attrs    map[string]string
	status   types.UserStatusType
	groups   []string
	roles    []string
}

// profileOf snapshots an enabled user; false if it is gone or disabled.
func (i *Issuer) profileOf(username string) (profile, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	u := i.users[username]
	if u == nil || !u.enabled {
		return profile{}, false
	}
	groups := i.groupNames(u)
	return profile{username: u.username, attrs: maps.Clone(u.attrs), status: u.status,
		groups: groups, roles: i.roleArns(groups)}, true
}

// mint runs the trigger for g's user and signs its ID and access tokens.
func (i *Issuer) mint(ctx context.Context, g grant) (*tokenResponse, error) {
	p, ok := i.profileOf(g.username)
	if !ok {
		return nil, errInvalidGrant
	}
	ev, err := i.cfg.Bindings.Handle(ctx, i.event(g, p))
	if err != nil {
		return nil, errInvalidGrant // a trigger error fails the sign-in, as in Cognito
	}
	o := ev.Response.ClaimsAndScopeOverrideDetails
	now := i.now()
	access, err := i.sign(i.accessClaims(g, p, o, now))
	if err != nil {
		return nil, errInvalidGrant
	}
	resp := &tokenResponse{AccessToken: access, ExpiresIn: expiresIn(i.cfg.IDTokenLifetime), TokenType: "Bearer"}
	if slices.Contains(g.scopes, "openid") {
		if resp.IDToken, err = i.sign(i.idClaims(g, p, o, now, access)); err != nil {
			return nil, errInvalidGrant
		}
	}
	return resp, nil
}

// event is the V2_0 pre-token-generation event Cognito sends for g.
func (i *Issuer) event(g grant, p profile) events.CognitoEventUserPoolsPreTokenGenV2_0 {
	var ev events.CognitoEventUserPoolsPreTokenGenV2_0
	ev.Version = "2"
	ev.TriggerSource = g.source
	ev.Region, _, _ = strings.Cut(i.cfg.UserPoolID, "_")
	ev.UserPoolID = i.cfg.UserPoolID
	ev.UserName = p.username
	ev.CallerContext = events.CognitoEventUserPoolsCallerContext{AWSSDKVersion: "aws-sdk-unknown-unknown", ClientID: i.cfg.ClientID}
	attrs := maps.Clone(p.attrs)
	attrs["cognito:user_status"] = string(p.status)
	ev.Request.UserAttributes = attrs
	ev.Request.GroupConfiguration = events.GroupConfigurationV2_0{
		GroupsToOverride: slices.Clone(p.groups), IAMRolesToOverride: slices.Clone(p.roles)}
	ev.Request.Scopes = slices.Clone(g.scopes)
	return ev
}

// Claims the trigger cannot add, override or suppress: Cognito reserves them (and
// every cognito: claim; groups change through groupOverrideDetails).
var (
	reservedID     = []string{"acr", "amr", "aud", "at_hash", "auth_time", "azp", "c_hash", "event_id", "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "sub", "token_use"}
	reservedAccess = append(slices.Clone(reservedID), "client_id", "device_key", "scope", "username", "version")
)

// customize applies the trigger's claims to claims: additions and overrides, then
// suppressions, which win; reserved claims are left alone.
func customize(claims, add map[string]any, suppress, reserved []string) {
	isReserved := func(name string) bool {
		return slices.Contains(reserved, name) || strings.HasPrefix(name, "cognito:")
	}
	for name, v := range add {
		if !isReserved(name) {
			claims[name] = v
		}
	}
	for _, name := range suppress {
		if !isReserved(name) {
			delete(claims, name)
		}
	}
}

// groupClaims sets cognito:groups (and, in the ID token, the IAM role claims) as the
// trigger's group override says: null keeps the user's, a list replaces them.
func groupClaims(claims map[string]any, p profile, o events.GroupConfigurationV2_0, roles bool) {
	groups := p.groups
	if o.GroupsToOverride != nil {
		groups = o.GroupsToOverride
	}
	if len(groups) > 0 {
		claims["cognito:groups"] = groups
	}
	if !roles {
		return
	}
	arns := p.roles
	if o.IAMRolesToOverride != nil {
		arns = o.IAMRolesToOverride
	}
	if len(arns) > 0 {
		claims["cognito:roles"] = arns
	}
	if o.PreferredRole != nil {
		claims["cognito:preferred_role"] = *o.PreferredRole
	}
}

// accessClaims are Cognito's access token claims, then the trigger's changes.
func (i *Issuer) accessClaims(g grant, p profile, o events.ClaimsAndScopeOverrideDetailsV2_0, now time.Time) map[string]any {
	a := o.AccessTokenGeneration
	c := map[string]any{
		"sub": p.attrs["sub"], "iss": i.cfg.Issuer, "client_id": i.cfg.ClientID, "origin_jti": g.origin,
		"token_use": "access", "scope": strings.Join(scopes(g.scopes, a.ScopesToAdd, a.ScopesToSuppress), " "),
		"auth_time": g.authTime.Unix(), "iat": now.Unix(), "exp": now.Add(i.cfg.IDTokenLifetime).Unix(),
		"jti": newUUID(), "username": p.username, "version": 2,
	}
	groupClaims(c, p, o.GroupOverrideDetails, false)
	customize(c, a.ClaimsToAddOrOverride, a.ClaimsToSuppress, reservedAccess)
	return c
}

// scopes is the granted scopes with the trigger's added, then its suppressed removed.
func scopes(granted, add, suppress []string) []string {
	out := slices.Clone(granted)
	for _, s := range add {
		if s != "" && !strings.ContainsAny(s, " \"\\") && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return slices.DeleteFunc(out, func(s string) bool { return slices.Contains(suppress, s) })
}

// idClaims are Cognito's ID token claims, then the trigger's changes.
func (i *Issuer) idClaims(g grant, p profile, o events.ClaimsAndScopeOverrideDetailsV2_0, now time.Time, access string) map[string]any {
	sum := sha256.Sum256([]byte(access))
	c := map[string]any{
		"sub": p.attrs["sub"], "aud": i.cfg.ClientID, "iss": i.cfg.Issuer, "token_use": "id",
		"auth_time": g.authTime.Unix(), "iat": now.Unix(), "exp": now.Add(i.cfg.IDTokenLifetime).Unix(),
		"jti": newUUID(), "origin_jti": g.origin, "cognito:username": p.username,
		"at_hash": base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]),
	}
	maps.Copy(c, attributeClaims(p.attrs, g.scopes, true))
	if ids, ok := identities(p.attrs["identities"]); ok {
		c["identities"] = ids
	}
	if g.nonce != "" {
		c["nonce"] = g.nonce
	}
	groupClaims(c, p, o.GroupOverrideDetails, true)
	id := o.IDTokenGeneration
	customize(c, id.ClaimsToAddOrOverride, id.ClaimsToSuppress, reservedID)
	return c
}

// readable are the attributes the app client reads (constructs/identity), and the
// scope that grants each when openid is not alone.
var readable = map[string]string{"email": "email", "email_verified": "email", "name": "profile", CustomerAttribute: "profile"}

// attributeClaims are the readable attributes the scopes grant: all of them for openid
// alone or with profile, else those of the scopes asked for. email_verified is a
// boolean in tokens and a string in userInfo.
func attributeClaims(attrs map[string]string, granted []string, token bool) map[string]any {
	all := slices.Equal(granted, []string{"openid"}) || slices.Contains(granted, "profile")
	out := map[string]any{}
	for name, scope := range readable {
		v, ok := attrs[name]
		if !ok || (!all && !slices.Contains(granted, scope)) {
			continue
		}
		if token && name == "email_verified" {
			out[name] = v == "true"
		} else {
			out[name] = v
		}
	}
	return out
}

// identities reads the identities attribute as the JSON array Cognito puts in tokens.
func identities(raw string) ([]any, bool) {
	var list []any
	if raw == "" || json.Unmarshal([]byte(raw), &list) != nil {
		return nil, false
	}
	return list, true
}

// sign serializes claims as a compact RS256 JWS.
func (i *Issuer) sign(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := i.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}
