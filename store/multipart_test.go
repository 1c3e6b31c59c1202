package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/store"
)

const (
	crcA = "rosUhgp5mIg="
	mib  = 1 << 20
)

func mpIntent(path string, size int64) store.MultipartIntent {
	return store.MultipartIntent{Path: path, ContentType: "application/octet-stream", Size: size, PartSize: 64 * mib}
}

// startAt stands in for creating the S3 upload: it returns the upload id and the
// audit entry of the creation, and counts its calls.
func startAt(uploadID, requestID string, calls *int) func(store.Decision) (store.MultipartStart, error) {
	return func(store.Decision) (store.MultipartStart, error) {
		*calls++
		return store.MultipartStart{UploadID: uploadID, Audit: store.AuditEntry{ExpiresAt: time.Now().Add(24 * time.Hour), RequestID: requestID, Event: "multipart.create"}}, nil
	}
}

func entry(requestID, event string) store.AuditEntry {
	return store.AuditEntry{ExpiresAt: time.Now(), RequestID: requestID, Event: event}
}

// auditRows are the audit rows of a path, oldest first, as "subject action event request".
func auditRows(t *testing.T, admin *pgx.Conn, path string) []string {
	t.Helper()
	rows, err := admin.Query(context.Background(), `SELECT subject || ' ' || action || ' ' || coalesce(event, '-') || ' ' || request_id
		FROM audit_events WHERE file_path = $1 ORDER BY id`, path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Create, look up, complete: the pending row carries the upload id and holds the
// path; completion records the CRC-64/NVME, makes the file available and is audited.
func TestMultipartLifecycle(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "", "staff", "read", "write", "delete")
	ctx := context.Background()
	alice := store.Principal{Subject: "alice", CustomerID: "acme", Roles: []string{"staff"}}
	bob := store.Principal{Subject: "bob", CustomerID: "acme", Roles: []string{"staff"}}
	var calls int
	in := mpIntent("big/file.bin", 6<<30)
	in.HoldFor = 2 * time.Hour
	m, err := s.RecordMultipart(ctx, alice, in, startAt("up-1", "r1", &calls))
	if err != nil || calls != 1 {
		t.Fatalf("%+v %v", m, err)
	}
	if f := m.File; f.Status != "pending" || f.UploadID != "up-1" || f.PartSize != 64*mib || f.Size != 6<<30 || f.ChecksumSHA256 != "" ||
		m.Decision.Key != "customers/acme/big/file.bin" || m.Replaced != "" || time.Until(f.HoldUntil) < 119*time.Minute || time.Until(f.HoldUntil) > 121*time.Minute {
		t.Fatalf("recorded %+v", m)
	}
	if d, f, err := s.MultipartUpload(ctx, alice, "big/file.bin", "up-1"); err != nil || f.Status != "pending" || f.PartSize != 64*mib || d.Key != m.Decision.Key {
		t.Fatalf("lookup: %+v %+v %v", d, f, err)
	}
	for name, c := range map[string]struct {
		p    store.Principal
		path string
		id   string
		want error
	}{
		"another upload id":       {alice, "big/file.bin", "up-0", store.ErrConflict},
		"another user":            {bob, "big/file.bin", "up-1", store.ErrConflict},
		"another path":            {alice, "big/other.bin", "up-1", store.ErrNotFound},
		"no such customer":        {store.Principal{Subject: "alice", CustomerID: "globex", Roles: []string{"staff"}}, "big/file.bin", "up-1", store.ErrForbidden},
		"no write role":           {store.Principal{Subject: "alice", CustomerID: "acme", Roles: []string{"guests"}}, "big/file.bin", "up-1", store.ErrForbidden},
		"upload id with a space":  {alice, "big/file.bin", "up 1", store.ErrInvalid},
		"upload id with a NUL":    {alice, "big/file.bin", "up\x001", store.ErrInvalid},
		"upload id over 1 KiB":    {alice, "big/file.bin", strings.Repeat("u", 1025), store.ErrInvalid},
		"non-canonical path":      {alice, "big/../file.bin", "up-1", store.ErrInvalid},
		"empty upload id":         {alice, "big/file.bin", "", store.ErrInvalid},
		"upload id, invalid utf8": {alice, "big/file.bin", "\xff", store.ErrInvalid},
	} {
		if _, _, err := s.MultipartUpload(ctx, c.p, c.path, c.id); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	// Held: another user's upload to the path is refused before anything is created.
	if _, err := s.RecordMultipart(ctx, bob, mpIntent("big/file.bin", 10), startAt("up-bob", "r2", &calls)); !errors.Is(err, store.ErrConflict) || calls != 1 {
		t.Fatalf("bob during the hold: %v (issue called %d times)", err, calls)
	}
	if _, _, err := s.RecordUpload(ctx, bob, intent("big/file.bin", 1), issueAt("r2b")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("bob's single upload during the hold: %v", err)
	}
	if files, _, _ := s.ListReadable(ctx, alice, "", "", 10); len(files) != 0 {
		t.Fatal("pending multipart upload listed")
	}
	if _, _, err := s.AuthorizeDownload(ctx, alice, "big/file.bin"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("download of a pending upload: %v", err)
	}
	// Completion: only the pending upload with that id, by its author, with a write.
	for name, c := range map[string]struct {
		p    store.Principal
		id   string
		want error
	}{
		"another id":   {alice, "up-0", store.ErrNotFound},
		"another user": {bob, "up-1", store.ErrNotFound},
		"no write":     {store.Principal{Subject: "alice", CustomerID: "acme", Roles: []string{"guests"}}, "up-1", store.ErrForbidden},
	} {
		if _, err := s.CompleteMultipart(ctx, c.p, "big/file.bin", c.id, crcA, entry("rx", "multipart.complete")); !errors.Is(err, c.want) {
			t.Errorf("complete, %s: %v, want %v", name, err, c.want)
		}
	}
	for _, bad := range []string{"", "rosUhgp5mIg", "rosUhgp5mI-=", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "rosUhgp5mI\x00="} {
		if _, err := s.CompleteMultipart(ctx, alice, "big/file.bin", "up-1", bad, entry("rx", "multipart.complete")); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("complete with checksum %q: %v", bad, err)
		}
	}
	f, err := s.CompleteMultipart(ctx, alice, "big/file.bin", "up-1", crcA, entry("r3", "multipart.complete"))
	if err != nil || f.Status != "available" || f.ChecksumCRC64NVME != crcA || f.Size != 6<<30 || !f.HoldUntil.IsZero() || f.UploadID != "up-1" {
		t.Fatalf("complete: %+v %v", f, err)
	}
	if _, err := s.CompleteMultipart(ctx, alice, "big/file.bin", "up-1", crcA, entry("r4", "multipart.complete")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second completion: %v", err)
	}
	if _, f, err := s.MultipartUpload(ctx, alice, "big/file.bin", "up-1"); err != nil || f.Status != "available" || f.ChecksumCRC64NVME != crcA {
		t.Fatalf("lookup after completion: %+v %v", f, err)
	}
	if _, _, err := s.AbortMultipart(ctx, alice, "big/file.bin", "up-1", entry("r5", "multipart.abort")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("abort of a completed upload: %v", err)
	}
	if _, got, err := s.AuthorizeDownload(ctx, alice, "big/file.bin"); err != nil || got.ChecksumCRC64NVME != crcA || got.ChecksumSHA256 != "" {
		t.Fatalf("download: %+v %v", got, err)
	}
	files, _, err := s.ListReadable(ctx, alice, "big", "", 10)
	if err != nil || len(files) != 1 || files[0].ChecksumCRC64NVME != crcA {
		t.Fatalf("list: %+v %v", files, err)
	}
	if _, err := s.RecordMultipart(ctx, alice, mpIntent("big/file.bin", 10), startAt("up-2", "r6", &calls)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("multipart over an available file: %v", err)
	}
	want := []string{"alice write multipart.create r1", "alice write multipart.complete r3"}
	if got := auditRows(t, admin, "big/file.bin"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("audit %q, want %q", got, want)
	}
}

// The author replaces their own pending upload (and learns which to abort in S3);
// abort frees the path, once, and is audited; a replaced or aborted upload is
// refused by id; another user takes the path once the hold has ended.
func TestMultipartReplaceAbortAndHold(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "", "staff", "read", "write")
	ctx := context.Background()
	alice := store.Principal{Subject: "alice", CustomerID: "acme", Roles: []string{"staff"}}
	bob := store.Principal{Subject: "bob", CustomerID: "acme", Roles: []string{"staff"}}
	var calls int
	if _, err := s.RecordMultipart(ctx, alice, mpIntent("a.bin", 100*mib), startAt("up-1", "r1", &calls)); err != nil {
		t.Fatal(err)
	}
	m, err := s.RecordMultipart(ctx, alice, mpIntent("a.bin", 200*mib), startAt("up-2", "r2", &calls))
	if err != nil || m.Replaced != "up-1" || m.File.UploadID != "up-2" || m.File.Size != 200*mib {
		t.Fatalf("author's second upload: %+v %v", m, err)
	}
	if _, _, err := s.MultipartUpload(ctx, alice, "a.bin", "up-1"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("replaced upload: %v", err)
	}
	if _, _, err := s.AbortMultipart(ctx, alice, "a.bin", "up-1", entry("r3", "multipart.abort")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("abort of the replaced upload: %v", err)
	}
	if _, _, err := s.AbortMultipart(ctx, bob, "a.bin", "up-2", entry("r3", "multipart.abort")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("bob aborts alice's upload: %v", err)
	}
	d, changed, err := s.AbortMultipart(ctx, alice, "a.bin", "up-2", entry("r4", "multipart.abort"))
	if err != nil || !changed || d.Key != "customers/acme/a.bin" {
		t.Fatalf("abort: %+v %v %v", d, changed, err)
	}
	if d, changed, err := s.AbortMultipart(ctx, alice, "a.bin", "up-2", entry("r5", "multipart.abort")); err != nil || changed || d.Key != "customers/acme/a.bin" {
		t.Fatalf("abort again: %+v %v %v", d, changed, err)
	}
	if _, f, err := s.MultipartUpload(ctx, alice, "a.bin", "up-2"); err != nil || f.Status != "deleted" {
		t.Fatalf("aborted upload: %+v %v", f, err)
	}
	if _, err := s.CompleteMultipart(ctx, alice, "a.bin", "up-2", crcA, entry("r6", "multipart.complete")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("complete after abort: %v", err)
	}
	// The path is free: bob's single upload replaces the aborted row, multipart
	// columns cleared.
	f, _, err := s.RecordUpload(ctx, bob, intent("a.bin", 5), issueAt("r7"))
	if err != nil || f.UploadID != "" || f.PartSize != 0 || f.ChecksumSHA256 != sum64 || f.CreatedBy != "bob" {
		t.Fatalf("single upload after abort: %+v %v", f, err)
	}
	if _, _, err := s.MultipartUpload(ctx, alice, "a.bin", "up-2"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("aborted id after another upload took the path: %v", err)
	}
	// Bob's own multipart upload replaces his pending single one: nothing to abort.
	m, err = s.RecordMultipart(ctx, bob, mpIntent("a.bin", 10), startAt("up-3", "r8", &calls))
	if err != nil || m.Replaced != "" || m.File.ChecksumSHA256 != "" {
		t.Fatalf("bob's multipart over his single upload: %+v %v", m, err)
	}
	// Alice waits for bob's hold to end, then takes the path (and learns bob's id).
	if _, err := s.RecordMultipart(ctx, alice, mpIntent("a.bin", 10), startAt("up-4", "r9", &calls)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("during bob's hold: %v", err)
	}
	exec(t, admin, "UPDATE files SET hold_until = now() - interval '1 second'")
	if m, err := s.RecordMultipart(ctx, alice, mpIntent("a.bin", 10), startAt("up-4", "r10", &calls)); err != nil || m.Replaced != "up-3" || m.File.CreatedBy != "alice" {
		t.Fatalf("after bob's hold: %+v %v", m, err)
	}
	want := []string{"alice write multipart.create r1", "alice write multipart.create r2", "alice write multipart.abort r4", "bob write - r7",
		"bob write multipart.create r8", "alice write multipart.create r10"}
	if got := auditRows(t, admin, "a.bin"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("audit %q, want %q", got, want)
	}
}

// A refused multipart request writes nothing: bad fields, no write rule, a failed
// or unusable S3 creation, or a path taken between the two statements.
func TestRefusedMultipartWritesNothing(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "", "staff", "read", "write")
	addRule(t, admin, "acme", "locked/", "staff", "read")
	ctx := context.Background()
	alice := store.Principal{Subject: "alice", CustomerID: "acme", Roles: []string{"staff"}}
	var calls int
	for _, c := range []struct {
		name  string
		in    store.MultipartIntent
		issue func(store.Decision) (store.MultipartStart, error)
		want  error
	}{
		{"size 0", store.MultipartIntent{Path: "a.bin", ContentType: "a/b", Size: 0, PartSize: 64 * mib}, startAt("u", "r", &calls), store.ErrInvalid},
		{"size over 5 TiB", store.MultipartIntent{Path: "a.bin", ContentType: "a/b", Size: 5<<40 + 1, PartSize: 5 << 30}, startAt("u", "r", &calls), store.ErrInvalid},
		{"part of 1 MiB", store.MultipartIntent{Path: "a.bin", ContentType: "a/b", Size: 10, PartSize: mib}, startAt("u", "r", &calls), store.ErrInvalid},
		{"part over 5 GiB", store.MultipartIntent{Path: "a.bin", ContentType: "a/b", Size: 10, PartSize: 5<<30 + 1}, startAt("u", "r", &calls), store.ErrInvalid},
		{"10,001 parts", store.MultipartIntent{Path: "a.bin", ContentType: "a/b", Size: 10001 * 5 * mib, PartSize: 5 * mib}, startAt("u", "r", &calls), store.ErrInvalid},
		{"no content type", store.MultipartIntent{Path: "a.bin", Size: 10, PartSize: 5 * mib}, startAt("u", "r", &calls), store.ErrInvalid},
		{"NUL in content type", store.MultipartIntent{Path: "a.bin", ContentType: "a/\x00b", Size: 10, PartSize: 5 * mib}, startAt("u", "r", &calls), store.ErrInvalid},
		{"bad path", store.MultipartIntent{Path: "../a.bin", ContentType: "a/b", Size: 10, PartSize: 5 * mib}, startAt("u", "r", &calls), store.ErrInvalid},
		{"no write rule", mpIntent("locked/a.bin", 10), startAt("u", "r", &calls), store.ErrForbidden},
		{"S3 failed", mpIntent("a.bin", 10), func(store.Decision) (store.MultipartStart, error) {
			return store.MultipartStart{}, errors.New("s3 down")
		}, nil},
		{"unusable upload id", mpIntent("a.bin", 10), startAt("has space", "r", new(int)), store.ErrInvalid},
		{"bad request id", mpIntent("a.bin", 10), startAt("u", "r\x00", new(int)), store.ErrInvalid},
		{"bad audit event", mpIntent("a.bin", 10), func(store.Decision) (store.MultipartStart, error) {
			return store.MultipartStart{UploadID: "u", Audit: entry("r", "Multipart!")}, nil
		}, store.ErrInvalid},
		{"taken in the meantime", mpIntent("a.bin", 10), func(store.Decision) (store.MultipartStart, error) {
			exec(t, admin, `INSERT INTO files (customer_id, path, content_type, size_bytes, checksum_sha256, status, created_by, hold_until)
				VALUES ('acme', 'a.bin', 'a/b', 1, 'x', 'pending', 'bob', now() + interval '1 hour')`)
			return store.MultipartStart{UploadID: "u", Audit: entry("r", "multipart.create")}, nil
		}, store.ErrConflict},
	} {
		_, err := s.RecordMultipart(ctx, alice, c.in, c.issue)
		if err == nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		files, audits := countRows(t, admin)
		if c.name == "taken in the meantime" {
			files-- // bob's row, written by the test
		}
		if files != 0 || audits != 0 {
			t.Fatalf("%s wrote %d files, %d audit rows", c.name, files, audits)
		}
	}
	if calls != 0 {
		t.Fatalf("S3 was asked to create an upload for %d refused requests", calls)
	}
	var by string
	_ = admin.QueryRow(ctx, "SELECT created_by FROM files").Scan(&by)
	if by != "bob" {
		t.Fatalf("bob's upload was replaced by %q", by)
	}
	// The schema refuses a row that is neither a single nor a multipart upload.
	for _, sql := range []string{
		`INSERT INTO files (customer_id, path, content_type, size_bytes, created_by) VALUES ('acme', 'x1', 'a/b', 1, 'u')`,
		`INSERT INTO files (customer_id, path, content_type, size_bytes, checksum_sha256, part_size, upload_id, created_by) VALUES ('acme', 'x2', 'a/b', 1, 'x', 5242880, 'u', 'u')`,
		`INSERT INTO files (customer_id, path, content_type, size_bytes, part_size, created_by) VALUES ('acme', 'x3', 'a/b', 1, 5242880, 'u')`,
		`INSERT INTO files (customer_id, path, content_type, size_bytes, part_size, upload_id, created_by) VALUES ('acme', 'x4', 'a/b', 52428800001, 5242880, 'u', 'u')`,
		`INSERT INTO files (customer_id, path, content_type, size_bytes, part_size, upload_id, checksum_crc64nvme, created_by) VALUES ('acme', 'x5', 'a/b', 1, 5242880, 'u', 'nope', 'u')`,
		`INSERT INTO audit_events (subject, customer_id, file_path, action, expires_at, request_id, event) VALUES ('u', 'acme', 'x', 'read', now(), 'r', 'Bad Event')`,
	} {
		if _, err := admin.Exec(ctx, sql); err == nil {
			t.Errorf("schema accepted %s", sql)
		}
	}
}

// The issue callback runs only when the statement before it allowed the request.
func TestMultipartIssueRunsOnlyWhenAllowed(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "", "staff", "read")
	var calls int
	_, err := s.RecordMultipart(context.Background(), store.Principal{Subject: "a", CustomerID: "acme", Roles: []string{"staff"}}, mpIntent("a.bin", 10), startAt("u", "r", &calls))
	if !errors.Is(err, store.ErrForbidden) || calls != 0 {
		t.Fatalf("%v, issue called %d times", err, calls)
	}
}

// Delete: decided by the rule like every action, audited when it deletes, and
// idempotent; a pending multipart upload it ends is reported for aborting.
func TestDeleteFile(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addCustomer(t, admin, "globex", "customers/globex")
	addRule(t, admin, "acme", "", "staff", "read", "write", "delete")
	addRule(t, admin, "acme", "keep/", "staff", "read", "write")
	addRule(t, admin, "globex", "", "staff", "read", "write", "delete")
	addFile(t, admin, "acme", "q1.pdf")
	addFile(t, admin, "acme", "keep/q2.pdf")
	addFile(t, admin, "globex", "secret.pdf")
	ctx := context.Background()
	alice := store.Principal{Subject: "alice", CustomerID: "acme", Roles: []string{"staff"}}
	if _, err := s.DeleteFile(ctx, alice, "keep/q2.pdf", entry("r0", "")); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("no delete rule: %v", err)
	}
	if _, err := s.DeleteFile(ctx, store.Principal{Subject: "x", CustomerID: "nobody", Roles: []string{"staff"}}, "q1.pdf", entry("r0", "")); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("unknown customer: %v", err)
	}
	if _, err := s.DeleteFile(ctx, alice, "a/../q1.pdf", entry("r0", "")); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad path: %v", err)
	}
	del, err := s.DeleteFile(ctx, alice, "q1.pdf", entry("r1", ""))
	if err != nil || !del.Deleted || !del.Recorded || del.PendingUploadID != "" || del.Decision.Key != "customers/acme/q1.pdf" {
		t.Fatalf("delete: %+v %v", del, err)
	}
	if _, _, err := s.AuthorizeDownload(ctx, alice, "q1.pdf"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("download after delete: %v", err)
	}
	if del, err := s.DeleteFile(ctx, alice, "q1.pdf", entry("r2", "")); err != nil || del.Deleted || !del.Recorded {
		t.Fatalf("delete again: %+v %v", del, err)
	}
	if del, err := s.DeleteFile(ctx, alice, "never.pdf", entry("r3", "")); err != nil || del.Deleted || del.Recorded {
		t.Fatalf("delete of nothing: %+v %v", del, err)
	}
	// Naming globex's file from acme resolves under acme's prefix: nothing there.
	if del, err := s.DeleteFile(ctx, alice, "secret.pdf", entry("r4", "")); err != nil || del.Deleted || del.Recorded || del.Decision.Key != "customers/acme/secret.pdf" {
		t.Fatalf("another customer's path: %+v %v", del, err)
	}
	var status string
	_ = admin.QueryRow(ctx, "SELECT status FROM files WHERE customer_id = 'globex'").Scan(&status)
	if status != "available" {
		t.Fatalf("globex's file is %s", status)
	}
	var calls int
	if _, err := s.RecordMultipart(ctx, alice, mpIntent("up.bin", 10), startAt("up-9", "r5", &calls)); err != nil {
		t.Fatal(err)
	}
	if del, err := s.DeleteFile(ctx, alice, "up.bin", entry("r6", "")); err != nil || !del.Deleted || del.PendingUploadID != "up-9" {
		t.Fatalf("delete of a pending multipart upload: %+v %v", del, err)
	}
	if _, err := s.CompleteMultipart(ctx, alice, "up.bin", "up-9", crcA, entry("r7", "multipart.complete")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("complete after delete: %v", err)
	}
	if got := auditRows(t, admin, "q1.pdf"); strings.Join(got, "|") != "alice delete - r1" {
		t.Fatalf("audit of q1.pdf: %q", got)
	}
	if got := auditRows(t, admin, "secret.pdf"); len(got) != 0 {
		t.Fatalf("audit of secret.pdf: %q", got)
	}
}

// Customer isolation: A can neither see, complete nor abort B's multipart upload,
// even with its id: the path resolves under A's prefix.
func TestMultipartIsolation(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addCustomer(t, admin, "globex", "customers/globex")
	addRule(t, admin, "acme", "", "staff", "read", "write", "delete")
	addRule(t, admin, "globex", "", "staff", "read", "write", "delete")
	ctx := context.Background()
	b := store.Principal{Subject: "same-sub", CustomerID: "globex", Roles: []string{"staff"}}
	a := store.Principal{Subject: "same-sub", CustomerID: "acme", Roles: []string{"staff"}}
	var calls int
	if _, err := s.RecordMultipart(ctx, b, mpIntent("x.bin", 10), startAt("up-b", "r1", &calls)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.MultipartUpload(ctx, a, "x.bin", "up-b"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("lookup: %v", err)
	}
	if _, err := s.CompleteMultipart(ctx, a, "x.bin", "up-b", crcA, entry("r2", "multipart.complete")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("complete: %v", err)
	}
	if _, _, err := s.AbortMultipart(ctx, a, "x.bin", "up-b", entry("r3", "multipart.abort")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("abort: %v", err)
	}
	if _, err := s.RecordMultipart(ctx, a, mpIntent("x.bin", 10), startAt("up-a", "r4", &calls)); err != nil {
		t.Errorf("acme's own x.bin: %v", err)
	}
	if _, f, err := s.MultipartUpload(ctx, b, "x.bin", "up-b"); err != nil || f.Status != "pending" || f.CustomerID != "globex" {
		t.Errorf("globex's upload after acme's: %+v %v", f, err)
	}
}

// The admin audit shows what each access row records beyond its action.
func TestAuditEventsCarryTheEvent(t *testing.T) {
	admin, adm, s := adminDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "", "staff", "read", "write", "delete")
	ctx := context.Background()
	alice := store.Principal{Subject: "alice", CustomerID: "acme", Roles: []string{"staff"}}
	var calls int
	if _, err := s.RecordMultipart(ctx, alice, mpIntent("a.bin", 10), startAt("up-1", "r1", &calls)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompleteMultipart(ctx, alice, "a.bin", "up-1", crcA, entry("r2", "multipart.complete")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.IssueDownload(ctx, alice, "a.bin", entry("r3", "download.s3")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteFile(ctx, alice, "a.bin", entry("r4", "")); err != nil {
		t.Fatal(err)
	}
	events, err := adm.AuditEvents(ctx, store.AuditQuery{CustomerID: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.Action+" "+e.Event)
	}
	if want := []string{"delete ", "read download.s3", "write multipart.complete", "write multipart.create"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("events %q, want %q", got, want)
	}
}
