package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
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
	}
	for _, s := range seeds {
		f.Add(s.method, s.resource, s.body, s.ct, false, s.sub, s.groups, s.folder)
	}
	signer := newSigner(f)
	f.Fuzz(func(t *testing.T, method, resource, body, ct string, b64 bool, sub, groups, folder string) {
		req := event(method, resource, body, map[string]any{"sub": sub, "custom:customer_id": "acme", "cognito:groups": groups})
		req.Headers = map[string]string{"Content-Type": ct}
		req.IsBase64Encoded = b64
		if folder != "" {
			req.QueryStringParameters = map[string]string{"folder": folder, "cursor": folder}
		}
		var logs bytes.Buffer
		h := &api.Handler{Store: newFakeStore(), Uploads: fakeUploads{}, Now: func() time.Time { return now },
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
