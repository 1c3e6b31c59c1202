package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-cdk/signet/client"
)

// The admin commands (the API's routes under /admin):
//
//	signet admin customers list
//	signet admin customers create <id> <displayName> <prefix>
//	signet admin customers rename <id> <displayName>
//	signet admin customers disable|enable <id>
//	signet admin rules list <customer>
//	signet admin rules grant <customer> <role> <actions> [--path prefix]
//	signet admin rules revoke <customer> <role> [--path prefix]
//	signet admin users list <customer>
//	signet admin users invite <customer> <email> [--roles a,b]
//	signet admin users roles <customer> <username> <roles>
//	signet admin users disable|delete <customer> <username>
//	signet admin audit <customer> [--subject s] [--path p] [--from t] [--to t] [--before id] [--limit n]
//	signet admin events <customer>
//
// Every one takes --json (the API's JSON instead of a table). Flags may come before or
// after the arguments ("--" ends them). The input is checked here first, with the
// API's wording, so that a mistake costs no round trip and reads the same either way
// (a usage error, exit 2); what only the API can check (prefixes, paths, who may do
// what) comes back as the API's message.

// flagSet is what an admin command needs of its flags (a *pflag.FlagSet).
type flagSet interface {
	String(name, value, usage string) *string
}

// adminCmd is one admin command.
type adminCmd struct {
	name  string // "rules grant"
	args  string // its arguments, for the usage line
	nargs int    // how many arguments
	short string // what it does, for the help
	// bind registers the command's own flags and returns what it does with the
	// arguments once they are parsed.
	bind func(fs flagSet) func(ctx context.Context, e *adminEnv, args []string) error
}

// adminEnv is what a command runs with.
type adminEnv struct {
	stdout io.Writer
	json   bool
	// connect gives the API client; commands check their input before calling it, so
	// that bad input is reported even before any configuration is read.
	connect func() (*client.Client, error)
}

var adminCmds = []adminCmd{
	{"customers list", "", 0, "List the customers", func(flagSet) func(context.Context, *adminEnv, []string) error {
		return func(ctx context.Context, e *adminEnv, _ []string) error {
			return list(ctx, e, (*client.Client).Customers, customerTable)
		}
	}},
	{"customers create", "<id> <displayName> <prefix>", 3, "Add a customer whose files live under prefix", func(flagSet) func(context.Context, *adminEnv, []string) error {
		return func(ctx context.Context, e *adminEnv, a []string) error {
			if err := checks(checkCustomerID(a[0]), checkDisplayName(a[1])); err != nil {
				return err
			}
			return call(ctx, e, func(c *client.Client) (client.Customer, error) { return c.CreateCustomer(ctx, a[0], a[1], a[2]) },
				func(tw io.Writer, c client.Customer) { customerTable(tw, []client.Customer{c}) })
		}
	}},
	{"customers rename", "<id> <displayName>", 2, "Rename a customer", func(flagSet) func(context.Context, *adminEnv, []string) error {
		return func(ctx context.Context, e *adminEnv, a []string) error {
			if err := checks(checkCustomerID(a[0]), checkDisplayName(a[1])); err != nil {
				return err
			}
			return updateCustomer(ctx, e, a[0], client.CustomerUpdate{DisplayName: &a[1]}, "renamed", fmt.Sprintf("customer %s renamed to %q", a[0], a[1]))
		}
	}},
	{"customers disable", "<id>", 1, "Disable a customer: its users get nothing signed", func(flagSet) func(context.Context, *adminEnv, []string) error {
		return func(ctx context.Context, e *adminEnv, a []string) error {
			return updateCustomer(ctx, e, a[0], client.CustomerUpdate{Disabled: new(true)}, "disabled", "customer "+a[0]+" disabled")
		}
	}},
	{"customers enable", "<id>", 1, "Enable a disabled customer", func(flagSet) func(context.Context, *adminEnv, []string) error {
		return func(ctx context.Context, e *adminEnv, a []string) error {
			return updateCustomer(ctx, e, a[0], client.CustomerUpdate{Disabled: new(false)}, "enabled", "customer "+a[0]+" enabled")
		}
	}},
	{"rules list", "<customer>", 1, "List a customer's access rules", func(flagSet) func(context.Context, *adminEnv, []string) error {
		return func(ctx context.Context, e *adminEnv, a []string) error {
			if err := checks(checkCustomerID(a[0])); err != nil {
				return err
			}
			return list(ctx, e, func(c *client.Client, ctx context.Context) ([]client.Rule, error) { return c.Rules(ctx, a[0]) }, ruleTable)
		}
	}},
	{"rules grant", "<customer> <role> <actions: read,write,delete>", 3, "Grant a role actions under a path (or replace its actions there)", func(fs flagSet) func(context.Context, *adminEnv, []string) error {
		path := fs.String("path", "", "the path prefix: a folder (a/b/) or a file; none for the whole customer")
		return func(ctx context.Context, e *adminEnv, a []string) error {
			actions := splitList(a[2])
			if err := checks(checkCustomerID(a[0]), checkRole(a[1]), checkActions(actions)); err != nil {
				return err
			}
			r := client.Rule{CustomerID: a[0], PathPrefix: *path, Role: a[1], Actions: actions}
			return call(ctx, e, func(c *client.Client) (client.Rule, error) { return c.Grant(ctx, r) },
				func(tw io.Writer, r client.Rule) { ruleTable(tw, []client.Rule{r}) })
		}
	}},
	{"rules revoke", "<customer> <role>", 2, "Remove the rule of a role for a path", func(fs flagSet) func(context.Context, *adminEnv, []string) error {
		path := fs.String("path", "", "the path prefix of the rule; none for the whole customer")
		return func(ctx context.Context, e *adminEnv, a []string) error {
			if err := checks(checkCustomerID(a[0]), checkNonEmpty("role", a[1])); err != nil {
				return err
			}
			return act(ctx, e, func(c *client.Client) error { return c.Revoke(ctx, a[0], *path, a[1]) },
				map[string]string{"customer": a[0], "role": a[1], "pathPrefix": *path, "status": "revoked"},
				fmt.Sprintf("revoked the rule for role %s on %s of customer %s", a[1], pathLabel(*path), a[0]))
		}
	}},
	{"users list", "<customer>", 1, "List a customer's invited users", func(flagSet) func(context.Context, *adminEnv, []string) error {
		return func(ctx context.Context, e *adminEnv, a []string) error {
			if err := checks(checkCustomerID(a[0])); err != nil {
				return err
			}
			return list(ctx, e, func(c *client.Client, ctx context.Context) ([]client.User, error) { return c.Users(ctx, a[0]) }, userTable)
		}
	}},
	{"users invite", "<customer> <email>", 2, "Invite a user (Cognito mails the temporary password)", func(fs flagSet) func(context.Context, *adminEnv, []string) error {
		roles := fs.String("roles", "", "comma-separated roles (Cognito groups)")
		return func(ctx context.Context, e *adminEnv, a []string) error {
			rs := splitList(*roles)
			if err := checks(checkCustomerID(a[0]), checkEmail(a[1]), checkRoles(rs)); err != nil {
				return err
			}
			return call(ctx, e, func(c *client.Client) (client.User, error) { return c.Invite(ctx, a[0], a[1], rs) },
				func(tw io.Writer, u client.User) { userTable(tw, []client.User{u}) })
		}
	}},
	{"users roles", "<customer> <username> <roles: a,b or \"\" for none>", 3, "Replace a user's roles", func(flagSet) func(context.Context, *adminEnv, []string) error {
		return func(ctx context.Context, e *adminEnv, a []string) error {
			rs := splitList(a[2])
			if err := checks(checkCustomerID(a[0]), checkNonEmpty("username", a[1]), checkRoles(rs)); err != nil {
				return err
			}
			return call(ctx, e, func(c *client.Client) (client.User, error) { return c.SetRoles(ctx, a[0], a[1], rs) },
				func(tw io.Writer, u client.User) { userTable(tw, []client.User{u}) })
		}
	}},
	{"users disable", "<customer> <username>", 2, "Disable a user: they can no longer sign in", func(flagSet) func(context.Context, *adminEnv, []string) error {
		return func(ctx context.Context, e *adminEnv, a []string) error {
			return userAction(ctx, e, a, "disabled", (*client.Client).DisableUser)
		}
	}},
	{"users delete", "<customer> <username>", 2, "Delete a user", func(flagSet) func(context.Context, *adminEnv, []string) error {
		return func(ctx context.Context, e *adminEnv, a []string) error {
			return userAction(ctx, e, a, "deleted", (*client.Client).DeleteUser)
		}
	}},
	{"audit", "<customer>", 1, "Read a customer's file-access audit, newest first", func(fs flagSet) func(context.Context, *adminEnv, []string) error {
		subject := fs.String("subject", "", "only this caller (the token's sub)")
		path := fs.String("path", "", "only paths starting with this")
		from := fs.String("from", "", "at or after this time (RFC 3339)")
		to := fs.String("to", "", "before this time (RFC 3339)")
		before := fs.String("before", "", "older than this event id (the next page)")
		limit := fs.String("limit", "", "at most this many events (1-1000; default 100)")
		return func(ctx context.Context, e *adminEnv, a []string) error {
			q := client.AuditQuery{Subject: *subject, Path: *path}
			var err error
			errs := []error{checkCustomerID(a[0])}
			q.From, err = parseTime("from", *from)
			errs = append(errs, err)
			q.To, err = parseTime("to", *to)
			errs = append(errs, err)
			q.Before, err = parseWhole("before", *before, math.MaxInt64)
			errs = append(errs, err)
			n, err := parseWhole("limit", *limit, 1000)
			q.Limit = int(n)
			if err := checks(append(errs, err)...); err != nil {
				return err
			}
			return list(ctx, e, func(c *client.Client, ctx context.Context) ([]client.AuditEvent, error) { return c.Audit(ctx, a[0], q) }, auditTable)
		}
	}},
	{"events", "<customer>", 1, "Read a customer's admin trail: who changed what", func(flagSet) func(context.Context, *adminEnv, []string) error {
		return func(ctx context.Context, e *adminEnv, a []string) error {
			if err := checks(checkCustomerID(a[0])); err != nil {
				return err
			}
			return list(ctx, e, func(c *client.Client, ctx context.Context) ([]client.AuditEvent, error) {
				return c.AdminEvents(ctx, a[0])
			}, eventTable)
		}
	}},
}

const adminLong = `The admin commands, for members of the Cognito groups platform-admins (everything) and
customer-admins (their own customer's rules and users, and its trails). Each prints a
table, or the API's JSON with --json. The input is checked here first, with the API's
wording; what only the API can check comes back as its message and status.`

// adminCmd is ` + "`signet admin`" + `: a command per entry of adminCmds, under its group.
func (a *app) adminCmd() *cobra.Command {
	admin := &cobra.Command{Use: "admin", Short: "Manage customers, access rules and users; read the audit trails", Long: adminLong}
	groups := map[string]*cobra.Command{}
	for _, spec := range adminCmds {
		parent := admin
		group, verb, ok := strings.Cut(spec.name, " ")
		if !ok {
			verb = group
		} else if parent = groups[group]; parent == nil {
			parent = &cobra.Command{Use: group, Short: adminGroups[group]}
			groups[group] = parent
			admin.AddCommand(parent)
		}
		parent.AddCommand(a.adminLeaf(spec, verb))
	}
	return admin
}

var adminGroups = map[string]string{
	"customers": "List, create, rename, disable and enable customers",
	"rules":     "List, grant and revoke access rules",
	"users":     "List, invite, disable and delete users; set their roles",
}

// adminLeaf is the command of spec.
func (a *app) adminLeaf(spec adminCmd, verb string) *cobra.Command {
	e := &adminEnv{stdout: a.out, connect: a.connect}
	c := &cobra.Command{Use: strings.TrimSpace(verb + " " + spec.args), Short: spec.short, Args: cobra.ExactArgs(spec.nargs)}
	c.Flags().BoolVar(&e.json, "json", false, "print the API's JSON")
	do := spec.bind(c.Flags())
	c.RunE = func(c *cobra.Command, args []string) error { return do(c.Context(), e, args) }
	return c
}

// list fetches a list and prints it.
func list[T any](ctx context.Context, e *adminEnv, get func(*client.Client, context.Context) ([]T, error), table func(io.Writer, []T)) error {
	return call(ctx, e, func(c *client.Client) ([]T, error) {
		items, err := get(c, ctx)
		if items == nil {
			items = []T{} // [] in JSON
		}
		return items, err
	}, table)
}

// call makes one API call and prints its answer: a table, or the JSON.
func call[T any](ctx context.Context, e *adminEnv, do func(*client.Client) (T, error), table func(io.Writer, T)) error {
	c, err := e.connect()
	if err != nil {
		return err
	}
	v, err := do(c)
	if err != nil {
		return err
	}
	return e.print(v, func(w io.Writer) { table(w, v) })
}

// act makes a call that answers nothing worth printing, and says what was done.
func act(ctx context.Context, e *adminEnv, do func(*client.Client) error, result map[string]string, sentence string) error {
	return call(ctx, e, func(c *client.Client) (map[string]string, error) { return result, do(c) },
		func(w io.Writer, _ map[string]string) { fmt.Fprintln(w, clean(sentence)) })
}

func (e *adminEnv) print(v any, table func(io.Writer)) error {
	if e.json {
		return printJSON(e.stdout, v)
	}
	tw := newTable(e.stdout)
	table(tw)
	return tw.Flush()
}

func updateCustomer(ctx context.Context, e *adminEnv, id string, u client.CustomerUpdate, status, sentence string) error {
	if err := checks(checkCustomerID(id)); err != nil {
		return err
	}
	return act(ctx, e, func(c *client.Client) error { return c.UpdateCustomer(ctx, id, u) },
		map[string]string{"id": id, "status": status}, sentence)
}

func userAction(ctx context.Context, e *adminEnv, a []string, status string, do func(*client.Client, context.Context, string, string) error) error {
	if err := checks(checkCustomerID(a[0]), checkNonEmpty("username", a[1])); err != nil {
		return err
	}
	return act(ctx, e, func(c *client.Client) error { return do(c, ctx, a[0], a[1]) },
		map[string]string{"customer": a[0], "username": a[1], "status": status},
		fmt.Sprintf("user %s of customer %s %s", a[1], a[0], status))
}

// Tables. Every cell goes through clean: what the API returns cannot break the columns
// or reach the terminal as control characters.

func row(w io.Writer, cells ...string) {
	for i, c := range cells {
		cells[i] = clean(c)
	}
	fmt.Fprintln(w, strings.Join(cells, "\t"))
}

func customerTable(w io.Writer, cs []client.Customer) {
	row(w, "ID", "NAME", "PREFIX", "STATUS", "CREATED")
	for _, c := range cs {
		row(w, c.ID, c.DisplayName, c.Prefix, status(c.Disabled), stamp(c.CreatedAt))
	}
}

func ruleTable(w io.Writer, rs []client.Rule) {
	row(w, "PATH", "ROLE", "ACTIONS")
	for _, r := range rs {
		row(w, pathLabel(r.PathPrefix), r.Role, strings.Join(r.Actions, ","))
	}
}

func userTable(w io.Writer, us []client.User) {
	row(w, "USERNAME", "EMAIL", "ROLES", "STATUS", "CREATED", "BY")
	for _, u := range us {
		roles := strings.Join(u.Roles, ",")
		if roles == "" {
			roles = "-"
		}
		by := u.CreatedBy
		if by == "" {
			by = "-"
		}
		row(w, u.Username, u.Email, roles, status(u.Disabled), stamp(u.CreatedAt), by)
	}
}

func auditTable(w io.Writer, es []client.AuditEvent) {
	row(w, "ID", "AT", "SUBJECT", "ACTION", "PATH", "EXPIRES")
	for _, e := range es {
		row(w, fmt.Sprint(e.ID), stamp(e.At), e.Subject, e.Action, e.Target, stamp(e.ExpiresAt))
	}
}

func eventTable(w io.Writer, es []client.AuditEvent) {
	row(w, "ID", "AT", "SUBJECT", "ACTION", "TARGET")
	for _, e := range es {
		row(w, fmt.Sprint(e.ID), stamp(e.At), e.Subject, e.Action, e.Target)
	}
}

func status(disabled bool) string {
	if disabled {
		return "disabled"
	}
	return "active"
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// pathLabel shows a rule's path prefix; "" is the whole customer.
func pathLabel(p string) string {
	if p == "" {
		return "(all files)"
	}
	return p
}
