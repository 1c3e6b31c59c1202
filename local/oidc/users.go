package oidc

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// CustomerAttribute is the custom attribute holding a native user's customer.
const CustomerAttribute = "custom:customer_id"

const (
	statusConfirmed   = types.UserStatusTypeConfirmed
	statusForceChange = types.UserStatusTypeForceChangePassword
)

// user is one user of the pool.
type user struct {
	username string            // the sub
	attrs    map[string]string // every attribute, sub and email included
	password passwordHash
	status   types.UserStatusType
	enabled  bool
	groups   map[string]bool
	created  time.Time
	modified time.Time
}

// group is one group of the pool.
type group struct {
	name, description, roleArn string
	precedence                 *int32
	created, modified          time.Time
}

// AddUser seeds a confirmed user who signs in with email and password, optionally
// bound to customerID (the admin-set attribute; "" sets none) and in groups (created
// when missing). The password must meet Signet's policy. It returns the username (the
// generated sub); an email already in use is a *types.UsernameExistsException.
func (i *Issuer) AddUser(email, password, customerID string, groups ...string) (string, error) {
	attrs := []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)},
		{Name: aws.String("email_verified"), Value: aws.String("true")}}
	if customerID != "" {
		attrs = append(attrs, types.AttributeType{Name: aws.String(CustomerAttribute), Value: aws.String(customerID)})
	}
	if err := checkNewUser(email, attrs); err != nil {
		return "", err
	}
	if err := checkPassword(password); err != nil {
		return "", err
	}
	for _, g := range groups {
		if err := checkGroupName(g); err != nil {
			return "", err
		}
	}
	hash := hashPassword(password)
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.findEmail(email) != nil {
		return "", emailExists()
	}
	u := i.addUser(email, attrs, hash, statusConfirmed)
	for _, g := range groups {
		i.ensureGroup(g)
		u.groups[g] = true
	}
	return u.username, nil
}

// SetAttributes seeds attributes of the user named by username or email, including
// those that only Cognito writes, such as identities (a JSON array naming the user's
// identity providers) and custom:idp_groups, to make a user look federated to the
// trigger. An empty value removes the attribute; sub cannot be changed, and email must
// stay unique. It does not change the user's status.
func (i *Issuer) SetAttributes(username string, attrs map[string]string) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	u, err := i.lookup(username)
	if err != nil {
		return err
	}
	if err := i.checkSeeded(u, attrs); err != nil {
		return err
	}
	for name, value := range attrs {
		if value == "" {
			delete(u.attrs, name)
		} else {
			u.attrs[name] = value
		}
	}
	u.modified = i.now()
	return nil
}

func (i *Issuer) checkSeeded(u *user, attrs map[string]string) error {
	if _, ok := attrs["sub"]; ok {
		return invalid("Invalid user attributes: sub: Attribute cannot be updated.")
	}
	e, ok := attrs["email"]
	if !ok {
		return nil
	}
	if !isEmail(e) {
		return invalid("Invalid email address format.")
	}
	if other := i.findEmail(e); other != nil && other != u {
		return &types.AliasExistsException{Message: aws.String("An account with the given email already exists.")}
	}
	return nil
}

// addUser stores a new user; the caller holds mu and has checked the input.
func (i *Issuer) addUser(email string, attrs []types.AttributeType, hash passwordHash, status types.UserStatusType) *user {
	now := i.now()
	sub := newUUID()
	u := &user{username: sub, attrs: map[string]string{"sub": sub, "email": email}, password: hash,
		status: status, enabled: true, groups: map[string]bool{}, created: now, modified: now}
	for _, a := range attrs {
		u.attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	i.users[sub] = u
	return u
}

// ensureGroup creates a group unless it exists; the caller holds mu.
func (i *Issuer) ensureGroup(name string) {
	if i.groups[name] == nil {
		now := i.now()
		i.groups[name] = &group{name: name, created: now, modified: now}
	}
}

// find looks a user up as Cognito does for a Username parameter: by username (the
// sub) or by email, case-insensitively. The caller holds mu.
func (i *Issuer) find(name string) *user {
	if name == "" {
		return nil
	}
	if u := i.users[strings.ToLower(name)]; u != nil {
		return u
	}
	return i.findEmail(name)
}

func (i *Issuer) findEmail(email string) *user {
	for _, u := range i.users {
		if e, ok := u.attrs["email"]; ok && strings.EqualFold(e, email) {
			return u
		}
	}
	return nil
}

// lookup finds the user named, or answers as Cognito does. The caller holds mu.
func (i *Issuer) lookup(name string) (*user, error) {
	if name == "" {
		return nil, lengthError("username")
	}
	if u := i.find(name); u != nil {
		return u, nil
	}
	return nil, &types.UserNotFoundException{Message: aws.String("User does not exist.")}
}

// groupNames are the user's groups as cognito:groups lists them: by precedence
// (unset last), then by name. The caller holds mu.
func (i *Issuer) groupNames(u *user) []string {
	names := slices.Sorted(maps.Keys(u.groups))
	prec := func(name string) int64 {
		if g := i.groups[name]; g != nil && g.precedence != nil {
			return int64(*g.precedence)
		}
		return 1 << 32
	}
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(prec(a), prec(b)) })
	return names
}

// roleArns are the IAM roles of the user's groups, in cognito:groups order.
func (i *Issuer) roleArns(groups []string) []string {
	roles := []string{}
	for _, name := range groups {
		if g := i.groups[name]; g != nil && g.roleArn != "" && !slices.Contains(roles, g.roleArn) {
			roles = append(roles, g.roleArn)
		}
	}
	return roles
}

func isEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@") &&
		!strings.ContainsFunc(s, unicode.IsSpace) && len(s) <= 254
}
