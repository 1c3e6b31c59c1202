package presign_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/signet-cdk/signet/presign"
)

// presignerAt is a Presigner whose S3 is at endpoint.
func presignerAt(t *testing.T, endpoint string) *presign.Presigner {
	t.Helper()
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")})
	p, err := presign.New(c, presign.Config{Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// s3Calls are the Presigner's calls that reach S3.
var s3Calls = map[string]func(ctx context.Context, p *presign.Presigner) error{
	"Head": func(ctx context.Context, p *presign.Presigner) error { _, err := p.Head(ctx, "acme/x.txt"); return err },
	"Exists": func(ctx context.Context, p *presign.Presigner) error {
		ok, err := p.Exists(ctx, "acme/x.txt")
		if ok {
			return errors.New("exists")
		}
		return err
	},
	"CreateMultipart": func(ctx context.Context, p *presign.Presigner) error {
		_, err := p.CreateMultipart(ctx, "acme/x.bin", "application/octet-stream")
		return err
	},
	"ListParts": func(ctx context.Context, p *presign.Presigner) error {
		_, err := p.ListParts(ctx, "acme/x.bin", "upload-id")
		return err
	},
	"CompleteMultipart": func(ctx context.Context, p *presign.Presigner) error {
		_, err := p.CompleteMultipart(ctx, presign.CompleteRequest{Key: "acme/x.bin", UploadID: "upload-id", Size: 1, ChecksumCRC64NVME: "AAAAAAAAAAA=",
			Parts: []presign.CompletedPart{{Number: 1, ETag: `"e"`, ChecksumCRC64NVME: "AAAAAAAAAAA="}}})
		return err
	},
	"AbortMultipart": func(ctx context.Context, p *presign.Presigner) error {
		return p.AbortMultipart(ctx, "acme/x.bin", "upload-id")
	},
	"Delete": func(ctx context.Context, p *presign.Presigner) error { return p.Delete(ctx, "acme/x.txt") },
	"ScanStatus": func(ctx context.Context, p *presign.Presigner) error {
		_, err := p.ScanStatus(ctx, "acme/x.txt")
		return err
	},
}

// checkUnavailable runs every S3 call but those in skip, in parallel, with ctx's
// timeout and wants ErrUnavailable within limit, in a message without secrets or
// URL queries.
func checkUnavailable(t *testing.T, p *presign.Presigner, timeout, limit time.Duration, skip ...string) {
	t.Helper()
	for name, call := range s3Calls {
		if slices.Contains(skip, name) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			err := call(ctx, p)
			if took := time.Since(start); !errors.Is(err, presign.ErrUnavailable) || took > limit {
				t.Errorf("%v after %s; want ErrUnavailable within %s", err, took, limit)
			}
			checkMessage(t, err)
		})
	}
}

// checkMessage fails if err's message carries credentials or a URL query.
func checkMessage(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, bad := range []string{secretKey, accessKey, "X-Amz-Signature", "X-Amz-Credential", "?uploads", "?x-id"} {
		if strings.Contains(msg, bad) {
			t.Errorf("message carries %q: %s", bad, msg)
		}
	}
}

func TestClosedPortIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	checkUnavailable(t, presignerAt(t, "http://"+addr), 10*time.Second, time.Second)
}

// An S3 that takes connections and never answers: the call ends with ctx (300 ms),
// the SDK's retries included.
func TestHangingS3IsUnavailableByTheDeadline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // held open, never answered
		}
	}()
	t.Cleanup(func() { // after the parallel subtests, unlike defer
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	checkUnavailable(t, presignerAt(t, "http://"+l.Addr().String()), 300*time.Millisecond, time.Second)
}

// An S3 that answers 5xx or throttles: ErrUnavailable once the SDK's retries are
// spent, or at ctx's deadline if that comes first (throttling backs off ~1 s+).
func TestFailingOrThrottlingS3IsUnavailable(t *testing.T) {
	for _, c := range []struct {
		status int
		code   string
		skip   []string
	}{{500, "InternalError", nil}, {503, "SlowDown", nil}, {503, "ServiceUnavailable", nil}, {429, "TooManyRequests", nil},
		// A HEAD answer has no body, so no code: only the others can tell a 400
		// Throttling (S3 itself throttles with 503 SlowDown).
		{400, "Throttling", []string{"Head", "Exists"}}} {
		t.Run(fmt.Sprint(c.status, c.code), func(t *testing.T) {
			var answered atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				answered.Add(1)
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(c.status)
				fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>try later</Message></Error>`, c.code)
			}))
			t.Cleanup(func() {
				srv.Close()
				if answered.Load() < int32(len(s3Calls)-len(c.skip)) {
					t.Errorf("S3 answered %d requests", answered.Load())
				}
			})
			checkUnavailable(t, presignerAt(t, srv.URL), 700*time.Millisecond, 1200*time.Millisecond, c.skip...)
		})
	}
}

// A refusal is not unavailability: wrong credentials against versitygw give an error
// that is neither ErrUnavailable nor ErrNotFound, and names no secret.
func TestRefusalIsNotUnavailable(t *testing.T) {
	p, err := presign.New(newClient(credentials.NewStaticCredentialsProvider(accessKey, "wrong-"+secretKey, "")), presign.Config{Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Head(context.Background(), "acme/x.txt")
	if err == nil || errors.Is(err, presign.ErrUnavailable) || errors.Is(err, presign.ErrNotFound) {
		t.Fatalf("wrong secret: %v", err)
	}
	checkMessage(t, err)
	if strings.Contains(err.Error(), "wrong-") {
		t.Errorf("message carries the secret: %v", err)
	}
	_, err = p.ScanStatus(context.Background(), "acme/x.txt")
	if err == nil || errors.Is(err, presign.ErrUnavailable) || errors.Is(err, presign.ErrNotFound) {
		t.Fatalf("wrong secret, ScanStatus: %v", err)
	}
	checkMessage(t, err)
}
