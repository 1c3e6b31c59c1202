package cognitofake_test

import (
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/signet-cdk/signet/internal/cognitofake"
)

var ctx = context.Background()

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// env is a fake with its client.
type env struct {
	t    *testing.T
	f    *cognitofake.Server
	c    *cip.Client
	pool *string
}

func newEnv(t *testing.T) *env {
	f, c := cognitofake.New(t)
	return &env{t: t, f: f, c: c, pool: aws.String(f.PoolID())}
}

func attr(name, value string) types.AttributeType {
	return types.AttributeType{Name: aws.String(name), Value: aws.String(value)}
}

// create creates an invited user of a customer and returns the stored username.
func (e *env) create(email, customer string) string {
	e.t.Helper()
	out, err := e.c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: e.pool, Username: aws.String(email),
		UserAttributes:         []types.AttributeType{attr("email", email), attr("custom:customer_id", customer)},
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
	})
	if err != nil {
		e.t.Fatalf("AdminCreateUser(%s): %v", email, err)
	}
	return aws.ToString(out.User.Username)
}

func (e *env) group(name string) {
	e.t.Helper()
	if _, err := e.c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: e.pool, GroupName: aws.String(name)}); err != nil {
		e.t.Fatalf("CreateGroup(%s): %v", name, err)
	}
}

func (e *env) join(username, group string) {
	e.t.Helper()
	_, err := e.c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: e.pool, Username: aws.String(username), GroupName: aws.String(group)})
	if err != nil {
		e.t.Fatalf("AdminAddUserToGroup(%s, %s): %v", username, group, err)
	}
}

// wantCode fails unless err is the API error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

func attrs(list []types.AttributeType) map[string]string {
	m := map[string]string{}
	for _, a := range list {
		m[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return m
}

func usernames(us []types.UserType) []string {
	var out []string
	for _, u := range us {
		out = append(out, aws.ToString(u.Username))
	}
	return out
}
