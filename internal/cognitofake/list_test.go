package cognitofake_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

func (e *env) list(filter string) ([]string, error) {
	out, err := e.c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: e.pool, Filter: aws.String(filter)})
	if err != nil {
		return nil, err
	}
	return usernames(out.Users), nil
}

func TestListUsersFilters(t *testing.T) {
	e := newEnv(t)
	alice := e.create("alice@example.com", "acme")
	bob := e.create("bob@example.com", "globex")
	al := e.create("al@other.example", "acme")
	if _, err := e.c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: e.pool, Username: aws.String(bob)}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		filter string
		want   []string
	}{
		{"", []string{alice, bob, al}},
		{fmt.Sprintf("sub = %q", bob), []string{bob}},
		{`email = "alice@example.com"`, []string{alice}},
		{`email="bob@example.com"`, []string{bob}},
		{`email ^= "al"`, []string{alice, al}},
		{`email = "nobody@example.com"`, nil},
		{fmt.Sprintf("username = %q", al), []string{al}},
		{fmt.Sprintf("username = %q", strings.ToUpper(al)), []string{al}}, // case-insensitive pool
		{`status = "Disabled"`, []string{bob}},
		{`cognito:user_status = "FORCE_CHANGE_PASSWORD"`, []string{alice, bob, al}},
	}
	for _, c := range cases {
		got, err := e.list(c.filter)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("filter %s: %v, %v; want %v", c.filter, got, err, c.want)
		}
	}
}

func TestListUsersRefusesCustomAttributeFilter(t *testing.T) {
	e := newEnv(t)
	e.create("pat@example.com", "acme")
	for _, filter := range []string{
		`custom:customer_id = "acme"`,
		`customer_id = "acme"`,
		`email = acme`,
		`email == "pat@example.com"`,
		`email = "a" and sub = "b"`,
	} {
		_, err := e.list(filter)
		wantCode(t, err, "InvalidParameterException")
	}
}

func TestListUsersAttributesToGet(t *testing.T) {
	e := newEnv(t)
	e.create("quinn@example.com", "acme")
	out, err := e.c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: e.pool, AttributesToGet: []string{"email", "custom:customer_id"}})
	if err != nil {
		t.Fatal(err)
	}
	a := attrs(out.Users[0].Attributes)
	if len(a) != 2 || a["email"] != "quinn@example.com" || a["custom:customer_id"] != "acme" {
		t.Fatalf("attributes = %v", a)
	}
}

func TestListUsersPagination(t *testing.T) {
	e := newEnv(t)
	var want []string
	for i := range 7 {
		want = append(want, e.create(fmt.Sprintf("user%d@example.com", i), "acme"))
	}
	p := cip.NewListUsersPaginator(e.c, &cip.ListUsersInput{UserPoolId: e.pool, Limit: aws.Int32(3)})
	var got []string
	var sizes []int
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(out.Users))
		got = append(got, usernames(out.Users)...)
	}
	if !slices.Equal(sizes, []int{3, 3, 1}) || !slices.Equal(got, want) {
		t.Fatalf("pages %v, users %v; want [3 3 1], %v", sizes, got, want)
	}
}

func TestListUsersPaginationSurvivesDeletes(t *testing.T) {
	e := newEnv(t)
	var subs []string
	for i := range 5 {
		subs = append(subs, e.create(fmt.Sprintf("d%d@example.com", i), "acme"))
	}
	first, err := e.c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: e.pool, Limit: aws.Int32(2)})
	if err != nil || first.PaginationToken == nil {
		t.Fatalf("first page: %v, %+v", err, first)
	}
	// Delete a user already listed and one not yet listed.
	for _, s := range []string{subs[0], subs[2]} {
		if _, err := e.c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: e.pool, Username: aws.String(s)}); err != nil {
			t.Fatal(err)
		}
	}
	rest, err := e.c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: e.pool, Limit: aws.Int32(2), PaginationToken: first.PaginationToken})
	if err != nil || !slices.Equal(usernames(rest.Users), subs[3:]) || rest.PaginationToken != nil {
		t.Fatalf("second page: %v, %+v; want %v", err, rest, subs[3:])
	}
}

func TestListRefusesBadLimitsAndTokens(t *testing.T) {
	e := newEnv(t)
	e.create("ray@example.com", "acme")
	e.group("g")
	_, err := e.c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: e.pool, Limit: aws.Int32(61)})
	wantCode(t, err, "InvalidParameterException")
	_, err = e.c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: e.pool, PaginationToken: aws.String("!!not a token!!")})
	wantCode(t, err, "InvalidParameterException")
	_, err = e.c.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: e.pool, GroupName: aws.String("g"), Limit: aws.Int32(-1)})
	wantCode(t, err, "InvalidParameterException")
	_, err = e.c.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: e.pool, Username: aws.String("ray@example.com"), NextToken: aws.String("%%%")})
	wantCode(t, err, "InvalidParameterException")
	out, err := e.c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: e.pool, Limit: aws.Int32(60)})
	if err != nil || len(out.Users) != 1 {
		t.Fatalf("limit 60: %v, %+v", err, out)
	}
}
