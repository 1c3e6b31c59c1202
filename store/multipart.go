package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/signing"
)

// Multipart uploads and deletes. A multipart upload is a pending file row like a
// single upload's, holding its path against other users, that also carries the S3
// upload id and the part size; parts, completion and abort name the upload id, and
// a request whose id is not the one pending at the path changes nothing. Completion
// records the CRC-64/NVME that S3 verified and makes the file available.

// Bounds of a multipart upload (S3's).
const (
	MinPartSize   = 5 << 20
	MaxPartSize   = 5 << 30
	MaxParts      = 10000
	MaxObjectSize = 5 << 40
	// MaxUploadIDBytes bounds an S3 upload id.
	MaxUploadIDBytes = 1024
)

// DefaultMultipartHold is how long a multipart upload holds its path against other
// users when MultipartIntent.HoldFor is not set.
const DefaultMultipartHold = 24 * time.Hour

// MultipartIntent is a multipart upload about to be created.
type MultipartIntent struct {
	Path        string
	ContentType string
	Size        int64
	PartSize    int64
	// HoldFor is how long the pending upload holds its path against other users.
	// Default: DefaultMultipartHold.
	HoldFor time.Duration
}

func (in MultipartIntent) validate() error {
	var errs []error
	if err := signing.CanonicalPath(in.Path); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrInvalid, err))
	}
	if in.ContentType == "" {
		errs = append(errs, fmt.Errorf("%w: content type is required", ErrInvalid))
	} else if err := checkText("content type", in.ContentType, MaxContentTypeBytes); err != nil {
		errs = append(errs, err)
	}
	if in.Size < 1 || in.Size > MaxObjectSize {
		errs = append(errs, fmt.Errorf("%w: size %d (from 1 to %d)", ErrInvalid, in.Size, int64(MaxObjectSize)))
	}
	if in.PartSize < MinPartSize || in.PartSize > MaxPartSize {
		errs = append(errs, fmt.Errorf("%w: part size %d (from %d to %d)", ErrInvalid, in.PartSize, int64(MinPartSize), int64(MaxPartSize)))
	} else if (in.Size+in.PartSize-1)/in.PartSize > MaxParts {
		errs = append(errs, fmt.Errorf("%w: more than %d parts", ErrInvalid, MaxParts))
	}
	return errors.Join(errs...)
}

// checkUploadID refuses an upload id S3 could not have issued (the files.upload_id
// CHECK): empty, over MaxUploadIDBytes, or other than printable ASCII without space.
func checkUploadID(id string) error {
	if id == "" || len(id) > MaxUploadIDBytes {
		return fmt.Errorf("%w: upload id of %d bytes", ErrInvalid, len(id))
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= 0x20 || id[i] > 0x7e {
			return fmt.Errorf("%w: upload id is not printable ASCII", ErrInvalid)
		}
	}
	return nil
}

// checkCRC64NVME refuses what is not the base64 of 8 bytes (the files CHECK).
func checkCRC64NVME(s string) error {
	if len(s) != 12 || s[11] != '=' {
		return fmt.Errorf("%w: checksum is not a base64 CRC64NVME", ErrInvalid)
	}
	for i := 0; i < 11; i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return fmt.Errorf("%w: checksum is not a base64 CRC64NVME", ErrInvalid)
		}
	}
	return nil
}

// MultipartStart is what RecordMultipart's issue returns: the S3 upload it created
// and the audit entry of the creation.
type MultipartStart struct {
	UploadID string
	Audit    AuditEntry
}

// Multipart is a recorded multipart upload.
type Multipart struct {
	File     File
	Decision Decision
	// Replaced is the upload id of the multipart upload that was pending at the path
	// and that this one replaced (the caller's own, or another user's whose hold had
	// ended): the caller aborts it in S3. "" when none.
	Replaced string
}

// RecordMultipart authorizes a write on in.Path, refuses a path that holds an
// available file or another user's upload still in its hold (ErrConflict), calls
// issue with the decision to create the S3 upload, and only then writes the pending
// file with the upload id and the audit row, in one statement.
//
// Two round trips: the object key (the customer's prefix) comes from the first,
// and the upload id that the second records exists only after issue. The first
// also refuses a held path before anything is created in S3; the second applies
// the same rule again and is the one that counts. When RecordMultipart fails after
// issue succeeded, nothing is recorded and the caller aborts the upload it created.
func (s *Store) RecordMultipart(ctx context.Context, p Principal, in MultipartIntent, issue func(Decision) (MultipartStart, error)) (Multipart, error) {
	if err := in.validate(); err != nil {
		return Multipart{}, err
	}
	d, f, err := s.decide(ctx, p, Write, in.Path, []string{"pending", "available"}, nil)
	if err != nil {
		return Multipart{Decision: d}, err
	}
	if f != nil && (f.Status == "available" || f.CreatedBy != p.Subject && heldAt(*f, time.Now())) {
		return Multipart{Decision: d}, fmt.Errorf("%w: %q holds an available file or another user's upload", ErrConflict, in.Path)
	}
	st, err := issue(d)
	if err != nil {
		return Multipart{Decision: d}, err
	}
	a := st.Audit
	a.Path, a.Action = in.Path, Write
	if err := errors.Join(checkUploadID(st.UploadID), a.validate()); err != nil {
		return Multipart{Decision: d}, err
	}
	hold := in.HoldFor
	if hold <= 0 {
		hold = DefaultMultipartHold
	}
	out := Multipart{Decision: d}
	err = s.run(ctx, func(ctx context.Context) error {
		var n nullableFile
		var replaced *string
		err := s.pool.QueryRow(ctx, recordMultipartSQL, p.CustomerID, in.Path, in.ContentType, in.Size, st.UploadID, in.PartSize,
			hold.Seconds(), p.Subject, a.ExpiresAt, a.RequestID, nullable(a.Event)).Scan(append(n.targets(), &replaced)...)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %q holds an available file or another user's upload", ErrConflict, in.Path)
		}
		if err != nil {
			return err
		}
		out.File = *n.file()
		if replaced != nil {
			out.Replaced = *replaced
		}
		return nil
	})
	return out, err
}

// heldAt: a pending upload still holds its path against other users at now.
func heldAt(f File, now time.Time) bool {
	if f.Status != "pending" {
		return false
	}
	until := f.HoldUntil
	if until.IsZero() {
		until = f.UpdatedAt.Add(15 * time.Minute)
	}
	return now.Before(until)
}

// recordMultipartSQL writes the pending multipart file (no SHA-256; upload id $5,
// part size $6, held until now + $7 seconds) under the path rule of single uploads
// and, only if it was written, the audit row; it also returns the upload id of the
// multipart upload pending at the path before, if any.
const recordMultipartSQL = `
	WITH old AS (
		SELECT upload_id FROM files WHERE customer_id = $1 AND path = $2 AND status = 'pending'
	), f AS (
		INSERT INTO files (customer_id, path, content_type, size_bytes, checksum_sha256, upload_id, part_size, hold_until, created_by)
		VALUES ($1, $2, $3, $4, NULL, $5, $6, now() + make_interval(secs => $7), $8)
		ON CONFLICT (customer_id, path) DO UPDATE
		   SET content_type = EXCLUDED.content_type, size_bytes = EXCLUDED.size_bytes, checksum_sha256 = NULL,
		       upload_id = EXCLUDED.upload_id, part_size = EXCLUDED.part_size, checksum_crc64nvme = NULL,
		       hold_until = EXCLUDED.hold_until, created_by = EXCLUDED.created_by, status = 'pending', updated_at = now()
		 WHERE ` + replaceableSQL + `
		RETURNING ` + fileColumns + `
	), audit AS (
		INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, request_id, event)
		SELECT $8, $1, $2, 'write', $9, $10, $11 FROM f
	)
	SELECT f.*, (SELECT upload_id FROM old) FROM f`

// MultipartUpload authorizes a write on path and returns the row of the caller's
// multipart upload uploadID there, in one round trip: pending, available (complete)
// or deleted (aborted, or the file deleted since). ErrForbidden when the write is not
// allowed; ErrNotFound when no row at the path carries uploadID; ErrConflict when
// another upload is pending at the path, or uploadID is another user's.
func (s *Store) MultipartUpload(ctx context.Context, p Principal, path, uploadID string) (Decision, File, error) {
	if err := checkUploadID(uploadID); err != nil {
		return Decision{}, File{}, err
	}
	d, f, err := s.decide(ctx, p, Write, path, anyStatus, nil)
	if err != nil {
		return d, File{}, err
	}
	return d, derefFile(f), uploadOf(f, p, path, uploadID)
}

func derefFile(f *File) File {
	if f == nil {
		return File{}
	}
	return *f
}

// uploadOf says whether f is p's multipart upload uploadID (nil) or why not.
func uploadOf(f *File, p Principal, path, uploadID string) error {
	switch {
	case f == nil || f.UploadID != uploadID && f.Status != "pending":
		return fmt.Errorf("%w: no multipart upload %q at %q", ErrNotFound, uploadID, path)
	case f.UploadID != uploadID:
		return fmt.Errorf("%w: another upload is pending at %q", ErrConflict, path)
	case f.CreatedBy != p.Subject:
		return fmt.Errorf("%w: upload %q at %q is another user's", ErrConflict, uploadID, path)
	}
	return nil
}

// completeSQL re-decides the write ($4 = 'write') on $3 and makes the caller's ($6)
// pending multipart upload $5 available with its CRC-64/NVME $7, writing the audit
// row ($8 expiry, $9 request id, $10 event) when it did, in one statement. It
// returns whether the customer is known and the write allowed, and the file.
const completeSQL = `
	WITH c AS (
		SELECT id FROM customers WHERE id = $1 AND NOT disabled
	), ` + ruleCTE + `, u AS (
		UPDATE files SET status = 'available', checksum_crc64nvme = $7, hold_until = NULL, updated_at = now()
		WHERE customer_id = $1 AND path = $3 AND status = 'pending' AND upload_id = $5 AND created_by = $6
		  AND (SELECT allowed FROM d) AND EXISTS (SELECT FROM c)
		RETURNING ` + fileColumns + `
	), audit AS (
		INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, request_id, event)
		SELECT $6, $1, $3, 'write', $8, $9, $10 FROM u
	)
	SELECT EXISTS (SELECT FROM c), d.allowed, u.* FROM d LEFT JOIN u ON true`

// CompleteMultipart makes the caller's pending multipart upload uploadID at path
// available, recording the CRC-64/NVME S3 verified, with the audit row (e's Path and
// Action are set here), after deciding the write again, in one statement.
// ErrForbidden when not allowed; ErrNotFound when that upload is not pending there.
func (s *Store) CompleteMultipart(ctx context.Context, p Principal, path, uploadID, checksumCRC64NVME string, e AuditEntry) (File, error) {
	e.Path, e.Action = path, Write
	if err := errors.Join(checkRequest(p, Write, path, &e), checkUploadID(uploadID), checkCRC64NVME(checksumCRC64NVME)); err != nil {
		return File{}, err
	}
	var f *File
	err := s.run(ctx, func(ctx context.Context) error {
		var known, allowed bool
		var n nullableFile
		err := s.pool.QueryRow(ctx, completeSQL, p.CustomerID, p.Roles, path, string(Write), uploadID, p.Subject, checksumCRC64NVME,
			e.ExpiresAt, e.RequestID, nullable(e.Event)).Scan(append([]any{&known, &allowed}, n.targets()...)...)
		switch {
		case err != nil:
			return err
		case !known:
			return fmt.Errorf("%w: unknown customer", ErrForbidden)
		case !allowed:
			return fmt.Errorf("%w: write on %q", ErrForbidden, path)
		}
		if f = n.file(); f == nil {
			return fmt.Errorf("%w: multipart upload %q is not pending at %q", ErrNotFound, uploadID, path)
		}
		return nil
	})
	return derefFile(f), err
}

// markDeletedHead and markDeletedTail frame a statement that decides an action ($4)
// on path $3 of customer $1 for roles $2, marks the file there deleted in CTE u under
// the statement's own conditions, audits it, and returns (markDeleted scans it) the
// customer, the decision, how many rows u changed and the row as it was.
const (
	markDeletedHead = `
	WITH c AS (
		SELECT id, display_name, s3_prefix FROM customers WHERE id = $1 AND NOT disabled
	), ` + ruleCTE + `, old AS (
		SELECT ` + fileColumns + ` FROM files WHERE customer_id = $1 AND path = $3
	), u AS (`
	markDeletedTail = `
	SELECT c.id, c.display_name, c.s3_prefix, d.allowed, coalesce(d.rule, ''), (SELECT count(*) FROM u), old.*
	FROM c CROSS JOIN d LEFT JOIN old ON true`
)

// markDeleted runs a markDeletedHead/Tail statement with args and returns the
// decision (with the object key), whether it changed the row, and the row as it was
// (nil when none). ErrForbidden for an unknown or disabled customer or when action is
// not allowed on path.
func (s *Store) markDeleted(ctx context.Context, sql string, action Action, path string, args ...any) (d Decision, changed bool, old *File, err error) {
	var allowed bool
	var n nullableFile
	var count int
	err = s.pool.QueryRow(ctx, sql, args...).
		Scan(append([]any{&d.Customer.ID, &d.Customer.DisplayName, &d.Customer.Prefix, &allowed, &d.Rule, &count}, n.targets()...)...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return d, false, nil, fmt.Errorf("%w: unknown customer", ErrForbidden)
	case err != nil:
		return d, false, nil, err
	case !allowed:
		return d, false, nil, fmt.Errorf("%w: %s on %q", ErrForbidden, action, path)
	}
	d.Key = d.Customer.Prefix + "/" + path
	return d, count > 0, n.file(), nil
}

// abortSQL decides the write on $3, marks the caller's ($6) pending multipart upload
// $5 deleted (freeing the path), writes the audit row ($7 expiry, $8 request id, $9
// event) when it did, and returns the decision, the row as it was, and whether it
// changed, in one statement.
const abortSQL = markDeletedHead + `
		UPDATE files SET status = 'deleted', hold_until = NULL, updated_at = now()
		WHERE customer_id = $1 AND path = $3 AND status = 'pending' AND upload_id = $5 AND created_by = $6
		  AND (SELECT allowed FROM d) AND EXISTS (SELECT FROM c)
		RETURNING 1
	), audit AS (
		INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, request_id, event)
		SELECT $6, $1, $3, 'write', $7, $8, $9 FROM u
	)` + markDeletedTail

// AbortMultipart marks the caller's pending multipart upload uploadID at path
// deleted, which frees the path, with the audit row (e's Path and Action are set
// here), in one statement, and returns the decision (the object key, to abort the
// upload in S3) and whether this call changed the row. An upload already aborted is
// (d, false, nil): the caller aborts it in S3 again, which is harmless. ErrForbidden
// when not allowed; ErrNotFound and ErrConflict as MultipartUpload, and ErrConflict
// when the upload is complete.
func (s *Store) AbortMultipart(ctx context.Context, p Principal, path, uploadID string, e AuditEntry) (Decision, bool, error) {
	e.Path, e.Action = path, Write
	if err := errors.Join(checkRequest(p, Write, path, &e), checkUploadID(uploadID)); err != nil {
		return Decision{}, false, err
	}
	var d Decision
	var changed bool
	err := s.run(ctx, func(ctx context.Context) error {
		var f *File
		var err error
		d, changed, f, err = s.markDeleted(ctx, abortSQL, Write, path,
			p.CustomerID, p.Roles, path, string(Write), uploadID, p.Subject, e.ExpiresAt, e.RequestID, nullable(e.Event))
		if err != nil || changed {
			return err
		}
		if err := uploadOf(f, p, path, uploadID); err != nil {
			return err
		}
		if f.Status == "available" {
			return fmt.Errorf("%w: multipart upload %q at %q is complete", ErrConflict, uploadID, path)
		}
		return nil // deleted: aborted before
	})
	return d, changed, err
}

// Deletion is what DeleteFile did.
type Deletion struct {
	Decision Decision
	// Deleted: this call marked the file deleted (it was pending or available).
	Deleted bool
	// Recorded: a file row is at the path, in any status: the object may be in S3
	// (the caller deletes it, again if need be: a retry after a failed S3 call).
	Recorded bool
	// PendingUploadID is the multipart upload this call ended (it was pending): the
	// caller aborts it in S3. "" when none.
	PendingUploadID string
}

// deleteSQL decides 'delete' ($4) on $3, marks the file there deleted if it was
// pending or available, writes the audit row ($6 expiry, $7 request id, $8 event)
// when it did, and returns the decision and the row as it was, in one statement.
const deleteSQL = markDeletedHead + `
		UPDATE files SET status = 'deleted', hold_until = NULL, updated_at = now()
		WHERE customer_id = $1 AND path = $3 AND status IN ('pending', 'available')
		  AND (SELECT allowed FROM d) AND EXISTS (SELECT FROM c)
		RETURNING 1
	), audit AS (
		INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, request_id, event)
		SELECT $5, $1, $3, 'delete', $6, $7, $8 FROM u
	)` + markDeletedTail

// DeleteFile decides "delete" on path by the rule of every action and, when allowed,
// marks the file there deleted (pending or available) with its audit row (e's Path
// and Action are set here), in one statement. A missing or already deleted file is
// not an error: Deleted is false. ErrForbidden when not allowed.
func (s *Store) DeleteFile(ctx context.Context, p Principal, path string, e AuditEntry) (Deletion, error) {
	e.Path, e.Action = path, Delete
	if err := checkRequest(p, Delete, path, &e); err != nil {
		return Deletion{}, err
	}
	var out Deletion
	err := s.run(ctx, func(ctx context.Context) error {
		out = Deletion{}
		var f *File
		var err error
		out.Decision, out.Deleted, f, err = s.markDeleted(ctx, deleteSQL, Delete, path,
			p.CustomerID, p.Roles, path, string(Delete), p.Subject, e.ExpiresAt, e.RequestID, nullable(e.Event))
		if err != nil {
			return err
		}
		if f != nil {
			out.Recorded = true
			if out.Deleted && f.Status == "pending" {
				out.PendingUploadID = f.UploadID
			}
		}
		return nil
	})
	return out, err
}
