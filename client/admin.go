package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The admin API (routes under /admin): customers, access rules, invited users and the
// audit trails. Platform admins (Cognito group platform-admins) may call every method;
// customer admins (customer-admins) manage the users and rules of their own customer
// and read its trails. The API answers anything else with ErrForbidden.
//
// The types below mirror the API's JSON (package store's records); they are defined
// here so that the client does not depend on the server's packages.

// Customer is a customer as administered.
type Customer struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName"`
	Prefix      string    `json:"prefix"` // where its files live in the bucket
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"createdAt"`
}

// CustomerUpdate changes a customer: set DisplayName to rename it, Disabled to disable
// (true) or enable (false) it. At least one must be set.
type CustomerUpdate struct {
	DisplayName *string `json:"displayName,omitempty"`
	Disabled    *bool   `json:"disabled,omitempty"`
}

// Rule is an access rule: members of Role may do Actions ("read", "write", "delete")
// under PathPrefix ("" the whole customer, "a/b/" a folder, "a/b.pdf" one file).
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

// AuditQuery filters a customer's file-access audit. Every field is optional.
type AuditQuery struct {
	Subject  string    // exactly this caller (the token's sub)
	Path     string    // paths starting with this
	From, To time.Time // at or after From, before To
	// Before is the ID the previous page ended at: events are returned newest first,
	// so passing the last ID seen gives the next (older) page.
	Before int64
	Limit  int // 1 to 1000; the API's default is 100
}

// AuditEvent is one issued URL, cookie set or upload ("access"), or one admin action
// ("admin").
type AuditEvent struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	Subject   string    `json:"subject"`
	Action    string    `json:"action"`
	Target    string    `json:"target"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// send makes one call and returns its decoded answer.
func send[T any](ctx context.Context, c *Client, method, path string, query url.Values, in any) (T, error) {
	var out T
	err := c.call(ctx, method, path, query, in, &out)
	return out, err
}

// customerPath is /admin/customers/{id} followed by the escaped segments in rest.
func customerPath(id string, rest ...string) (string, error) {
	if id == "" {
		return "", fmt.Errorf("%w: customer id is empty", ErrInvalid)
	}
	p := "/admin/customers/" + url.PathEscape(id)
	for _, s := range rest {
		p += "/" + url.PathEscape(s)
	}
	return p, nil
}

// userPath is /admin/customers/{id}/users/{username} followed by rest.
func userPath(customerID, username string, rest ...string) (string, error) {
	if username == "" {
		return "", fmt.Errorf("%w: username is empty", ErrInvalid)
	}
	return customerPath(customerID, append([]string{"users", username}, rest...)...)
}

// nonNil: the API takes an empty list, not null, for "none".
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Customers lists the customers: every one for a platform admin, its own for a
// customer admin.
func (c *Client) Customers(ctx context.Context) ([]Customer, error) {
	return send[[]Customer](ctx, c, http.MethodGet, "/admin/customers", nil, nil)
}

// CreateCustomer adds a customer whose files live under prefix in the bucket
// (platform admins). ErrConflict when the id or prefix is taken, or the prefix
// overlaps another customer's.
func (c *Client) CreateCustomer(ctx context.Context, id, displayName, prefix string) (Customer, error) {
	in := map[string]string{"id": id, "displayName": displayName, "prefix": prefix}
	return send[Customer](ctx, c, http.MethodPost, "/admin/customers", nil, in)
}

// UpdateCustomer renames, disables or enables a customer (platform admins). A disabled
// customer's users get nothing signed.
func (c *Client) UpdateCustomer(ctx context.Context, id string, u CustomerUpdate) error {
	p, err := customerPath(id)
	if err != nil {
		return err
	}
	return c.call(ctx, http.MethodPatch, p, nil, u, nil)
}

// Rules lists a customer's access rules by path and role.
func (c *Client) Rules(ctx context.Context, customerID string) ([]Rule, error) {
	p, err := customerPath(customerID, "rules")
	if err != nil {
		return nil, err
	}
	return send[[]Rule](ctx, c, http.MethodGet, p, nil, nil)
}

// Grant adds the rule r to customer r.CustomerID, or replaces the actions of its rule
// for the same path prefix and role.
func (c *Client) Grant(ctx context.Context, r Rule) (Rule, error) {
	p, err := customerPath(r.CustomerID, "rules")
	if err != nil {
		return Rule{}, err
	}
	in := map[string]any{"pathPrefix": r.PathPrefix, "role": r.Role, "actions": nonNil(r.Actions)}
	return send[Rule](ctx, c, http.MethodPost, p, nil, in)
}

// Revoke removes the customer's rule for pathPrefix ("" the whole customer) and role;
// ErrNotFound when there is none.
func (c *Client) Revoke(ctx context.Context, customerID, pathPrefix, role string) error {
	p, err := customerPath(customerID, "rules")
	if err != nil {
		return err
	}
	return c.call(ctx, http.MethodDelete, p, url.Values{"pathPrefix": {pathPrefix}, "role": {role}}, nil, nil)
}

// Users lists a customer's invited users by email.
func (c *Client) Users(ctx context.Context, customerID string) ([]User, error) {
	p, err := customerPath(customerID, "users")
	if err != nil {
		return nil, err
	}
	return send[[]User](ctx, c, http.MethodGet, p, nil, nil)
}

// Invite creates a user of the customer with the given roles (Cognito groups);
// Cognito mails the temporary password. It returns the user, with the username the
// user pool gave it.
func (c *Client) Invite(ctx context.Context, customerID, email string, roles []string) (User, error) {
	p, err := customerPath(customerID, "users")
	if err != nil {
		return User{}, err
	}
	return send[User](ctx, c, http.MethodPost, p, nil, map[string]any{"email": email, "roles": nonNil(roles)})
}

// SetRoles replaces a user's roles (none: an empty list) and returns the user.
func (c *Client) SetRoles(ctx context.Context, customerID, username string, roles []string) (User, error) {
	p, err := userPath(customerID, username, "roles")
	if err != nil {
		return User{}, err
	}
	return send[User](ctx, c, http.MethodPut, p, nil, map[string]any{"roles": nonNil(roles)})
}

// DisableUser disables a user: it can no longer sign in.
func (c *Client) DisableUser(ctx context.Context, customerID, username string) error {
	p, err := userPath(customerID, username, "disable")
	if err != nil {
		return err
	}
	return c.call(ctx, http.MethodPost, p, nil, nil, nil)
}

// DeleteUser deletes a user from the user pool and from Signet's records.
func (c *Client) DeleteUser(ctx context.Context, customerID, username string) error {
	p, err := userPath(customerID, username)
	if err != nil {
		return err
	}
	return c.call(ctx, http.MethodDelete, p, nil, nil, nil)
}

// Audit returns one page of the customer's file-access audit, newest first. For the
// next page, call again with q.Before set to the last event's ID.
func (c *Client) Audit(ctx context.Context, customerID string, q AuditQuery) ([]AuditEvent, error) {
	p, err := customerPath(customerID, "audit")
	if err != nil {
		return nil, err
	}
	v := url.Values{}
	set := func(name, val string) {
		if val != "" {
			v.Set(name, val)
		}
	}
	set("subject", q.Subject)
	set("path", q.Path)
	if !q.From.IsZero() {
		v.Set("from", q.From.Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.Format(time.RFC3339Nano))
	}
	if q.Before != 0 {
		v.Set("before", strconv.FormatInt(q.Before, 10))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return send[[]AuditEvent](ctx, c, http.MethodGet, p, v, nil)
}

// AdminEvents returns the customer's admin trail (who changed what, the latest 100),
// newest first.
func (c *Client) AdminEvents(ctx context.Context, customerID string) ([]AuditEvent, error) {
	p, err := customerPath(customerID, "admin-events")
	if err != nil {
		return nil, err
	}
	return send[[]AuditEvent](ctx, c, http.MethodGet, p, nil, nil)
}
