package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/jackc/pgx/v5"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/internal/pgtest"
	"github.com/signet-cdk/signet/internal/ssmfake"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/store"
)

var cluster *pgtest.Cluster

// TestMain starts a throwaway PostgreSQL for the fault tests, which use the real
// store, key source and presigner against dead and silent endpoints.
func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m, &cluster))
}

// endpoint is where a dependency lives: "up" (the real server), "down" (a closed
// port: connection refused) or "silent" (accepts TCP, never answers).
type endpoint string

func deadAddr(t *testing.T, kind endpoint) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if kind == "down" {
		l.Close()
		return addr
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	return addr
}

const prefix = "/signet/faults"

// faultRig is a handler on real dependencies, some of which are made unreachable.
type faultRig struct {
	h     *api.Handler
	admin *pgx.Conn
}

func newFaultRig(t *testing.T, db, ssmAt, s3At endpoint) faultRig {
	dbName, admin := cluster.MigratedDatabase(t,
		"INSERT INTO customers (id, display_name, s3_prefix) VALUES ('acme', 'Acme', 'customers/acme')",
		"INSERT INTO access_rules (customer_id, path_prefix, role, actions) VALUES ('acme', '', 'staff', '{read,write}')",
		"INSERT INTO files (customer_id, path, content_type, size_bytes, checksum_sha256, status, created_by) VALUES ('acme', 'q1.pdf', 'application/pdf', 3, '"+sumEmpty+"', 'available', 'u')",
		"INSERT INTO files (customer_id, path, content_type, size_bytes, checksum_sha256, status, created_by) VALUES ('acme', 'q2.pdf', 'application/pdf', 42, '"+sumEmpty+"', 'pending', 'u')",
	)
	host, port := "127.0.0.1", cluster.Port
	if db != "up" {
		tcp, _ := net.ResolveTCPAddr("tcp", deadAddr(t, db))
		port = tcp.Port
	}
	st, err := store.Open(store.Config{Host: host, Port: port, Database: dbName, User: "signet_app", ConnectTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return faultRig{h: &api.Handler{Store: st, Keys: faultKeys(t, ssmAt), Uploads: faultUploads(t, s3At),
		Config: api.Config{RequestTimeout: time.Second}, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}, admin: admin}
}

func faultKeys(t *testing.T, at endpoint) api.Keys {
	fake, client := ssmfake.New(t)
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	fake.Put(prefix+"/distribution-domain", "String", "d111111abcdef8.cloudfront.net")
	fake.Put(prefix+"/active-key-id", "String", "K2JCJMDEHXQW5F")
	fake.Put(prefix+"/active-key-parameter", "String", prefix+"/private-keys/k1")
	fake.Put(prefix+"/private-keys/k1", "SecureString", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	if at != "up" {
		client = ssm.New(ssm.Options{Region: "eu-west-1", BaseEndpoint: aws.String("http://" + deadAddr(t, at)),
			Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
	}
	src, err := keysource.New(client, keysource.Config{Prefix: prefix, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func faultUploads(t *testing.T, at endpoint) api.Uploads {
	endpoint := "http://" + deadAddr(t, "down")
	if at != "up" {
		endpoint = "http://" + deadAddr(t, at)
	}
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
	p, err := presign.New(client, presign.Config{Bucket: "files"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (r faultRig) rows(t *testing.T) (audits int, pending int) {
	if err := r.admin.QueryRow(context.Background(),
		"SELECT (SELECT count(*) FROM audit_events), (SELECT count(*) FROM files WHERE status = 'pending')").Scan(&audits, &pending); err != nil {
		t.Fatal(err)
	}
	return audits, pending
}

// A slow or unreachable database, SSM or S3 answers 503 with Retry-After inside the
// request's time budget, and writes nothing.
func TestDependencyFaultsAnswer503InBudget(t *testing.T) {
	download := event("POST", "/downloads", `{"path":"q1.pdf"}`, member)
	complete := event("POST", "/uploads/complete", `{"path":"q2.pdf"}`, member)
	upload := event("POST", "/uploads", `{"path":"q3.pdf","contentType":"text/plain","size":1,"checksumSha256":"`+sumEmpty+`"}`, member)
	multipart := event("POST", "/uploads/multipart", `{"path":"q4.bin","size":6442450944,"contentType":"application/octet-stream","checksumAlgorithm":"CRC64NVME"}`, member)
	parts := event("POST", "/uploads/multipart/parts", `{"path":"q2.pdf","uploadId":"up-1","parts":[{"number":1,"checksumCrc64nvme":"AAAAAAAAAAA="}]}`, member)
	cases := []struct {
		name        string
		db, ssm, s3 endpoint
		req         events.APIGatewayProxyRequest
	}{
		{"database down, download", "down", "up", "up", download},
		{"database silent, download", "silent", "up", "up", download},
		{"database down, upload", "down", "up", "up", upload},
		{"database silent, upload", "silent", "up", "up", upload},
		{"ssm down, download", "up", "down", "up", download},
		{"ssm silent, download", "up", "silent", "up", download},
		{"s3 down, complete", "up", "up", "down", complete},
		{"s3 silent, complete", "up", "up", "silent", complete},
		{"database down, multipart create", "down", "up", "up", multipart},
		{"database silent, multipart parts", "silent", "up", "up", parts},
		{"s3 down, multipart create", "up", "up", "down", multipart},
		{"s3 silent, multipart create", "up", "up", "silent", multipart},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rig := newFaultRig(t, c.db, c.ssm, c.s3)
			start := time.Now()
			resp, err := rig.h.Handle(context.Background(), c.req)
			elapsed := time.Since(start)
			if err != nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Headers["Retry-After"] == "" {
				t.Fatalf("got %d %v %s, want 503 with Retry-After", resp.StatusCode, resp.Headers, resp.Body)
			}
			if elapsed > 1500*time.Millisecond {
				t.Errorf("answered after %s with a 1 s budget", elapsed)
			}
			checkAnswer(t, resp)
			if audits, pending := rig.rows(t); audits != 0 || pending != 1 {
				t.Errorf("a failed request wrote: %d audit rows, %d pending files (want 0 and 1)", audits, pending)
			}
		})
	}
}
