package migrate

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/jackc/pgx/v5"
)

// Secrets fetches a secret's string value (Secrets Manager in AWS).
type Secrets interface {
	SecretString(ctx context.Context, arn string) (string, error)
}

// Resource is the deploy-time custom resource that applies the migrations as the
// master user (from the RDS-managed secret). Its properties: SecretArn, Host, Port,
// Database, and Checksum (of the migration set, so a changed set triggers an Update).
type Resource struct {
	Secrets Secrets
	// TLS returns the TLS config for a host (rdsca.TLSConfig in AWS); nil disables TLS
	// (local tests only).
	TLS    func(host string) (*tls.Config, error)
	Logger *slog.Logger
	// ConnectBudget bounds connection retries while the cluster resumes. Default 2 min.
	ConnectBudget time.Duration
}

// PhysicalID is the schema resource's id: there is one schema per cluster.
const PhysicalID = "signet-schema"

// ErrBadProperties is returned for properties the resource cannot act on.
var ErrBadProperties = errors.New("migrate: invalid resource properties")

// Checksum identifies the embedded migration set.
func Checksum() (string, error) {
	all, err := All()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, m := range all {
		b.WriteString(m.Checksum[:12])
	}
	return b.String(), nil
}

// Handle is a cfn.CustomResourceFunction.
func (r *Resource) Handle(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	if ev.RequestType == cfn.RequestDelete {
		// The schema and its data stay with the cluster (retained or snapshotted).
		return PhysicalID, nil, nil
	}
	get := func(k string) string { s, _ := ev.ResourceProperties[k].(string); return s }
	secretArn, host, db := get("SecretArn"), get("Host"), get("Database")
	port, err := strconv.Atoi(get("Port"))
	if secretArn == "" || host == "" || db == "" || err != nil {
		return PhysicalID, nil, fmt.Errorf("%w: SecretArn, Host, Port and Database are required", ErrBadProperties)
	}
	raw, err := r.Secrets.SecretString(ctx, secretArn)
	if err != nil {
		return PhysicalID, nil, fmt.Errorf("read master secret: %w", err)
	}
	var secret struct{ Username, Password string }
	if err := json.Unmarshal([]byte(raw), &secret); err != nil || secret.Username == "" {
		return PhysicalID, nil, errors.New("master secret is not the RDS {username, password} JSON")
	}
	cc, err := pgx.ParseConfig("")
	if err != nil {
		return PhysicalID, nil, err
	}
	cc.Host, cc.Port, cc.Database, cc.User, cc.Password = host, uint16(port), db, secret.Username, secret.Password
	cc.ConnectTimeout = 10 * time.Second
	cc.Fallbacks = nil
	cc.TLSConfig = nil
	if r.TLS != nil {
		if cc.TLSConfig, err = r.TLS(host); err != nil {
			return PhysicalID, nil, err
		}
	}
	budget := r.ConnectBudget
	if budget == 0 {
		budget = 2 * time.Minute
	}
	conn, err := connectWithRetry(ctx, cc, budget)
	if err != nil {
		return PhysicalID, nil, fmt.Errorf("connect to %s: %w", host, err)
	}
	defer conn.Close(context.Background())
	applied, err := Apply(ctx, conn)
	if err != nil {
		log.Error("migration failed", "error", err)
		return PhysicalID, nil, err
	}
	versions := make([]string, len(applied))
	for i, v := range applied {
		versions[i] = strconv.Itoa(v)
	}
	log.Info("migrations applied", "versions", versions)
	return PhysicalID, map[string]any{"Applied": strings.Join(versions, ",")}, nil
}

// connectWithRetry retries while an auto-paused cluster resumes.
func connectWithRetry(ctx context.Context, cc *pgx.ConnConfig, budget time.Duration) (*pgx.Conn, error) {
	deadline := time.Now().Add(budget)
	wait := 500 * time.Millisecond
	for {
		conn, err := pgx.ConnectConfig(ctx, cc)
		if err == nil {
			return conn, nil
		}
		if ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
}
