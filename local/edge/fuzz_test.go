package edge_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/signet-cdk/signet/local/edge"
	"github.com/signet-cdk/signet/signing"
)

// FuzzVerify feeds arbitrary query strings and Cookie headers, seeded with real
// signed URLs and cookies, to Verify. It must never panic, and it must never accept
// a request unless the policy document it verified is one the test's signers
// signed, with the same key and hash, and that document verifies with the key.
func FuzzVerify(f *testing.F) {
	const domain, path = "files.example.com", "/customers/acme/shared/a.txt"
	rs, es := signers(f)
	e, err := edge.New(edge.Config{Domain: domain, TrustedKeys: trusted(), S3: s3.New(s3.Options{Region: "us-east-1"}), Bucket: bucket,
		Now: func() time.Time { return now }, ViewerIP: func(*http.Request) netip.Addr { return netip.MustParseAddr("203.0.113.9") }})
	if err != nil {
		f.Fatal(err)
	}
	signed := map[string]*signing.Signer{} // key pair id + policy document -> who signed it
	folder, _ := signing.WildcardResource(domain, "customers/acme/shared")
	for _, s := range []*signing.Signer{rs, es} {
		for _, o := range []signing.URLOptions{
			{Expires: expires},
			{Expires: expires, Start: now.Add(-time.Minute), SourceIP: "203.0.113.0/24"},
			{Expires: expires, Resource: folder},
		} {
			u, err := s.SignURL("https://"+domain+path, o)
			if err != nil {
				f.Fatal(err)
			}
			_, q, _ := strings.Cut(u, "?")
			f.Add(q, "")
			doc := policyOf(f, q, "https://"+domain+path)
			signed[s.KeyPairID()+" "+doc] = s
			p := signing.Policy{Resource: "https://" + domain + path, Expires: expires, Start: o.Start}
			if o.Resource != "" {
				p.Resource = o.Resource
			}
			if o.SourceIP != "" {
				p.SourceIP, _ = signing.ParseSourceIP(o.SourceIP)
			}
			jar, err := s.SignedCookies(p, signing.CookieOptions{Domain: domain})
			if err != nil {
				f.Fatal(err)
			}
			var hdr []string
			for _, c := range jar {
				hdr = append(hdr, c.Name+"="+c.Value)
			}
			f.Add("", strings.Join(hdr, "; "))
			f.Add("x=1", strings.Join(hdr, "; "))
			signed[s.KeyPairID()+" "+string(p.AppendJSON(nil))] = s
		}
	}
	f.Fuzz(func(t *testing.T, query, cookie string) {
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: path, RawQuery: query}, RequestURI: path + "?" + query,
			Header: http.Header{"Cookie": {cookie}}, RemoteAddr: "203.0.113.9:4444"}
		g, err := e.Authorize(r)
		if err != nil {
			return
		}
		s, ok := signed[g.KeyPairID+" "+string(g.Document)]
		if !ok {
			t.Fatalf("accepted a policy no signer signed: %q (key %s)", g.Document, g.KeyPairID)
		}
		if want := map[signing.Algorithm]string{signing.RSASHA1: "SHA1", signing.ECDSASHA256: "SHA256"}[s.Algorithm()]; g.HashAlgorithm != want {
			t.Fatalf("accepted %s's policy under hash %s", s.KeyPairID(), g.HashAlgorithm)
		}
		if !strings.HasPrefix(g.Resource, "https://"+domain+"/customers/acme/shared/") {
			t.Fatalf("accepted resource %q", g.Resource)
		}
	})
}

// policyOf is the document a signed query carries or, for Expires, implies.
func policyOf(f *testing.F, query, u string) string {
	v, err := url.ParseQuery(query)
	if err != nil {
		f.Fatal(err)
	}
	if p := v.Get("Policy"); p != "" {
		doc, err := signing.DecodeURLSafe(p)
		if err != nil {
			f.Fatal(err)
		}
		return string(doc)
	}
	return string(signing.Policy{Resource: u, Expires: expires}.AppendJSON(nil))
}
