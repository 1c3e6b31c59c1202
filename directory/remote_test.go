package directory_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/signet-cdk/signet/directory"
	"github.com/signet-cdk/signet/internal/cognitofake"
	"github.com/signet-cdk/signet/store"
)

// invoker runs the directory Lambda's handler in-process with the JSON the Lambda
// API would carry, or fails as the Lambda API would.
type invoker struct {
	serve func(context.Context, directory.Request) (directory.Response, error)
	fail  error
}

func (i invoker) Invoke(ctx context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	if i.fail != nil {
		return nil, i.fail
	}
	var req directory.Request
	if err := json.Unmarshal(in.Payload, &req); err != nil {
		return &lambda.InvokeOutput{FunctionError: aws.String("Unhandled")}, nil
	}
	resp, _ := i.serve(ctx, req)
	b, _ := json.Marshal(resp)
	return &lambda.InvokeOutput{Payload: b}, nil
}

// Remote through Serve does what Directory does, against the Cognito stand-in, and
// carries each refusal's kind across the invocation.
func TestRemoteDirectory(t *testing.T) {
	fake, client := cognitofake.New(t)
	d := &directory.Directory{Client: client, UserPoolID: fake.PoolID()}
	r := &directory.Remote{Lambda: invoker{serve: directory.Serve(d)}, FunctionName: "signet-directory"}
	ctx := context.Background()
	name, err := r.Invite(ctx, "ana@acme.example", "acme", []string{"staff"})
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := fake.User(name); u.Attributes[directory.CustomerAttribute] != "acme" || !u.Invited() {
		t.Fatalf("user %+v", u)
	}
	if _, err := r.Invite(ctx, "ana@acme.example", "acme", nil); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second invite: %v", err)
	}
	if err := r.SetRoles(ctx, name, []string{"finance", "staff"}); err != nil || !slices.Equal(fake.UserGroups(name), []string{"finance", "staff"}) {
		t.Errorf("set roles: %v %v", err, fake.UserGroups(name))
	}
	if err := r.Disable(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("disable a missing user: %v", err)
	}
	if err := r.Disable(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := r.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	fake.FailNext("AdminCreateUser", "InternalErrorException", "InternalErrorException", "InternalErrorException")
	if _, err := r.Invite(ctx, "bo@acme.example", "acme", nil); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("pool down: %v", err)
	}
	down := &directory.Remote{Lambda: invoker{fail: errors.New("dial tcp: connection refused")}, FunctionName: "x"}
	if err := down.Delete(ctx, name); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("lambda API down: %v", err)
	}
	bad, _ := directory.Serve(d)(ctx, directory.Request{Op: "drop"})
	if bad.Error == nil || bad.Error.Kind != "invalid" {
		t.Errorf("unknown op: %+v", bad)
	}
}
