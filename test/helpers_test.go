package test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// resources returns the template's resources of type typ by logical id.
func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := tmpl["Resources"].(map[string]any)
	for id, r := range res {
		m := r.(map[string]any)
		if m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// only returns the single resource of type typ, failing t otherwise.
func only(t *testing.T, tmpl map[string]any, typ string) (string, map[string]any) {
	t.Helper()
	rs := resources(tmpl, typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, found %d: %v", typ, len(rs), keys(rs))
	}
	for id, r := range rs {
		return id, r
	}
	return "", nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func props(r map[string]any) map[string]any { p, _ := r["Properties"].(map[string]any); return p }

// dig walks a JSON value by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// statements of a policy document.
func statements(doc any) []map[string]any {
	var out []map[string]any
	for _, s := range dig(doc, "Statement").([]any) {
		out = append(out, s.(map[string]any))
	}
	return out
}

// servicePrincipal reports whether a statement's principal is the service svc.
func servicePrincipal(s map[string]any, svc string) bool {
	p := dig(s, "Principal", "Service")
	switch x := p.(type) {
	case string:
		return x == svc
	case []any:
		for _, e := range x {
			if e == svc {
				return true
			}
		}
	}
	return false
}

func actions(s map[string]any) []string {
	switch a := s["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			out = append(out, x.(string))
		}
		sort.Strings(out)
		return out
	}
	return nil
}

// hasProps asserts with CDK's matcher (objectLike at every level), as a test failure.
func hasProps(t *testing.T, tmpl assertions.Template, typ string, want map[string]any) {
	t.Helper()
	check(t, "has "+typ+" "+js(want), func() {
		tmpl.HasResourceProperties(jsii.String(typ), want)
	})
}

func countOf(t *testing.T, tmpl assertions.Template, typ string, n int) {
	t.Helper()
	check(t, "count of "+typ, func() { tmpl.ResourceCountIs(jsii.String(typ), jsii.Number(float64(n))) })
}

// refersTo reports whether v mentions logical id anywhere (Ref or GetAtt).
func refersTo(v any, id string) bool {
	s := js(v)
	return strings.Contains(s, `"Ref":"`+id+`"`) || strings.Contains(s, `"Fn::GetAtt":["`+id+`"`)
}

var (
	pemPrivateKey = regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)
	derBase64     = regexp.MustCompile(`MII[A-Za-z0-9+/\\n]{200,}={0,2}`)
)

// holdsPrivateKey reports whether b contains a PEM private key, or base64 DER that
// parses as a private key (public certificates, which also start "MII", do not count).
func holdsPrivateKey(b []byte) bool {
	if pemPrivateKey.Match(b) {
		return true
	}
	for _, m := range derBase64.FindAll(b, -1) {
		clean := strings.NewReplacer("\\n", "", "\n", "").Replace(string(m))
		clean = clean[:len(clean)/4*4]
		der, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			continue
		}
		if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
			return true
		}
		if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
			return true
		}
		if _, err := x509.ParseECPrivateKey(der); err == nil {
			return true
		}
	}
	return false
}

// The scanner itself: it finds keys in PEM, in base64 DER, and inside JSON strings,
// and does not mistake a certificate for one.
func TestHoldsPrivateKeyDetects(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	r, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(r)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	inJSON, _ := json.Marshal(map[string]string{"v": string(pemKey)})
	bare := []byte("x" + base64.StdEncoding.EncodeToString(der) + "y")
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	cert, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert})
	for name, c := range map[string]struct {
		b    []byte
		want bool
	}{
		"pem": {pemKey, true}, "json": {inJSON, true}, "bare der": {bare, true},
		"certificate": {certPEM, false}, "nothing": {[]byte("hello"), false},
	} {
		if got := holdsPrivateKey(c.b); got != c.want {
			t.Errorf("%s: %v", name, got)
		}
	}
}

// assertNoKeyMaterial fails t for every file under dir that holds a private key.
func assertNoKeyMaterial(t *testing.T, dir string) {
	t.Helper()
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if holdsPrivateKey(b) {
			t.Errorf("%s holds key material", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// nagReport reads pack's CSV report for stackName from outdir (cdk-nag names it
// <pack>-<stack path>-NagReport.csv) and returns its rows after the header: Rule ID,
// Resource ID, Compliance, Exception Reason, Rule Level, Rule Info. A missing report
// fails t and returns nil.
func nagReport(t *testing.T, outdir, pack, stackName string) [][]string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(outdir, pack+"*"+stackName+"-NagReport.csv"))
	if len(m) == 0 {
		t.Errorf("no %s report for %s", pack, stackName)
		return nil
	}
	b, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("%s report: %v", pack, err)
	}
	return rows[1:]
}

// logNagRows fails t for every unsuppressed error in rows and logs the warnings and
// suppressions.
func logNagRows(t *testing.T, pack string, rows [][]string) {
	t.Helper()
	for _, r := range rows {
		switch {
		case r[2] == "Non-Compliant" && r[4] == "Error":
			t.Errorf("%s: %s on %s", pack, r[0], r[1])
		case r[2] == "Non-Compliant":
			t.Logf("%s warning: %s on %s", pack, r[0], r[1])
		case r[2] == "Suppressed":
			t.Logf("%s suppressed: %s on %s: %s", pack, r[0], r[1], r[3])
		}
	}
}
