package oidc

import (
	"context"
	"encoding/base64"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// maxPage is the largest Limit AdminListGroupsForUser takes, and its default.
const maxPage = 60

// CreateGroup creates a group; GroupExistsException if it exists.
func (i *Issuer) CreateGroup(ctx context.Context, in *cip.CreateGroupInput, _ ...func(*cip.Options)) (*cip.CreateGroupOutput, error) {
	if in == nil {
		in = &cip.CreateGroupInput{}
	}
	var out *types.GroupType
	err := i.call(ctx, "CreateGroup", in.UserPoolId, func() error {
		if err := checkGroup(in); err != nil {
			return err
		}
		name := aws.ToString(in.GroupName)
		if i.groups[name] != nil {
			return &types.GroupExistsException{Message: aws.String("A group with the name " + name + " already exists.")}
		}
		now := i.now()
		g := &group{name: name, description: aws.ToString(in.Description), roleArn: aws.ToString(in.RoleArn),
			precedence: in.Precedence, created: now, modified: now}
		i.groups[name] = g
		out = i.groupType(g)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &cip.CreateGroupOutput{Group: out}, nil
}

func checkGroup(in *cip.CreateGroupInput) error {
	if err := checkGroupName(aws.ToString(in.GroupName)); err != nil {
		return err
	}
	switch {
	case in.Precedence != nil && *in.Precedence < 0:
		return invalid("Precedence must be at least 0.")
	case in.RoleArn != nil && !strings.HasPrefix(*in.RoleArn, "arn:"):
		return invalid("Invalid role ARN: %s", *in.RoleArn)
	case len(aws.ToString(in.Description)) > 2048:
		return invalid("Description must be at most 2048 characters.")
	}
	return nil
}

func checkGroupName(name string) error {
	switch {
	case name == "":
		return lengthError("groupName")
	case len(name) > 128 || strings.ContainsFunc(name, isNotPrintableASCII):
		return invalid("Invalid group name: %q", name)
	}
	return nil
}

// AdminAddUserToGroup adds the user to an existing group.
func (i *Issuer) AdminAddUserToGroup(ctx context.Context, in *cip.AdminAddUserToGroupInput, _ ...func(*cip.Options)) (*cip.AdminAddUserToGroupOutput, error) {
	if in == nil {
		in = &cip.AdminAddUserToGroupInput{}
	}
	err := i.member(ctx, "AdminAddUserToGroup", in.UserPoolId, in.Username, in.GroupName, func(u *user, g string) {
		u.groups[g] = true
	})
	if err != nil {
		return nil, err
	}
	return &cip.AdminAddUserToGroupOutput{}, nil
}

// AdminRemoveUserFromGroup removes the user from an existing group.
func (i *Issuer) AdminRemoveUserFromGroup(ctx context.Context, in *cip.AdminRemoveUserFromGroupInput, _ ...func(*cip.Options)) (*cip.AdminRemoveUserFromGroupOutput, error) {
	if in == nil {
		in = &cip.AdminRemoveUserFromGroupInput{}
	}
	err := i.member(ctx, "AdminRemoveUserFromGroup", in.UserPoolId, in.Username, in.GroupName, func(u *user, g string) {
		delete(u.groups, g)
	})
	if err != nil {
		return nil, err
	}
	return &cip.AdminRemoveUserFromGroupOutput{}, nil
}

// member runs f on the user and group named, under the lock.
func (i *Issuer) member(ctx context.Context, op string, pool, username, groupName *string, f func(*user, string)) error {
	return i.call(ctx, op, pool, func() error {
		u, err := i.lookup(aws.ToString(username))
		if err != nil {
			return err
		}
		name := aws.ToString(groupName)
		if err := checkGroupName(name); err != nil {
			return err
		}
		if i.groups[name] == nil {
			return groupNotFound()
		}
		f(u, name)
		u.modified = i.now()
		return nil
	})
}

// AdminListGroupsForUser lists the user's groups by name, Limit (at most 60) a page.
func (i *Issuer) AdminListGroupsForUser(ctx context.Context, in *cip.AdminListGroupsForUserInput, _ ...func(*cip.Options)) (*cip.AdminListGroupsForUserOutput, error) {
	if in == nil {
		in = &cip.AdminListGroupsForUserInput{}
	}
	out := &cip.AdminListGroupsForUserOutput{Groups: []types.GroupType{}}
	err := i.call(ctx, "AdminListGroupsForUser", in.UserPoolId, func() error {
		u, err := i.lookup(aws.ToString(in.Username))
		if err != nil {
			return err
		}
		page, next, err := paginate(slices.Sorted(maps.Keys(u.groups)), in.NextToken, in.Limit)
		for _, name := range page {
			out.Groups = append(out.Groups, *i.groupType(i.groups[name]))
		}
		out.NextToken = next
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// paginate returns the page of sorted names after token, and the next page's token
// (nil on the last page). A token is the last name returned, so pages stay right when
// names are added or removed between calls.
func paginate(names []string, token *string, limit *int32) ([]string, *string, error) {
	n := maxPage
	if limit != nil && *limit != 0 {
		if *limit < 0 || *limit > maxPage {
			return nil, nil, invalid("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", *limit, maxPage)
		}
		n = int(*limit)
	}
	start := 0
	if token != nil {
		after, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil || len(after) == 0 {
			return nil, nil, invalid("Invalid pagination token.")
		}
		start, _ = slices.BinarySearch(names, string(after)+"\x00")
	}
	end := min(start+n, len(names))
	if end == len(names) {
		return names[start:end], nil, nil
	}
	return names[start:end], aws.String(base64.RawURLEncoding.EncodeToString([]byte(names[end-1]))), nil
}

// groupType is Cognito's GroupType for g, which must exist.
func (i *Issuer) groupType(g *group) *types.GroupType {
	if g == nil {
		return &types.GroupType{UserPoolId: aws.String(i.cfg.UserPoolID)}
	}
	created, modified := g.created, g.modified
	out := &types.GroupType{GroupName: aws.String(g.name), UserPoolId: aws.String(i.cfg.UserPoolID),
		Precedence: g.precedence, CreationDate: &created, LastModifiedDate: &modified}
	if g.description != "" {
		out.Description = aws.String(g.description)
	}
	if g.roleArn != "" {
		out.RoleArn = aws.String(g.roleArn)
	}
	return out
}
