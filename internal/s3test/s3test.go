// Package s3test runs versitygw, a real S3-compatible server that verifies SigV4
// (../shared/VERIFIERS.md), on a loopback port for tests. Tests only.
package s3test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Credentials the server accepts.
const (
	AccessKey = "SIGNETTESTACCESS"
	SecretKey = "signet-test-secret-key-0123456789"
)

// Server is a running versitygw.
type Server struct {
	Endpoint string
	cmd      *exec.Cmd
	dir      string
	keep     bool
}

// binary finds versitygw: SIGNET_VERSITYGW, else the repository's .tools/bin.
func binary() (string, error) {
	if b := os.Getenv("SIGNET_VERSITYGW"); b != "" {
		return b, nil
	}
	_, file, _, _ := runtime.Caller(0)
	b := filepath.Join(filepath.Dir(file), "..", "..", ".tools", "bin", "versitygw")
	if _, err := os.Stat(b); err != nil {
		return "", fmt.Errorf("versitygw not installed (run `make tools`): %v", err)
	}
	return b, nil
}

// Start runs the server on a throwaway directory and creates the given buckets.
func Start(buckets ...string) (*Server, error) {
	dir, err := os.MkdirTemp("", "signet-s3-")
	if err != nil {
		return nil, err
	}
	return start(dir, false, buckets)
}

// StartIn runs the server on dir, kept after Stop, creating the buckets it lacks.
func StartIn(dir string, buckets ...string) (*Server, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return start(dir, true, buckets)
}

func start(dir string, keep bool, buckets []string) (*Server, error) {
	bin, err := binary()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "--access", AccessKey, "--secret", SecretKey, "--port", addr, "posix", dir)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{Endpoint: "http://" + addr, cmd: cmd, dir: dir, keep: keep}
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 100 {
			s.Stop()
			return nil, fmt.Errorf("versitygw did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, b := range buckets {
		if _, err := s.Client(nil).HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String(b)}); err == nil {
			continue // a kept directory already has it
		}
		if _, err := s.Client(nil).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			s.Stop()
			return nil, fmt.Errorf("create bucket %s: %v", b, err)
		}
	}
	return s, nil
}

// Client is an S3 client for the server (path-style); creds nil means the server's.
func (s *Server) Client(creds aws.CredentialsProvider) *s3.Client {
	if creds == nil {
		creds = credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, "")
	}
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.Endpoint), UsePathStyle: true, Credentials: creds})
}

// Stop ends the server and removes its files.
func (s *Server) Stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	if !s.keep {
		_ = os.RemoveAll(s.dir)
	}
}
