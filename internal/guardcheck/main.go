// Command guardcheck runs the AWS Control Tower proactive-control rules (cfn-guard)
// over every template of a cloud assembly, prints one line per finding, and exits
// non-zero when any finding is not suppressed with a reason in the resource's
// "signet:guard" metadata (see constructs/internal/nag.SuppressGuard).
//
//	go run ./internal/guardcheck cdk.out
package main

import (
	"fmt"
	"os"

	"github.com/signet-cdk/signet/internal/guardcheck/guard"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: guardcheck <cdk.out dir>")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "guardcheck:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	// The repository root: `make synth` and `go run` both start there.
	tools, err := guard.FindTools(".")
	if err != nil {
		return err
	}
	findings, err := tools.CheckAssembly(dir)
	if err != nil {
		return err
	}
	for _, f := range findings {
		fmt.Println(f)
	}
	if n := guard.Failed(findings); n > 0 {
		return fmt.Errorf("%d of %d cfn-guard findings are not suppressed (nag.SuppressGuard)", n, len(findings))
	}
	fmt.Printf("guardcheck: %d findings, all accepted with a reason\n", len(findings))
	return nil
}
