// Package store is Signet's metadata store on PostgreSQL (Aurora PostgreSQL in AWS)
// through pgx/v5: customers and their S3 prefixes, files, access rules and the audit
// of every URL issued. It knows nothing of CDK.
//
// Every operation is scoped by a Principal whose customer comes from the caller's
// token; paths are relative to that customer's prefix and canonical, so one customer
// cannot even name another's files. Authorization is default deny; see Authorize.
//
// Connections are made lazily (a cold Lambda that never touches the database never
// connects), the pool holds one connection (Lambda runs one request at a time), each new
// connection gets a fresh IAM auth token when Config.IAM is set, TLS verifies the
// server's name and chain (verify-full) when Config.TLS is set, and connection
// failures are retried within a budget long enough for an auto-paused Aurora
// Serverless v2 cluster to resume. Failures come back as typed errors: ErrNotFound,
// ErrForbidden, ErrConflict, ErrUnavailable, matched with errors.Is.
package store

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Typed errors callers map with errors.Is.
var (
	ErrNotFound    = errors.New("store: not found")
	ErrForbidden   = errors.New("store: forbidden")
	ErrConflict    = errors.New("store: conflict")
	ErrUnavailable = errors.New("store: database unavailable")
	ErrInvalid     = errors.New("store: invalid input")
)

// IAMAuth makes a fresh RDS IAM auth token for every new connection.
type IAMAuth struct {
	Region      string
	Credentials aws.CredentialsProvider
}

// Config says how to reach the database.
type Config struct {
	Host     string
	Port     int // default 5432
	Database string
	User     string
	// Password for a static password (local development, tests). Ignored with IAM.
	Password string
	// IAM, when set, authenticates with RDS IAM tokens.
	IAM *IAMAuth
	// TLS, when set, is used as is (set RootCAs to the RDS CA bundle and ServerName to
	// the endpoint for verify-full); nil means no TLS (local only).
	TLS *tls.Config
	// ConnectTimeout per attempt. Default: 5 s.
	ConnectTimeout time.Duration
	// RetryBudget is how long connection failures are retried (an auto-paused cluster
	// takes about 15 s to resume). Default: 30 s.
	RetryBudget time.Duration
	// MaxConns in the pool. Default: 1: a Lambda instance serves one request at a
	// time and every request is one statement at a time, so one connection per
	// instance is all it can use; the deployment's connection budget (constructs/
	// database) counts on it.
	MaxConns int32
}

// Store is the metadata store. Safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	budget time.Duration
}

// Open prepares the pool; it does not connect.
func Open(cfg Config) (*Store, error) {
	if cfg.Host == "" || cfg.Database == "" || cfg.User == "" {
		return nil, fmt.Errorf("%w: host, database and user are required", ErrInvalid)
	}
	if cfg.Port == 0 {
		cfg.Port = 5432
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	if cfg.RetryBudget == 0 {
		cfg.RetryBudget = 30 * time.Second
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 1
	}
	pc, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, err
	}
	cc := pc.ConnConfig
	cc.Host, cc.Port, cc.Database, cc.User = cfg.Host, uint16(cfg.Port), cfg.Database, cfg.User
	cc.Password = cfg.Password
	cc.TLSConfig = cfg.TLS
	cc.Fallbacks = nil
	cc.ConnectTimeout = cfg.ConnectTimeout
	cc.RuntimeParams["application_name"] = "signet"
	cc.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	pc.MaxConns = cfg.MaxConns
	pc.MinConns = 0
	pc.MaxConnIdleTime = 5 * time.Minute
	pc.MaxConnLifetime = 30 * time.Minute
	if cfg.IAM != nil {
		endpoint := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
		iam := *cfg.IAM
		pc.BeforeConnect = func(ctx context.Context, c *pgx.ConnConfig) error {
			token, err := auth.BuildAuthToken(ctx, endpoint, iam.Region, c.User, iam.Credentials)
			if err != nil {
				return fmt.Errorf("build IAM auth token: %w", err)
			}
			c.Password = token
			return nil
		}
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, err
	}
	return &Store{pool: pool, budget: cfg.RetryBudget}, nil
}

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Pool exposes the pool for administration and tests.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// run executes f, retrying connection failures until the retry budget or ctx ends,
// and maps errors to the typed ones. A retry is only started when it can finish
// before ctx's deadline (the API derives that from the Lambda's remaining time), so a
// slow or unreachable database ends in ErrUnavailable inside the caller's budget.
func (s *Store) run(ctx context.Context, f func(ctx context.Context) error) error {
	deadline := time.Now().Add(s.budget)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	backoff := 100 * time.Millisecond
	for {
		err := f(ctx)
		if err == nil {
			return nil
		}
		mapped := mapError(err)
		if !errors.Is(mapped, ErrUnavailable) || !retryable(err) || ctx.Err() != nil || time.Now().Add(backoff).After(deadline) {
			return mapped
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: %v", ErrUnavailable, ctx.Err())
		case <-t.C:
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// retryable: the database could not be reached, as opposed to refusing a statement.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 57P03 cannot_connect_now: starting up or resuming.
		return pgErr.Code == "57P03"
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// mapError turns a driver error into a typed one by SQLSTATE class, so that nothing a
// client sent can surface as an unclassified (500) error:
//
//	22 data exception (bad encoding, NUL, out of range), 23 constraint (check,
//	not null) -> ErrInvalid; 23505 unique -> ErrConflict; 23503 foreign key ->
//	ErrNotFound; 08 connection, 40 rollback, 53 resources, 57 operator
//	intervention, 58 system, XX internal -> ErrUnavailable (retry later).
//
// Anything else (42 syntax or undefined object: a bug in Signet, not the client's
// fault) stays unclassified.
func mapError(err error) error {
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) || errors.Is(err, ErrConflict) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrUnavailable) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return mapSQLState(pgErr)
	}
	// Anything else is a connection, TLS, auth-token or timeout failure.
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

func mapSQLState(e *pgconn.PgError) error {
	switch e.Code {
	case "23505":
		return fmt.Errorf("%w: %s", ErrConflict, e.Message)
	case "23503":
		return fmt.Errorf("%w: %s", ErrNotFound, e.Message)
	}
	class := e.Code
	if len(class) >= 2 {
		class = class[:2]
	}
	switch class {
	case "22", "23":
		return fmt.Errorf("%w: %s (%s)", ErrInvalid, e.Message, e.Code)
	case "08", "40", "53", "57", "58", "XX":
		return fmt.Errorf("%w: %s (%s)", ErrUnavailable, e.Message, e.Code)
	}
	return fmt.Errorf("store: %s (%s)", e.Message, e.Code)
}

// checkText refuses what PostgreSQL would refuse in a text value (invalid UTF-8 and
// NUL, SQLSTATE 22021) and any other control character, before a query is sent: a
// caller's bad bytes are ErrInvalid, never a database error.
func checkText(field, v string, maxLen int) error {
	if len(v) > maxLen {
		return fmt.Errorf("%w: %s is over %d bytes", ErrInvalid, field, maxLen)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, field)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: %s contains a control character", ErrInvalid, field)
		}
	}
	return nil
}

// parseIP turns an optional IP restriction into a cidr value.
func parseIP(s string) (*netip.Prefix, error) {
	if s == "" {
		return nil, nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		a, aerr := netip.ParseAddr(s)
		if aerr != nil {
			return nil, fmt.Errorf("%w: ip restriction %q", ErrInvalid, s)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	return &p, nil
}
