package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/signing"
	"github.com/signet-cdk/signet/store"
)

// The hardening classes: each table holds several inputs of one class of defect that
// hostile testing found, so that any of them coming back fails here.

func bad(name, method, resource, body string) apiCase {
	return apiCase{name: name, req: event(method, resource, body, member), status: 400, code: "invalid_request"}
}

func withClaims(name string, claims map[string]any) apiCase {
	return apiCase{name: name, req: event("POST", "/downloads", `{"path":"q1.pdf"}`, claims), status: 400, code: "invalid_request"}
}

func withQuery(name string, q map[string]string, mq map[string][]string) apiCase {
	e := event("GET", "/files", "", member)
	e.QueryStringParameters, e.MultiValueQueryStringParameters = q, mq
	return apiCase{name: name, req: e, status: 400, code: "invalid_request"}
}

// Class 1: NUL, invalid UTF-8, lone surrogates and control characters, in every
// string that could reach the store or a signer, are 400, never the store's 500.
func TestBadBytesAre400(t *testing.T) {
	var cases []apiCase
	junk := map[string]string{"NUL escape": `\u0000`, "raw NUL": "\x00", "invalid UTF-8": "\xff\xfe", "lone surrogate": `\ud800`,
		"control": `\u001b[31m`, "C1 control": `\u0085`, "truncated rune": "\xc3"}
	for jname, j := range junk {
		for _, field := range []string{"path", "ipRestriction", "startsAt", "delivery", "scope", "via"} {
			body := fmt.Sprintf(`{"path":"q1.pdf","%s":"a%sb"}`, field, j)
			if field == "path" {
				body = fmt.Sprintf(`{"path":"q1%s.pdf"}`, j)
			}
			cases = append(cases, bad("download "+field+" "+jname, "POST", "/downloads", body))
		}
		for _, field := range []string{"path", "contentType", "checksumSha256", "method"} {
			up := map[string]string{"path": "q2.pdf", "contentType": "application/pdf", "checksumSha256": sumEmpty, "method": "put"}
			up[field] = "a" + j + "b"
			body := fmt.Sprintf(`{"path":"%s","contentType":"%s","size":42,"checksumSha256":"%s","method":"%s"}`, up["path"], up["contentType"], up["checksumSha256"], up["method"])
			cases = append(cases, bad("upload "+field+" "+jname, "POST", "/uploads", body))
		}
		cases = append(cases, bad("complete path "+jname, "POST", "/uploads/complete", `{"path":"q2`+j+`.pdf"}`))
		raw := strings.NewReplacer(`\u0000`, "\x00", `\u001b`, "\x1b", `\u0085`, "\u0085", `\ud800`, "\xed\xa0\x80").Replace(j)
		for _, param := range []string{"folder", "cursor", "limit"} {
			cases = append(cases, withQuery("list "+param+" "+jname, map[string]string{param: "a" + raw}, nil))
		}
		cases = append(cases,
			withClaims("claim sub "+jname, map[string]any{"sub": "u" + raw, "custom:customer_id": "acme", "cognito:groups": "[staff]"}),
			withClaims("claim customer "+jname, map[string]any{"sub": "u", "custom:customer_id": "acme" + raw, "cognito:groups": "[staff]"}),
			withClaims("claim group "+jname, map[string]any{"sub": "u", "custom:customer_id": "acme", "cognito:groups": []any{"staff", "x" + raw}}),
		)
	}
	hdr := event("POST", "/downloads", `{"path":"q1.pdf"}`, member)
	hdr.Headers["Origin"] = "https://a\x00.example"
	cases = append(cases, apiCase{name: "header with NUL", req: hdr, status: 200})
	runCases(t, newSigner(t), cases)
}

// Class 3: a restriction the caller asked for is applied exactly or refused.
func TestRestrictionsAreAppliedExactlyOrRefused(t *testing.T) {
	noIP := event("POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"sourceIp"}`, member)
	noIP.RequestContext.Identity.SourceIP = ""
	v6 := event("POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"sourceIp"}`, member)
	v6.RequestContext.Identity.SourceIP = "2001:db8::7"
	mapped := event("POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"sourceIp"}`, member)
	mapped.RequestContext.Identity.SourceIP = "::ffff:198.51.100.7"
	policyHas := func(want ...string) func(*testing.T, map[string]any, events.APIGatewayProxyResponse, *fakeStore) {
		return func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, _ *fakeStore) {
			doc := policyOf(t, b["url"].(string))
			for _, w := range want {
				if !strings.Contains(doc, w) {
					t.Errorf("policy %s lacks %s", doc, w)
				}
			}
		}
	}
	cases := []apiCase{
		{name: "sourceIp without a source address", req: noIP, status: 400, code: "invalid_request"},
		{name: "sourceIp from IPv6", req: v6, status: 400, code: "invalid_request"},
		{name: "sourceIp IPv4-mapped", req: mapped, status: 200, check: policyHas(`"AWS:SourceIp":"198.51.100.7/32"`)},
		{name: "cidr exactly", req: event("POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"198.51.100.0/24"}`, member), status: 200,
			check: policyHas(`"AWS:SourceIp":"198.51.100.0/24"`)},
		{name: "start exactly", req: event("POST", "/downloads", `{"path":"q1.pdf","startsAt":"2030-03-17T17:50:00Z"}`, member), status: 200,
			check: policyHas(fmt.Sprintf(`"DateGreaterThan":{"AWS:EpochTime":%d}`, now.Unix()+200))},
		{name: "post binds checksum and exact size", req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"text/plain","size":0,"checksumSha256":"`+sumEmpty+`","method":"post"}`, member), status: 200,
			check: func(t *testing.T, _ map[string]any, _ events.APIGatewayProxyResponse, _ *fakeStore) {
				r := lastPost
				if r.ChecksumSHA256 != sumEmpty || r.MinSize != 0 || r.MaxSize != 0 || r.ContentType != "text/plain" {
					t.Errorf("post request %+v", r)
				}
			}},
	}
	runCases(t, newSigner(t), cases)
}

// policyOf is the JSON policy of a signed URL.
func policyOf(t *testing.T, u string) string {
	t.Helper()
	i := strings.Index(u, "Policy=")
	if i < 0 {
		t.Fatalf("no custom policy in the URL")
	}
	enc := u[i+len("Policy="):]
	enc, _, _ = strings.Cut(enc, "&")
	doc, err := signing.DecodeURLSafe(enc)
	if err != nil {
		t.Fatal(err)
	}
	return string(doc)
}

// Class 5: a refused upload request writes nothing.
func TestRefusedUploadsWriteNothing(t *testing.T) {
	bodies := map[string]string{
		"bad checksum":    `{"path":"q2.pdf","contentType":"application/pdf","size":42,"checksumSha256":"abc="}`,
		"no content type": `{"path":"q2.pdf","size":42,"checksumSha256":"` + sumEmpty + `"}`,
		"bad media type":  `{"path":"q2.pdf","contentType":"pdf","size":42,"checksumSha256":"` + sumEmpty + `"}`,
		"negative size":   `{"path":"q2.pdf","contentType":"application/pdf","size":-1,"checksumSha256":"` + sumEmpty + `"}`,
		"too large":       `{"path":"q2.pdf","contentType":"application/pdf","size":99999999999,"checksumSha256":"` + sumEmpty + `"}`,
		"bad method":      `{"path":"q2.pdf","contentType":"application/pdf","size":1,"checksumSha256":"` + sumEmpty + `","method":"PUT"}`,
		"bad path":        `{"path":"q2.pdf/","contentType":"application/pdf","size":1,"checksumSha256":"` + sumEmpty + `"}`,
	}
	var cases []apiCase
	for name, body := range bodies {
		c := bad(name, "POST", "/uploads", body)
		c.check = nothingWritten
		cases = append(cases, c)
	}
	forbidden := apiCase{name: "forbidden path", req: event("POST", "/uploads", `{"path":"q9.pdf","contentType":"a/b","size":1,"checksumSha256":"`+sumEmpty+`"}`, member),
		status: 403, code: "forbidden", check: nothingWritten}
	presignDown := apiCase{name: "presign fails", req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"a/b","size":1,"checksumSha256":"`+sumEmpty+`"}`, member),
		status: 503, code: "unavailable", check: nothingWritten,
		setup: func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) { u.putErr = presign.ErrCredentials }}
	runCases(t, newSigner(t), append(cases, forbidden, presignDown))
}

func nothingWritten(t *testing.T, _ map[string]any, _ events.APIGatewayProxyResponse, fs *fakeStore) {
	if len(fs.written) != 0 || len(fs.audits) != 0 {
		t.Errorf("a refused request wrote %v and audited %v", fs.written, fs.audits)
	}
}

// Class 6: one strict reading of every request.
func TestStrictParsing(t *testing.T) {
	b64 := func(body string) events.APIGatewayProxyRequest {
		e := event("POST", "/downloads", base64.StdEncoding.EncodeToString([]byte(body)), member)
		e.IsBase64Encoded = true
		return e
	}
	ct := func(v string) events.APIGatewayProxyRequest {
		e := event("POST", "/downloads", `{"path":"q1.pdf"}`, member)
		e.Headers = map[string]string{"Content-Type": v}
		return e
	}
	twoCT := event("POST", "/downloads", `{"path":"q1.pdf"}`, member)
	twoCT.Headers = map[string]string{"Content-Type": "application/json", "content-type": "text/plain"}
	multiCT := event("POST", "/downloads", `{"path":"q1.pdf"}`, member)
	multiCT.MultiValueHeaders = map[string][]string{"Content-Type": {"application/json", "text/plain"}}
	sameCT := event("POST", "/downloads", `{"path":"q1.pdf"}`, member)
	sameCT.Headers = map[string]string{"Content-Type": "application/json", "CONTENT-TYPE": "application/json"}
	padded := `{"path":"q1.pdf"` + strings.Repeat(" ", 12<<10) + `}` // 12 KiB, 16 KiB in base64
	cases := []apiCase{
		bad("duplicate key", "POST", "/downloads", `{"path":"q1.pdf","path":"q2.pdf"}`),
		bad("key differing in case", "POST", "/downloads", `{"Path":"q1.pdf"}`),
		bad("both cases of a key", "POST", "/downloads", `{"path":"q1.pdf","PATH":"secret.pdf"}`),
		bad("unknown field", "POST", "/downloads", `{"path":"q1.pdf","admin":true}`),
		bad("lifetime max int64", "POST", "/downloads", `{"path":"q1.pdf","lifetimeSeconds":9223372036854775807}`),
		bad("lifetime wrapping to 60s", "POST", "/downloads", `{"path":"q1.pdf","lifetimeSeconds":18446744073709551676}`),
		bad("lifetime that wraps time.Duration", "POST", "/downloads", `{"path":"q1.pdf","lifetimeSeconds":9223372037}`),
		bad("lifetime negative", "POST", "/downloads", `{"path":"q1.pdf","lifetimeSeconds":-60}`),
		bad("lifetime float", "POST", "/downloads", `{"path":"q1.pdf","lifetimeSeconds":60.5}`),
		bad("lifetime exponent", "POST", "/downloads", `{"path":"q1.pdf","lifetimeSeconds":6e1}`),
		bad("lifetime string", "POST", "/downloads", `{"path":"q1.pdf","lifetimeSeconds":"60"}`),
		bad("size over int64", "POST", "/uploads", `{"path":"q2.pdf","contentType":"a/b","size":9223372036854775808,"checksumSha256":"`+sumEmpty+`"}`),
		bad("start far in the past", "POST", "/downloads", `{"path":"q1.pdf","startsAt":"0001-01-01T00:00:00Z"}`),
		bad("start an hour ago", "POST", "/downloads", `{"path":"q1.pdf","startsAt":"2030-03-17T16:46:40Z"}`),
		bad("start far in the future", "POST", "/downloads", `{"path":"q1.pdf","startsAt":"9999-12-31T23:59:59Z"}`),
		bad("start after expiry", "POST", "/downloads", `{"path":"q1.pdf","startsAt":"2030-03-17T18:00:00Z"}`),
		bad("start without zone", "POST", "/downloads", `{"path":"q1.pdf","startsAt":"2030-03-17T17:50:00"}`),
		bad("cidr everything", "POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"0.0.0.0/0"}`),
		bad("cidr /4", "POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"192.0.0.0/4"}`),
		bad("unspecified", "POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"0.0.0.0"}`),
		bad("private", "POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"10.1.2.0/24"}`),
		bad("loopback", "POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"127.0.0.1"}`),
		bad("link-local", "POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"169.254.169.254"}`),
		bad("shared address space", "POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"100.64.0.1"}`),
		bad("multicast", "POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"224.0.0.1"}`),
		bad("broadcast", "POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"255.255.255.255"}`),
		bad("host bits", "POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"198.51.100.9/24"}`),
		bad("prefix over 32", "POST", "/downloads", `{"path":"q1.pdf","ipRestriction":"198.51.100.9/33"}`),
		bad("delivery in other case", "POST", "/downloads", `{"path":"q1.pdf","delivery":"URL"}`),
		bad("two JSON values", "POST", "/downloads", `{"path":"q1.pdf"} {"path":"q2.pdf"}`),
		bad("array", "POST", "/downloads", `[{"path":"q1.pdf"}]`),
		bad("null", "POST", "/downloads", `null`),
		bad("empty", "POST", "/downloads", ``),
		bad("nested value", "POST", "/downloads", `{"path":{"a":1}}`),
		{name: "json content type with other media", req: ct("application/jsonx"), status: 415, code: "unsupported_media_type"},
		{name: "json with latin1", req: ct("application/json; charset=latin1"), status: 415, code: "unsupported_media_type"},
		{name: "json with utf-8", req: ct("application/json; charset=UTF-8"), status: 200},
		{name: "no content type", req: ct(""), status: 415, code: "unsupported_media_type"},
		{name: "two content types by case", req: twoCT, status: 400, code: "invalid_request"},
		{name: "two content types in the multi-value map", req: multiCT, status: 400, code: "invalid_request"},
		{name: "same content type twice", req: sameCT, status: 200},
		{name: "base64 body measured decoded", req: b64(padded), status: 200},
		{name: "base64 body over the limit decoded", req: b64(`{"path":"` + strings.Repeat("a", 17<<10) + `"}`), status: 413, code: "too_large"},
		{name: "bad base64", req: func() events.APIGatewayProxyRequest { e := b64(`{}`); e.Body = "!!!"; return e }(), status: 400, code: "invalid_request"},
		withQuery("limit with plus", map[string]string{"limit": "+5"}, nil),
		withQuery("limit with zero padding", map[string]string{"limit": "05"}, nil),
		withQuery("limit twice", nil, map[string][]string{"limit": {"5", "6"}}),
		withQuery("unknown parameter", map[string]string{"sort": "size"}, nil),
		withQuery("cursor not a path", map[string]string{"cursor": "../x"}, nil),
	}
	for i := 0; i < 5; i++ { // map order must not matter
		runCases(t, newSigner(t), cases)
	}
}

// Class 8: every dependency fault is a 503 with Retry-After, logged once.
func TestDependencyFaultsAre503(t *testing.T) {
	cases := []apiCase{
		{name: "storage down on complete", req: event("POST", "/uploads/complete", `{"path":"q2.pdf"}`, member), status: 503, code: "unavailable",
			setup: func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) {
				u.headErr = fmt.Errorf("%w: connection refused", presign.ErrUnavailable)
			},
			check: func(t *testing.T, _ map[string]any, _ events.APIGatewayProxyResponse, fs *fakeStore) {
				if len(fs.marked) != 0 {
					t.Error("marked available without storage")
				}
			}},
		{name: "deadline", req: event("POST", "/downloads", `{"path":"q1.pdf"}`, member), status: 503, code: "unavailable",
			setup: func(s *fakeStore, _ *fakeKeys, _ *fakeUploads) { s.err = context.DeadlineExceeded }},
		{name: "database", req: event("GET", "/files", "", member), status: 503, code: "unavailable",
			setup: func(s *fakeStore, _ *fakeKeys, _ *fakeUploads) { s.err = fmt.Errorf("%w: 57P03", store.ErrUnavailable) }},
	}
	runCases(t, newSigner(t), cases)
}

// Class 9: a single-file download needs an available file; authorization first.
func TestDownloadNeedsAnAvailableFile(t *testing.T) {
	runCases(t, newSigner(t), []apiCase{
		{name: "missing but readable", req: event("POST", "/downloads", `{"path":"missing.pdf"}`, member), status: 404, code: "not_found", check: nothingWritten},
		{name: "pending", req: event("POST", "/downloads", `{"path":"q2.pdf"}`, member), status: 404, code: "not_found", check: nothingWritten},
		{name: "missing and not readable", req: event("POST", "/downloads", `{"path":"nope.pdf"}`, member), status: 403, code: "forbidden"},
		{name: "available carries size and checksum", req: event("POST", "/downloads", `{"path":"q1.pdf"}`, member), status: 200,
			check: func(t *testing.T, b map[string]any, _ events.APIGatewayProxyResponse, _ *fakeStore) {
				if b["size"] != 3.0 || b["checksumSha256"] != sumEmpty {
					t.Errorf("%v", b)
				}
			}},
	})
}
