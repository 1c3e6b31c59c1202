// Package cognitofake is a local HTTP server that speaks enough of the Amazon Cognito
// user pools JSON protocol (awsJson1_1, X-Amz-Target
// AWSCognitoIdentityProviderService.<Operation>) for Signet's tests to use the real
// aws-sdk-go-v2 cognitoidentityprovider client: the admin user operations, groups,
// ListUsers with filters and pagination, with errors that can be injected per operation.
// Tests only; nothing here talks to AWS.
//
// By default the fake models Signet's own pool (constructs/identity): email is the
// username attribute and sign-in is case-insensitive. As in Cognito, AdminCreateUser then
// takes the email as Username, stores a generated username equal to the user's sub, and
// every Admin* operation accepts either the email or that generated username. Options
// can model a pool with plain usernames instead.
package cognitofake

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// DefaultPoolID is the user pool the fake answers for unless Options say otherwise.
const DefaultPoolID = "eu-west-1_SignetFk1"

// targetPrefix prefixes every operation in the X-Amz-Target header.
const targetPrefix = "AWSCognitoIdentityProviderService."

// Options configure a fake.
type Options struct {
	// UserPoolID is the only pool the fake knows; other ids answer
	// ResourceNotFoundException. Empty means DefaultPoolID.
	UserPoolID string
	// PlainUsernames models a pool without username attributes: AdminCreateUser keeps
	// the Username it is given, emails need not be unique, and users are found by
	// username only.
	PlainUsernames bool
}

// User is a snapshot of one user in the pool.
type User struct {
	// Username is the stored username: the sub in an email-username pool.
	Username string
	// Attributes has every attribute, sub included.
	Attributes map[string]string
	Status     string // FORCE_CHANGE_PASSWORD, ...
	Enabled    bool
	Groups     []string // sorted
	// Invitations counts the invitation emails "delivered": AdminCreateUser calls with
	// EMAIL among DesiredDeliveryMediums and a MessageAction other than SUPPRESS.
	Invitations int
	// SignOuts counts AdminUserGlobalSignOut calls for the user.
	SignOuts          int
	Created, Modified time.Time
}

// Invited reports whether at least one invitation email was delivered.
func (u User) Invited() bool { return u.Invitations > 0 }

// Group is a snapshot of one group in the pool.
type Group struct {
	Name, Description, RoleArn string
	Precedence                 *int32
	Created, Modified          time.Time
}

// user is the stored record behind a User.
type user struct {
	User
	seq    int
	groups map[string]bool
}

// Server is the fake. All of its state is guarded by mu.
type Server struct {
	mu     sync.Mutex
	opts   Options
	users  map[string]*user // by stored username
	groups map[string]*Group
	seq    int
	fail   map[string][]string
	calls  map[string]int
	called []string
}

// New starts a fake of Signet's pool and returns it with a real SDK client pointed at
// it (3 attempts, millisecond backoff).
func New(t testing.TB) (*Server, *cip.Client) {
	return NewWithOptions(t, Options{})
}

// NewWithOptions is New with Options.
func NewWithOptions(t testing.TB, opts Options) (*Server, *cip.Client) {
	if opts.UserPoolID == "" {
		opts.UserPoolID = DefaultPoolID
	}
	f := &Server{
		opts: opts, users: map[string]*user{}, groups: map[string]*Group{},
		fail: map[string][]string{}, calls: map[string]int{},
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, newClient(srv.URL)
}

func newClient(url string) *cip.Client {
	return cip.New(cip.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.MaxBackoff = 5 * time.Millisecond
		}),
	})
}

// PoolID is the user pool id the fake answers for.
func (f *Server) PoolID() string { return f.opts.UserPoolID }

// FailNext queues error codes (__type values) for op, answered one per call before op
// is answered normally. InternalErrorException answers 500 and TooManyRequestsException
// 429 (both retried by the SDK); any other code answers 400.
func (f *Server) FailNext(op string, codes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[op] = append(f.fail[op], codes...)
}

// CallCount is how often op was called (each SDK attempt counts).
func (f *Server) CallCount(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// Called lists the operations called, in order (each SDK attempt counts).
func (f *Server) Called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.called...)
}

// Users returns every user, in creation order.
func (f *Server) Users() []User {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]User, 0, len(f.users))
	for _, u := range f.sortedUsers() {
		out = append(out, u.snapshot())
	}
	return out
}

// User returns one user, found as the API finds it (by username, or by email in an
// email-username pool).
func (f *Server) User(username string) (User, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.find(username)
	if u == nil {
		return User{}, false
	}
	return u.snapshot(), true
}

// UserGroups returns the sorted groups of a user (found as User finds it); nil when the
// user does not exist.
func (f *Server) UserGroups(username string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u := f.find(username); u != nil {
		return u.groupNames()
	}
	return nil
}

// SetStatus sets a user's UserStatus directly (CONFIRMED, say, for a user who has set a
// password), reporting whether the user exists.
func (f *Server) SetStatus(username, status string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.find(username)
	if u == nil {
		return false
	}
	u.Status = status
	u.Modified = time.Now()
	return true
}

// AddGroup creates a group directly, if it does not exist yet.
func (f *Server) AddGroup(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.groups[name] == nil {
		now := time.Now()
		f.groups[name] = &Group{Name: name, Created: now, Modified: now}
	}
}

// Groups returns every group, sorted by name.
func (f *Server) Groups() []Group {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Group
	for _, g := range f.sortedGroups() {
		out = append(out, *g)
	}
	return out
}

func (u *user) snapshot() User {
	s := u.User
	s.Attributes = make(map[string]string, len(u.Attributes))
	for k, v := range u.Attributes {
		s.Attributes[k] = v
	}
	s.Groups = u.groupNames()
	return s
}

func (u *user) groupNames() []string {
	names := make([]string, 0, len(u.groups))
	for g := range u.groups {
		names = append(names, g)
	}
	sort.Strings(names)
	return names
}

func (f *Server) sortedUsers() []*user {
	us := make([]*user, 0, len(f.users))
	for _, u := range f.users {
		us = append(us, u)
	}
	sort.Slice(us, func(i, j int) bool { return us[i].seq < us[j].seq })
	return us
}

func (f *Server) sortedGroups() []*Group {
	gs := make([]*Group, 0, len(f.groups))
	for _, g := range f.groups {
		gs = append(gs, g)
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].Name < gs[j].Name })
	return gs
}

// find looks a user up as Cognito does for a Username parameter: by stored username,
// case-insensitively (Signet's pool is not case-sensitive), or else by email in an
// email-username pool.
func (f *Server) find(name string) *user {
	if name == "" {
		return nil
	}
	for _, u := range f.users {
		if strings.EqualFold(u.Username, name) {
			return u
		}
	}
	if f.opts.PlainUsernames {
		return nil
	}
	return f.findEmail(name)
}

func (f *Server) findEmail(email string) *user {
	for _, u := range f.users {
		if e, ok := u.Attributes["email"]; ok && strings.EqualFold(e, email) {
			return u
		}
	}
	return nil
}

// request holds the members of every supported operation's input.
type request struct {
	UserPoolId             string
	Username               string
	UserAttributes         []attribute
	DesiredDeliveryMediums []string
	MessageAction          string
	TemporaryPassword      *string
	GroupName              string
	Description            string
	Precedence             *int32
	RoleArn                string
	Filter                 string
	AttributesToGet        []string
	Limit                  *int32
	PaginationToken        string
	NextToken              string
}

type attribute struct {
	Name  string
	Value string
}

type handler func(f *Server, in *request) (any, error)

var handlers = map[string]handler{
	"AdminCreateUser":           (*Server).adminCreateUser,
	"AdminGetUser":              (*Server).adminGetUser,
	"AdminDeleteUser":           (*Server).adminDeleteUser,
	"AdminDisableUser":          (*Server).adminDisableUser,
	"AdminEnableUser":           (*Server).adminEnableUser,
	"AdminUpdateUserAttributes": (*Server).adminUpdateUserAttributes,
	"AdminUserGlobalSignOut":    (*Server).adminUserGlobalSignOut,
	"AdminAddUserToGroup":       (*Server).adminAddUserToGroup,
	"AdminRemoveUserFromGroup":  (*Server).adminRemoveUserFromGroup,
	"AdminListGroupsForUser":    (*Server).adminListGroupsForUser,
	"CreateGroup":               (*Server).createGroup,
	"GetGroup":                  (*Server).getGroup,
	"ListUsers":                 (*Server).listUsers,
	"ListUsersInGroup":          (*Server).listUsersInGroup,
}

func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	f.calls[op]++
	f.called = append(f.called, op)
	if err := f.precheck(r, op, ok); err != nil {
		writeErr(w, err)
		return
	}
	var in request
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &in); err != nil {
		writeErr(w, errf("SerializationException", "cannot decode the request: %v", err))
		return
	}
	out, err := f.answer(op, &in)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, out)
}

// precheck refuses what Cognito would refuse before looking at the input, and answers
// injected failures.
func (f *Server) precheck(r *http.Request, op string, prefixed bool) error {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		return errf("MissingAuthenticationTokenException", "missing or unsigned request")
	}
	if _, known := handlers[op]; !prefixed || !known {
		return errf("UnknownOperationException", "unknown operation %q", op)
	}
	if q := f.fail[op]; len(q) > 0 {
		f.fail[op] = q[1:]
		return errf(q[0], "injected %s", q[0])
	}
	return nil
}

func (f *Server) answer(op string, in *request) (any, error) {
	if in.UserPoolId != f.opts.UserPoolID {
		return nil, errf("ResourceNotFoundException", "User pool %s does not exist.", in.UserPoolId)
	}
	return handlers[op](f, in)
}

// apiError is an error answered in Cognito's awsJson1_1 shape.
type apiError struct {
	code, msg string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func errf(code, format string, args ...any) error {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) error {
	return errf("InvalidParameterException", format, args...)
}

func status(code string) int {
	switch code {
	case "InternalErrorException":
		return http.StatusInternalServerError
	case "TooManyRequestsException":
		return http.StatusTooManyRequests
	}
	return http.StatusBadRequest
}

func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_, _ = w.Write(b)
}

func writeErr(w http.ResponseWriter, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = &apiError{code: "InternalErrorException", msg: err.Error()}
	}
	b, _ := json.Marshal(map[string]string{"__type": e.code, "message": e.msg})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status(e.code))
	_, _ = w.Write(b)
}

// newUUID is a random version 4 UUID, as Cognito's sub.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
