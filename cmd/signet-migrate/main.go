// Command signet-migrate applies Signet's schema to any PostgreSQL 15 or newer:
//
//	signet-migrate -database-url postgres://user@host:5432/signet?sslmode=verify-full
//
// (or DATABASE_URL). It is the same code the deploy-time Lambda runs; safe to run
// again, and two runners never interleave.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/store/migrate"
)

func main() {
	url := flag.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL connection URL")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "signet-migrate: -database-url or DATABASE_URL is required")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, *url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "signet-migrate: connect:", err)
		os.Exit(1)
	}
	defer conn.Close(context.Background())
	applied, err := migrate.Apply(ctx, conn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "signet-migrate:", err)
		os.Exit(1)
	}
	if len(applied) == 0 {
		fmt.Println("schema is current")
		return
	}
	fmt.Println("applied migrations", applied)
}
