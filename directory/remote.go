package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Why a remote directory: the admin API runs in Signet's isolated VPC (it talks to
// the database), and the only way from there to the Cognito user pools API would be
// its PrivateLink endpoint, which Cognito refuses for any user pool that has a domain
// ("User pools with an assigned domain are incompatible with AWS PrivateLink",
// Amazon Cognito Developer Guide, "Access Amazon Cognito using an interface
// endpoint"), and sign-in needs the domain. So the Cognito calls run in a small
// directory Lambda outside the VPC (Serve), which the admin API invokes through the
// Lambda API's PrivateLink endpoint (Remote). Each side holds only its own rights:
// the admin API cannot call Cognito, the directory function cannot reach the database.

// Request is one directory call.
type Request struct {
	Op         string   `json:"op"` // invite, setRoles, disable, delete
	Email      string   `json:"email,omitempty"`
	CustomerID string   `json:"customerId,omitempty"`
	Roles      []string `json:"roles,omitempty"`
	Username   string   `json:"username,omitempty"`
}

// Response is its answer; Error.Kind carries the sentinel across the invocation.
type Response struct {
	Username string         `json:"username,omitempty"`
	Error    *ResponseError `json:"error,omitempty"`
}

// ResponseError is a refused call.
type ResponseError struct {
	Kind    string `json:"kind"` // exists, notfound, invalid, unavailable
	Message string `json:"message"`
}

var kinds = []struct {
	name string
	err  error
}{{"exists", ErrExists}, {"notfound", ErrNotFound}, {"invalid", ErrInvalid}, {"unavailable", ErrUnavailable}}

// Serve is the directory Lambda's handler. It never returns an error: a failed call
// is an answer, so the caller can tell "the user exists" from "the pool is down".
func Serve(d *Directory) func(context.Context, Request) (Response, error) {
	return func(ctx context.Context, r Request) (Response, error) {
		var out Response
		var err error
		switch r.Op {
		case "invite":
			out.Username, err = d.Invite(ctx, r.Email, r.CustomerID, r.Roles)
		case "setRoles":
			err = d.SetRoles(ctx, r.Username, r.Roles)
		case "disable":
			err = d.Disable(ctx, r.Username)
		case "delete":
			err = d.Delete(ctx, r.Username)
		default:
			err = fmt.Errorf("%w: unknown operation %q", ErrInvalid, r.Op)
		}
		if err != nil {
			out.Error = &ResponseError{Kind: "unavailable", Message: err.Error()}
			for _, k := range kinds {
				if errors.Is(err, k.err) {
					out.Error.Kind = k.name
					break
				}
			}
		}
		return out, nil
	}
}

// Invoker is the part of the Lambda API Remote uses.
type Invoker interface {
	Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Remote is the directory behind the directory Lambda; it implements the admin API's
// Directory.
type Remote struct {
	Lambda       Invoker
	FunctionName string
}

func (r *Remote) call(ctx context.Context, req Request) (Response, error) {
	payload, err := json.Marshal(req)
	if err != nil {
		return Response{}, err
	}
	out, err := r.Lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(r.FunctionName), Payload: payload})
	if err != nil {
		return Response{}, fmt.Errorf("%w: invoke the directory: %v", ErrUnavailable, err)
	}
	if out.FunctionError != nil {
		return Response{}, fmt.Errorf("%w: the directory failed: %s", ErrUnavailable, aws.ToString(out.FunctionError))
	}
	var resp Response
	if err := json.Unmarshal(out.Payload, &resp); err != nil {
		return Response{}, fmt.Errorf("%w: the directory's answer: %v", ErrUnavailable, err)
	}
	if e := resp.Error; e != nil {
		sentinel := ErrUnavailable
		for _, k := range kinds {
			if k.name == e.Kind {
				sentinel = k.err
			}
		}
		return resp, fmt.Errorf("%w: %s", sentinel, e.Message)
	}
	return resp, nil
}

// Invite is Directory.Invite through the directory Lambda.
func (r *Remote) Invite(ctx context.Context, email, customerID string, roles []string) (string, error) {
	resp, err := r.call(ctx, Request{Op: "invite", Email: email, CustomerID: customerID, Roles: roles})
	return resp.Username, err
}

// SetRoles is Directory.SetRoles through the directory Lambda.
func (r *Remote) SetRoles(ctx context.Context, username string, roles []string) error {
	_, err := r.call(ctx, Request{Op: "setRoles", Username: username, Roles: roles})
	return err
}

// Disable is Directory.Disable through the directory Lambda.
func (r *Remote) Disable(ctx context.Context, username string) error {
	_, err := r.call(ctx, Request{Op: "disable", Username: username})
	return err
}

// Delete is Directory.Delete through the directory Lambda.
func (r *Remote) Delete(ctx context.Context, username string) error {
	_, err := r.call(ctx, Request{Op: "delete", Username: username})
	return err
}
