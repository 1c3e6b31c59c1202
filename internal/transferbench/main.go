// Command transferbench measures upload and download throughput of one large file
// over loopback, Signet's CLI beside rclone, against the same S3 server (versitygw, as
// the tests use) in one run, and prints the ratios (`make bench`). Signet goes the
// way it goes in the cloud: the API presigns (multipart above its threshold) and the
// bytes go straight to S3; downloads come through the CloudFront stand-in
// (local/edge), which verifies the signature and fetches from S3 with SigV4. rclone
// talks to S3 directly with its default settings.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/signet-cdk/signet/internal/s3test"
	"github.com/signet-cdk/signet/local/stack"
)

func main() {
	size := flag.Int64("size", 1<<30, "bytes in the test file")
	rounds := flag.Int("rounds", 1, "alternating rounds; the best of each is reported")
	flag.Parse()
	if err := run(*size, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "transferbench:", err)
		os.Exit(1)
	}
}

// tool is one transfer program with its upload and download commands.
type tool struct {
	name     string
	upload   func(local, remote string) *exec.Cmd
	download func(remote, local string) *exec.Cmd
}

func run(size int64, rounds int) error {
	if _, err := exec.LookPath("rclone"); err != nil {
		return errors.New("rclone is not installed (Debian: apt-get install -y rclone)")
	}
	work, err := os.MkdirTemp("", "signet-transferbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	ctx := context.Background()
	s, err := stack.Start(ctx, stack.Options{EdgeAddr: "127.0.0.1:0", AuthAddr: "127.0.0.1:0", OutputsDir: filepath.Join(work, "local")})
	if err != nil {
		return err
	}
	defer s.Close()
	signet, err := signetTool(ctx, s, work)
	if err != nil {
		return err
	}
	file, sum, err := randomFile(filepath.Join(work, "data.bin"), size)
	if err != nil {
		return err
	}
	tools := []tool{signet, rcloneTool(s.S3)}
	best := map[string][2]time.Duration{}
	for r := 0; r < rounds; r++ {
		for _, t := range tools {
			up, down, err := measure(t, file, filepath.Join(work, t.name+".out"), sum, r)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			b := best[t.name]
			if b[0] == 0 || up < b[0] {
				b[0] = up
			}
			if b[1] == 0 || down < b[1] {
				b[1] = down
			}
			best[t.name] = b
		}
	}
	report(size, best)
	return nil
}

// measure uploads file, downloads it back and checks the bytes.
func measure(t tool, file, out string, sum [32]byte, round int) (up, down time.Duration, err error) {
	remote := fmt.Sprintf("bench/%s-%d.bin", t.name, round)
	start := time.Now()
	if b, err := t.upload(file, remote).CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("upload: %v: %s", err, b)
	}
	up = time.Since(start)
	_ = os.Remove(out)
	start = time.Now()
	if b, err := t.download(remote, out).CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("download: %v: %s", err, b)
	}
	down = time.Since(start)
	got, err := fileSum(out)
	if err != nil || got != sum {
		return 0, 0, fmt.Errorf("the downloaded file differs (%v)", err)
	}
	return up, down, os.Remove(out)
}

func report(size int64, best map[string][2]time.Duration) {
	mib := float64(size) / (1 << 20)
	rate := func(d time.Duration) float64 { return mib / d.Seconds() }
	fmt.Printf("\nTransfers of %.0f MiB over loopback to versitygw (best of the rounds):\n\n", mib)
	fmt.Printf("| transfer | Signet CLI | rclone | Signet / rclone | target |\n|---|---|---|---|---|\n")
	for i, what := range []string{"upload", "download"} {
		s, r := rate(best["signet"][i]), rate(best["rclone"][i])
		verdict := "met"
		if s/r < 0.9 {
			verdict = "MISSED"
		}
		fmt.Printf("| %s | %.0f MiB/s | %.0f MiB/s | %.2fx | >= 0.9x: %s |\n", what, s, r, s/r, verdict)
	}
}

// signetTool is the real CLI, built here, configured for the local stack and signed
// in as Acme's user (SIGNET_ID_TOKEN), with its default settings.
func signetTool(ctx context.Context, s *stack.Stack, work string) (tool, error) {
	bin := filepath.Join(work, "signet")
	if b, err := exec.Command("go", "build", "-o", bin, "./cmd/signet").CombinedOutput(); err != nil {
		return tool{}, fmt.Errorf("build signet: %v: %s", err, b)
	}
	var alice stack.User
	for _, u := range s.Users {
		if u.Customer == "acme" {
			alice = u
		}
	}
	tok, err := s.SignIn(ctx, alice.Email, alice.Password)
	if err != nil {
		return tool{}, err
	}
	home := filepath.Join(work, "home")
	env := append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "SIGNET_ID_TOKEN="+tok.IDToken)
	cmd := func(args ...string) *exec.Cmd {
		c := exec.Command(bin, args...)
		c.Env = env
		return c
	}
	if b, err := cmd("configure", "--local", "--dir", filepath.Join(work, "local")).CombinedOutput(); err != nil {
		return tool{}, fmt.Errorf("configure: %v: %s", err, b)
	}
	return tool{name: "signet",
		upload:   func(local, remote string) *exec.Cmd { return cmd("upload", local, remote, "--quiet") },
		download: func(remote, local string) *exec.Cmd { return cmd("download", remote, local, "--quiet") },
	}, nil
}

// rcloneTool is rclone with its defaults against the same server and bucket.
func rcloneTool(srv *s3test.Server) tool {
	// The server is plain HTTP on loopback: a CA bundle from the environment would only
	// make rclone's AWS SDK fail to build its transport.
	var base []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_CA_BUNDLE=") {
			base = append(base, kv)
		}
	}
	env := append(base, "RCLONE_CONFIG_BENCH_TYPE=s3", "RCLONE_CONFIG_BENCH_PROVIDER=Other",
		"RCLONE_CONFIG_BENCH_ENDPOINT="+srv.Endpoint, "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="+s3test.AccessKey,
		"RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="+s3test.SecretKey, "RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true",
		"RCLONE_CONFIG_BENCH_REGION=us-east-1", "RCLONE_CONFIG=/dev/null")
	cmd := func(args ...string) *exec.Cmd {
		c := exec.Command("rclone", args...)
		c.Env = env
		return c
	}
	obj := func(remote string) string { return "bench:" + stack.Bucket + "/rclone/" + remote }
	return tool{name: "rclone",
		upload:   func(local, remote string) *exec.Cmd { return cmd("copyto", local, obj(remote)) },
		download: func(remote, local string) *exec.Cmd { return cmd("copyto", obj(remote), local) },
	}
}

func randomFile(path string, size int64) (string, [32]byte, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", [32]byte{}, err
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.Reader, size); err != nil {
		f.Close()
		return "", [32]byte{}, err
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return path, sum, f.Close()
}

func fileSum(path string) ([32]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return [32]byte{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return [32]byte{}, err
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, nil
}
