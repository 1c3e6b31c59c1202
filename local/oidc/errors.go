package oidc

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
)

// serviceID names Cognito in *smithy.OperationError, as the SDK does.
const serviceID = "Cognito Identity Provider"

// call runs body, an admin operation, under the lock, and answers as the SDK does:
// the context's error or Cognito's API error wrapped in *smithy.OperationError.
func (i *Issuer) call(ctx context.Context, op string, pool *string, body func() error) error {
	if ctx != nil && ctx.Err() != nil {
		return &smithy.OperationError{ServiceID: serviceID, OperationName: op, Err: ctx.Err()}
	}
	if err := i.locked(pool, body); err != nil {
		return &smithy.OperationError{ServiceID: serviceID, OperationName: op, Err: err}
	}
	return nil
}

func (i *Issuer) locked(pool *string, body func() error) error {
	if id := aws.ToString(pool); id != i.cfg.UserPoolID {
		return &types.ResourceNotFoundException{Message: aws.String(fmt.Sprintf("User pool %s does not exist.", id))}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	return body()
}

func invalid(format string, args ...any) error {
	return &types.InvalidParameterException{Message: aws.String(fmt.Sprintf(format, args...))}
}

func lengthError(member string) error {
	return invalid("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", member)
}

func emailExists() error {
	return &types.UsernameExistsException{Message: aws.String("An account with the given email already exists.")}
}

func groupNotFound() error {
	return &types.ResourceNotFoundException{Message: aws.String("Group not found.")}
}
