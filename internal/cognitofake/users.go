package cognitofake

import (
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
)

// standardAttrs are Cognito's standard attributes, which every pool's schema has.
var standardAttrs = map[string]bool{
	"address": true, "birthdate": true, "email": true, "email_verified": true,
	"family_name": true, "gender": true, "given_name": true, "locale": true,
	"middle_name": true, "name": true, "nickname": true, "phone_number": true,
	"phone_number_verified": true, "picture": true, "preferred_username": true,
	"profile": true, "updated_at": true, "website": true, "zoneinfo": true,
}

// customAttrs are the custom attributes of Signet's pool (constructs/identity).
var customAttrs = map[string]bool{"custom:customer_id": true}

const forceChangePassword = "FORCE_CHANGE_PASSWORD"

func (f *Server) adminCreateUser(in *request) (any, error) {
	if in.MessageAction == "RESEND" {
		return f.resendInvitation(in)
	}
	if err := f.checkCreate(in); err != nil {
		return nil, err
	}
	u := f.newUser(in)
	f.users[u.Username] = u
	deliver(u, in)
	return map[string]any{"User": listedUser(u, nil)}, nil
}

func (f *Server) checkCreate(in *request) error {
	if err := checkCreateParams(in); err != nil {
		return err
	}
	if f.opts.PlainUsernames {
		return f.checkPlainCreate(in)
	}
	return f.checkEmailCreate(in)
}

func checkCreateParams(in *request) error {
	if in.Username == "" {
		return lengthError("username")
	}
	if in.MessageAction != "" && in.MessageAction != "SUPPRESS" {
		return invalid("Invalid MessageAction: %s", in.MessageAction)
	}
	for _, m := range in.DesiredDeliveryMediums {
		if m != "EMAIL" && m != "SMS" {
			return invalid("Invalid DesiredDeliveryMedium: %s", m)
		}
	}
	if err := checkAttrs(in.UserAttributes); err != nil {
		return err
	}
	if in.TemporaryPassword != nil {
		return checkPassword(*in.TemporaryPassword)
	}
	return nil
}

func (f *Server) checkPlainCreate(in *request) error {
	if f.find(in.Username) != nil {
		return errf("UsernameExistsException", "User account already exists")
	}
	if slices.Contains(in.DesiredDeliveryMediums, "EMAIL") && attrValue(in.UserAttributes, "email") == "" {
		return invalid("No email provided but desired delivery medium was Email")
	}
	return nil
}

func (f *Server) checkEmailCreate(in *request) error {
	if !isEmail(in.Username) {
		return invalid("Username should be an email.")
	}
	if e := attrValue(in.UserAttributes, "email"); e != "" && !strings.EqualFold(e, in.Username) {
		return invalid("The email attribute must match the username, an email address.")
	}
	if f.findEmail(in.Username) != nil {
		return errf("UsernameExistsException", "An account with the given email already exists.")
	}
	return nil
}

func (f *Server) newUser(in *request) *user {
	sub := newUUID()
	f.seq++
	now := time.Now()
	u := &user{seq: f.seq, groups: map[string]bool{}, User: User{
		Username: in.Username, Attributes: map[string]string{"sub": sub},
		Status: forceChangePassword, Enabled: true, Created: now, Modified: now,
	}}
	if !f.opts.PlainUsernames {
		u.Username = sub
		u.Attributes["email"] = in.Username
	}
	for _, a := range in.UserAttributes {
		u.Attributes[a.Name] = a.Value
	}
	return u
}

func (f *Server) resendInvitation(in *request) (any, error) {
	u, err := f.lookup(in.Username)
	if err != nil {
		return nil, err
	}
	if u.Status != forceChangePassword {
		return nil, errf("UnsupportedUserStateException", "User status must be %s to resend the invitation.", forceChangePassword)
	}
	deliver(u, in)
	return map[string]any{"User": listedUser(u, nil)}, nil
}

// deliver records the invitation email that Cognito would send.
func deliver(u *user, in *request) {
	if slices.Contains(in.DesiredDeliveryMediums, "EMAIL") && in.MessageAction != "SUPPRESS" {
		u.Invitations++
	}
}

func (f *Server) adminGetUser(in *request) (any, error) {
	u, err := f.lookup(in.Username)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"Username": u.Username, "UserAttributes": attrList(u, nil), "Enabled": u.Enabled,
		"UserStatus": u.Status, "UserCreateDate": epoch(u.Created),
		"UserLastModifiedDate": epoch(u.Modified),
	}, nil
}

func (f *Server) adminDeleteUser(in *request) (any, error) {
	u, err := f.lookup(in.Username)
	if err != nil {
		return nil, err
	}
	delete(f.users, u.Username)
	return struct{}{}, nil
}

func (f *Server) adminDisableUser(in *request) (any, error) {
	return f.setEnabled(in, false)
}

func (f *Server) adminEnableUser(in *request) (any, error) {
	return f.setEnabled(in, true)
}

func (f *Server) setEnabled(in *request, enabled bool) (any, error) {
	u, err := f.lookup(in.Username)
	if err != nil {
		return nil, err
	}
	u.Enabled = enabled
	u.Modified = time.Now()
	return struct{}{}, nil
}

func (f *Server) adminUpdateUserAttributes(in *request) (any, error) {
	u, err := f.lookup(in.Username)
	if err != nil {
		return nil, err
	}
	if err := f.checkUpdate(u, in.UserAttributes); err != nil {
		return nil, err
	}
	if e := attrValue(in.UserAttributes, "email"); e != "" && e != u.Attributes["email"] && attrValue(in.UserAttributes, "email_verified") == "" {
		u.Attributes["email_verified"] = "false" // a changed email is unverified
	}
	for _, a := range in.UserAttributes {
		u.Attributes[a.Name] = a.Value
	}
	u.Modified = time.Now()
	return struct{}{}, nil
}

func (f *Server) checkUpdate(u *user, attrs []attribute) error {
	if err := checkAttrs(attrs); err != nil {
		return err
	}
	e := attrValue(attrs, "email")
	if f.opts.PlainUsernames || e == "" {
		return nil
	}
	if !isEmail(e) {
		return invalid("Invalid email address format.")
	}
	if other := f.findEmail(e); other != nil && other != u {
		return errf("AliasExistsException", "An account with the given email already exists.")
	}
	return nil
}

func (f *Server) adminUserGlobalSignOut(in *request) (any, error) {
	u, err := f.lookup(in.Username)
	if err != nil {
		return nil, err
	}
	u.SignOuts++
	return struct{}{}, nil
}

// lookup finds the user a Username parameter names, or answers as Cognito does.
func (f *Server) lookup(name string) (*user, error) {
	if name == "" {
		return nil, lengthError("username")
	}
	u := f.find(name)
	if u == nil {
		return nil, errf("UserNotFoundException", "User does not exist.")
	}
	return u, nil
}

func lengthError(member string) error {
	return invalid("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", member)
}

// checkAttrs refuses attributes outside the pool's schema and the immutable sub.
func checkAttrs(attrs []attribute) error {
	for _, a := range attrs {
		switch {
		case a.Name == "sub":
			return invalid("Invalid user attributes: sub: Attribute cannot be updated.")
		case !standardAttrs[a.Name] && !customAttrs[a.Name]:
			return invalid("Attributes did not conform to the schema: %s: Attribute does not exist in the schema.", a.Name)
		case (a.Name == "email_verified" || a.Name == "phone_number_verified") && a.Value != "true" && a.Value != "false":
			return invalid("Invalid value for %s: %q", a.Name, a.Value)
		}
	}
	return nil
}

// checkPassword applies Signet's password policy (constructs/identity) to a temporary
// password.
func checkPassword(p string) error {
	classes := []func(rune) bool{unicode.IsUpper, unicode.IsLower, unicode.IsDigit, isSymbol}
	ok := len(p) >= 12
	for _, c := range classes {
		ok = ok && strings.IndexFunc(p, c) >= 0
	}
	if !ok {
		return errf("InvalidPasswordException", "Password does not conform to policy: Password not long enough or missing a required character class")
	}
	return nil
}

func isSymbol(r rune) bool { return strings.ContainsRune(`^$*.[]{}()?"!@#%&/\,><':;|_~`+"`=+-", r) }

func isEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.ContainsAny(domain, "@") &&
		!strings.ContainsFunc(s, unicode.IsSpace)
}

func attrValue(attrs []attribute, name string) string {
	for _, a := range attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

type attrJSON struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// userJSON is Cognito's UserType.
type userJSON struct {
	Username             string     `json:"Username"`
	Attributes           []attrJSON `json:"Attributes,omitempty"`
	Enabled              bool       `json:"Enabled"`
	UserStatus           string     `json:"UserStatus"`
	UserCreateDate       float64    `json:"UserCreateDate"`
	UserLastModifiedDate float64    `json:"UserLastModifiedDate"`
}

func listedUser(u *user, only []string) userJSON {
	return userJSON{
		Username: u.Username, Attributes: attrList(u, only), Enabled: u.Enabled,
		UserStatus: u.Status, UserCreateDate: epoch(u.Created),
		UserLastModifiedDate: epoch(u.Modified),
	}
}

// attrList lists a user's attributes, sub first then by name; only those named in only
// when it is not empty.
func attrList(u *user, only []string) []attrJSON {
	names := make([]string, 0, len(u.Attributes))
	for n := range u.Attributes {
		if len(only) == 0 || slices.Contains(only, n) {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		return names[j] != "sub" && (names[i] == "sub" || names[i] < names[j])
	})
	out := make([]attrJSON, 0, len(names))
	for _, n := range names {
		out = append(out, attrJSON{Name: n, Value: u.Attributes[n]})
	}
	return out
}

// epoch is a timestamp as awsJson1_1 sends it: seconds since the epoch.
func epoch(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}
