package store_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/internal/pgtest"
	"github.com/signet-cdk/signet/store"
	"github.com/signet-cdk/signet/store/migrate"
	"github.com/signet-cdk/signet/store/rdsca"
)

var cluster *pgtest.Cluster

// TestMain starts a throwaway PostgreSQL cluster on a loopback port; every test gets
// a fresh database in it.
func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m, &cluster))
}

// freshDB creates a database, migrates it, and returns an admin connection and a
// Store connected as the least-privilege application role.
func freshDB(t testing.TB) (*pgx.Conn, *store.Store) {
	t.Helper()
	db, admin := cluster.MigratedDatabase(t)
	s, err := store.Open(store.Config{Host: "127.0.0.1", Port: cluster.Port, Database: db, User: "signet_app", RetryBudget: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return admin, s
}

func exec(t testing.TB, c *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func addCustomer(t testing.TB, c *pgx.Conn, id, prefix string) {
	exec(t, c, "INSERT INTO customers (id, display_name, s3_prefix) VALUES ($1, $1, $2)", id, prefix)
}

func addRule(t testing.TB, c *pgx.Conn, customer, prefix, role string, actions ...string) {
	exec(t, c, "INSERT INTO access_rules (customer_id, path_prefix, role, actions) VALUES ($1, $2, $3, $4::access_action[])", customer, prefix, role, actions)
}

func addFile(t testing.TB, c *pgx.Conn, customer, path string) {
	exec(t, c, `INSERT INTO files (customer_id, path, content_type, size_bytes, checksum_sha256, status, created_by)
		VALUES ($1, $2, 'text/plain', 1, 'x', 'available', 'seed')`, customer, path)
}

func TestMigrationsFromEmptyRerunAndConcurrent(t *testing.T) {
	ctx := context.Background()
	db, _ := cluster.NewDatabase(ctx)
	all, err := migrate.All()
	if err != nil || len(all) < 2 {
		t.Fatalf("%v %v", all, err)
	}
	// Two runners at once on an empty database: the advisory lock serializes them, so
	// every migration is applied exactly once between them.
	var wg sync.WaitGroup
	results := make([][]int, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			conn, err := pgx.Connect(ctx, cluster.URL(db, "postgres"))
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close(ctx)
			results[i], errs[i] = migrate.Apply(ctx, conn)
		}(i)
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("concurrent runners: %v %v", errs[0], errs[1])
	}
	if got := len(results[0]) + len(results[1]); got != len(all) {
		t.Fatalf("applied %v and %v, want %d in total", results[0], results[1], len(all))
	}
	conn, _ := pgx.Connect(ctx, cluster.URL(db, "postgres"))
	defer conn.Close(ctx)
	again, err := migrate.Apply(ctx, conn)
	if err != nil || len(again) != 0 {
		t.Fatalf("re-run applied %v (%v)", again, err)
	}
	var n int
	_ = conn.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n)
	if n != len(all) {
		t.Fatalf("schema_migrations has %d rows", n)
	}
	// An applied migration edited afterwards is refused, not re-run.
	exec(t, conn, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
	if _, err := migrate.Apply(ctx, conn); !errors.Is(err, migrate.ErrChecksum) {
		t.Fatalf("edited migration: %v", err)
	}
}

// The authorization rule, case by case.
func TestAuthorizeTable(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "", "staff", "read")
	addRule(t, admin, "acme", "finance/", "finance", "read", "write")
	addRule(t, admin, "acme", "finance/locked/", "finance", "read")
	addRule(t, admin, "acme", "finance/locked/", "auditors", "read", "delete")
	addRule(t, admin, "acme", "public/readme.txt", "guests", "read")
	addRule(t, admin, "acme", "finance/", "staff", "write")
	ctx := context.Background()
	cases := []struct {
		name   string
		roles  []string
		action store.Action
		path   string
		allow  bool
		rule   string
	}{
		{"whole-customer read", []string{"staff"}, store.Read, "any/file.txt", true, ""},
		{"whole-customer rule does not grant write", []string{"staff"}, store.Write, "any/file.txt", false, ""},
		{"folder rule", []string{"finance"}, store.Write, "finance/q1.xlsx", true, "finance/"},
		{"longer prefix narrows", []string{"finance"}, store.Write, "finance/locked/ledger.xlsx", false, ""},
		{"longer prefix still reads", []string{"finance"}, store.Read, "finance/locked/ledger.xlsx", true, "finance/locked/"},
		{"several roles: a winning rule of any role", []string{"finance", "auditors"}, store.Delete, "finance/locked/ledger.xlsx", true, "finance/locked/"},
		{"several roles: longest wins over a shorter grant", []string{"staff", "finance"}, store.Write, "finance/locked/x", false, ""},
		{"exact file rule", []string{"guests"}, store.Read, "public/readme.txt", true, "public/readme.txt"},
		{"exact file rule is not a prefix", []string{"guests"}, store.Read, "public/readme.txt.bak", false, ""},
		{"folder needs the slash", []string{"finance"}, store.Read, "finance2/x", false, ""},
		{"no rule for the role", []string{"marketing"}, store.Read, "finance/q1.xlsx", false, ""},
		{"no roles", nil, store.Read, "any", false, ""},
		{"staff write in finance folder", []string{"staff"}, store.Write, "finance/q2.xlsx", true, "finance/"},
		{"staff loses read in finance folder (longest rule lacks read)", []string{"staff"}, store.Read, "finance/q2.xlsx", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := s.Authorize(ctx, store.Principal{Subject: "u1", CustomerID: "acme", Roles: c.roles}, c.action, c.path)
			if c.allow {
				if err != nil || d.Rule != c.rule || d.Key != "customers/acme/"+c.path {
					t.Fatalf("want allow by %q: %+v %v", c.rule, d, err)
				}
			} else if !errors.Is(err, store.ErrForbidden) {
				t.Fatalf("want ErrForbidden, got %+v %v", d, err)
			}
		})
	}
	for _, bad := range []string{"../acme/x", "/x", "a//b", "a b"} {
		if _, err := s.Authorize(ctx, store.Principal{Subject: "u1", CustomerID: "acme", Roles: []string{"staff"}}, store.Read, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := s.Authorize(ctx, store.Principal{Subject: "u1", CustomerID: "nobody", Roles: []string{"staff"}}, store.Read, "x"); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("unknown customer: %v", err)
	}
}

// For generated pairs of customers, A can neither read, list, sign for (authorize),
// write over nor audit B's files, whatever roles and paths A uses.
func TestCustomerIsolation(t *testing.T) {
	admin, s := freshDB(t)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(42))
	roles := []string{"staff", "admins", "finance"}
	const n = 12
	paths := map[string][]string{}
	for i := range n {
		id := fmt.Sprintf("c%02d", i)
		addCustomer(t, admin, id, fmt.Sprintf("tenants/%s", id))
		for _, r := range roles {
			addRule(t, admin, id, "", r, "read", "write", "delete")
		}
		for j := range 5 {
			p := fmt.Sprintf("docs/%s-%d-%d.txt", id, j, rng.Intn(1000))
			addFile(t, admin, id, p)
			paths[id] = append(paths[id], p)
		}
	}
	if err := s.Audit(ctx, store.Principal{Subject: "x", CustomerID: "c00", Roles: roles}, store.AuditEntry{Path: "docs/x", Action: store.Read, ExpiresAt: time.Now(), RequestID: "r"}); err != nil {
		t.Fatal(err)
	}
	for pair := 0; pair < 40; pair++ {
		a := fmt.Sprintf("c%02d", rng.Intn(n))
		b := fmt.Sprintf("c%02d", rng.Intn(n))
		if a == b {
			continue
		}
		pa := store.Principal{Subject: "user-of-" + a, CustomerID: a, Roles: roles}
		target := paths[b][rng.Intn(len(paths[b]))]
		// Naming B's file from A: the path resolves under A's prefix, never B's.
		for _, act := range []store.Action{store.Read, store.Write, store.Delete} {
			d, err := s.Authorize(ctx, pa, act, target)
			if err == nil && !strings.HasPrefix(d.Key, "tenants/"+a+"/") {
				t.Fatalf("%s reached %s", a, d.Key)
			}
		}
		for _, escape := range []string{"../" + b + "/" + target, "/tenants/" + b + "/" + target, "..", "tenants/" + b + "/../../" + b} {
			if _, err := s.Authorize(ctx, pa, store.Read, escape); err == nil {
				t.Fatalf("%s authorized %q", a, escape)
			}
		}
		files, _, err := s.ListReadable(ctx, pa, "", "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if f.CustomerID != a {
				t.Fatalf("%s listed %s's file %s", a, f.CustomerID, f.Path)
			}
		}
		if err := s.MarkAvailable(ctx, pa, target); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s touched %s's file: %v", a, b, err)
		}
		if err := s.SoftDelete(ctx, pa, target); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s deleted %s's file: %v", a, b, err)
		}
		// A principal claiming B with A's subject gets only B's own data: the customer
		// id comes from the verified token, so this is exactly what the API forbids.
		if err := s.Audit(ctx, pa, store.AuditEntry{Path: target, Action: store.Read, ExpiresAt: time.Now().Add(time.Minute), RequestID: "req"}); err != nil {
			t.Fatal(err)
		}
	}
	// Every audit row written for A is A's; nothing was ever recorded against B by A.
	var foreign int
	_ = admin.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE subject LIKE 'user-of-%' AND subject <> 'user-of-' || customer_id").Scan(&foreign)
	if foreign != 0 {
		t.Fatalf("%d audit rows cross customers", foreign)
	}
	// Prefixes cannot overlap: a customer nested in another's prefix is refused.
	if _, err := admin.Exec(ctx, "INSERT INTO customers (id, display_name, s3_prefix) VALUES ('evil', 'e', 'tenants/c01/sub')"); err == nil {
		t.Fatal("nested prefix accepted")
	}
}

func TestUploadLifecycleAndAudit(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "", "staff", "read", "write", "delete")
	ctx := context.Background()
	p := store.Principal{Subject: "u1", CustomerID: "acme", Roles: []string{"staff"}}
	f, d, err := s.RecordUpload(ctx, p, intent("q1.pdf", 42), issueAt("req-0"))
	if err != nil || f.Status != "pending" || d.Key != "customers/acme/q1.pdf" {
		t.Fatalf("%+v %+v %v", f, d, err)
	}
	if files, _, _ := s.ListReadable(ctx, p, "", "", 10); len(files) != 0 {
		t.Fatal("pending file listed")
	}
	if _, pending, err := s.PendingUpload(ctx, p, "q1.pdf"); err != nil || pending.Size != 42 || pending.ChecksumSHA256 != sum64 {
		t.Fatalf("pending upload: %+v %v", pending, err)
	}
	if _, _, err := s.AuthorizeDownload(ctx, p, "q1.pdf"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("download of a pending file: %v", err)
	}
	if err := s.MarkAvailable(ctx, p, "q1.pdf"); err != nil {
		t.Fatal(err)
	}
	if _, got, err := s.AuthorizeDownload(ctx, p, "q1.pdf"); err != nil || got.Size != 42 || got.Status != "available" {
		t.Fatalf("download of an available file: %+v %v", got, err)
	}
	if _, _, err := s.RecordUpload(ctx, p, intent("q1.pdf", 1), issueAt("req-x")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("overwrite of an available file: %v", err)
	}
	exec(t, admin, "DELETE FROM audit_events WHERE request_id = 'req-0'")
	var refusedAudits int
	_ = admin.QueryRow(ctx, "SELECT count(*) FROM audit_events").Scan(&refusedAudits)
	if refusedAudits != 0 {
		t.Fatalf("a refused upload wrote %d audit rows", refusedAudits)
	}
	if err := s.SoftDelete(ctx, p, "q1.pdf"); err != nil {
		t.Fatal(err)
	}
	if err := s.SoftDelete(ctx, p, "q1.pdf"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	exp := time.Now().Add(5 * time.Minute).Truncate(time.Second)
	if err := s.Audit(ctx, p, store.AuditEntry{Path: "q1.pdf", Action: store.Read, ExpiresAt: exp, IPRestriction: "203.0.113.0/24", RequestID: "req-1"}); err != nil {
		t.Fatal(err)
	}
	var subj, ip, req string
	var at time.Time
	if err := admin.QueryRow(ctx, "SELECT subject, ip_restriction::text, request_id, expires_at FROM audit_events WHERE action = 'read'").Scan(&subj, &ip, &req, &at); err != nil {
		t.Fatal(err)
	}
	if subj != "u1" || ip != "203.0.113.0/24" || req != "req-1" || !at.Equal(exp) {
		t.Fatalf("audit row %s %s %s %s", subj, ip, req, at)
	}
	if err := s.Audit(ctx, p, store.AuditEntry{Path: "q1.pdf", Action: "sign", ExpiresAt: exp, RequestID: "r"}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad action: %v", err)
	}
}

// The application role may not read the audit, delete rows or change rules.
func TestAppRoleIsLeastPrivilege(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	ctx := context.Background()
	for _, sql := range []string{
		"SELECT * FROM audit_events", "DELETE FROM files", "INSERT INTO access_rules (customer_id, path_prefix, role, actions) VALUES ('acme', '', 'x', '{read}')",
		"UPDATE customers SET s3_prefix = 'x'", "DROP TABLE files", "UPDATE files SET customer_id = 'other'",
	} {
		if _, err := s.Pool().Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "permission denied") && !strings.Contains(err.Error(), "must be owner") {
			t.Errorf("app role ran %q: %v", sql, err)
		}
	}
}

// Keyset pagination: concurrent inserts never duplicate or skip a file that existed
// when listing began.
func TestPaginationStableUnderConcurrentInserts(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "", "staff", "read")
	addRule(t, admin, "acme", "secret/", "staff", "write") // longest rule lacks read: hidden
	var before []string
	for i := range 95 {
		p := fmt.Sprintf("f/%04d.txt", i*2)
		addFile(t, admin, "acme", p)
		before = append(before, p)
		addFile(t, admin, "acme", fmt.Sprintf("secret/%04d.txt", i))
	}
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Odd-numbered files between the existing even ones, a bounded number, so the
		// listing always finishes however slow the machine is.
		for i := 0; i < 95; i++ {
			select {
			case <-stop:
				return
			default:
			}
			time.Sleep(time.Millisecond)
			_, _ = admin.Exec(ctx, `INSERT INTO files (customer_id, path, content_type, size_bytes, checksum_sha256, status, created_by)
				VALUES ('acme', $1, 'text/plain', 1, 'x', 'available', 'w')`, fmt.Sprintf("f/%04d.txt", i*2+1))
		}
	}()
	p := store.Principal{Subject: "u", CustomerID: "acme", Roles: []string{"staff"}}
	seen := map[string]bool{}
	var got []string
	cursor := ""
	for page := 0; ; page++ {
		files, next, err := s.ListReadable(ctx, p, "", cursor, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if seen[f.Path] {
				t.Fatalf("%s listed twice", f.Path)
			}
			if strings.HasPrefix(f.Path, "secret/") {
				t.Fatalf("unreadable %s listed", f.Path)
			}
			seen[f.Path] = true
			got = append(got, f.Path)
		}
		if next == "" {
			break
		}
		cursor = next
		time.Sleep(2 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	for _, p := range before {
		if !seen[p] {
			t.Fatalf("%s skipped", p)
		}
	}
	if !sort.StringsAreSorted(got) {
		t.Fatal("not in path order")
	}
}

// Database down and database slow: typed ErrUnavailable within the budget, no panic.
func TestUnavailableDatabase(t *testing.T) {
	ctx := context.Background()
	p := store.Principal{Subject: "u", CustomerID: "acme", Roles: []string{"staff"}}
	// Down: nothing listens on the port.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	down, _ := store.Open(store.Config{Host: "127.0.0.1", Port: port, Database: "x", User: "x", RetryBudget: 500 * time.Millisecond})
	defer down.Close()
	start := time.Now()
	if _, err := down.Authorize(ctx, p, store.Read, "a.txt"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("down: %v", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("down: took %s", el)
	}
	// Slow: the server accepts TCP and never answers.
	hole, _ := net.Listen("tcp", "127.0.0.1:0")
	defer hole.Close()
	go func() {
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	slow, _ := store.Open(store.Config{Host: "127.0.0.1", Port: hole.Addr().(*net.TCPAddr).Port, Database: "x", User: "x",
		ConnectTimeout: 300 * time.Millisecond, RetryBudget: 700 * time.Millisecond})
	defer slow.Close()
	start = time.Now()
	if _, err := slow.ResolveCustomer(ctx, "acme"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("slow: %v", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("slow: took %s", el)
	}
	// Slow statement: a row locked by another transaction, and the caller's deadline.
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "", "staff", "read", "write")
	addFile(t, admin, "acme", "a.txt")
	exec(t, admin, "UPDATE files SET status = 'pending'")
	tx, _ := admin.Begin(ctx)
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT * FROM files FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := s.MarkAvailable(dctx, p, "a.txt"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("locked row: %v", err)
	}
}

// countingCreds counts how often a token needed credentials.
type countingCreds struct{ n *atomic.Int32 }

func (c countingCreds) Retrieve(context.Context) (aws.Credentials, error) {
	c.n.Add(1)
	return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", SessionToken: "token"}, nil
}

// verify-full: the cluster's own CA and name connect; the RDS CAs (another authority)
// and a wrong server name are refused as unavailable. With IAM auth every new
// connection builds a fresh token.
func TestTLSVerifyFullAndIAMTokens(t *testing.T) {
	ctx := context.Background()
	db, _ := cluster.NewDatabase(ctx)
	admin, _ := pgx.Connect(ctx, cluster.URL(db, "postgres"))
	defer admin.Close(ctx)
	if _, err := migrate.Apply(ctx, admin); err != nil {
		t.Fatal(err)
	}
	addCustomer(t, admin, "acme", "customers/acme")
	var n atomic.Int32
	open := func(tlsCfg *tls.Config) *store.Store {
		s, err := store.Open(store.Config{Host: "localhost", Port: cluster.Port, Database: db, User: "signet_app", TLS: tlsCfg,
			RetryBudget: 200 * time.Millisecond, IAM: &store.IAMAuth{Region: "eu-west-1", Credentials: countingCreds{&n}}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	good := open(&tls.Config{RootCAs: cluster.CA, ServerName: "localhost", MinVersion: tls.VersionTLS12})
	if c, err := good.ResolveCustomer(ctx, "acme"); err != nil || c.Prefix != "customers/acme" {
		t.Fatalf("verify-full with the right CA: %+v %v", c, err)
	}
	var ssl bool
	if err := good.Pool().QueryRow(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err != nil || !ssl {
		t.Fatalf("connection not encrypted: %v %v", ssl, err)
	}
	if n.Load() < 1 {
		t.Fatal("no IAM token was built")
	}
	rds, _ := rdsca.TLSConfig("localhost")
	if _, err := open(rds).ResolveCustomer(ctx, "acme"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("unknown authority accepted: %v", err)
	}
	if _, err := open(&tls.Config{RootCAs: cluster.CA, ServerName: "db.example.com"}).ResolveCustomer(ctx, "acme"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("wrong server name accepted: %v", err)
	}
}

func TestAuthorizeFolderForWildcards(t *testing.T) {
	admin, s := freshDB(t)
	addCustomer(t, admin, "acme", "customers/acme")
	addRule(t, admin, "acme", "", "staff", "read")
	addRule(t, admin, "acme", "finance/", "finance", "read", "write")
	addRule(t, admin, "acme", "finance/locked/", "finance", "read")
	addRule(t, admin, "acme", "hr/", "staff", "write") // narrows staff's read away inside hr/
	ctx := context.Background()
	for _, c := range []struct {
		roles  []string
		action store.Action
		folder string
		allow  bool
	}{
		{[]string{"staff"}, store.Read, "reports", true},
		{[]string{"staff"}, store.Read, "hr", false},
		{[]string{"staff"}, store.Read, "docs/hr", true},
		{[]string{"finance"}, store.Read, "finance", true},
		{[]string{"finance"}, store.Write, "finance", false},     // locked/ inside lacks write
		{[]string{"finance"}, store.Write, "finance/open", true}, // below finance/, beside locked/
		{[]string{"finance"}, store.Read, "other", false},
		{[]string{"staff"}, store.Read, "../x", false},
	} {
		d, err := s.AuthorizeFolder(ctx, store.Principal{Subject: "u", CustomerID: "acme", Roles: c.roles}, c.action, c.folder)
		if c.allow != (err == nil) {
			t.Errorf("%v %s %q: %+v %v", c.roles, c.action, c.folder, d, err)
		}
		if err == nil && d.Key != "customers/acme/"+c.folder {
			t.Errorf("key %q", d.Key)
		}
	}
}
