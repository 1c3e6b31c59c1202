package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/signet-cdk/signet/internal/pgtest"
)

var cluster *pgtest.Cluster

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &cluster)) }

func TestMigratesAnyPostgres(t *testing.T) {
	ctx := context.Background()
	db, err := cluster.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, cluster.URL(db, "postgres"), &out); err != nil || !strings.Contains(out.String(), "applied migrations [1 2 3 4 5]") {
		t.Fatalf("first run: %q %v", out.String(), err)
	}
	out.Reset()
	if err := run(ctx, cluster.URL(db, "postgres"), &out); err != nil || !strings.Contains(out.String(), "schema is current") {
		t.Fatalf("second run: %q %v", out.String(), err)
	}
	if err := run(ctx, "", &out); err == nil {
		t.Fatal("no URL accepted")
	}
}
