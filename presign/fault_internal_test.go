package presign

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// An error carrying a presigned URL (here: sending one to a closed port) keeps its
// chain but loses the URL's query, so no signature, credential or token is logged.
func TestErrorMessagesCarryNoPresignedURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSECRETISH", "very-secret", "session-token")})
	p, err := New(client, Config{Bucket: "b"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int64{0, 3} {
		r, err := p.Put(context.Background(), PutRequest{Key: "acme/a.txt", ContentType: "text/plain", ContentLength: n, ChecksumSHA256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="})
		if err != nil {
			t.Fatal(err)
		}
		_, sendErr := http.Post(r.URL, "text/plain", strings.NewReader("abc"))
		var ue *url.Error
		if !errors.As(sendErr, &ue) || !strings.Contains(sendErr.Error(), "X-Amz-Signature") {
			t.Fatalf("expected a url.Error showing the presigned URL: %v", sendErr)
		}
		for _, err := range []error{s3Error("upload", sendErr), redacted{sendErr}, s3Error("wrapped", &url.Error{Op: "Put", URL: "x", Err: errors.New("see " + r.URL)})} {
			msg := err.Error()
			for _, bad := range []string{"X-Amz-Signature=", "X-Amz-Credential=", "X-Amz-Security-Token=", "session-token", "AKIDSECRETISH", "very-secret", r.URL} {
				if strings.Contains(msg, bad) {
					t.Errorf("message carries %q: %s", bad, msg)
				}
			}
		}
		if err := s3Error("upload", sendErr); !errors.Is(err, ErrUnavailable) || !errors.As(err, &ue) {
			t.Errorf("chain lost: %v", err)
		}
	}
	if msg := (redacted{errors.New("X-Amz-Signature=abc&X-Amz-Credential=AKID/x")}).Error(); strings.Contains(msg, "abc") || strings.Contains(msg, "AKID") {
		t.Errorf("bare parameters kept: %s", msg)
	}
}
