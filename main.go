// Command signet is the Signet CDK app: `cdk synth` / `cdk deploy --all` run it.
// Configuration comes from CDK context keys "signet:*" (see README).
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/stacks"
)

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() (err error) {
	// Constructs reject bad props by panicking (jsii's way of throwing); turn that
	// into one clear line instead of a stack trace.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("signet: synth failed: %v", r)
		}
	}()
	app := awscdk.NewApp(nil)
	all, _ := app.Node().GetAllContext(nil).(map[string]any)
	if unknown := stacks.UnknownContextKeys(all); len(unknown) > 0 {
		return fmt.Errorf("signet: unknown context keys %v (see README for the signet:* keys)", unknown)
	}
	cfg, err := stacks.ConfigFromContext(stacks.NodeContext(app))
	if err != nil {
		return err
	}
	stacks.NewSignet(app, cfg)
	if cfg.Nag {
		stacks.ApplyNagPacks(app, true)
	}
	app.Synth(nil)
	return nil
}
