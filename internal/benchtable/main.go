// Command benchtable runs Signet's benchmarks and the AWS JavaScript signer on this
// machine in one run and prints signatures per second with ratios against raw
// crypto/rsa, the metadata store's and the download request's latencies, the
// signer Lambda's cold init against an empty Lambda, and the bootstraps' sizes
// (`make bench`). Ratios, not absolute times, are the targets: absolute times drift
// on a shared machine, ratios measured together do not.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"github.com/signet-cdk/signet/internal/nodejs"
)

var (
	benchLine  = regexp.MustCompile(`^(Benchmark\w+)-\d+\s+\d+\s+([0-9.]+) ns/op`)
	metricLine = regexp.MustCompile(`\s([0-9.]+) ((?:[a-z]+-)?p\d\d-us|[a-z]+-x)`)
)

// benchPackages are benchmarked together, round by round. ./api holds the download
// request benchmark; a package without benchmarks just reports none.
var benchPackages = []string{"./signing", "./presign", "./store", "./api"}

func main() {
	count := flag.Int("count", 5, "rounds of the Go benchmarks (the median is reported)")
	benchtime := flag.String("benchtime", "1s", "go test -benchtime")
	coldRuns := flag.Int("cold-runs", 15, "timed starts of each bootstrap (the median is reported)")
	flag.Parse()
	if err := run(*count, *benchtime, *coldRuns); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(count int, benchtime string, coldRuns int) error {
	s, err := goBenchmarks(count, benchtime)
	if err != nil {
		return err
	}
	js, err := jsRate()
	if err != nil {
		return err
	}
	missed, err := signingTable(s, js)
	if err != nil {
		return err
	}
	storeTable(s)
	missed += apiTable(s)
	fmt.Printf("\nPaired: raw and Signet signatures timed alternately in one loop (BenchmarkPairedRatios).")
	fmt.Printf("\nGo medians of %d interleaved rounds; JavaScript over %s s. Go's RSA is pure Go; Node calls OpenSSL.\n", len(s["BenchmarkRawRSA"]), jsSeconds())
	m, err := lambdaTables(coldRuns)
	if err != nil {
		return err
	}
	if missed += m; missed > 0 {
		return fmt.Errorf("%d target(s) missed", missed)
	}
	return nil
}

// samples are benchmark results by name ("BenchmarkX" in ns/op, "BenchmarkX/unit"
// for a reported metric), one per round.
type samples map[string][]float64

func (s samples) median(name string) (float64, error) {
	v := s[name]
	if len(v) == 0 {
		return 0, fmt.Errorf("no result for %s", name)
	}
	sort.Float64s(v)
	return v[len(v)/2], nil
}

// perSec is a benchmark's median as operations per second, 0 when it did not run.
func (s samples) perSec(name string) float64 {
	ns, err := s.median(name)
	if err != nil {
		return 0
	}
	return 1e9 / ns
}

// goBenchmarks runs rounds, each running every benchmark once, so that drift in the
// machine's speed (other load, frequency) lands on all of them alike instead of on
// the last ones.
func goBenchmarks(count int, benchtime string) (samples, error) {
	s := samples{}
	for round := 0; round < count; round++ {
		args := append([]string{"test", "-run", "^$", "-bench", ".", "-count", "1", "-benchtime", benchtime}, benchPackages...)
		cmd := exec.Command("go", args...)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go test -bench: %v\n%s", err, out)
		}
		s.add(out)
	}
	return s, nil
}

// add records every benchmark line of go test's output and its metrics.
func (s samples) add(out []byte) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		s[m[1]] = append(s[m[1]], v)
		for _, x := range metricLine.FindAllStringSubmatch(sc.Text(), -1) {
			v, _ := strconv.ParseFloat(x[1], 64)
			s[m[1]+"/"+x[2]] = append(s[m[1]+"/"+x[2]], v)
		}
	}
}

// verdict formats a target and counts a miss.
func verdict(target string, ok bool, missed *int) string {
	if !ok {
		*missed++
		return target + ": MISSED"
	}
	return target + ": met"
}

func signingTable(s samples, js float64) (missed int, err error) {
	raw := s.perSec("BenchmarkRawRSA")
	if raw == 0 {
		return 0, fmt.Errorf("no raw RSA result")
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
	fmt.Printf("| signer | signatures/s (1 core) | x raw crypto/rsa | paired x raw | target (on paired) |\n|---|---:|---:|---:|---|\n")
	for _, r := range rows {
		v := s.perSec(r.key)
		if r.key == "js" {
			v = js
		}
		target, pairedCol := "", ""
		if r.target > 0 {
			paired, err := s.median("BenchmarkPairedRatios/" + r.paired)
			if err != nil {
				return missed, err
			}
			pairedCol = fmt.Sprintf("%.3f", paired)
			target = verdict(fmt.Sprintf(">= %gx", r.target), paired >= r.target, &missed)
		}
		fmt.Printf("| %s | %.0f | %.3f | %s | %s |\n", r.label, v, v/raw, pairedCol, target)
	}
	return missed, nil
}

func storeTable(s samples) {
	p50, _ := s.median("BenchmarkAuthorizeAndAudit/p50-us")
	p99, _ := s.median("BenchmarkAuthorizeAndAudit/p99-us")
	fmt.Printf("\n| metadata store on loopback PostgreSQL | p50 | p99 | per second |\n|---|---:|---:|---:|\n")
	fmt.Printf("| authorize + audit row | %.0f us | %.0f us | %.0f |\n", p50, p99, s.perSec("BenchmarkAuthorizeAndAudit"))
}

// apiTable prints the whole download request against a bare SELECT 1 (package api),
// if that benchmark exists; it returns the targets missed.
func apiTable(s samples) (missed int) {
	const target = 1.3
	ratio, err := s.median("BenchmarkDownloadRequest/ratio-x")
	if err != nil {
		return 0
	}
	dl, _ := s.median("BenchmarkDownloadRequest/p50-us")
	rt, _ := s.median("BenchmarkDownloadRequest/roundtrip-p50-us")
	fmt.Printf("\n| download request on loopback PostgreSQL | p50 | SELECT 1 p50 | x SELECT 1 (paired) | target |\n|---|---:|---:|---:|---|\n")
	fmt.Printf("| POST /downloads through the handler | %.0f us | %.0f us | %.2f | %s |\n", dl, rt, ratio, verdict(fmt.Sprintf("<= %gx", target), ratio <= target, &missed))
	return missed
}

func jsSeconds() string {
	if s := os.Getenv("BENCH_SECONDS"); s != "" {
		return s
	}
	return "3"
}

func jsRate() (float64, error) {
	var r struct{ OpsPerSec float64 }
	if err := nodejs.RunJSON(filepath.Join("signing", "testdata", "jsbench.js"), nil, &r); err != nil {
		return 0, fmt.Errorf("javascript benchmark: %v", err)
	}
	return r.OpsPerSec, nil
}
