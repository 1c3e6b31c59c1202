package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
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

// File is a file record; Path is relative to the customer's prefix. A file is a
// single upload (ChecksumSHA256 set) or a multipart upload (PartSize and UploadID
// set, ChecksumCRC64NVME once complete).
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
	// UploadID is the S3 multipart upload id ("" for a single upload). It stays on
	// the row once the upload is complete or aborted.
	UploadID string
	// PartSize is the multipart upload's part size (0 for a single upload).
	PartSize int64
	// ChecksumCRC64NVME is the base64 CRC-64/NVME of the whole object, which S3
	// verified at completion ("" until then, and for single uploads).
	ChecksumCRC64NVME string
	// HoldUntil is when a pending upload stops holding its path against other users
	// (zero when not pending, or for a row written before it was recorded).
	HoldUntil time.Time
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
// Two round trips, not one: presigning needs the customer's prefix (the object key),
// which only the first (the decision) yields, and the write must wait for the presign
// so that a request whose presign fails changes nothing.
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
			p.Subject, hold.Seconds(), a.ExpiresAt, a.RequestID, nullable(a.Event)), &f)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %q holds an available file or another user's upload", ErrConflict, in.Path)
		}
		return err
	})
	return f, d, err
}

// recordUploadSQL writes the pending file (a single upload: no multipart columns)
// holding its path until now + $7 seconds and, only if it was written, the audit row.
const recordUploadSQL = `
	WITH f AS (
		INSERT INTO files (customer_id, path, content_type, size_bytes, checksum_sha256, hold_until, created_by)
		VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $7), $6)
		ON CONFLICT (customer_id, path) DO UPDATE
		   SET content_type = EXCLUDED.content_type, size_bytes = EXCLUDED.size_bytes,
		       checksum_sha256 = EXCLUDED.checksum_sha256, created_by = EXCLUDED.created_by,
		       upload_id = NULL, part_size = NULL, checksum_crc64nvme = NULL, hold_until = EXCLUDED.hold_until,
		       status = 'pending', updated_at = now()
		 WHERE ` + replaceableSQL + `
		RETURNING ` + fileColumns + `
	), audit AS (
		INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, request_id, event)
		SELECT $6, $1, $2, 'write', $8, $9, $10 FROM f
	)
	SELECT * FROM f`

// replaceableSQL is the path rule of an upload's INSERT ... ON CONFLICT: a deleted
// file is replaced; a pending upload is replaced by its own author, or by anyone once
// its hold has ended (a row from before hold_until was recorded: 15 minutes after
// its last change, the single-upload hold of the time).
const replaceableSQL = `files.status = 'deleted'
		    OR (files.status = 'pending' AND (files.created_by = EXCLUDED.created_by
		        OR coalesce(files.hold_until, files.updated_at + interval '15 minutes') < now()))`

// fileColumns are a file row's columns, in nullableFile.targets order; the nullable
// ones read as "" or 0 when unset (hold_until stays NULL).
const fileColumns = `id, customer_id, path, content_type, size_bytes, coalesce(checksum_sha256, '') AS checksum_sha256,
	status::text AS status, created_by, created_at, updated_at, coalesce(upload_id, '') AS upload_id, coalesce(part_size, 0) AS part_size,
	coalesce(checksum_crc64nvme, '') AS checksum_crc64nvme, hold_until`

func scanFile(row pgx.Row, f *File) error {
	var n nullableFile
	if err := row.Scan(n.targets()...); err != nil {
		return err
	}
	*f = *n.file()
	return nil
}

// MarkAvailable flips a pending file to available once its upload completed.
func (s *Store) MarkAvailable(ctx context.Context, p Principal, path string) error {
	return s.setStatus(ctx, p, Write, path, "available", "pending")
}

// SoftDelete marks a file deleted (the object's versions stay in S3 until lifecycle).
func (s *Store) SoftDelete(ctx context.Context, p Principal, path string) error {
	return s.setStatus(ctx, p, Delete, path, "deleted", "pending", "available")
}

// setStatusSQL changes the status of the file at $3 from one of $6 to $5 when the
// rule allows $4 to the roles $2, and says which of the two failed, in one statement.
const setStatusSQL = `
	WITH ` + ruleCTE + `, u AS (
		UPDATE files SET status = $5::file_status, hold_until = NULL, updated_at = now()
		WHERE customer_id = $1 AND path = $3 AND status::text = ANY($6) AND (SELECT allowed FROM d)
		RETURNING 1
	)
	SELECT EXISTS (SELECT FROM customers WHERE id = $1 AND NOT disabled), (SELECT allowed FROM d), (SELECT count(*) FROM u)`

// setStatus authorizes action on path and moves the file's status, one round trip.
func (s *Store) setStatus(ctx context.Context, p Principal, action Action, path, to string, from ...string) error {
	if err := checkRequest(p, action, path, nil); err != nil {
		return err
	}
	return s.run(ctx, func(ctx context.Context) error {
		var known, allowed bool
		var changed int
		err := s.pool.QueryRow(ctx, setStatusSQL, p.CustomerID, p.Roles, path, string(action), to, from).Scan(&known, &allowed, &changed)
		switch {
		case err != nil:
			return err
		case !known:
			return fmt.Errorf("%w: unknown customer", ErrForbidden)
		case !allowed:
			return fmt.Errorf("%w: %s on %q", ErrForbidden, action, path)
		case changed == 0:
			return fmt.Errorf("%w: no %s file %q", ErrNotFound, strings.Join(from, " or "), path)
		}
		return nil
	})
}

// listSQL is one page of the available files under folder $3 after path $4 that the
// roles $2 may read (the rule of decideSQL, applied to each file), in path order, in
// one round trip.
const listSQL = `
	SELECT ` + fileColumns + ` FROM files f
	WHERE f.customer_id = $1 AND f.status = 'available' AND starts_with(f.path, $3) AND f.path > $4
	  AND EXISTS (SELECT FROM customers WHERE id = $1 AND NOT disabled)
	  AND EXISTS (
		SELECT FROM access_rules r
		WHERE r.customer_id = $1 AND r.role = ANY($2) AND 'read' = ANY(r.actions)
		  AND (r.path_prefix = '' OR r.path_prefix = f.path OR (right(r.path_prefix, 1) = '/' AND starts_with(f.path, r.path_prefix)))
		  AND length(r.path_prefix) = (
			SELECT max(length(w.path_prefix)) FROM access_rules w
			WHERE w.customer_id = $1 AND w.role = ANY($2)
			  AND (w.path_prefix = '' OR w.path_prefix = f.path OR (right(w.path_prefix, 1) = '/' AND starts_with(f.path, w.path_prefix)))))
	ORDER BY f.path LIMIT $5`

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
	err := s.run(ctx, func(ctx context.Context) error {
		out = out[:0]
		rows, err := s.pool.Query(ctx, listSQL, p.CustomerID, p.Roles, folder, cursor, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var f File
			if err := scanFile(rows, &f); err != nil {
				return err
			}
			out = append(out, f)
		}
		return rows.Err()
	})
	next := ""
	if err == nil && len(out) == limit {
		// There may be more; the client asks again after this path.
		next = out[len(out)-1].Path
	}
	return out, next, err
}

// AuditEntry is one issued URL or cookie set, upload, or change.
type AuditEntry struct {
	Path          string
	Action        Action
	ExpiresAt     time.Time
	IPRestriction string
	RequestID     string
	// Event names what happened beyond the action, for the rows that are not a URL,
	// cookie set or single upload issued: "multipart.create", "multipart.complete",
	// "multipart.abort", "download.s3". Optional; lowercase letters, digits, '.' and
	// '-', at most 40.
	Event string
}

// validEvent is the audit_events.event CHECK.
func validEvent(e string) bool {
	if e == "" {
		return true
	}
	if len(e) > 40 || e[0] < 'a' || e[0] > 'z' {
		return false
	}
	for i := 0; i < len(e); i++ {
		c := e[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func (e AuditEntry) validate() error {
	if !e.Action.valid() || e.RequestID == "" || e.ExpiresAt.IsZero() {
		return fmt.Errorf("%w: audit entry needs an action, a request id and an expiry", ErrInvalid)
	}
	if !validEvent(e.Event) {
		return fmt.Errorf("%w: audit event %q", ErrInvalid, e.Event)
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
		// From the customer row, so that an unknown customer writes nothing.
		tag, err := s.pool.Exec(ctx, `INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, ip_restriction, request_id, event)
			SELECT $1, id, $3, $4, $5, $6, $7, $8 FROM customers WHERE id = $2`, p.Subject, p.CustomerID, e.Path, string(e.Action), e.ExpiresAt, ip, e.RequestID, nullable(e.Event))
		if err == nil && tag.RowsAffected() == 0 {
			err = fmt.Errorf("%w: unknown customer", ErrForbidden)
		}
		return err
	})
}
