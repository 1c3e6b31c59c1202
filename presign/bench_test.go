package presign_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/signet-cdk/signet/presign"
)

// BenchmarkS3PresignGet: one SigV4 query signature per op, no network.
func BenchmarkS3PresignGet(b *testing.B) {
	p, err := presign.New(newClient(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")), presign.Config{Bucket: bucket})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Get(ctx, "customers/acme/reports/q1.pdf", 5*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}
