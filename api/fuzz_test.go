package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/keysource"
)

// FuzzHandle sends arbitrary requests (route, body, content type, base64 flag, claims,
// query) through the handler with healthy dependencies. No input may cost a 500: a
// client's mistake is a 4xx with a JSON error free of internal wording. The fake
// store refuses NUL and invalid UTF-8 as PostgreSQL does (an unclassified error), so
// any such byte that slipped past validation would show up here as a 500. The seed
// corpus is asserted on every `go test` run.
func FuzzHandle(f *testing.F) {
	seeds := []struct{ method, resource, body, ct, sub, groups, folder string }{
		{"POST", "/downloads", `{"path":"q1.pdf"}`, "application/json", "u", "[staff]", ""},
		{"POST", "/downloads", `{"path":"q1.pdf","lifetimeSeconds":9223372036854775807}`, "application/json", "u", "[staff]", ""},
		{"POST", "/downloads", `{"path":"q1\u0000.pdf"}`, "application/json", "u", "[staff]", ""},
		{"POST", "/downloads", "{\"path\":\"q1\xff.pdf\"}", "application/json", "u", "[staff]", ""},
		{"POST", "/downloads", `{"path":"q1.pdf","startsAt":"\ud800"}`, "application/json", "u", "[staff]", ""},
		{"POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"sourceIp","delivery":"cookies"}`, "application/json", "u", "[staff]", ""},
		{"POST", "/downloads", `{"path":"reports/","scope":"folder","delivery":"cookies"}`, "application/json", "u", "[staff]", ""},
		{"POST", "/downloads", `{"path":"q1.pdf","path":"q2.pdf"}`, "application/json", "u", "[staff]", ""},
		{"POST", "/downloads", `{"path":"q1.pdf"}`, "application/json", "u\x00", "[staff]", ""},
		{"POST", "/downloads", `{"path":"q1.pdf"}`, "application/json", "u", "[sta\x00ff]", ""},
		{"POST", "/uploads", `{"path":"q2.pdf","contentType":"application/pdf","size":42,"checksumSha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}`, "application/json", "u", "[staff]", ""},
		{"POST", "/uploads", `{"path":"q2.pdf","contentType":"text/pl\u0000ain","size":0,"checksumSha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","method":"post"}`, "application/json", "u", "[staff]", ""},
		{"POST", "/uploads", `{"path":"q2.pdf","contentType":"a/b","size":1,"checksumSha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF\u0000="}`, "application/json", "u", "[staff]", ""},
		{"POST", "/uploads/complete", `{"path":"q2.pdf"}`, "application/json", "u", "[staff]", ""},
		{"GET", "/files", ``, "", "u", "[staff]", "reports"},
		{"GET", "/files", ``, "", "u", "[staff]", "rep\x00orts"},
		{"GET", "/files", ``, "", "u", "[staff]", "\xff"},
		{"DELETE", "/files", ``, "", "u", "[staff]", ""},
		{"POST", "/downloads", `[]`, "application/json; charset=utf-8", "", "", ""},
		// Downloads through S3 (not enabled in the fuzzed handler, then refused anyway).
		{"POST", "/downloads", `{"path":"q1.pdf","via":"s3"}`, "application/json", "user-1", "[staff]", ""},
		{"POST", "/downloads", `{"path":"q1.pdf","via":"s3","delivery":"cookies","ipRestriction":"sourceIp"}`, "application/json", "user-1", "[staff]", ""},
		// Multipart: create, parts, list, complete, abort; then delete.
		{"POST", "/uploads/multipart", `{"path":"new.bin","size":6442450944,"contentType":"application/octet-stream","checksumAlgorithm":"CRC64NVME"}`, "application/json", "user-1", "[staff]", ""},
		{"POST", "/uploads/multipart", `{"path":"new.bin","size":5497558138881,"contentType":"a/b","checksumAlgorithm":"CRC64NVME","partSize":5242880}`, "application/json", "user-1", "[staff]", ""},
		{"POST", "/uploads/multipart", `{"path":"big.bin","size":10,"contentType":"a/b","checksumAlgorithm":"CRC64NVME","partSize":-1}`, "application/json", "user-1", "[staff]", ""},
		{"POST", "/uploads/multipart/parts", `{"path":"big.bin","uploadId":"up-1","parts":[{"number":1,"checksumCrc64nvme":"rosUhgp5mIg="},{"number":3,"checksumCrc64nvme":"AAAAAAAAAAA="}]}`, "application/json", "user-1", "[staff]", ""},
		{"POST", "/uploads/multipart/parts", `{"path":"big.bin","uploadId":"up-1","parts":[{"number":1,"number":2,"checksumCrc64nvme":"rosUhgp5mIg\u0000"}]}`, "application/json", "user-1", "[staff]", ""},
		{"POST", "/uploads/multipart/parts", `{"path":"big.bin","uploadId":"up\u00001","parts":[{"Number":99999999999999999999}]}`, "application/json", "user-1", "[staff]", ""},
		{"GET", "/uploads/multipart/parts", ``, "", "user-1", "[staff]", "big.bin|up-1"},
		{"GET", "/uploads/multipart/parts", ``, "", "user-1", "[staff]", "big.bin|up\x00-1"},
		{"POST", "/uploads/multipart/complete", `{"path":"big.bin","uploadId":"up-1","checksumCrc64nvme":"AAAAAAAAAAA=","parts":[{"number":1,"etag":""e1"","checksumCrc64nvme":"rosUhgp5mIg="},{"number":2,"etag":""e2"","checksumCrc64nvme":"rosUhgp5mIg="},{"number":3,"etag":""e3"","checksumCrc64nvme":"AAAAAAAAAAA="}]}`, "application/json", "user-1", "[staff]", ""},
		{"POST", "/uploads/multipart/complete", `{"path":"big.bin","uploadId":"up-1","checksumCrc64nvme":"AAAAAAAAAAA=","parts":[{"number":1,"etag":"\u001b","checksumCrc64nvme":"rosUhgp5mIg="},{"number":1}]}`, "application/json", "user-1", "[staff]", ""},
		{"POST", "/uploads/multipart/complete", `{"path":"big.bin","uploadId":"up-1","checksumCrc64nvme":"AAAAAAAAAAA=","parts":[[]]}`, "application/json", "user-1", "[staff]", ""},
		{"POST", "/uploads/multipart/abort", `{"path":"big.bin","uploadId":"up-1"}`, "application/json", "user-1", "[staff]", ""},
		{"POST", "/uploads/multipart/abort", `{"path":"big.bin","uploadId":"up-1","uploadId":"up-2"}`, "application/json", "user-1", "[staff]", ""},
		{"DELETE", "/files", ``, "", "user-1", "[staff]", "q1.pdf"},
		{"DELETE", "/files", ``, "", "user-1", "[staff]", "big.bin"},
		{"DELETE", "/files", ``, "", "user-1", "[staff]", "q1\xff.pdf"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.resource, s.body, s.ct, false, s.sub, s.groups, s.folder)
	}
	signer := newSigner(f)
	f.Fuzz(func(t *testing.T, method, resource, body, ct string, b64 bool, sub, groups, folder string) {
		req := event(method, resource, body, map[string]any{"sub": sub, "custom:customer_id": "acme", "cognito:groups": groups})
		req.Headers = map[string]string{"Content-Type": ct}
		req.IsBase64Encoded = b64
		// The query: folder and cursor for GET /files; path and uploadId (after a
		// "|") for the others.
		first, second, _ := strings.Cut(folder, "|")
		switch {
		case folder == "":
		case strings.HasSuffix(resource, "/files") && method == "GET":
			req.QueryStringParameters = map[string]string{"folder": first, "cursor": first}
		default:
			req.QueryStringParameters = map[string]string{"path": first}
			if second != "" {
				req.QueryStringParameters["uploadId"] = second
			}
		}
		fs := newFakeStore()
		withUpload(fs)
		var logs bytes.Buffer
		h := &api.Handler{Store: fs, Uploads: fakeUploads{}, Now: func() time.Time { return now },
			Keys:   &fakeKeys{m: &keysource.Material{Signer: signer, Domain: "d111111abcdef8.cloudfront.net", KeyName: "k1"}},
			Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
		resp, err := h.Handle(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode >= http.StatusInternalServerError {
			t.Fatalf("status %d for a client's input: %s\nlog: %s", resp.StatusCode, resp.Body, logs.String())
		}
		checkAnswer(t, resp)
	})
}
