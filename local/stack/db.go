package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/internal/pgtest"
	"github.com/signet-cdk/signet/store"
	"github.com/signet-cdk/signet/store/migrate"
)

// databaseName is the local stack's database in its own cluster.
const databaseName = "signet"

// database is the metadata database as the stack uses it: the stores of the signer
// (signet_app) and of the admin API (signet_admin_app), each connecting as its own
// role exactly as in the cloud.
type database struct {
	app, admin *store.Store
	stop       func()
}

// openDatabase starts a cluster in dir (or uses url), applies the real migrations as
// the owner, and opens the two stores.
func openDatabase(ctx context.Context, dir, url string) (*database, error) {
	if url != "" {
		return existingDatabase(ctx, url)
	}
	cluster, err := pgtest.StartIn(filepath.Join(dir, "postgres"))
	if err != nil {
		return nil, err
	}
	db := &database{stop: cluster.Stop}
	if err := createAndMigrate(ctx, cluster); err != nil {
		db.close()
		return nil, err
	}
	cfg := store.Config{Host: "127.0.0.1", Port: cluster.Port, Database: databaseName, RetryBudget: 5 * time.Second}
	if err := db.openStores(cfg, "", ""); err != nil {
		db.close()
		return nil, err
	}
	return db, nil
}

func createAndMigrate(ctx context.Context, cluster *pgtest.Cluster) error {
	owner, err := pgx.Connect(ctx, cluster.URL("postgres", "postgres"))
	if err != nil {
		return err
	}
	var exists bool
	_ = owner.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", databaseName).Scan(&exists)
	if !exists {
		if _, err := owner.Exec(ctx, "CREATE DATABASE "+databaseName); err != nil {
			owner.Close(ctx)
			return err
		}
	}
	owner.Close(ctx)
	conn, err := pgx.Connect(ctx, cluster.URL(databaseName, "postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = migrate.Apply(ctx, conn)
	return err
}

// existingDatabase migrates the database at url with url's credentials, then gives the
// application roles a fresh random password each run (they have none in the cloud,
// where they sign in with IAM) and connects as them.
func existingDatabase(ctx context.Context, url string) (*database, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("stack: DATABASE_URL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := migrate.Apply(ctx, conn); err != nil {
		return nil, fmt.Errorf("stack: migrate DATABASE_URL: %w", err)
	}
	appPW, adminPW := randomHex(16), randomHex(16)
	for role, pw := range map[string]string{"signet_app": appPW, "signet_admin_app": adminPW} {
		if _, err := conn.Exec(ctx, "ALTER ROLE "+role+" LOGIN PASSWORD '"+pw+"'"); err != nil {
			return nil, fmt.Errorf("stack: set the %s password: %w", role, err)
		}
	}
	cc := conn.Config()
	db := &database{stop: func() {}}
	cfg := store.Config{Host: cc.Host, Port: int(cc.Port), Database: cc.Database, RetryBudget: 5 * time.Second}
	return db, db.openStores(cfg, appPW, adminPW)
}

func (db *database) openStores(cfg store.Config, appPW, adminPW string) error {
	var err error
	app, admin := cfg, cfg
	app.User, app.Password = "signet_app", appPW
	admin.User, admin.Password = "signet_admin_app", adminPW
	app.MaxConns = 4
	if db.app, err = store.Open(app); err != nil {
		return err
	}
	db.admin, err = store.Open(admin)
	return err
}

func (db *database) close() {
	for _, s := range []*store.Store{db.app, db.admin} {
		if s != nil {
			s.Close()
		}
	}
	db.stop()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
