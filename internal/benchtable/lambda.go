package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/signet-cdk/signet/internal/coldstart"
)

const (
	signerPath = "github.com/signet-cdk/signet/lambda/signer"
	// Targets: the signer starts in at most twice the time of a Lambda that does
	// nothing, from a bootstrap of less than 15 MB.
	coldTarget = 2.0
	sizeTarget = 15e6
)

// bootstraps are the functions whose sizes are reported, the empty program last.
var bootstraps = []struct{ label, path string }{
	{"signer", signerPath},
	{"keygen", "github.com/signet-cdk/signet/lambda/keygen"},
	{"migrate", "github.com/signet-cdk/signet/lambda/migrate"},
	{"empty program (lambda.Start only)", coldstart.EmptyImportPath},
}

// lambdaTables prints the cold init and bootstrap size tables and returns the
// targets missed.
func lambdaTables(runs int) (missed int, err error) {
	dir, err := os.MkdirTemp("", "benchtable-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	m, err := coldTable(dir, runs)
	if err != nil {
		return 0, err
	}
	n, err := sizeTable(dir)
	return m + n, err
}

// coldTable builds the empty program and the signer for this machine and times
// their starts, interleaved, against a fake Runtime API.
func coldTable(dir string, runs int) (missed int, err error) {
	empty, signer := filepath.Join(dir, "empty-host"), filepath.Join(dir, "signer-host")
	for bin, path := range map[string]string{empty: coldstart.EmptyImportPath, signer: signerPath} {
		if err := coldstart.Build(path, bin, true); err != nil {
			return 0, err
		}
	}
	d, err := coldstart.Measure([]string{empty, signer}, coldstart.Env(), runs)
	if err != nil {
		return 0, err
	}
	e, s := coldstart.Median(d[0]), coldstart.Median(d[1])
	ratio := float64(s) / float64(e)
	fmt.Printf("\n| cold init: exec to first Runtime API call | median | x empty | target |\n|---|---:|---:|---|\n")
	fmt.Printf("| empty program (lambda.Start only) | %s | 1.00 | |\n", ms(e))
	fmt.Printf("| signer (lambda/signer) | %s | %.2f | %s |\n", ms(s), ratio, verdict(fmt.Sprintf("<= %gx", coldTarget), ratio <= coldTarget, &missed))
	fmt.Printf("\nCold init: medians of %d interleaved starts each, built for %s/%s (this machine; gofunction's flags otherwise), against a fake Runtime API on loopback, no network.\n",
		runs, runtime.GOOS, runtime.GOARCH)
	return missed, nil
}

// sizeTable builds every bootstrap as gofunction.Build does (linux/arm64).
func sizeTable(dir string) (missed int, err error) {
	fmt.Printf("\n| bootstrap, linux/arm64 as deployed | bytes | MB | target |\n|---|---:|---:|---|\n")
	for _, b := range bootstraps {
		out := filepath.Join(dir, filepath.Base(b.path)+"-arm64")
		if err := coldstart.Build(b.path, out, false); err != nil {
			return missed, err
		}
		size, err := coldstart.Size(out)
		if err != nil {
			return missed, err
		}
		target := ""
		if b.path == signerPath {
			target = verdict(fmt.Sprintf("< %g MB", sizeTarget/1e6), size < sizeTarget, &missed)
		}
		fmt.Printf("| %s | %d | %.2f | %s |\n", b.label, size, float64(size)/1e6, target)
	}
	fmt.Printf("\nMB: 10^6 bytes. Static, stripped, CGO off (gofunction.BuildFlags).\n")
	return missed, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
