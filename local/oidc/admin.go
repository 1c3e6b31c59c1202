package oidc

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// The admin operations of directory.Client. Each takes the email or the username (the
// sub) as Username, answers ResourceNotFoundException for another pool id, and
// ignores the SDK option functions.

// AdminCreateUser creates a user whose Username is an email, in FORCE_CHANGE_PASSWORD
// with a generated temporary password (or in.TemporaryPassword), and invites it
// through Config.Invitations when EMAIL is a desired delivery medium and the message
// is not suppressed. MessageAction RESEND sets a new temporary password for a user who
// has not signed in yet and invites again.
func (i *Issuer) AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, _ ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	if in == nil {
		in = &cip.AdminCreateUserInput{}
	}
	temp := aws.ToString(in.TemporaryPassword)
	if temp == "" {
		temp = temporaryPassword()
	}
	hash := hashPassword(temp)
	var out *types.UserType
	var email string
	err := i.call(ctx, "AdminCreateUser", in.UserPoolId, func() error {
		u, err := i.createUser(in, hash)
		if err == nil {
			out, email = userType(u), u.attrs["email"]
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if invites(in) && i.cfg.Invitations != nil {
		i.cfg.Invitations(email, temp)
	}
	return &cip.AdminCreateUserOutput{User: out}, nil
}

// createUser stores the user or resends its invitation; the caller holds mu.
func (i *Issuer) createUser(in *cip.AdminCreateUserInput, hash passwordHash) (*user, error) {
	if in.MessageAction == types.MessageActionTypeResend {
		return i.resend(in, hash)
	}
	if err := checkCreate(in); err != nil {
		return nil, err
	}
	email := aws.ToString(in.Username)
	if i.findEmail(email) != nil {
		return nil, emailExists()
	}
	return i.addUser(email, in.UserAttributes, hash, statusForceChange), nil
}

func (i *Issuer) resend(in *cip.AdminCreateUserInput, hash passwordHash) (*user, error) {
	u, err := i.lookup(aws.ToString(in.Username))
	if err != nil {
		return nil, err
	}
	if u.status != statusForceChange {
		return nil, &types.UnsupportedUserStateException{Message: aws.String("User status must be FORCE_CHANGE_PASSWORD to resend the invitation.")}
	}
	if in.TemporaryPassword != nil {
		if err := checkPassword(*in.TemporaryPassword); err != nil {
			return nil, err
		}
	}
	u.password, u.modified = hash, i.now()
	return u, nil
}

func checkCreate(in *cip.AdminCreateUserInput) error {
	if in.MessageAction != "" && in.MessageAction != types.MessageActionTypeSuppress {
		return invalid("Invalid MessageAction: %s", in.MessageAction)
	}
	for _, m := range in.DesiredDeliveryMediums {
		if m != types.DeliveryMediumTypeEmail && m != types.DeliveryMediumTypeSms {
			return invalid("Invalid DesiredDeliveryMedium: %s", m)
		}
	}
	if err := checkNewUser(aws.ToString(in.Username), in.UserAttributes); err != nil {
		return err
	}
	if in.TemporaryPassword != nil {
		return checkPassword(*in.TemporaryPassword)
	}
	return nil
}

// checkNewUser: the username is an email, equal to the email attribute if one is
// given, and the attributes fit the schema.
func checkNewUser(username string, attrs []types.AttributeType) error {
	switch {
	case username == "":
		return lengthError("username")
	case !isEmail(username):
		return invalid("Username should be an email.")
	}
	for _, a := range attrs {
		if aws.ToString(a.Name) == "email" && !strings.EqualFold(aws.ToString(a.Value), username) {
			return invalid("The email attribute must match the username, an email address.")
		}
	}
	return checkAttrs(attrs)
}

func invites(in *cip.AdminCreateUserInput) bool {
	return slices.Contains(in.DesiredDeliveryMediums, types.DeliveryMediumTypeEmail) &&
		in.MessageAction != types.MessageActionTypeSuppress
}

// AdminDeleteUser deletes the user and ends its sessions.
func (i *Issuer) AdminDeleteUser(ctx context.Context, in *cip.AdminDeleteUserInput, _ ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error) {
	if in == nil {
		in = &cip.AdminDeleteUserInput{}
	}
	err := i.withUser(ctx, "AdminDeleteUser", in.UserPoolId, in.Username, func(u *user) {
		delete(i.users, u.username)
		i.endSessions(u.username)
	})
	if err != nil {
		return nil, err
	}
	return &cip.AdminDeleteUserOutput{}, nil
}

// AdminDisableUser disables the user: it can no longer sign in or refresh.
func (i *Issuer) AdminDisableUser(ctx context.Context, in *cip.AdminDisableUserInput, _ ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error) {
	if in == nil {
		in = &cip.AdminDisableUserInput{}
	}
	err := i.withUser(ctx, "AdminDisableUser", in.UserPoolId, in.Username, func(u *user) {
		u.enabled, u.modified = false, i.now()
	})
	if err != nil {
		return nil, err
	}
	return &cip.AdminDisableUserOutput{}, nil
}

// AdminUserGlobalSignOut revokes the user's refresh tokens, the access tokens issued
// from them, and its unredeemed authorization codes.
func (i *Issuer) AdminUserGlobalSignOut(ctx context.Context, in *cip.AdminUserGlobalSignOutInput, _ ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error) {
	if in == nil {
		in = &cip.AdminUserGlobalSignOutInput{}
	}
	err := i.withUser(ctx, "AdminUserGlobalSignOut", in.UserPoolId, in.Username, func(u *user) {
		i.endSessions(u.username)
	})
	if err != nil {
		return nil, err
	}
	return &cip.AdminUserGlobalSignOutOutput{}, nil
}

// withUser runs f on the user named, under the lock.
func (i *Issuer) withUser(ctx context.Context, op string, pool, name *string, f func(*user)) error {
	return i.call(ctx, op, pool, func() error {
		u, err := i.lookup(aws.ToString(name))
		if err == nil {
			f(u)
		}
		return err
	})
}

// userType is Cognito's UserType for u: attributes sub first, then by name.
func userType(u *user) *types.UserType {
	names := slices.Sorted(maps.Keys(u.attrs))
	slices.SortStableFunc(names, func(a, b string) int {
		return boolInt(b == "sub") - boolInt(a == "sub")
	})
	attrs := make([]types.AttributeType, 0, len(names))
	for _, n := range names {
		attrs = append(attrs, types.AttributeType{Name: aws.String(n), Value: aws.String(u.attrs[n])})
	}
	created, modified := u.created, u.modified
	return &types.UserType{Username: aws.String(u.username), Attributes: attrs, Enabled: u.enabled,
		UserStatus: u.status, UserCreateDate: &created, UserLastModifiedDate: &modified}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
