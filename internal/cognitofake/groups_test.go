package cognitofake_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestCreateAndGetGroup(t *testing.T) {
	e := newEnv(t)
	out, err := e.c.CreateGroup(ctx, &cip.CreateGroupInput{
		UserPoolId: e.pool, GroupName: aws.String("acme-finance"),
		Description: aws.String("Acme finance"), Precedence: aws.Int32(3),
	})
	if err != nil {
		t.Fatal(err)
	}
	g := out.Group
	if aws.ToString(g.GroupName) != "acme-finance" || aws.ToString(g.UserPoolId) != e.f.PoolID() || aws.ToInt32(g.Precedence) != 3 || g.CreationDate == nil {
		t.Fatalf("group = %+v", g)
	}
	got, err := e.c.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: e.pool, GroupName: aws.String("acme-finance")})
	if err != nil || aws.ToString(got.Group.Description) != "Acme finance" {
		t.Fatalf("GetGroup: %v, %+v", err, got)
	}
	_, err = e.c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: e.pool, GroupName: aws.String("acme-finance")})
	var exists *types.GroupExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("error = %v, want GroupExistsException", err)
	}
	_, err = e.c.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: e.pool, GroupName: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("error = %v, want ResourceNotFoundException", err)
	}
}

func TestCreateGroupRefusals(t *testing.T) {
	e := newEnv(t)
	for _, in := range []cip.CreateGroupInput{
		{GroupName: aws.String("")},
		{GroupName: aws.String("has space")},
		{GroupName: aws.String("neg"), Precedence: aws.Int32(-1)},
		{GroupName: aws.String("role"), RoleArn: aws.String("not-an-arn")},
	} {
		in.UserPoolId = e.pool
		_, err := e.c.CreateGroup(ctx, &in)
		wantCode(t, err, "InvalidParameterException")
	}
	if gs := e.f.Groups(); len(gs) != 0 {
		t.Fatalf("groups = %+v", gs)
	}
}

func TestGroupMembership(t *testing.T) {
	e := newEnv(t)
	sub := e.create("mia@example.com", "acme")
	e.group("acme-staff")
	e.f.AddGroup("acme-finance")
	e.join("mia@example.com", "acme-staff")
	e.join(sub, "acme-finance")
	e.join(sub, "acme-finance") // idempotent
	if got := e.f.UserGroups("MIA@example.com"); !slices.Equal(got, []string{"acme-finance", "acme-staff"}) {
		t.Fatalf("UserGroups = %v", got)
	}
	out, err := e.c.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: e.pool, Username: aws.String(sub)})
	if err != nil || len(out.Groups) != 2 || aws.ToString(out.Groups[0].GroupName) != "acme-finance" || out.NextToken != nil {
		t.Fatalf("AdminListGroupsForUser: %v, %+v", err, out)
	}
	_, err = e.c.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: e.pool, Username: aws.String(sub), GroupName: aws.String("acme-staff")})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.f.UserGroups(sub); !slices.Equal(got, []string{"acme-finance"}) {
		t.Fatalf("after remove: %v", got)
	}
	if u := e.f.Users()[0]; !slices.Equal(u.Groups, []string{"acme-finance"}) {
		t.Fatalf("Users()[0].Groups = %v", u.Groups)
	}
	if e.f.UserGroups("nobody@example.com") != nil {
		t.Fatal("groups for an unknown user")
	}
}

func TestGroupMembershipRefusals(t *testing.T) {
	e := newEnv(t)
	sub := e.create("ned@example.com", "acme")
	e.group("acme-staff")
	add := func(user, group string) error {
		_, err := e.c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: e.pool, Username: aws.String(user), GroupName: aws.String(group)})
		return err
	}
	remove := func(user, group string) error {
		_, err := e.c.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: e.pool, Username: aws.String(user), GroupName: aws.String(group)})
		return err
	}
	wantCode(t, add(sub, "no-such-group"), "ResourceNotFoundException")
	wantCode(t, add("nobody@example.com", "acme-staff"), "UserNotFoundException")
	wantCode(t, add(sub, ""), "InvalidParameterException")
	wantCode(t, remove(sub, "no-such-group"), "ResourceNotFoundException")
	wantCode(t, remove("nobody@example.com", "acme-staff"), "UserNotFoundException")
	if err := remove(sub, "acme-staff"); err != nil { // not a member: no error
		t.Fatal(err)
	}
	_, err := e.c.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: e.pool, Username: aws.String("nobody@example.com")})
	wantCode(t, err, "UserNotFoundException")
	_, err = e.c.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: e.pool, GroupName: aws.String("no-such-group")})
	wantCode(t, err, "ResourceNotFoundException")
	if got := e.f.UserGroups(sub); len(got) != 0 {
		t.Fatalf("groups = %v", got)
	}
}

func TestListUsersInGroupPagination(t *testing.T) {
	e := newEnv(t)
	e.group("acme-staff")
	var want []string
	for i := range 7 {
		sub := e.create(fmt.Sprintf("staff%d@example.com", i), "acme")
		if i != 3 { // one user outside the group
			e.join(sub, "acme-staff")
			want = append(want, sub)
		}
	}
	p := cip.NewListUsersInGroupPaginator(e.c, &cip.ListUsersInGroupInput{UserPoolId: e.pool, GroupName: aws.String("acme-staff"), Limit: aws.Int32(4)})
	var got []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, usernames(out.Users)...)
	}
	if pages != 2 || !slices.Equal(got, want) {
		t.Fatalf("%d pages, %v; want 2, %v", pages, got, want)
	}
}

func TestAdminListGroupsForUserPagination(t *testing.T) {
	e := newEnv(t)
	sub := e.create("olga@example.com", "acme")
	var want []string
	for i := range 5 {
		name := fmt.Sprintf("g%d", i)
		e.group(name)
		e.join(sub, name)
		want = append(want, name)
	}
	e.group("other")
	p := cip.NewAdminListGroupsForUserPaginator(e.c, &cip.AdminListGroupsForUserInput{UserPoolId: e.pool, Username: aws.String(sub), Limit: aws.Int32(2)})
	var got []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, g := range out.Groups {
			got = append(got, aws.ToString(g.GroupName))
		}
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Fatalf("%d pages, %v; want 3, %v", pages, got, want)
	}
}
