package oidc_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/signet-cdk/signet/directory"
	"github.com/signet-cdk/signet/pretoken"
)

// The admin API administers the local users exactly as directory.Directory does the
// cloud's: an invitation delivers a temporary password the user signs in with, the
// customer the admin set reaches the token through the trigger, SetRoles changes the
// next token's groups, Disable and Delete end access, and refusals map to the
// directory's sentinels.
func TestDirectoryAdministersLocalUsers(t *testing.T) {
	e := newEnv(t, pretoken.Bindings{})
	ctx := context.Background()
	dir := &directory.Directory{Client: e.iss, UserPoolID: poolID}
	username, err := dir.Invite(ctx, "grace@example.com", "acme", []string{"acme-staff"})
	if err != nil {
		t.Fatal(err)
	}
	inv := e.invitations()
	if len(inv) != 1 || inv[0].email != "grace@example.com" || !uuidV4RE.MatchString(username) {
		t.Fatalf("invitations %v, username %q", inv, username)
	}
	out := e.tokensWith("GRACE@example.com", inv[0].password)
	claims := e.verifyID(out["id_token"].(string))
	if claims[pretoken.CustomerClaim] != "acme" || claims["sub"] != username || !slices.Equal(groupsClaim(t, claims), []string{"acme-staff"}) {
		t.Fatalf("invited user's token: %v", claims)
	}

	if err := dir.SetRoles(ctx, username, []string{"customer-admins"}); err != nil {
		t.Fatal(err)
	}
	_, again := e.refresh(out["refresh_token"].(string))
	if again["refresh_token"] != nil || again["token_type"] != "Bearer" || again["expires_in"] != float64(3600) {
		t.Fatalf("a refresh answers new ID and access tokens only, as Cognito: %v", again)
	}
	if g := groupsClaim(t, e.verifyID(again["id_token"].(string))); !slices.Equal(g, []string{"customer-admins"}) {
		t.Fatalf("after SetRoles the token's groups are %v", g)
	}
	if err := dir.SetRoles(ctx, username, nil); err != nil {
		t.Fatal(err)
	}
	_, none := e.refresh(out["refresh_token"].(string))
	if c := e.verifyID(none["id_token"].(string)); c["cognito:groups"] != nil {
		t.Fatalf("a user without groups has cognito:groups %v", c["cognito:groups"])
	}

	checkDirectoryRefusals(t, dir, username)
	if err := dir.Disable(ctx, username); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.refresh(out["refresh_token"].(string)); s != http.StatusBadRequest {
		t.Fatalf("a disabled user refreshed: %d", s)
	}
	if err := dir.Delete(ctx, username); err != nil {
		t.Fatal(err)
	}
	if err := dir.Delete(ctx, username); err != nil {
		t.Fatalf("deleting a deleted user: %v", err)
	}
}

func checkDirectoryRefusals(t *testing.T, dir *directory.Directory, username string) {
	t.Helper()
	ctx := context.Background()
	if _, err := dir.Invite(ctx, "Grace@Example.COM", "acme", nil); !errors.Is(err, directory.ErrExists) {
		t.Errorf("inviting an existing email: %v", err)
	}
	if _, err := dir.Invite(ctx, "not-an-email", "acme", nil); !errors.Is(err, directory.ErrInvalid) {
		t.Errorf("inviting a non-email: %v", err)
	}
	if err := dir.SetRoles(ctx, "00000000-0000-4000-8000-000000000000", []string{"x"}); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("roles of an unknown user: %v", err)
	}
	other := &directory.Directory{Client: dir.Client, UserPoolID: "local_Other"}
	if err := other.Disable(ctx, username); !errors.Is(err, directory.ErrInvalid) {
		t.Errorf("another pool: %v", err)
	}
}

// Errors are the SDK's types inside *smithy.OperationError, with Cognito's codes.
func TestAdminErrorsAreCognitos(t *testing.T) {
	e := newEnv(t, pretoken.Bindings{})
	ctx := context.Background()
	e.addUser("heidi@example.com", "")
	_, err := e.iss.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("HEIDI@example.com")})
	var exists *types.UsernameExistsException
	var op *smithy.OperationError
	if !errors.As(err, &exists) || !errors.As(err, &op) || op.Operation() != "AdminCreateUser" {
		t.Fatalf("duplicate email: %v", err)
	}
	type check struct {
		name string
		err  error
		code string
	}
	var checks []check
	add := func(name string, err error, code string) { checks = append(checks, check{name, err, code}) }
	_, err = e.iss.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(poolID), Username: aws.String("heidi@example.com"), GroupName: aws.String("missing")})
	add("group missing", err, "ResourceNotFoundException")
	if _, err = e.iss.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(poolID), GroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.iss.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(poolID), GroupName: aws.String("g")})
	add("group exists", err, "GroupExistsException")
	_, err = e.iss.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("ivan@example.com"), TemporaryPassword: aws.String("short")})
	add("weak temporary password", err, "InvalidPasswordException")
	_, err = e.iss.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("ivan@example.com"),
		UserAttributes: []types.AttributeType{{Name: aws.String("identities"), Value: aws.String("[]")}}})
	add("attribute outside the schema", err, "InvalidParameterException")
	_, err = e.iss.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("ivan@example.com"),
		UserAttributes: []types.AttributeType{{Name: aws.String(pretoken.CustomerClaim), Value: aws.String(strings.Repeat("a", 64))}}})
	add("customer id too long", err, "InvalidParameterException")
	_, err = e.iss.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(poolID), Username: aws.String("nobody@example.com")})
	add("unknown user", err, "UserNotFoundException")
	_, err = e.iss.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: aws.String(poolID), Username: aws.String("heidi@example.com"), Limit: aws.Int32(61)})
	add("page too large", err, "InvalidParameterException")
	_, err = e.iss.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String("local_Other"), Username: aws.String("heidi@example.com")})
	add("another pool", err, "ResourceNotFoundException")
	_, err = e.iss.AdminDisableUser(ctx, nil)
	add("nil input", err, "ResourceNotFoundException")
	for _, c := range checks {
		var api smithy.APIError
		if !errors.As(c.err, &api) || api.ErrorCode() != c.code || api.ErrorFault() != smithy.FaultClient {
			t.Errorf("%s: %v, want %s", c.name, c.err, c.code)
		}
	}
}

// AdminListGroupsForUser pages as Cognito does, and a resent invitation carries a new
// temporary password that replaces the old one.
func TestListGroupsPagesAndResend(t *testing.T) {
	e := newEnv(t, pretoken.Bindings{})
	ctx := context.Background()
	groups := []string{"a", "b", "c", "d", "e"}
	username := e.addUser("judy@example.com", "acme", groups...)
	var got []string
	var next *string
	for pages := 0; ; pages++ {
		out, err := e.iss.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: aws.String(poolID),
			Username: aws.String(username), Limit: aws.Int32(2), NextToken: next})
		if err != nil || pages > 3 {
			t.Fatal(err, pages)
		}
		for _, g := range out.Groups {
			got = append(got, aws.ToString(g.GroupName))
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	if !slices.Equal(got, groups) {
		t.Fatalf("pages: %v", got)
	}

	in := &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("ken@example.com"),
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail}}
	if _, err := e.iss.AdminCreateUser(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.MessageAction = types.MessageActionTypeResend
	if _, err := e.iss.AdminCreateUser(ctx, in); err != nil {
		t.Fatal(err)
	}
	inv := e.invitations()
	if len(inv) != 2 || inv[0].password == inv[1].password {
		t.Fatalf("invitations: %v", inv)
	}
	for _, p := range []string{inv[0].password, inv[1].password} {
		if strings.ContainsAny(p, " \t") || len(p) < 12 {
			t.Errorf("temporary password %q", p)
		}
	}
	e.tokensWith("ken@example.com", inv[1].password)
	if _, err := e.iss.AdminCreateUser(ctx, in); err == nil {
		t.Fatal("resent an invitation to a user who has signed in")
	}
}

// testBindings bind AcmeOkta's users to acme, mapping one IdP group to a role.
const testBindings = `[{"provider": "AcmeOkta", "customer": "acme", "groupsAttribute": "custom:idp_groups",
  "groups": {"okta-admins": "acme-admins"}}]`

// A user that looks federated (an identities attribute, which only Cognito writes) is
// placed by the trigger's binding, whatever custom:customer_id says, with the roles
// its IdP groups map to; without a binding it gets no customer and no groups.
func TestFederatedUsersArePlacedByTheTrigger(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := newEnv(t, mustBindings(t, testBindings).WithLogger(quiet))
	bound := e.addUser("leo@acme.example", "globex", "platform-admins")
	unbound := e.addUser("mia@other.example", "globex", "globex-staff")
	seed := func(username, provider string) {
		err := e.iss.SetAttributes(username, map[string]string{
			"identities":        `[{"userId":"u1","providerName":"` + provider + `","providerType":"OIDC","issuer":null,"primary":"true","dateCreated":"1700000000000"}]`,
			"custom:idp_groups": `["okta-admins","okta-everyone"]`,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	seed(bound, "AcmeOkta")
	seed(unbound, "GlobexEntra")

	c := e.verifyID(e.tokensWith("leo@acme.example", password)["id_token"].(string))
	if c[pretoken.CustomerClaim] != "acme" || !slices.Equal(groupsClaim(t, c), []string{"acme-admins"}) || c["identities"] == nil {
		t.Fatalf("bound federated user: %v", c)
	}
	out := e.tokensWith("mia@other.example", password)
	for _, raw := range []string{out["id_token"].(string), out["access_token"].(string)} {
		c := e.verifyAccess(raw)
		if _, ok := c[pretoken.CustomerClaim]; ok || c["cognito:groups"] != nil {
			t.Fatalf("unbound federated user: %v", c)
		}
	}

	// With no bindings at all (the zero value), a federated user is never placed.
	z := newEnv(t, pretoken.Bindings{}.WithLogger(quiet))
	u := z.addUser("ned@acme.example", "acme", "acme-staff")
	if err := z.iss.SetAttributes(u, map[string]string{"identities": `[{"providerName":"AcmeOkta"}]`}); err != nil {
		t.Fatal(err)
	}
	if c := z.verifyID(z.tokensWith("ned@acme.example", password)["id_token"].(string)); c[pretoken.CustomerClaim] != nil {
		t.Fatalf("zero bindings placed a federated user: %v", c)
	}
}

func (e *env) exchangeOK(code, verifier string) map[string]any {
	e.t.Helper()
	status, out := e.exchange(code, verifier)
	if status != http.StatusOK {
		e.t.Fatalf("exchange: %d %v", status, out)
	}
	return out
}

// tokensWith signs email in with pw and redeems the code.
func (e *env) tokensWith(email, pw string) map[string]any {
	e.t.Helper()
	verifier, challenge := pkce()
	q := e.login(authParams(challenge), email, pw)
	return e.exchangeOK(q.Get("code"), verifier)
}
