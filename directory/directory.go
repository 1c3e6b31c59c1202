// Package directory is Signet's view of the Cognito user pool for administration:
// invite a user bound to a customer (Cognito mails the temporary password), set a
// user's roles (Cognito groups), disable and delete. It knows nothing of CDK; the
// admin Lambda wires it to the real client, the tests to a Cognito stand-in.
package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/signet-cdk/signet/store"
)

// CustomerAttribute is the user attribute the pre-token trigger reads for native users.
const CustomerAttribute = "custom:customer_id"

// Errors callers map with errors.Is: the store's sentinels, so the API maps both
// alike (ErrConflict 409, ErrNotFound 404, ErrInvalid 400, ErrUnavailable 503).
var (
	ErrExists      = store.ErrConflict
	ErrNotFound    = store.ErrNotFound
	ErrInvalid     = store.ErrInvalid
	ErrUnavailable = store.ErrUnavailable
)

// Client is the part of the Cognito API the directory uses.
type Client interface {
	AdminCreateUser(context.Context, *cip.AdminCreateUserInput, ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminDeleteUser(context.Context, *cip.AdminDeleteUserInput, ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error)
	AdminDisableUser(context.Context, *cip.AdminDisableUserInput, ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error)
	AdminUserGlobalSignOut(context.Context, *cip.AdminUserGlobalSignOutInput, ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error)
	AdminAddUserToGroup(context.Context, *cip.AdminAddUserToGroupInput, ...func(*cip.Options)) (*cip.AdminAddUserToGroupOutput, error)
	AdminRemoveUserFromGroup(context.Context, *cip.AdminRemoveUserFromGroupInput, ...func(*cip.Options)) (*cip.AdminRemoveUserFromGroupOutput, error)
	AdminListGroupsForUser(context.Context, *cip.AdminListGroupsForUserInput, ...func(*cip.Options)) (*cip.AdminListGroupsForUserOutput, error)
	CreateGroup(context.Context, *cip.CreateGroupInput, ...func(*cip.Options)) (*cip.CreateGroupOutput, error)
}

// Directory administers one user pool.
type Directory struct {
	Client     Client
	UserPoolID string
}

// Invite creates the user (username: the email) with the customer attribute set by
// the administrator, never by the user, and adds it to the roles' groups.
func (d *Directory) Invite(ctx context.Context, email, customerID string, roles []string) (string, error) {
	out, err := d.Client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(d.UserPoolID),
		Username:   aws.String(email),
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
			{Name: aws.String(CustomerAttribute), Value: aws.String(customerID)},
		},
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
	})
	if err != nil {
		return "", mapError("create user", err)
	}
	username := aws.ToString(out.User.Username)
	if err := d.SetRoles(ctx, username, roles); err != nil {
		return username, err
	}
	return username, nil
}

// SetRoles makes the user's groups exactly roles (creating missing groups).
func (d *Directory) SetRoles(ctx context.Context, username string, roles []string) error {
	current, err := d.groups(ctx, username)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if slices.Contains(current, r) {
			continue
		}
		if err := d.ensureGroup(ctx, r); err != nil {
			return err
		}
		if _, err := d.Client.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(d.UserPoolID), Username: aws.String(username), GroupName: aws.String(r)}); err != nil {
			return mapError("add to group", err)
		}
	}
	for _, g := range current {
		if slices.Contains(roles, g) {
			continue
		}
		if _, err := d.Client.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: aws.String(d.UserPoolID), Username: aws.String(username), GroupName: aws.String(g)}); err != nil {
			return mapError("remove from group", err)
		}
	}
	return nil
}

func (d *Directory) groups(ctx context.Context, username string) ([]string, error) {
	var out []string
	var next *string
	for {
		page, err := d.Client.AdminListGroupsForUser(ctx, &cip.AdminListGroupsForUserInput{UserPoolId: aws.String(d.UserPoolID), Username: aws.String(username), NextToken: next})
		if err != nil {
			return nil, mapError("list groups", err)
		}
		for _, g := range page.Groups {
			out = append(out, aws.ToString(g.GroupName))
		}
		if next = page.NextToken; next == nil {
			return out, nil
		}
	}
}

func (d *Directory) ensureGroup(ctx context.Context, name string) error {
	_, err := d.Client.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(d.UserPoolID), GroupName: aws.String(name),
		Description: aws.String("Signet role")})
	var exists *types.GroupExistsException
	if err == nil || errors.As(err, &exists) {
		return nil
	}
	return mapError("create group", err)
}

// Disable disables the user and signs it out everywhere (refresh tokens revoked).
func (d *Directory) Disable(ctx context.Context, username string) error {
	if _, err := d.Client.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(d.UserPoolID), Username: aws.String(username)}); err != nil {
		return mapError("disable user", err)
	}
	if _, err := d.Client.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(d.UserPoolID), Username: aws.String(username)}); err != nil {
		return mapError("sign out user", err)
	}
	return nil
}

// Delete deletes the user; a user already gone is not an error.
func (d *Directory) Delete(ctx context.Context, username string) error {
	_, err := d.Client.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(d.UserPoolID), Username: aws.String(username)})
	if errors.Is(mapError("", err), ErrNotFound) {
		return nil
	}
	return mapError("delete user", err)
}

// mapError gives the sentinel for Cognito's answer; anything not the caller's fault
// (throttling, 5xx, network, deadline) is ErrUnavailable.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	var exists *types.UsernameExistsException
	var notFound *types.UserNotFoundException
	var api smithy.APIError
	switch {
	case errors.As(err, &exists):
		return fmt.Errorf("%w: a user with this email exists", ErrExists)
	case errors.As(err, &notFound):
		return fmt.Errorf("%w: %s: no such user in the pool", ErrNotFound, op)
	case errors.As(err, &api) && api.ErrorFault() == smithy.FaultClient && api.ErrorCode() != "TooManyRequestsException":
		return fmt.Errorf("%w: the user pool refused it (%s)", ErrInvalid, api.ErrorCode())
	}
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, op, err)
}
