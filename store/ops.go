package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/signing"
)

// Action is what a rule allows.
type Action string

const (
	Read   Action = "read"
	Write  Action = "write"
	Delete Action = "delete"
)

func (a Action) valid() bool { return a == Read || a == Write || a == Delete }

// Principal is the caller, from the verified token: subject, the customer id from an
// attribute the user cannot write, and Cognito groups as roles.
type Principal struct {
	Subject    string
	CustomerID string
	Roles      []string
}

// Customer is a tenant.
type Customer struct {
	ID, DisplayName, Prefix string
}

// File is a file record; Path is relative to the customer's prefix.
type File struct {
	ID             int64
	CustomerID     string
	Path           string
	ContentType    string
	Size           int64
	ChecksumSHA256 string
	Status         string
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Decision explains an allowed action.
type Decision struct {
	Customer Customer
	// Key is the object key: the customer's prefix and the path.
	Key string
	// Rule is the path_prefix of the winning rule.
	Rule string
}

// Bounds on what a token may carry into a query.
const (
	maxClaimBytes = 256
	maxRoleBytes  = 128 // access_rules.role
	maxRoles      = 100
)

// check refuses a principal that could not have come from a verified token: a
// missing subject or customer is ErrForbidden; bytes PostgreSQL would refuse are
// ErrInvalid, before any query.
func (p Principal) check() error {
	if p.Subject == "" || p.CustomerID == "" {
		return fmt.Errorf("%w: principal needs a subject and a customer", ErrForbidden)
	}
	if len(p.Roles) > maxRoles {
		return fmt.Errorf("%w: more than %d roles", ErrInvalid, maxRoles)
	}
	errs := []error{checkText("subject", p.Subject, maxClaimBytes), checkText("customer id", p.CustomerID, maxClaimBytes)}
	for _, r := range p.Roles {
		errs = append(errs, checkText("role", r, maxRoleBytes))
	}
	return errors.Join(errs...)
}

// ResolveCustomer looks up the caller's customer.
func (s *Store) ResolveCustomer(ctx context.Context, customerID string) (Customer, error) {
	var c Customer
	if err := checkText("customer id", customerID, maxClaimBytes); err != nil {
		return c, err
	}
	err := s.run(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, "SELECT id, display_name, s3_prefix FROM customers WHERE id = $1", customerID).Scan(&c.ID, &c.DisplayName, &c.Prefix)
	})
	return c, err
}

// Authorize decides whether p may do action on path (relative to p's customer).
//
// The rule: among the customer's rules for any of p's roles whose path matches — ""
// (the whole customer), a folder "a/b/" that path starts with, or the exact file
// "a/b.pdf" — the longest path wins; the action is allowed if a winning rule (for any
// of the roles) lists it. No matching rule, no roles, an unknown customer or a
// non-canonical path: denied (ErrForbidden, or ErrInvalid for the path).
func (s *Store) Authorize(ctx context.Context, p Principal, action Action, path string) (Decision, error) {
	d, _, err := s.authorize(ctx, p, action, path, "available")
	return d, err
}

// AuthorizeDownload is Authorize(Read) for one file that must be available, with the
// file's record, in one round trip. ErrNotFound (no available file at path: missing,
// pending or deleted) comes only after the read was allowed, so it tells a caller
// nothing about paths they may not read.
func (s *Store) AuthorizeDownload(ctx context.Context, p Principal, path string) (Decision, File, error) {
	return s.authorizeFile(ctx, p, Read, path, "available")
}

// PendingUpload is Authorize(Write) with the pending upload at path, in one round
// trip: ErrNotFound when no upload is pending there.
func (s *Store) PendingUpload(ctx context.Context, p Principal, path string) (Decision, File, error) {
	return s.authorizeFile(ctx, p, Write, path, "pending")
}

// authorizeFile is authorize for a file that must exist with fileStatus.
func (s *Store) authorizeFile(ctx context.Context, p Principal, action Action, path, fileStatus string) (Decision, File, error) {
	d, f, err := s.authorize(ctx, p, action, path, fileStatus)
	if err == nil && f == nil {
		err = fmt.Errorf("%w: no %s file %q", ErrNotFound, fileStatus, path)
	}
	if err != nil {
		return d, File{}, err
	}
	return d, *f, nil
}

// authorize decides as Authorize does and returns the file at path whose status is
// fileStatus, or nil.
func (s *Store) authorize(ctx context.Context, p Principal, action Action, path, fileStatus string) (Decision, *File, error) {
	if err := p.check(); err != nil {
		return Decision{}, nil, err
	}
	if !action.valid() {
		return Decision{}, nil, fmt.Errorf("%w: action %q", ErrInvalid, action)
	}
	if err := signing.CanonicalPath(path); err != nil {
		return Decision{}, nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if len(p.Roles) == 0 {
		return Decision{}, nil, fmt.Errorf("%w: no roles", ErrForbidden)
	}
	var d Decision
	var file *File
	err := s.run(ctx, func(ctx context.Context) error {
		c, rules, f, err := s.rulesFor(ctx, p, path, fileStatus)
		if err != nil {
			return err
		}
		d.Customer = c
		rule, ok := decide(rules, action)
		if !ok {
			return fmt.Errorf("%w: %s on %q", ErrForbidden, action, path)
		}
		d.Rule, d.Key, file = rule, c.Prefix+"/"+path, f
		return nil
	})
	return d, file, err
}

type rule struct {
	prefix  string
	actions []string
}

// rulesFor returns the customer, the rules matching path for p's roles (longest
// first) and the file at path with the given status (or nil), in one round trip.
func (s *Store) rulesFor(ctx context.Context, p Principal, path, fileStatus string) (Customer, []rule, *File, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT c.id, c.display_name, c.s3_prefix, r.path_prefix, r.actions::text[],
		       f.id, f.content_type, f.size_bytes, f.checksum_sha256, f.status::text, f.created_by, f.created_at, f.updated_at
		FROM customers c
		LEFT JOIN access_rules r ON r.customer_id = c.id AND r.role = ANY($2)
		     AND (r.path_prefix = '' OR r.path_prefix = $3
		          OR (right(r.path_prefix, 1) = '/' AND starts_with($3, r.path_prefix)))
		LEFT JOIN files f ON f.customer_id = c.id AND f.path = $3 AND f.status = $4::file_status
		WHERE c.id = $1
		ORDER BY length(r.path_prefix) DESC NULLS LAST`, p.CustomerID, p.Roles, path, fileStatus)
	if err != nil {
		return Customer{}, nil, nil, err
	}
	defer rows.Close()
	var c Customer
	var rules []rule
	var file *File
	found := false
	for rows.Next() {
		var prefix *string
		var actions []string
		var f nullableFile
		if err := rows.Scan(&c.ID, &c.DisplayName, &c.Prefix, &prefix, &actions,
			&f.id, &f.contentType, &f.size, &f.checksum, &f.status, &f.createdBy, &f.createdAt, &f.updatedAt); err != nil {
			return Customer{}, nil, nil, err
		}
		found = true
		if prefix != nil {
			rules = append(rules, rule{*prefix, actions})
		}
		file = f.file(c.ID, path)
	}
	if err := rows.Err(); err != nil {
		return Customer{}, nil, nil, err
	}
	if !found {
		return Customer{}, nil, nil, fmt.Errorf("%w: unknown customer", ErrForbidden)
	}
	return c, rules, file, nil
}

// nullableFile scans the LEFT JOINed file columns.
type nullableFile struct {
	id, size                                 *int64
	contentType, checksum, status, createdBy *string
	createdAt, updatedAt                     *time.Time
}

func (n nullableFile) file(customer, path string) *File {
	if n.id == nil {
		return nil
	}
	return &File{ID: *n.id, CustomerID: customer, Path: path, ContentType: *n.contentType, Size: *n.size,
		ChecksumSHA256: *n.checksum, Status: *n.status, CreatedBy: *n.createdBy, CreatedAt: *n.createdAt, UpdatedAt: *n.updatedAt}
}

// decide applies the longest-match rule to rules sorted longest first.
func decide(rules []rule, action Action) (string, bool) {
	if len(rules) == 0 {
		return "", false
	}
	longest := len(rules[0].prefix)
	for _, r := range rules {
		if len(r.prefix) != longest {
			break
		}
		if slices.Contains(r.actions, string(action)) {
			return r.prefix, true
		}
	}
	return "", false
}

// FileIntent is an upload about to happen.
type FileIntent struct {
	Path           string
	ContentType    string
	Size           int64
	ChecksumSHA256 string
	// HoldFor is how long a pending upload holds its path against other users (the
	// upload URL's lifetime). Default: 15 minutes.
	HoldFor time.Duration
}

// MaxContentTypeBytes bounds a content type (S3 stores it as object metadata).
const MaxContentTypeBytes = 255

func (in FileIntent) validate() error {
	errs := []error{}
	if err := signing.CanonicalPath(in.Path); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrInvalid, err))
	}
	if in.ContentType == "" {
		errs = append(errs, fmt.Errorf("%w: content type is required", ErrInvalid))
	} else if err := checkText("content type", in.ContentType, MaxContentTypeBytes); err != nil {
		errs = append(errs, err)
	}
	if in.Size < 0 {
		errs = append(errs, fmt.Errorf("%w: size %d is negative", ErrInvalid, in.Size))
	}
	if sum, err := base64.StdEncoding.Strict().DecodeString(in.ChecksumSHA256); err != nil || len(sum) != sha256.Size {
		errs = append(errs, fmt.Errorf("%w: checksum is not a base64 SHA-256", ErrInvalid))
	}
	return errors.Join(errs...)
}

// RecordUpload authorizes a write, calls issue with the decision to produce the
// upload (presigning has no side effects) and its audit entry, and only then writes
// the pending file and the audit row, in one statement: a refused or failed request
// changes nothing.
//
// The path rule: an available file is a conflict (delete it first); a pending upload
// holds its path for HoldFor against other users (ErrConflict), while its own author
// may ask again and replace it; a deleted file, or a pending upload older than
// HoldFor, is replaced.
func (s *Store) RecordUpload(ctx context.Context, p Principal, in FileIntent, issue func(Decision) (AuditEntry, error)) (File, Decision, error) {
	if err := in.validate(); err != nil {
		return File{}, Decision{}, err
	}
	d, err := s.Authorize(ctx, p, Write, in.Path)
	if err != nil {
		return File{}, d, err
	}
	a, err := issue(d)
	if err != nil {
		return File{}, d, err
	}
	a.Path, a.Action = in.Path, Write
	if err := a.validate(); err != nil {
		return File{}, d, err
	}
	hold := in.HoldFor
	if hold <= 0 {
		hold = 15 * time.Minute
	}
	var f File
	err = s.run(ctx, func(ctx context.Context) error {
		err := scanFile(s.pool.QueryRow(ctx, recordUploadSQL, p.CustomerID, in.Path, in.ContentType, in.Size, in.ChecksumSHA256,
			p.Subject, hold.Seconds(), a.ExpiresAt, a.RequestID), &f)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %q holds an available file or another user's upload", ErrConflict, in.Path)
		}
		return err
	})
	return f, d, err
}

// recordUploadSQL writes the pending file and, only if it was written, the audit row.
const recordUploadSQL = `
	WITH f AS (
		INSERT INTO files (customer_id, path, content_type, size_bytes, checksum_sha256, created_by)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (customer_id, path) DO UPDATE
		   SET content_type = EXCLUDED.content_type, size_bytes = EXCLUDED.size_bytes,
		       checksum_sha256 = EXCLUDED.checksum_sha256, created_by = EXCLUDED.created_by,
		       status = 'pending', updated_at = now()
		 WHERE files.status = 'deleted'
		    OR (files.status = 'pending' AND (files.created_by = EXCLUDED.created_by
		                                      OR files.updated_at < now() - make_interval(secs => $7)))
		RETURNING ` + fileColumns + `
	), audit AS (
		INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, request_id)
		SELECT $6, $1, $2, 'write', $8, $9 FROM f
	)
	SELECT ` + fileColumns + ` FROM f`

const fileColumns = "id, customer_id, path, content_type, size_bytes, checksum_sha256, status::text, created_by, created_at, updated_at"

func scanFile(row pgx.Row, f *File) error {
	return row.Scan(&f.ID, &f.CustomerID, &f.Path, &f.ContentType, &f.Size, &f.ChecksumSHA256, &f.Status, &f.CreatedBy, &f.CreatedAt, &f.UpdatedAt)
}

// MarkAvailable flips a pending file to available once its upload completed.
func (s *Store) MarkAvailable(ctx context.Context, p Principal, path string) error {
	if _, err := s.Authorize(ctx, p, Write, path); err != nil {
		return err
	}
	return s.setStatus(ctx, p, path, "available", "pending")
}

// SoftDelete marks a file deleted (the object's versions stay in S3 until lifecycle).
func (s *Store) SoftDelete(ctx context.Context, p Principal, path string) error {
	if _, err := s.Authorize(ctx, p, Delete, path); err != nil {
		return err
	}
	return s.setStatus(ctx, p, path, "deleted", "pending", "available")
}

func (s *Store) setStatus(ctx context.Context, p Principal, path, to string, from ...string) error {
	return s.run(ctx, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, `UPDATE files SET status = $3::file_status, updated_at = now()
			WHERE customer_id = $1 AND path = $2 AND status::text = ANY($4)`, p.CustomerID, path, to, from)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: no %s file %q", ErrNotFound, strings.Join(from, " or "), path)
		}
		return nil
	})
}

// ListReadable returns up to limit available files under folder ("" for all) that p
// may read, in path order, after cursor (the last path of the previous page). Keyset
// pagination: rows inserted meanwhile never shift a page, and none repeats.
func (s *Store) ListReadable(ctx context.Context, p Principal, folder, cursor string, limit int) ([]File, string, error) {
	if err := p.check(); err != nil {
		return nil, "", err
	}
	if cursor != "" {
		if err := signing.CanonicalPath(cursor); err != nil {
			return nil, "", fmt.Errorf("%w: cursor: %w", ErrInvalid, err)
		}
	}
	if folder != "" {
		if err := signing.CanonicalPath(strings.TrimSuffix(folder, "/")); err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		folder = strings.TrimSuffix(folder, "/") + "/"
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var out []File
	next := ""
	err := s.run(ctx, func(ctx context.Context) error {
		out = out[:0]
		var rules []rule
		rows, err := s.pool.Query(ctx, `SELECT path_prefix, actions::text[] FROM access_rules
			WHERE customer_id = $1 AND role = ANY($2) ORDER BY length(path_prefix) DESC`, p.CustomerID, p.Roles)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r rule
			if err := rows.Scan(&r.prefix, &r.actions); err != nil {
				rows.Close()
				return err
			}
			rules = append(rules, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(rules) == 0 {
			return nil
		}
		after := cursor
		// Scan in batches until the page is full: files the caller cannot read are
		// skipped, never counted.
		for len(out) < limit {
			rows, err := s.pool.Query(ctx, `SELECT `+fileColumns+` FROM files
				WHERE customer_id = $1 AND status = 'available' AND starts_with(path, $2) AND path > $3
				ORDER BY path LIMIT $4`, p.CustomerID, folder, after, limit*2)
			if err != nil {
				return err
			}
			n := 0
			for rows.Next() {
				var f File
				if err := scanFile(rows, &f); err != nil {
					rows.Close()
					return err
				}
				n++
				after = f.Path
				if _, ok := decide(matching(rules, f.Path), Read); ok && len(out) < limit {
					out = append(out, f)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if n < limit*2 {
				after = ""
				break
			}
		}
		if len(out) == limit {
			// There may be more; the client asks again after this path.
			next = out[len(out)-1].Path
		}
		return nil
	})
	return out, next, err
}

// matching filters rules (longest first) to those covering path.
func matching(rules []rule, path string) []rule {
	var out []rule
	for _, r := range rules {
		if r.prefix == "" || r.prefix == path || (strings.HasSuffix(r.prefix, "/") && strings.HasPrefix(path, r.prefix)) {
			out = append(out, r)
		}
	}
	return out
}

// AuditEntry is one issued URL or cookie set.
type AuditEntry struct {
	Path          string
	Action        Action
	ExpiresAt     time.Time
	IPRestriction string
	RequestID     string
}

func (e AuditEntry) validate() error {
	if !e.Action.valid() || e.RequestID == "" || e.ExpiresAt.IsZero() {
		return fmt.Errorf("%w: audit entry needs an action, a request id and an expiry", ErrInvalid)
	}
	if err := checkText("request id", e.RequestID, maxClaimBytes); err != nil {
		return err
	}
	if err := signing.CanonicalPath(e.Path); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	_, err := parseIP(e.IPRestriction)
	return err
}

// Audit records an issued URL for p's customer.
func (s *Store) Audit(ctx context.Context, p Principal, e AuditEntry) error {
	if err := p.check(); err != nil {
		return err
	}
	if err := e.validate(); err != nil {
		return err
	}
	ip, _ := parseIP(e.IPRestriction)
	return s.run(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, ip_restriction, request_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.Subject, p.CustomerID, e.Path, string(e.Action), e.ExpiresAt, ip, e.RequestID)
		return err
	})
}

// AuthorizeFolder decides whether p may do action on everything under folder (a
// canonical path; "a/b" means "a/b/..."), which is what a wildcard signature grants:
// the longest rule covering the folder must allow it, and no longer rule inside the
// folder (for p's roles) may narrow it away. Otherwise ErrForbidden: sign files one
// by one instead.
func (s *Store) AuthorizeFolder(ctx context.Context, p Principal, action Action, folder string) (Decision, error) {
	if err := p.check(); err != nil {
		return Decision{}, err
	}
	if !action.valid() {
		return Decision{}, fmt.Errorf("%w: action %q", ErrInvalid, action)
	}
	folder = strings.TrimSuffix(folder, "/")
	if err := signing.CanonicalPath(folder); err != nil {
		return Decision{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if len(p.Roles) == 0 {
		return Decision{}, fmt.Errorf("%w: no roles", ErrForbidden)
	}
	dir := folder + "/"
	var d Decision
	err := s.run(ctx, func(ctx context.Context) error {
		// Rules covering the folder itself ("", or prefixes of dir) and rules inside it.
		rows, err := s.pool.Query(ctx, `
			SELECT c.id, c.display_name, c.s3_prefix, r.path_prefix, r.actions::text[]
			FROM customers c
			LEFT JOIN access_rules r ON r.customer_id = c.id AND r.role = ANY($2)
			     AND (r.path_prefix = '' OR (right(r.path_prefix, 1) = '/' AND starts_with($3, r.path_prefix))
			          OR starts_with(r.path_prefix, $3))
			WHERE c.id = $1
			ORDER BY length(r.path_prefix) DESC NULLS LAST`, p.CustomerID, p.Roles, dir)
		if err != nil {
			return err
		}
		defer rows.Close()
		var covering, inside []rule
		found := false
		for rows.Next() {
			var prefix *string
			var actions []string
			if err := rows.Scan(&d.Customer.ID, &d.Customer.DisplayName, &d.Customer.Prefix, &prefix, &actions); err != nil {
				return err
			}
			found = true
			if prefix == nil {
				continue
			}
			r := rule{*prefix, actions}
			if len(r.prefix) > len(dir) || (r.prefix != dir && strings.HasPrefix(r.prefix, dir)) {
				inside = append(inside, r)
			} else {
				covering = append(covering, r)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: unknown customer", ErrForbidden)
		}
		rulePrefix, ok := decide(covering, action)
		if !ok {
			return fmt.Errorf("%w: %s on %q", ErrForbidden, action, dir)
		}
		// A narrower rule inside the folder that lacks the action, for any length of
		// prefix: a role-group of inside rules of one prefix must all be checked.
		byPrefix := map[string]bool{}
		for _, r := range inside {
			if slices.Contains(r.actions, string(action)) {
				byPrefix[r.prefix] = true
			} else if _, seen := byPrefix[r.prefix]; !seen {
				byPrefix[r.prefix] = false
			}
		}
		for prefix, allows := range byPrefix {
			if !allows {
				return fmt.Errorf("%w: %q narrows %s inside %q", ErrForbidden, prefix, action, dir)
			}
		}
		d.Rule = rulePrefix
		d.Key = d.Customer.Prefix + "/" + folder
		return nil
	})
	return d, err
}
