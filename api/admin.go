package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/store"
)

// The admin API: routes under /admin (API Gateway's {proxy+} resource, behind the
// same Cognito authorizer), served by the admin Lambda with its own database role.
//
//	GET    /admin/customers                               list (a customer admin sees its own)
//	POST   /admin/customers                               {"id","displayName","prefix"}      platform admins
//	PATCH  /admin/customers/{id}                          {"displayName"?,"disabled"?}       platform admins
//	GET    /admin/customers/{id}/rules
//	POST   /admin/customers/{id}/rules                    {"pathPrefix","role","actions"}    grant
//	DELETE /admin/customers/{id}/rules?pathPrefix=&role=  revoke
//	GET    /admin/customers/{id}/users
//	POST   /admin/customers/{id}/users                    {"email","roles"}                  invite
//	PUT    /admin/customers/{id}/users/{user}/roles       {"roles"}
//	POST   /admin/customers/{id}/users/{user}/disable
//	DELETE /admin/customers/{id}/users/{user}
//	GET    /admin/customers/{id}/audit?subject=&path=&from=&to=&before=&limit=
//	GET    /admin/customers/{id}/admin-events
//
// Two levels: members of the Cognito group PlatformAdminsGroup manage everything;
// members of CustomerAdminsGroup manage the users and rules of the customer in their
// token's custom:customer_id, and read only its trail. Every change is written to the
// admin trail by the store, in the statement that makes it.

// Admin groups.
const (
	PlatformAdminsGroup = "platform-admins"
	CustomerAdminsGroup = "customer-admins"
)

// AdminStore is the store as the admin role uses it.
type AdminStore interface {
	CreateCustomer(ctx context.Context, a store.Actor, c store.CustomerRecord) error
	UpdateCustomer(ctx context.Context, a store.Actor, id string, displayName *string, disabled *bool) error
	ListCustomers(ctx context.Context, only string) ([]store.CustomerRecord, error)
	GrantRule(ctx context.Context, a store.Actor, r store.Rule) error
	RevokeRule(ctx context.Context, a store.Actor, customerID, pathPrefix, role string) error
	ListRules(ctx context.Context, customerID string) ([]store.Rule, error)
	AddUser(ctx context.Context, a store.Actor, u store.User) error
	User(ctx context.Context, customerID, username string) (store.User, error)
	ListUsers(ctx context.Context, customerID string) ([]store.User, error)
	SetUserRoles(ctx context.Context, a store.Actor, customerID, username string, roles []string) error
	DisableUser(ctx context.Context, a store.Actor, customerID, username string) error
	DeleteUser(ctx context.Context, a store.Actor, customerID, username string) error
	AuditEvents(ctx context.Context, q store.AuditQuery) ([]store.AuditEvent, error)
	AdminEvents(ctx context.Context, customerID string, limit int) ([]store.AuditEvent, error)
}

// Directory is the user pool (package directory over Cognito).
type Directory interface {
	// Invite creates the user with its customer attribute and roles; Cognito mails
	// the temporary password. It returns the username.
	Invite(ctx context.Context, email, customerID string, roles []string) (string, error)
	SetRoles(ctx context.Context, username string, roles []string) error
	Disable(ctx context.Context, username string) error
	Delete(ctx context.Context, username string) error
}

// AdminHandler serves the admin routes.
type AdminHandler struct {
	Store     AdminStore
	Directory Directory
	Config    Config
	Logger    *slog.Logger
	// Metrics counts requests that failed because the database did not answer
	// (DependencyFailures, as the signer does). Default: none.
	Metrics Metrics
}

// admin is the caller of an admin route.
type admin struct {
	store.Actor
	platform bool
	customer string // a customer admin's customer
}

func (a admin) may(customerID string) error {
	if a.platform || a.customer == customerID {
		return nil
	}
	return &apiError{http.StatusForbidden, codeForbidden, "not allowed for this customer"}
}

func (a admin) platformOnly() error {
	if a.platform {
		return nil
	}
	return &apiError{http.StatusForbidden, codeForbidden, "platform admins only"}
}

func adminCaller(req events.APIGatewayProxyRequest) (admin, error) {
	p, err := principal(req)
	if err != nil && !(p.Subject != "" && p.CustomerID == "") { // platform admins need no customer
		return admin{}, err
	}
	a := admin{Actor: store.Actor{Subject: p.Subject, RequestID: req.RequestContext.RequestID}}
	claims, _ := req.RequestContext.Authorizer["claims"].(map[string]any)
	groups := roles(claims["cognito:groups"])
	switch {
	case slices.Contains(groups, PlatformAdminsGroup):
		a.platform = true
	case slices.Contains(groups, CustomerAdminsGroup) && p.CustomerID != "":
		a.customer = p.CustomerID
	default:
		return admin{}, &apiError{http.StatusForbidden, codeForbidden, "administrators only"}
	}
	return a, nil
}

// Handle never returns an error: every outcome is an HTTP response.
func (h *AdminHandler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	log := h.logger().With("apiRequestId", req.RequestContext.RequestID, "route", req.HTTPMethod+" "+req.Path)
	defer func() {
		if r := recover(); r != nil {
			log.ErrorContext(ctx, "panic in admin handler", "panic", fmt.Sprint(r))
			resp = errorResponse(errInternal)
		}
		log.InfoContext(ctx, "admin request", "status", resp.StatusCode)
	}()
	ctx, cancel := h.Config.budget(ctx)
	defer cancel()
	body, err := h.serve(ctx, req)
	if err != nil {
		dependencyFailure(ctx, h.Metrics, log, err)
		ae := adminError(err)
		if ae.Status >= 500 {
			log.ErrorContext(ctx, "admin request failed", "status", ae.Status, "error", err.Error())
		} else if ae != err {
			log.InfoContext(ctx, "admin request refused", "status", ae.Status, "reason", err.Error())
		}
		return errorResponse(ae), nil
	}
	return jsonResponse(http.StatusOK, body), nil
}

// adminError maps like toAPIError, with the admin wording for conflicts.
func adminError(err error) *apiError {
	var ae *apiError
	if !errors.As(err, &ae) && errors.Is(err, store.ErrConflict) {
		return &apiError{http.StatusConflict, codeConflict, "it already exists (or its prefix overlaps another customer's)"}
	}
	if !errors.As(err, &ae) && errors.Is(err, store.ErrNotFound) {
		return &apiError{http.StatusNotFound, codeNotFound, "no such customer, rule or user"}
	}
	if !errors.As(err, &ae) && errors.Is(err, store.ErrInvalid) {
		return badRequest("%s", publicInvalid(err))
	}
	return toAPIError(err)
}

// publicInvalid is the store's validation wording without its package prefix; the
// store writes these messages for the administrator.
func publicInvalid(err error) string {
	var lines []string
	for _, line := range strings.Split(err.Error(), "\n") {
		lines = append(lines, strings.TrimPrefix(line, store.ErrInvalid.Error()+": "))
	}
	return strings.Join(lines, "; ")
}

func (h *AdminHandler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// serve routes by method and the path below /admin.
func (h *AdminHandler) serve(ctx context.Context, req events.APIGatewayProxyRequest) (any, error) {
	a, err := adminCaller(req)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(strings.Trim(cmpOrPath(req), "/"), "/")
	if len(parts) == 0 || parts[0] != "customers" {
		return nil, noRoute()
	}
	for _, part := range parts {
		if err := checkText("path", part); err != nil {
			return nil, err
		}
	}
	if len(parts) == 1 {
		return h.customers(ctx, a, req)
	}
	id := parts[1]
	switch {
	case len(parts) == 2 && req.HTTPMethod == http.MethodPatch:
		return withBody(req, func(in *customerUpdate) (any, error) { return h.updateCustomer(ctx, a, id, in) })
	case len(parts) == 3 && parts[2] == "rules":
		return h.rules(ctx, a, id, req)
	case len(parts) >= 3 && parts[2] == "users":
		return h.users(ctx, a, id, parts[3:], req)
	case len(parts) == 3 && parts[2] == "audit" && req.HTTPMethod == http.MethodGet:
		return h.audit(ctx, a, id, req)
	case len(parts) == 3 && parts[2] == "admin-events" && req.HTTPMethod == http.MethodGet:
		if err := a.may(id); err != nil {
			return nil, err
		}
		return h.Store.AdminEvents(ctx, id, 100)
	}
	return nil, noRoute()
}

func noRoute() error { return &apiError{http.StatusMethodNotAllowed, codeNoRoute, "no such route"} }

// cmpOrPath is the path below /admin: the {proxy+} parameter, or the request path.
func cmpOrPath(req events.APIGatewayProxyRequest) string {
	if p := req.PathParameters["proxy"]; p != "" {
		return p
	}
	return strings.TrimPrefix(routePath(req.Path), "/admin")
}

// CustomerCreate is POST /admin/customers.
type CustomerCreate struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Prefix      string `json:"prefix"`
}

type customerUpdate struct {
	DisplayName *string `json:"displayName,omitempty"`
	Disabled    *bool   `json:"disabled,omitempty"`
}

func (h *AdminHandler) customers(ctx context.Context, a admin, req events.APIGatewayProxyRequest) (any, error) {
	switch req.HTTPMethod {
	case http.MethodGet:
		if a.platform {
			return h.Store.ListCustomers(ctx, "")
		}
		return h.Store.ListCustomers(ctx, a.customer)
	case http.MethodPost:
		if err := a.platformOnly(); err != nil {
			return nil, err
		}
		return withBody(req, func(in *CustomerCreate) (any, error) {
			c := store.CustomerRecord{ID: in.ID, DisplayName: in.DisplayName, Prefix: in.Prefix}
			if err := h.Store.CreateCustomer(ctx, a.Actor, c); err != nil {
				return nil, err
			}
			return c, nil
		})
	}
	return nil, noRoute()
}

func (h *AdminHandler) updateCustomer(ctx context.Context, a admin, id string, in *customerUpdate) (any, error) {
	if err := a.platformOnly(); err != nil {
		return nil, err
	}
	if in.DisplayName == nil && in.Disabled == nil {
		return nil, badRequest("give displayName or disabled")
	}
	if err := h.Store.UpdateCustomer(ctx, a.Actor, id, in.DisplayName, in.Disabled); err != nil {
		return nil, err
	}
	return map[string]string{"id": id, "status": "updated"}, nil
}

// RuleGrant is POST /admin/customers/{id}/rules.
type RuleGrant struct {
	PathPrefix string   `json:"pathPrefix"`
	Role       string   `json:"role"`
	Actions    []string `json:"actions"`
}

func (h *AdminHandler) rules(ctx context.Context, a admin, id string, req events.APIGatewayProxyRequest) (any, error) {
	if err := a.may(id); err != nil {
		return nil, err
	}
	switch req.HTTPMethod {
	case http.MethodGet:
		return h.Store.ListRules(ctx, id)
	case http.MethodPost:
		return withBody(req, func(in *RuleGrant) (any, error) {
			r := store.Rule{CustomerID: id, PathPrefix: in.PathPrefix, Role: in.Role, Actions: in.Actions}
			return r, h.Store.GrantRule(ctx, a.Actor, r)
		})
	case http.MethodDelete:
		if err := checkQueryNames(req, "pathPrefix", "role"); err != nil {
			return nil, err
		}
		prefix, err1 := query(req, "pathPrefix")
		role, err2 := query(req, "role")
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		return map[string]string{"status": "revoked"}, h.Store.RevokeRule(ctx, a.Actor, id, prefix, role)
	}
	return nil, noRoute()
}

// UserInvite is POST /admin/customers/{id}/users.
type UserInvite struct {
	Email string   `json:"email"`
	Roles []string `json:"roles"`
}

// UserRoles is PUT /admin/customers/{id}/users/{user}/roles.
type UserRoles struct {
	Roles []string `json:"roles"`
}

func (h *AdminHandler) users(ctx context.Context, a admin, id string, rest []string, req events.APIGatewayProxyRequest) (any, error) {
	if err := a.may(id); err != nil {
		return nil, err
	}
	switch {
	case len(rest) == 0 && req.HTTPMethod == http.MethodGet:
		return h.Store.ListUsers(ctx, id)
	case len(rest) == 0 && req.HTTPMethod == http.MethodPost:
		return withBody(req, func(in *UserInvite) (any, error) { return h.invite(ctx, a, id, in) })
	case len(rest) == 0:
		return nil, noRoute()
	}
	// Every route on one user checks first that the user is this customer's, so a
	// customer admin cannot reach another customer's user by guessing a username.
	u, err := h.Store.User(ctx, id, rest[0])
	if err != nil {
		return nil, err
	}
	switch {
	case len(rest) == 2 && rest[1] == "roles" && req.HTTPMethod == http.MethodPut:
		return withBody(req, func(in *UserRoles) (any, error) { return h.setRoles(ctx, a, u, in.Roles) })
	case len(rest) == 2 && rest[1] == "disable" && req.HTTPMethod == http.MethodPost:
		if err := h.Directory.Disable(ctx, u.Username); err != nil {
			return nil, err
		}
		return map[string]string{"username": u.Username, "status": "disabled"}, h.Store.DisableUser(ctx, a.Actor, id, u.Username)
	case len(rest) == 1 && req.HTTPMethod == http.MethodDelete:
		if err := h.Directory.Delete(ctx, u.Username); err != nil {
			return nil, err
		}
		return map[string]string{"username": u.Username, "status": "deleted"}, h.Store.DeleteUser(ctx, a.Actor, id, u.Username)
	}
	return nil, noRoute()
}

// invite validates, creates the Cognito user bound to the customer, then records it;
// if recording fails, the Cognito user is removed again so nothing is half-made.
func (h *AdminHandler) invite(ctx context.Context, a admin, id string, in *UserInvite) (any, error) {
	if err := errors.Join(store.ValidateEmail(in.Email), store.ValidateRoles(in.Roles)); err != nil {
		return nil, err
	}
	if _, err := h.Store.ListCustomers(ctx, id); err != nil {
		return nil, err
	}
	username, err := h.Directory.Invite(ctx, in.Email, id, in.Roles)
	if err != nil {
		return nil, err
	}
	u := store.User{Username: username, Email: in.Email, CustomerID: id, Roles: in.Roles}
	if err := h.Store.AddUser(ctx, a.Actor, u); err != nil {
		if derr := h.Directory.Delete(ctx, username); derr != nil {
			h.logger().ErrorContext(ctx, "invite: could not undo the Cognito user", "username", username, "error", derr.Error())
		}
		return nil, err
	}
	return u, nil
}

func (h *AdminHandler) setRoles(ctx context.Context, a admin, u store.User, roles []string) (any, error) {
	if err := store.ValidateRoles(roles); err != nil {
		return nil, err
	}
	if err := h.Directory.SetRoles(ctx, u.Username, roles); err != nil {
		return nil, err
	}
	if err := h.Store.SetUserRoles(ctx, a.Actor, u.CustomerID, u.Username, roles); err != nil {
		return nil, err
	}
	u.Roles = roles
	return u, nil
}

func (h *AdminHandler) audit(ctx context.Context, a admin, id string, req events.APIGatewayProxyRequest) (any, error) {
	if err := a.may(id); err != nil {
		return nil, err
	}
	if err := checkQueryNames(req, "subject", "path", "from", "to", "before", "limit"); err != nil {
		return nil, err
	}
	q := store.AuditQuery{CustomerID: id}
	var errs []error
	var err error
	q.Subject, err = query(req, "subject")
	errs = append(errs, err)
	q.PathPrefix, err = query(req, "path")
	errs = append(errs, err)
	for name, dst := range map[string]*time.Time{"from": &q.From, "to": &q.To} {
		if s, err := query(req, name); err != nil || s == "" {
			errs = append(errs, err)
		} else if *dst, err = time.Parse(time.RFC3339, s); err != nil {
			errs = append(errs, badRequest("%s must be an RFC 3339 time", name))
		}
	}
	for name, dst := range map[string]*int64{"before": &q.Before, "limit": new(int64)} {
		s, err := query(req, name)
		if err != nil || s == "" {
			errs = append(errs, err)
			continue
		}
		n, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil || n < 1 || strconv.FormatInt(n, 10) != s || (name == "limit" && n > 1000) {
			errs = append(errs, badRequest("%s must be a whole number from 1%s", name, map[bool]string{true: " to 1000"}[name == "limit"]))
			continue
		}
		*dst = n
		if name == "limit" {
			q.Limit = int(n)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, firstAPIError(err)
	}
	return h.Store.AuditEvents(ctx, q)
}

// firstAPIError is the first client error in a joined list (one message suffices).
func firstAPIError(err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return err
}
