package migrate_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/internal/pgtest"
	"github.com/signet-cdk/signet/store/migrate"
)

var cluster *pgtest.Cluster

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m, &cluster))
}

type secrets map[string]string

func (s secrets) SecretString(_ context.Context, arn string) (string, error) {
	v, ok := s[arn]
	if !ok {
		return "", errors.New("ResourceNotFoundException")
	}
	return v, nil
}

func TestCustomResourceAppliesOnceAndKeepsDataOnDelete(t *testing.T) {
	ctx := context.Background()
	db, _ := cluster.NewDatabase(ctx)
	r := &migrate.Resource{Secrets: secrets{"arn:secret": `{"username":"postgres","password":"unused"}`}, ConnectBudget: time.Second}
	sum, _ := migrate.Checksum()
	props := map[string]any{"SecretArn": "arn:secret", "Host": "127.0.0.1", "Port": strconv.Itoa(cluster.Port), "Database": db, "Checksum": sum}
	id, data, err := r.Handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: props})
	if err != nil || id != migrate.PhysicalID || data["Applied"] != "1,2,3,4,5" /* every embedded migration */ {
		t.Fatalf("%s %v %v", id, data, err)
	}
	_, data, err = r.Handle(ctx, cfn.Event{RequestType: cfn.RequestUpdate, PhysicalResourceID: id, ResourceProperties: props})
	if err != nil || data["Applied"] != "" {
		t.Fatalf("update re-applied: %v %v", data, err)
	}
	if _, _, err := r.Handle(ctx, cfn.Event{RequestType: cfn.RequestDelete, PhysicalResourceID: id, ResourceProperties: props}); err != nil {
		t.Fatal(err)
	}
	conn, _ := pgx.Connect(ctx, cluster.URL(db, "postgres"))
	defer conn.Close(ctx)
	var n int
	all, _ := migrate.All()
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != len(all) {
		t.Fatalf("after delete: %d %v", n, err)
	}
}

func TestCustomResourceFailures(t *testing.T) {
	ctx := context.Background()
	r := &migrate.Resource{Secrets: secrets{"arn:bad": `not json`}, ConnectBudget: 300 * time.Millisecond}
	for name, props := range map[string]map[string]any{
		"missing properties": {"Host": "127.0.0.1"},
		"unknown secret":     {"SecretArn": "arn:none", "Host": "127.0.0.1", "Port": "5432", "Database": "x"},
		"malformed secret":   {"SecretArn": "arn:bad", "Host": "127.0.0.1", "Port": "5432", "Database": "x"},
	} {
		if _, _, err := r.Handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: props}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	r.Secrets = secrets{"arn:ok": `{"username":"postgres","password":"x"}`}
	start := time.Now()
	_, _, err := r.Handle(ctx, cfn.Event{RequestType: cfn.RequestCreate, ResourceProperties: map[string]any{
		"SecretArn": "arn:ok", "Host": "127.0.0.1", "Port": "1", "Database": "x"}})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("unreachable database: %v after %s", err, time.Since(start))
	}
}
