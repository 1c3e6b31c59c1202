// Command signet-migrate applies Signet's schema to any PostgreSQL 15 or newer:
//
//	signet-migrate -database-url postgres://user@host:5432/signet?sslmode=verify-full
//
// (or DATABASE_URL). It is the same code the deploy-time Lambda runs; safe to run
// again, and two runners never interleave.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/store/migrate"
)

func main() {
	url := flag.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL connection URL")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := run(ctx, *url, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "signet-migrate:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url string, stdout io.Writer) error {
	if url == "" {
		return errors.New("-database-url or DATABASE_URL is required")
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	applied, err := migrate.Apply(ctx, conn)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "schema is current")
		return nil
	}
	fmt.Fprintln(stdout, "applied migrations", applied)
	return nil
}
