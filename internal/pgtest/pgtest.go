// Package pgtest starts a throwaway PostgreSQL cluster on a loopback port for tests
// (initdb, pg_ctl; as the postgres user when running as root) and removes it after.
// Tests only.
package pgtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/store/migrate"
)

// Cluster is a running server. It accepts TLS with a certificate for "localhost"
// issued by CA, a throwaway authority made for this cluster.
type Cluster struct {
	Dir  string
	Port int
	CA   *x509.CertPool
	bin  string
	as   []string // command prefix to run as postgres
	n    atomic.Int64
	keep bool // StartIn: the directory outlives the server
}

// BinDir finds PostgreSQL's server binaries (Debian layout), newest version first.
func BinDir() (string, error) {
	if d := os.Getenv("SIGNET_PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("pgtest: PostgreSQL server binaries not found (apt-get install -y postgresql)")
}

// Start initializes and starts a throwaway cluster; Stop removes it.
func Start() (*Cluster, error) {
	dir, err := os.MkdirTemp("", "signet-pg-")
	if err != nil {
		return nil, err
	}
	return start(dir, false)
}

// StartIn starts the cluster kept in dir, initializing it when dir holds none yet;
// Stop shuts it down cleanly and keeps dir (a local demo's named state folder).
func StartIn(dir string) (*Cluster, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return start(dir, true)
}

func start(dir string, keep bool) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin, keep: keep}
	if u, _ := user.Current(); u != nil && u.Uid == "0" {
		pg, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgtest: running as root needs a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		c.as = []string{"runuser", "-u", "postgres", "--"}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	if _, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION")); err != nil {
		if out, err := c.cmd("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
		}
	}
	if err := c.writeTLS(); err != nil {
		return nil, err
	}
	// A kept cluster is written safely; a throwaway one as fast as possible.
	durability := "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	if keep {
		durability = ""
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s %s -c max_connections=200 -c ssl=on -c ssl_cert_file=%s -c ssl_key_file=%s",
		c.Port, dir, durability, filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
	if out, err := c.cmd("pg_ctl", "-D", filepath.Join(dir, "data"), "-l", filepath.Join(dir, "log"), "-w", "-o", opts, "start").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgtest: pg_ctl start: %v\n%s", err, out)
	}
	return c, nil
}

func (c *Cluster) cmd(name string, args ...string) *exec.Cmd {
	full := append(append([]string{}, c.as...), filepath.Join(c.bin, name))
	full = append(full, args...)
	return exec.Command(full[0], full[1:]...)
}

// Stop stops the server and removes its files (a StartIn cluster: shuts down cleanly
// and keeps them).
func (c *Cluster) Stop() {
	if c.keep {
		_ = c.cmd("pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "fast", "-w", "stop").Run()
		return
	}
	_ = c.cmd("pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "immediate", "-w", "stop").Run()
	_ = os.RemoveAll(c.Dir)
}

// URL is a connection string for database db as user.
func (c *Cluster) URL(db, user string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", user, c.Port, db)
}

// NewDatabase creates a fresh, empty database and returns its name.
func (c *Cluster) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), c.n.Add(1))
	conn, err := pgx.Connect(ctx, c.URL("postgres", "postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return name, nil
}

// WaitGone waits until nothing listens on the port (after Stop).
func WaitGone(port int) {
	for i := 0; i < 50; i++ {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 100*time.Millisecond)
		if err != nil {
			return
		}
		conn.Close()
		time.Sleep(50 * time.Millisecond)
	}
}

// writeTLS makes a throwaway CA and a server certificate for localhost.
func (c *Cluster) writeTLS() error {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "signet test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	files := map[string][]byte{
		"server.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		"server.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	for name, b := range files {
		path := filepath.Join(c.Dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return err
		}
		if len(c.as) > 0 {
			pg, _ := user.Lookup("postgres")
			uid, _ := strconv.Atoi(pg.Uid)
			gid, _ := strconv.Atoi(pg.Gid)
			if err := os.Chown(path, uid, gid); err != nil {
				return err
			}
		}
	}
	c.CA = x509.NewCertPool()
	c.CA.AddCert(caCert)
	return nil
}

// Main starts a cluster, stores it in *c, runs the tests and stops it: a package's
// TestMain is then os.Exit(pgtest.Main(m, &cluster)).
func Main(m interface{ Run() int }, c **Cluster) int {
	cl, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cl.Stop()
	*c = cl
	return m.Run()
}

// TB is the part of testing.TB the helpers use.
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// MigratedDatabase creates a fresh database, applies Signet's migrations as the
// superuser, runs the seed statements (customers, rules) as the superuser, and
// returns its name and that admin connection (closed after the test).
func (c *Cluster) MigratedDatabase(t TB, seed ...string) (string, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	db, err := c.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, c.URL(db, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	if _, err := migrate.Apply(ctx, admin); err != nil {
		t.Fatal(err)
	}
	for _, sql := range seed {
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	return db, admin
}
