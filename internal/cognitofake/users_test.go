package cognitofake_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/signet-cdk/signet/internal/cognitofake"
)

func TestAdminCreateUserInEmailPool(t *testing.T) {
	e := newEnv(t)
	out, err := e.c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: e.pool, Username: aws.String("Alice@Example.com"),
		UserAttributes:         []types.AttributeType{attr("email", "Alice@Example.com"), attr("custom:customer_id", "acme")},
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := out.User
	got := attrs(u.Attributes)
	if !uuidRE.MatchString(got["sub"]) || aws.ToString(u.Username) != got["sub"] {
		t.Fatalf("username %q, sub %q: want the generated sub as username", aws.ToString(u.Username), got["sub"])
	}
	if got["email"] != "Alice@Example.com" || got["custom:customer_id"] != "acme" {
		t.Fatalf("attributes = %v", got)
	}
	if u.UserStatus != types.UserStatusTypeForceChangePassword || !u.Enabled || u.UserCreateDate == nil {
		t.Fatalf("user = %+v", u)
	}
	stored, ok := e.f.User("alice@example.com")
	if !ok || !stored.Invited() || stored.Invitations != 1 || stored.Username != got["sub"] {
		t.Fatalf("stored = %+v, %v", stored, ok)
	}
}

func TestAdminCreateUserDuplicateEmail(t *testing.T) {
	e := newEnv(t)
	e.create("bob@example.com", "acme")
	_, err := e.c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: e.pool, Username: aws.String("BOB@example.com")})
	var exists *types.UsernameExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("error = %v, want UsernameExistsException", err)
	}
	if n := len(e.f.Users()); n != 1 {
		t.Fatalf("%d users", n)
	}
}

func TestAdminCreateUserInvitationDelivery(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		email   string
		mediums []types.DeliveryMediumType
		action  types.MessageActionType
		want    int
	}{
		{"email@example.com", []types.DeliveryMediumType{"EMAIL"}, "", 1},
		{"both@example.com", []types.DeliveryMediumType{"SMS", "EMAIL"}, "", 1},
		{"suppressed@example.com", []types.DeliveryMediumType{"EMAIL"}, types.MessageActionTypeSuppress, 0},
		{"default@example.com", nil, "", 0}, // Cognito's default medium is SMS
		{"sms@example.com", []types.DeliveryMediumType{"SMS"}, "", 0},
	}
	for _, c := range cases {
		_, err := e.c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId: e.pool, Username: aws.String(c.email), DesiredDeliveryMediums: c.mediums, MessageAction: c.action,
		})
		if err != nil {
			t.Fatal(err)
		}
		if u, _ := e.f.User(c.email); u.Invitations != c.want || u.Attributes["email"] != c.email {
			t.Errorf("%s: %+v, want %d invitations", c.email, u, c.want)
		}
	}
}

func TestAdminCreateUserResend(t *testing.T) {
	e := newEnv(t)
	sub := e.create("carol@example.com", "acme")
	in := &cip.AdminCreateUserInput{
		UserPoolId: e.pool, Username: aws.String("carol@example.com"),
		MessageAction: types.MessageActionTypeResend, DesiredDeliveryMediums: []types.DeliveryMediumType{"EMAIL"},
	}
	out, err := e.c.AdminCreateUser(ctx, in)
	if err != nil || aws.ToString(out.User.Username) != sub {
		t.Fatalf("resend: %v, %+v", err, out)
	}
	if u, _ := e.f.User(sub); u.Invitations != 2 || len(e.f.Users()) != 1 {
		t.Fatalf("after resend: %+v", e.f.Users())
	}
	if !e.f.SetStatus(sub, "CONFIRMED") || e.f.SetStatus("nobody@example.com", "CONFIRMED") {
		t.Fatal("SetStatus")
	}
	_, err = e.c.AdminCreateUser(ctx, in)
	var state *types.UnsupportedUserStateException
	if !errors.As(err, &state) {
		t.Fatalf("resend to a confirmed user: %v, want UnsupportedUserStateException", err)
	}
	in.Username = aws.String("nobody@example.com")
	_, err = e.c.AdminCreateUser(ctx, in)
	wantCode(t, err, "UserNotFoundException")
}

func TestAdminCreateUserRefusals(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name string
		in   cip.AdminCreateUserInput
		code string
	}{
		{"empty username", cip.AdminCreateUserInput{Username: aws.String("")}, "InvalidParameterException"},
		{"not an email", cip.AdminCreateUserInput{Username: aws.String("dave")}, "InvalidParameterException"},
		{"email differs", cip.AdminCreateUserInput{Username: aws.String("a@example.com"), UserAttributes: []types.AttributeType{attr("email", "b@example.com")}}, "InvalidParameterException"},
		{"custom attribute not in schema", cip.AdminCreateUserInput{Username: aws.String("a@example.com"), UserAttributes: []types.AttributeType{attr("custom:customerId", "acme")}}, "InvalidParameterException"},
		{"sub", cip.AdminCreateUserInput{Username: aws.String("a@example.com"), UserAttributes: []types.AttributeType{attr("sub", "x")}}, "InvalidParameterException"},
		{"bad email_verified", cip.AdminCreateUserInput{Username: aws.String("a@example.com"), UserAttributes: []types.AttributeType{attr("email_verified", "yes")}}, "InvalidParameterException"},
		{"bad message action", cip.AdminCreateUserInput{Username: aws.String("a@example.com"), MessageAction: "SHOUT"}, "InvalidParameterException"},
		{"bad medium", cip.AdminCreateUserInput{Username: aws.String("a@example.com"), DesiredDeliveryMediums: []types.DeliveryMediumType{"PIGEON"}}, "InvalidParameterException"},
		{"weak password", cip.AdminCreateUserInput{Username: aws.String("a@example.com"), TemporaryPassword: aws.String("short1A!")}, "InvalidPasswordException"},
		{"password without symbol", cip.AdminCreateUserInput{Username: aws.String("a@example.com"), TemporaryPassword: aws.String("Longenough123")}, "InvalidPasswordException"},
	}
	for _, c := range cases {
		c.in.UserPoolId = e.pool
		_, err := e.c.AdminCreateUser(ctx, &c.in)
		t.Run(c.name, func(t *testing.T) { wantCode(t, err, c.code) })
	}
	if n := len(e.f.Users()); n != 0 {
		t.Fatalf("%d users created by refused calls", n)
	}
	_, err := e.c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: e.pool, Username: aws.String("a@example.com"), TemporaryPassword: aws.String("Longenough123!")})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPlainUsernamePool(t *testing.T) {
	f, c := cognitofake.NewWithOptions(t, cognitofake.Options{UserPoolID: "us-east-1_Plain", PlainUsernames: true})
	pool := aws.String("us-east-1_Plain")
	out, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("erin"), UserAttributes: []types.AttributeType{attr("email", "erin@example.com")}})
	if err != nil || aws.ToString(out.User.Username) != "erin" {
		t.Fatalf("create: %v, %+v", err, out)
	}
	_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("ERIN")})
	wantCode(t, err, "UsernameExistsException")
	_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("frank"), DesiredDeliveryMediums: []types.DeliveryMediumType{"EMAIL"}})
	wantCode(t, err, "InvalidParameterException") // no email to deliver to
	_, err = c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: aws.String("erin@example.com")})
	wantCode(t, err, "UserNotFoundException") // no email alias in this pool
	if us := f.Users(); len(us) != 1 || us[0].Username != "erin" {
		t.Fatalf("users = %+v", us)
	}
}

func TestAdminGetUser(t *testing.T) {
	e := newEnv(t)
	sub := e.create("gina@example.com", "acme")
	for _, name := range []string{sub, "gina@example.com", "GINA@EXAMPLE.COM"} {
		out, err := e.c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: e.pool, Username: aws.String(name)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		a := attrs(out.UserAttributes)
		if aws.ToString(out.Username) != sub || a["sub"] != sub || a["custom:customer_id"] != "acme" || !out.Enabled || out.UserStatus != types.UserStatusTypeForceChangePassword {
			t.Fatalf("%s: %+v", name, out)
		}
		if aws.ToString(out.UserAttributes[0].Name) != "sub" {
			t.Fatalf("sub is not listed first: %v", a)
		}
	}
	_, err := e.c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: e.pool, Username: aws.String("nobody@example.com")})
	var nf *types.UserNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v, want UserNotFoundException", err)
	}
	_, err = e.c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: e.pool, Username: aws.String("")})
	wantCode(t, err, "InvalidParameterException")
}

func TestAdminDisableEnableUser(t *testing.T) {
	e := newEnv(t)
	sub := e.create("hank@example.com", "acme")
	enabled := func() bool {
		out, err := e.c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: e.pool, Username: aws.String(sub)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Enabled
	}
	if _, err := e.c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: e.pool, Username: aws.String("hank@example.com")}); err != nil {
		t.Fatal(err)
	}
	if enabled() {
		t.Fatal("still enabled after AdminDisableUser")
	}
	if _, err := e.c.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: e.pool, Username: aws.String(sub)}); err != nil {
		t.Fatal(err)
	}
	if !enabled() {
		t.Fatal("still disabled after AdminEnableUser")
	}
	_, err := e.c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: e.pool, Username: aws.String("nobody@example.com")})
	wantCode(t, err, "UserNotFoundException")
	_, err = e.c.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: e.pool, Username: aws.String("nobody@example.com")})
	wantCode(t, err, "UserNotFoundException")
}

func TestAdminDeleteUser(t *testing.T) {
	e := newEnv(t)
	sub := e.create("ivan@example.com", "acme")
	e.group("acme-staff")
	e.join(sub, "acme-staff")
	if _, err := e.c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: e.pool, Username: aws.String("ivan@example.com")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: e.pool, Username: aws.String(sub)})
	wantCode(t, err, "UserNotFoundException")
	in, err := e.c.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: e.pool, GroupName: aws.String("acme-staff")})
	if err != nil || len(in.Users) != 0 {
		t.Fatalf("members after delete: %v, %+v", err, in)
	}
	_, err = e.c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: e.pool, Username: aws.String(sub)})
	wantCode(t, err, "UserNotFoundException")
	// The email is free again.
	e.create("ivan@example.com", "acme")
}

func TestAdminUpdateUserAttributes(t *testing.T) {
	e := newEnv(t)
	sub := e.create("jo@example.com", "acme")
	e.create("kim@example.com", "acme")
	update := func(as ...types.AttributeType) error {
		_, err := e.c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: e.pool, Username: aws.String(sub), UserAttributes: as})
		return err
	}
	if err := update(attr("custom:customer_id", "globex"), attr("name", "Jo")); err != nil {
		t.Fatal(err)
	}
	if err := update(attr("email", "jo@globex.example")); err != nil {
		t.Fatal(err)
	}
	u, _ := e.f.User(sub)
	if u.Attributes["custom:customer_id"] != "globex" || u.Attributes["name"] != "Jo" || u.Attributes["email"] != "jo@globex.example" || u.Attributes["email_verified"] != "false" {
		t.Fatalf("attributes = %v", u.Attributes)
	}
	if _, ok := e.f.User("jo@globex.example"); !ok {
		t.Fatal("not found by the new email")
	}
	if err := update(attr("email", "jo2@globex.example"), attr("email_verified", "true")); err != nil {
		t.Fatal(err)
	}
	if u, _ := e.f.User(sub); u.Attributes["email_verified"] != "true" {
		t.Fatalf("attributes = %v", u.Attributes)
	}
	wantCode(t, update(attr("email", "KIM@example.com")), "AliasExistsException")
	wantCode(t, update(attr("email", "not-an-email")), "InvalidParameterException")
	wantCode(t, update(attr("sub", "00000000-0000-4000-8000-000000000000")), "InvalidParameterException")
	wantCode(t, update(attr("custom:tenant", "x")), "InvalidParameterException")
	_, err := e.c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: e.pool, Username: aws.String("nobody@example.com"), UserAttributes: []types.AttributeType{attr("name", "x")}})
	wantCode(t, err, "UserNotFoundException")
}

func TestAdminUserGlobalSignOut(t *testing.T) {
	e := newEnv(t)
	sub := e.create("lee@example.com", "acme")
	for range 2 {
		if _, err := e.c.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: e.pool, Username: aws.String("lee@example.com")}); err != nil {
			t.Fatal(err)
		}
	}
	if u, _ := e.f.User(sub); u.SignOuts != 2 {
		t.Fatalf("sign-outs = %d", u.SignOuts)
	}
	_, err := e.c.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: e.pool, Username: aws.String("nobody@example.com")})
	wantCode(t, err, "UserNotFoundException")
}
