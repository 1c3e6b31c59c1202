package signing_test

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-cdk/signet/signing"
)

// FuzzCanonicalPath: whatever CanonicalPath accepts is inside the safe set, has no
// dot segments, and joined under a prefix stays under it and encodes to itself.
func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{"a", "reports/q1.pdf", "../x", "a//b", "a/./b", `a\b`, "%2e%2e", "a b", "é", "a*", "/a", "a/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if signing.CanonicalPath(p) != nil {
			return
		}
		for _, seg := range strings.Split(p, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("accepted %q", p)
			}
		}
		if strings.ContainsAny(p, "\\%*? \x00") {
			t.Fatalf("accepted %q", p)
		}
		full, err := signing.JoinPath("customers/acme", p)
		if err != nil || !strings.HasPrefix(full, "customers/acme/") {
			t.Fatalf("join %q: %q %v", p, full, err)
		}
		u, err := signing.EncodeURL("https://d.example/" + full)
		if err != nil || u != "https://d.example/"+full {
			t.Fatalf("a canonical path changed under encoding: %q -> %q %v", full, u, err)
		}
	})
}

// FuzzPolicy: every policy that validates renders as valid JSON whose single
// statement carries exactly the resource, expiry, start and IP given, and a wildcard
// resource never covers a URL outside its prefix.
func FuzzPolicy(f *testing.F) {
	f.Add("https://d.example/a/b.pdf", int64(2000000000), int64(0), "")
	f.Add("https://d.example/a/*", int64(2000000000), int64(1999999000), "203.0.113.0/24")
	f.Add(`https://d.example/a","x":"`, int64(1), int64(0), "1.2.3.4")
	f.Fuzz(func(t *testing.T, resource string, exp, start int64, ip string) {
		p := signing.Policy{Resource: resource, Expires: time.Unix(exp, 0)}
		if start != 0 {
			p.Start = time.Unix(start, 0)
		}
		if ip != "" {
			pr, err := signing.ParseSourceIP(ip)
			if err != nil {
				return
			}
			p.SourceIP = pr
		}
		doc, err := p.JSON()
		if err != nil {
			return
		}
		var parsed struct {
			Statement []struct {
				Resource  string
				Condition map[string]map[string]json.RawMessage
			}
		}
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&parsed); err != nil || len(parsed.Statement) != 1 {
			t.Fatalf("invalid policy JSON %s: %v", doc, err)
		}
		st := parsed.Statement[0]
		if st.Resource != resource {
			t.Fatalf("resource changed: %q -> %q", resource, st.Resource)
		}
		if got := string(st.Condition["DateLessThan"]["AWS:EpochTime"]); got != strconv.FormatInt(exp, 10) {
			t.Fatalf("expiry %q, want %d, in %s", got, exp, doc)
		}
		if p.SourceIP.IsValid() {
			var got string
			_ = json.Unmarshal(st.Condition["IpAddress"]["AWS:SourceIp"], &got)
			if pr, err := netip.ParsePrefix(got); err != nil || pr != p.SourceIP {
				t.Fatalf("ip %q in %s", got, doc)
			}
		}
		if strings.Count(resource, "*") > 1 || (strings.Contains(resource, "*") && !strings.HasSuffix(resource, "/*")) {
			t.Fatalf("wildcard accepted in the middle: %q", resource)
		}
		if strings.HasSuffix(resource, "/*") {
			prefix := strings.TrimSuffix(resource, "*")
			if !signing.Within(resource, prefix) {
				t.Fatalf("wildcard %q not within its own prefix", resource)
			}
		}
	})
}

// FuzzEncodeURL: the encoded form is stable (encoding it again changes nothing) and
// holds only characters CloudFront and the policy JSON take literally.
func FuzzEncodeURL(f *testing.F) {
	for _, s := range []string{"a b", "é/データ", "%20", "%zz", "a*b", "a+b=c&d", "'()!~"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		u, err := signing.EncodeURL("https://d.example/" + path)
		if err != nil {
			return
		}
		again, err := signing.EncodeURL(u)
		if err != nil || again != u {
			t.Fatalf("not stable: %q -> %q -> %q", path, u, again)
		}
		for i := len("https://"); i < len(u); i++ {
			c := u[i]
			if c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '*' || c == '?' || c == '#' {
				t.Fatalf("%q holds %q", u, c)
			}
		}
	})
}
