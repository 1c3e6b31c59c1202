package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/signing"
)

// The authorization rule runs in PostgreSQL, so that deciding, checking the file and
// writing the audit row are one statement and one round trip (in Aurora each round
// trip is a network hop, and round trips are the cost).
//
// The rule: among the customer's rules for any of the caller's roles whose path
// matches — "" (the whole customer), a folder "a/b/" the path starts with, or the
// exact file "a/b.pdf" — the longest path wins; the action is allowed if a winning
// rule (for any of the roles) lists it. No matching rule, no roles, an unknown
// customer or a non-canonical path: denied.

// ruleCTE decides the action $4 on the path $3 for customer $1 and roles $2: m are
// the matching rules, d has allowed and the winning rule.
const ruleCTE = `m AS (
		SELECT path_prefix, actions FROM access_rules
		WHERE customer_id = $1 AND role = ANY($2)
		  AND (path_prefix = '' OR path_prefix = $3 OR (right(path_prefix, 1) = '/' AND starts_with($3, path_prefix)))
	), d AS (
		SELECT coalesce(bool_or($4::access_action = ANY(actions)), false) AS allowed,
		       max(path_prefix) FILTER (WHERE $4::access_action = ANY(actions)) AS rule
		FROM m WHERE length(path_prefix) = (SELECT max(length(path_prefix)) FROM m)
	)`

// decideSQL decides $4 on path $3 for customer $1 and roles $2, returns the file at
// the path when its status is one of $5 (none when $5 is NULL), and, when $6 (the
// subject) is not NULL and the action is allowed (and, with $5, the file exists),
// writes the audit row ($7 expiry, $8 IP restriction, $9 request id, $10 event) in
// the same statement.
const decideSQL = `
	WITH c AS (
		SELECT id, display_name, s3_prefix FROM customers WHERE id = $1 AND NOT disabled
	), ` + ruleCTE + `, f AS (
		SELECT ` + fileColumns + ` FROM files WHERE customer_id = $1 AND path = $3 AND status::text = ANY($5::text[])
	), audit AS (
		INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, ip_restriction, request_id, event)
		SELECT $6, $1, $3, $4::access_action, $7, $8, $9, $10 FROM c, d
		WHERE d.allowed AND $6::text IS NOT NULL AND ($5::text[] IS NULL OR EXISTS (SELECT FROM f))
	)
	SELECT c.id, c.display_name, c.s3_prefix, d.allowed, coalesce(d.rule, ''), f.*
	FROM c CROSS JOIN d LEFT JOIN f ON true`

// Authorize decides whether p may do action on path (relative to p's customer); see
// the rule above. ErrForbidden when denied, ErrInvalid for a non-canonical path.
func (s *Store) Authorize(ctx context.Context, p Principal, action Action, path string) (Decision, error) {
	d, _, err := s.decide(ctx, p, action, path, nil, nil)
	return d, err
}

// AuthorizeDownload is Authorize(Read) for one file that must be available, with the
// file's record, in one round trip. ErrNotFound (no available file at path: missing,
// pending or deleted) comes only after the read was allowed, so it tells a caller
// nothing about paths they may not read.
func (s *Store) AuthorizeDownload(ctx context.Context, p Principal, path string) (Decision, File, error) {
	return s.decideFile(ctx, p, Read, path, available, nil)
}

// IssueDownload is AuthorizeDownload that also writes the audit row of the URL or
// cookies about to be issued (e's Path and Action are set here), in the same single
// statement: an issued URL without an audit row is impossible.
func (s *Store) IssueDownload(ctx context.Context, p Principal, path string, e AuditEntry) (Decision, File, error) {
	e.Path, e.Action = path, Read
	return s.decideFile(ctx, p, Read, path, available, &e)
}

// PendingUpload is Authorize(Write) with the pending upload at path, in one round
// trip: ErrNotFound when no upload is pending there.
func (s *Store) PendingUpload(ctx context.Context, p Principal, path string) (Decision, File, error) {
	return s.decideFile(ctx, p, Write, path, pending, nil)
}

// Status sets for decide.
var (
	available = []string{"available"}
	pending   = []string{"pending"}
	anyStatus = []string{"pending", "available", "deleted"}
)

// decideFile is decide for a file that must exist with one of statuses.
func (s *Store) decideFile(ctx context.Context, p Principal, action Action, path string, statuses []string, audit *AuditEntry) (Decision, File, error) {
	d, f, err := s.decide(ctx, p, action, path, statuses, audit)
	if err == nil && f == nil {
		err = fmt.Errorf("%w: no %s file %q", ErrNotFound, strings.Join(statuses, " or "), path)
	}
	if err != nil {
		return d, File{}, err
	}
	return d, *f, nil
}

// decide runs decideSQL. No statuses looks up no file; audit nil writes no row.
func (s *Store) decide(ctx context.Context, p Principal, action Action, path string, statuses []string, audit *AuditEntry) (Decision, *File, error) {
	if err := checkRequest(p, action, path, audit); err != nil {
		return Decision{}, nil, err
	}
	args := []any{p.CustomerID, p.Roles, path, string(action), statuses, nil, nil, nil, nil, nil}
	if audit != nil {
		ip, _ := parseIP(audit.IPRestriction)
		args[5], args[6], args[7], args[8], args[9] = p.Subject, audit.ExpiresAt, ip, audit.RequestID, nullable(audit.Event)
	}
	var d Decision
	var file *File
	err := s.run(ctx, func(ctx context.Context) error {
		var allowed bool
		var f nullableFile
		err := s.pool.QueryRow(ctx, decideSQL, args...).Scan(append([]any{&d.Customer.ID, &d.Customer.DisplayName, &d.Customer.Prefix, &allowed, &d.Rule},
			f.targets()...)...)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("%w: unknown customer", ErrForbidden)
		case err != nil:
			return err
		case !allowed:
			return fmt.Errorf("%w: %s on %q", ErrForbidden, action, path)
		}
		d.Key, file = d.Customer.Prefix+"/"+path, f.file()
		return nil
	})
	return d, file, err
}

// checkRequest refuses, before any query, what could never be allowed or what
// PostgreSQL would refuse.
func checkRequest(p Principal, action Action, path string, audit *AuditEntry) error {
	if err := p.check(); err != nil {
		return err
	}
	if !action.valid() {
		return fmt.Errorf("%w: action %q", ErrInvalid, action)
	}
	if err := signing.CanonicalPath(path); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if audit != nil {
		if err := audit.validate(); err != nil {
			return err
		}
	}
	if len(p.Roles) == 0 {
		return fmt.Errorf("%w: no roles", ErrForbidden)
	}
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nullableFile scans fileColumns, from a LEFT JOIN (all NULL: no file) or not.
type nullableFile struct {
	id, size, partSize                                                      *int64
	customer, path, contentType, checksum, status, createdBy, uploadID, crc *string
	createdAt, updatedAt, holdUntil                                         *time.Time
}

// targets are Scan's destinations, in fileColumns order.
func (n *nullableFile) targets() []any {
	return []any{&n.id, &n.customer, &n.path, &n.contentType, &n.size, &n.checksum, &n.status, &n.createdBy, &n.createdAt, &n.updatedAt,
		&n.uploadID, &n.partSize, &n.crc, &n.holdUntil}
}

// file is the scanned row, nil when there was none.
func (n *nullableFile) file() *File {
	if n.id == nil {
		return nil
	}
	f := &File{ID: *n.id, CustomerID: *n.customer, Path: *n.path, ContentType: *n.contentType, Size: *n.size,
		ChecksumSHA256: *n.checksum, Status: *n.status, CreatedBy: *n.createdBy, CreatedAt: *n.createdAt, UpdatedAt: *n.updatedAt,
		UploadID: *n.uploadID, PartSize: *n.partSize, ChecksumCRC64NVME: *n.crc}
	if n.holdUntil != nil {
		f.HoldUntil = *n.holdUntil
	}
	return f
}

// folderSQL decides $4 on everything under the folder $3 ("a/b/") for customer $1 and
// roles $2: the longest rule covering the folder must allow it, and no rule inside
// the folder may narrow it away (for each narrower prefix, one of the caller's rules
// of that prefix must list the action). With $5 (the subject) it writes the audit row
// ($6 expiry, $7 IP restriction, $8 request id, $9 the audited path) when allowed.
const folderSQL = `
	WITH c AS (
		SELECT id, display_name, s3_prefix FROM customers WHERE id = $1 AND NOT disabled
	), cover AS (
		SELECT path_prefix, actions FROM access_rules
		WHERE customer_id = $1 AND role = ANY($2)
		  AND (path_prefix = '' OR (right(path_prefix, 1) = '/' AND starts_with($3, path_prefix)))
	), d AS (
		SELECT coalesce(bool_or($4::access_action = ANY(actions)), false) AS allowed,
		       max(path_prefix) FILTER (WHERE $4::access_action = ANY(actions)) AS rule
		FROM cover WHERE length(path_prefix) = (SELECT max(length(path_prefix)) FROM cover)
	), inside AS (
		SELECT path_prefix, bool_or($4::access_action = ANY(actions)) AS allows FROM access_rules
		WHERE customer_id = $1 AND role = ANY($2) AND starts_with(path_prefix, $3) AND path_prefix <> $3
		GROUP BY path_prefix
	), n AS (
		SELECT coalesce(bool_and(allows), true) AS unnarrowed FROM inside
	), audit AS (
		INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, ip_restriction, request_id)
		SELECT $5, $1, $9, $4::access_action, $6, $7, $8 FROM c, d, n
		WHERE d.allowed AND n.unnarrowed AND $5::text IS NOT NULL
	)
	SELECT c.id, c.display_name, c.s3_prefix, d.allowed AND n.unnarrowed, coalesce(d.rule, '')
	FROM c CROSS JOIN d CROSS JOIN n`

// AuthorizeFolder decides whether p may do action on everything under folder (a
// canonical path; "a/b" means "a/b/..."), which is what a wildcard signature grants:
// the longest rule covering the folder must allow it, and no longer rule inside the
// folder (for p's roles) may narrow it away. Otherwise ErrForbidden: sign files one
// by one instead.
func (s *Store) AuthorizeFolder(ctx context.Context, p Principal, action Action, folder string) (Decision, error) {
	return s.decideFolder(ctx, p, action, folder, nil)
}

// IssueFolder is AuthorizeFolder(Read) that also writes the audit row of the cookies
// about to be issued, in the same statement.
func (s *Store) IssueFolder(ctx context.Context, p Principal, folder string, e AuditEntry) (Decision, error) {
	e.Path, e.Action = strings.TrimSuffix(folder, "/"), Read
	return s.decideFolder(ctx, p, Read, folder, &e)
}

func (s *Store) decideFolder(ctx context.Context, p Principal, action Action, folder string, audit *AuditEntry) (Decision, error) {
	folder = strings.TrimSuffix(folder, "/")
	if err := checkRequest(p, action, folder, audit); err != nil {
		return Decision{}, err
	}
	args := []any{p.CustomerID, p.Roles, folder + "/", string(action), nil, nil, nil, nil, folder}
	if audit != nil {
		ip, _ := parseIP(audit.IPRestriction)
		args[4], args[5], args[6], args[7] = p.Subject, audit.ExpiresAt, ip, audit.RequestID
	}
	var d Decision
	err := s.run(ctx, func(ctx context.Context) error {
		var allowed bool
		err := s.pool.QueryRow(ctx, folderSQL, args...).Scan(&d.Customer.ID, &d.Customer.DisplayName, &d.Customer.Prefix, &allowed, &d.Rule)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("%w: unknown customer", ErrForbidden)
		case err != nil:
			return err
		case !allowed:
			return fmt.Errorf("%w: %s on %q", ErrForbidden, action, folder+"/")
		}
		d.Key = d.Customer.Prefix + "/" + folder
		return nil
	})
	return d, err
}
