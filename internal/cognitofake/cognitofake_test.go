package cognitofake_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// everyOp calls each supported operation once against pool.
func everyOp(c *cip.Client, pool string) map[string]error {
	p, u, g := aws.String(pool), aws.String("someone@example.com"), aws.String("g")
	errs := map[string]error{}
	_, errs["AdminCreateUser"] = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: p, Username: u})
	_, errs["AdminGetUser"] = c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: p, Username: u})
	_, errs["AdminDeleteUser"] = c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: p, Username: u})
	_, errs["AdminDisableUser"] = c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: p, Username: u})
	_, errs["AdminEnableUser"] = c.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: p, Username: u})
	_, errs["AdminUpdateUserAttributes"] = c.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: p, Username: u, UserAttributes: []types.AttributeType{}})
	_, errs["AdminUserGlobalSignOut"] = c.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: p, Username: u})
	_, errs["AdminAddUserToGroup"] = c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: p, Username: u, GroupName: g})
	_, errs["AdminRemoveUserFromGroup"] = c.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: p, Username: u, GroupName: g})
	_, errs["AdminListGroupsForUser"] = c.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: p, Username: u})
	_, errs["CreateGroup"] = c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: p, GroupName: g})
	_, errs["GetGroup"] = c.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: p, GroupName: g})
	_, errs["ListUsers"] = c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: p})
	_, errs["ListUsersInGroup"] = c.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: p, GroupName: g})
	return errs
}

func TestEveryOperationChecksThePool(t *testing.T) {
	e := newEnv(t)
	errs := everyOp(e.c, "eu-west-1_Other")
	if len(errs) != 14 {
		t.Fatalf("%d operations", len(errs))
	}
	for op, err := range errs {
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) || !strings.Contains(err.Error(), "eu-west-1_Other") {
			t.Errorf("%s: %v, want ResourceNotFoundException", op, err)
		}
		if n := e.f.CallCount(op); n != 1 {
			t.Errorf("%s called %d times", op, n)
		}
	}
	if len(e.f.Users()) != 0 || len(e.f.Groups()) != 0 {
		t.Fatal("the wrong pool changed state")
	}
}

func TestFailNextNotRetried(t *testing.T) {
	e := newEnv(t)
	e.f.FailNext("AdminGetUser", "NotAuthorizedException")
	sub := e.create("sam@example.com", "acme")
	_, err := e.c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: e.pool, Username: aws.String(sub)})
	var na *types.NotAuthorizedException
	if !errors.As(err, &na) || e.f.CallCount("AdminGetUser") != 1 {
		t.Fatalf("error = %v after %d calls, want NotAuthorizedException after 1", err, e.f.CallCount("AdminGetUser"))
	}
	if _, err := e.c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: e.pool, Username: aws.String(sub)}); err != nil {
		t.Fatalf("second call: %v", err)
	}
}

func TestFailNextRetried(t *testing.T) {
	e := newEnv(t)
	e.f.FailNext("ListUsers", "InternalErrorException", "TooManyRequestsException")
	if _, err := e.c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: e.pool}); err != nil {
		t.Fatalf("ListUsers after two transient failures: %v", err)
	}
	if n := e.f.CallCount("ListUsers"); n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
	e.f.FailNext("CreateGroup", "InternalErrorException", "InternalErrorException", "InternalErrorException")
	_, err := e.c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: e.pool, GroupName: aws.String("g")})
	wantCode(t, err, "InternalErrorException")
	if len(e.f.Groups()) != 0 {
		t.Fatal("a failed CreateGroup created the group")
	}
}

func TestCalledRecordsOperationsInOrder(t *testing.T) {
	e := newEnv(t)
	sub := e.create("tom@example.com", "acme")
	e.group("g")
	e.join(sub, "g")
	want := []string{"AdminCreateUser", "CreateGroup", "AdminAddUserToGroup"}
	if got := e.f.Called(); !slices.Equal(got, want) {
		t.Fatalf("Called() = %v, want %v", got, want)
	}
}

func TestRawProtocolRefusals(t *testing.T) {
	f := newEnv(t).f
	cases := []struct {
		target, auth, body, code string
	}{
		{"AWSCognitoIdentityProviderService.ListUsers", "", `{}`, "MissingAuthenticationTokenException"},
		{"AWSCognitoIdentityProviderService.InitiateAuth", "AWS4-HMAC-SHA256 x", `{}`, "UnknownOperationException"},
		{"AmazonSSM.ListUsers", "AWS4-HMAC-SHA256 x", `{}`, "UnknownOperationException"},
		{"AWSCognitoIdentityProviderService.ListUsers", "AWS4-HMAC-SHA256 x", `{not json`, "SerializationException"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
		r.Header.Set("X-Amz-Target", c.target)
		r.Header.Set("Authorization", c.auth)
		w := httptest.NewRecorder()
		f.ServeHTTP(w, r)
		if w.Code != 400 || !strings.Contains(w.Body.String(), `"__type":"`+c.code+`"`) {
			t.Errorf("%s: %d %s, want 400 %s", c.target, w.Code, w.Body, c.code)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	e.group("g")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			email := fmt.Sprintf("c%d@example.com", i)
			out, err := e.c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: e.pool, Username: aws.String(email)})
			if err == nil {
				_, err = e.c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: e.pool, Username: out.User.Username, GroupName: aws.String("g")})
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	out, err := e.c.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: e.pool, GroupName: aws.String("g")})
	if err != nil || len(out.Users) != 8 {
		t.Fatalf("members: %v, %+v", err, out)
	}
}
