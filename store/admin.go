package store

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/signing"
)

// Administration: customers, access rules, invited users and the audit trail, as the
// admin API's own database role (signet_admin_app) sees them. Every change writes its
// admin_events row in the same statement: an admin action without a trail row is
// impossible. Who may do what (platform or customer admin) is the API's decision;
// the store scopes every call by the customer it names, so a customer admin's call
// can never reach another customer's rows.

// Actor is who performs an admin action, for the trail.
type Actor struct {
	Subject   string
	RequestID string
}

// CustomerRecord is a customer as administered.
type CustomerRecord struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName"`
	Prefix      string    `json:"prefix"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"createdAt"`
}

// Rule is an access rule: role may do Actions under PathPrefix ("" the whole
// customer, "a/b/" a folder, "a/b.pdf" one file).
type Rule struct {
	CustomerID string   `json:"customerId"`
	PathPrefix string   `json:"pathPrefix"`
	Role       string   `json:"role"`
	Actions    []string `json:"actions"`
}

// User is a user Signet invited for a customer.
type User struct {
	Username   string    `json:"username"`
	Email      string    `json:"email"`
	CustomerID string    `json:"customerId"`
	Roles      []string  `json:"roles"`
	Disabled   bool      `json:"disabled"`
	CreatedBy  string    `json:"createdBy"`
	CreatedAt  time.Time `json:"createdAt"`
}

var (
	customerIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	roleRE       = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)
)

// ReservedPrefixes are the distribution's own paths, never a customer's prefix:
// "api" is the API's behaviour, "public" where public behaviours may serve.
var ReservedPrefixes = []string{"api", "public"}

// ReservedRoles are Cognito groups with platform meaning, never granted by a rule.
var ReservedRoles = []string{"platform-admins"}

// ValidateCustomer checks a new customer.
func ValidateCustomer(c CustomerRecord) error {
	var errs []error
	if !customerIDRE.MatchString(c.ID) {
		errs = append(errs, fmt.Errorf("%w: customer id must be 1-63 lowercase letters, digits and hyphens, starting with a letter or digit", ErrInvalid))
	}
	if err := checkText("display name", c.DisplayName, 200); err != nil || strings.TrimSpace(c.DisplayName) == "" {
		errs = append(errs, fmt.Errorf("%w: display name must be 1-200 characters of text", ErrInvalid))
	}
	if err := signing.CanonicalPath(c.Prefix); err != nil {
		errs = append(errs, fmt.Errorf("%w: prefix: %w", ErrInvalid, err))
	}
	for _, r := range ReservedPrefixes {
		if c.Prefix == r || strings.HasPrefix(c.Prefix, r+"/") {
			errs = append(errs, fmt.Errorf("%w: prefix must not start with %q: the distribution serves %s/ without signatures or to the API", ErrInvalid, r, r))
		}
	}
	return errors.Join(errs...)
}

// ValidateRule checks a rule.
func ValidateRule(r Rule) error {
	var errs []error
	if !customerIDRE.MatchString(r.CustomerID) {
		errs = append(errs, fmt.Errorf("%w: customer id", ErrInvalid))
	}
	if p := strings.TrimSuffix(r.PathPrefix, "/"); r.PathPrefix != "" {
		if err := signing.CanonicalPath(p); err != nil {
			errs = append(errs, fmt.Errorf("%w: path prefix: %w", ErrInvalid, err))
		}
	}
	if !roleRE.MatchString(r.Role) || slices.Contains(ReservedRoles, r.Role) {
		errs = append(errs, fmt.Errorf("%w: role must be 1-128 letters, digits, _ . - and not reserved", ErrInvalid))
	}
	if len(r.Actions) == 0 {
		errs = append(errs, fmt.Errorf("%w: actions must list read, write or delete", ErrInvalid))
	}
	for _, a := range r.Actions {
		if !Action(a).valid() {
			errs = append(errs, fmt.Errorf("%w: action %q is not read, write or delete", ErrInvalid, a))
		}
	}
	return errors.Join(errs...)
}

// ValidateRoles checks the roles a user is given.
func ValidateRoles(roles []string) error {
	for _, r := range roles {
		if !roleRE.MatchString(r) || slices.Contains(ReservedRoles, r) {
			return fmt.Errorf("%w: role %q must be 1-128 letters, digits, _ . - and not reserved", ErrInvalid, r)
		}
	}
	return nil
}

// ValidateEmail checks an invitation address.
func ValidateEmail(email string) error {
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return fmt.Errorf("%w: email must be a plain address such as ana@example.com", ErrInvalid)
	}
	return nil
}

func (a Actor) check() error {
	return errors.Join(checkText("subject", a.Subject, maxClaimBytes), checkText("request id", a.RequestID, maxClaimBytes))
}

// changeOne runs a statement that changes rows and writes the trail; it returns
// ErrNotFound when nothing changed.
func (s *Store) changeOne(ctx context.Context, a Actor, sql string, args ...any) error {
	if err := a.check(); err != nil {
		return err
	}
	return s.run(ctx, func(ctx context.Context) error {
		var n int
		if err := s.pool.QueryRow(ctx, sql, append([]any{a.Subject, a.RequestID}, args...)...).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// trail is the admin_events insert from the changed rows x ($1 subject, $2 request).
func trail(action, customerExpr, targetExpr string) string {
	return `, e AS (INSERT INTO admin_events (subject, customer_id, action, target, request_id)
		SELECT $1, ` + customerExpr + `, '` + action + `', ` + targetExpr + `, $2 FROM x)
	SELECT count(*) FROM x`
}

// CreateCustomer adds a customer; ErrConflict when the id or prefix is taken or the
// prefix overlaps another customer's.
func (s *Store) CreateCustomer(ctx context.Context, a Actor, c CustomerRecord) error {
	if err := ValidateCustomer(c); err != nil {
		return err
	}
	return s.changeOne(ctx, a, `WITH x AS (INSERT INTO customers (id, display_name, s3_prefix) VALUES ($3, $4, $5) RETURNING id)`+
		trail("customer.create", "x.id", "x.id"), c.ID, c.DisplayName, c.Prefix)
}

// UpdateCustomer renames or disables (or enables) a customer.
func (s *Store) UpdateCustomer(ctx context.Context, a Actor, id string, displayName *string, disabled *bool) error {
	if displayName != nil {
		if err := checkText("display name", *displayName, 200); err != nil || strings.TrimSpace(*displayName) == "" {
			return fmt.Errorf("%w: display name must be 1-200 characters of text", ErrInvalid)
		}
	}
	return s.changeOne(ctx, a, `WITH x AS (UPDATE customers SET display_name = coalesce($4, display_name), disabled = coalesce($5, disabled)
		WHERE id = $3 RETURNING id, disabled)`+trail("customer.update", "x.id", "x.id || CASE WHEN x.disabled THEN ' disabled' ELSE '' END"),
		id, displayName, disabled)
}

// ListCustomers lists customers in id order; only, when set, limits it to one.
func (s *Store) ListCustomers(ctx context.Context, only string) ([]CustomerRecord, error) {
	var out []CustomerRecord
	err := s.run(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT id, display_name, s3_prefix, disabled, created_at FROM customers
			WHERE $1 = '' OR id = $1 ORDER BY id`, only)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CustomerRecord, error) {
			var c CustomerRecord
			return c, r.Scan(&c.ID, &c.DisplayName, &c.Prefix, &c.Disabled, &c.CreatedAt)
		})
		return err
	})
	return out, err
}

// GrantRule adds a rule or replaces the actions of the rule for the same path and role.
func (s *Store) GrantRule(ctx context.Context, a Actor, r Rule) error {
	if err := ValidateRule(r); err != nil {
		return err
	}
	return s.changeOne(ctx, a, `WITH x AS (INSERT INTO access_rules (customer_id, path_prefix, role, actions) VALUES ($3, $4, $5, $6::access_action[])
		ON CONFLICT (customer_id, path_prefix, role) DO UPDATE SET actions = EXCLUDED.actions RETURNING customer_id, path_prefix, role, actions::text)`+
		trail("rule.grant", "x.customer_id", "x.role || ' ' || x.actions || ' on \"' || x.path_prefix || '\"'"), r.CustomerID, r.PathPrefix, r.Role, r.Actions)
}

// RevokeRule removes the rule for path and role; ErrNotFound when there is none.
func (s *Store) RevokeRule(ctx context.Context, a Actor, customerID, pathPrefix, role string) error {
	return s.changeOne(ctx, a, `WITH x AS (DELETE FROM access_rules WHERE customer_id = $3 AND path_prefix = $4 AND role = $5 RETURNING customer_id, path_prefix, role)`+
		trail("rule.revoke", "x.customer_id", "x.role || ' on \"' || x.path_prefix || '\"'"), customerID, pathPrefix, role)
}

// ListRules lists a customer's rules by path and role.
func (s *Store) ListRules(ctx context.Context, customerID string) ([]Rule, error) {
	var out []Rule
	err := s.run(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT customer_id, path_prefix, role, actions::text[] FROM access_rules
			WHERE customer_id = $1 ORDER BY path_prefix, role`, customerID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Rule, error) {
			var x Rule
			return x, r.Scan(&x.CustomerID, &x.PathPrefix, &x.Role, &x.Actions)
		})
		return err
	})
	return out, err
}

const userColumns = "username, email, customer_id, roles, disabled, created_by, created_at"

func scanUser(r pgx.CollectableRow) (User, error) {
	var u User
	return u, r.Scan(&u.Username, &u.Email, &u.CustomerID, &u.Roles, &u.Disabled, &u.CreatedBy, &u.CreatedAt)
}

// AddUser records an invited user; ErrConflict when the username or the customer's
// email is taken.
func (s *Store) AddUser(ctx context.Context, a Actor, u User) error {
	if err := errors.Join(ValidateEmail(u.Email), ValidateRoles(u.Roles), checkText("username", u.Username, 128)); err != nil {
		return err
	}
	return s.changeOne(ctx, a, `WITH x AS (INSERT INTO users (username, email, customer_id, roles, created_by) VALUES ($3, $4, $5, $6, $1)
		RETURNING customer_id, username, email)`+trail("user.invite", "x.customer_id", "x.username || ' ' || x.email"), u.Username, u.Email, u.CustomerID, nonNil(u.Roles))
}

// User returns the user of customerID; ErrNotFound when the user belongs to another
// customer or none.
func (s *Store) User(ctx context.Context, customerID, username string) (User, error) {
	var u User
	if err := checkText("username", username, 128); err != nil {
		return u, err
	}
	err := s.run(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE customer_id = $1 AND username = $2`, customerID, username)
		if err != nil {
			return err
		}
		u, err = pgx.CollectExactlyOneRow(rows, scanUser)
		return err
	})
	return u, err
}

// ListUsers lists a customer's users by email.
func (s *Store) ListUsers(ctx context.Context, customerID string) ([]User, error) {
	var out []User
	err := s.run(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE customer_id = $1 ORDER BY email`, customerID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanUser)
		return err
	})
	return out, err
}

// SetUserRoles records a user's roles (the API sets the Cognito groups).
func (s *Store) SetUserRoles(ctx context.Context, a Actor, customerID, username string, roles []string) error {
	if err := ValidateRoles(roles); err != nil {
		return err
	}
	return s.changeOne(ctx, a, `WITH x AS (UPDATE users SET roles = $5 WHERE customer_id = $3 AND username = $4 RETURNING customer_id, username, roles)`+
		trail("user.roles", "x.customer_id", "x.username || ' ' || array_to_string(x.roles, ',')"), customerID, username, nonNil(roles))
}

// DisableUser marks a user disabled (the API disables the Cognito user).
func (s *Store) DisableUser(ctx context.Context, a Actor, customerID, username string) error {
	return s.changeOne(ctx, a, `WITH x AS (UPDATE users SET disabled = true WHERE customer_id = $3 AND username = $4 RETURNING customer_id, username)`+
		trail("user.disable", "x.customer_id", "x.username"), customerID, username)
}

// DeleteUser removes a user's record (the API deletes the Cognito user).
func (s *Store) DeleteUser(ctx context.Context, a Actor, customerID, username string) error {
	return s.changeOne(ctx, a, `WITH x AS (DELETE FROM users WHERE customer_id = $3 AND username = $4 RETURNING customer_id, username)`+
		trail("user.delete", "x.customer_id", "x.username"), customerID, username)
}

// AuditQuery filters a customer's audit trail.
type AuditQuery struct {
	CustomerID string
	Subject    string    // exact, optional
	PathPrefix string    // optional
	From, To   time.Time // optional
	// Before is the id the previous page ended at (newest first). Optional.
	Before int64
	Limit  int
}

// AuditEvent is one issued URL, cookie set or upload, or one admin action.
type AuditEvent struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"` // "access" or "admin"
	Subject   string    `json:"subject"`
	Action    string    `json:"action"`
	Target    string    `json:"target"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// Event names an access event beyond its action ("multipart.create",
	// "multipart.complete", "multipart.abort", "download.s3"); "" for a URL, cookie
	// set or single upload issued, or a delete.
	Event string `json:"event,omitempty"`
}

// AuditEvents returns the customer's file-access audit, newest first, one page.
func (s *Store) AuditEvents(ctx context.Context, q AuditQuery) ([]AuditEvent, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 100
	}
	if err := errors.Join(checkText("subject", q.Subject, maxClaimBytes), checkText("path", q.PathPrefix, signing.MaxPathLength)); err != nil {
		return nil, err
	}
	var out []AuditEvent
	err := s.run(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT id, at, 'access', subject, action::text, file_path, expires_at, coalesce(event, '') FROM audit_events
			WHERE customer_id = $1 AND ($2 = '' OR subject = $2) AND starts_with(file_path, $3)
			  AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5) AND ($6 = 0 OR id < $6)
			ORDER BY id DESC LIMIT $7`, q.CustomerID, q.Subject, q.PathPrefix, nullTime(q.From), nullTime(q.To), q.Before, q.Limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEvent, error) {
			var e AuditEvent
			return e, r.Scan(&e.ID, &e.At, &e.Kind, &e.Subject, &e.Action, &e.Target, &e.ExpiresAt, &e.Event)
		})
		return err
	})
	return out, err
}

// AdminEvents returns the admin trail of a customer ("" for platform-wide actions
// with no customer too, when all is set), newest first.
func (s *Store) AdminEvents(ctx context.Context, customerID string, limit int) ([]AuditEvent, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var out []AuditEvent
	err := s.run(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, `SELECT id, at, 'admin', subject, action, target FROM admin_events
			WHERE customer_id = $1 ORDER BY id DESC LIMIT $2`, customerID, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEvent, error) {
			var e AuditEvent
			return e, r.Scan(&e.ID, &e.At, &e.Kind, &e.Subject, &e.Action, &e.Target)
		})
		return err
	})
	return out, err
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// nonNil: a nil slice would be sent as NULL; no roles is the empty array.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
