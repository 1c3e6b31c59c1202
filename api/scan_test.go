package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/emf"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/store"
)

// metric is one EMF line the handler wrote, decoded.
type metric struct {
	Namespace, Name, Unit string
	Dims                  map[string]string
	Value                 float64
}

func (m metric) String() string {
	keys := make([]string, 0, len(m.Dims))
	for k := range m.Dims {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var d []string
	for _, k := range keys {
		d = append(d, k+"="+m.Dims[k])
	}
	return fmt.Sprintf("%s/%s{%s}=%g", m.Namespace, m.Name, strings.Join(d, ","), m.Value)
}

// metrics decodes EMF lines (one directive, one dimension set, one metric each, as
// package emf writes them; emf's own tests check the format in full).
func metrics(t *testing.T, out string) []string {
	t.Helper()
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var root map[string]json.RawMessage
		var meta struct {
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		}
		if err := json.Unmarshal([]byte(line), &root); err != nil || json.Unmarshal(root["_aws"], &meta) != nil ||
			len(meta.CloudWatchMetrics) != 1 || len(meta.CloudWatchMetrics[0].Dimensions) != 1 || len(meta.CloudWatchMetrics[0].Metrics) != 1 {
			t.Fatalf("not an EMF line: %s", line)
		}
		d := meta.CloudWatchMetrics[0]
		m := metric{Namespace: d.Namespace, Name: d.Metrics[0].Name, Unit: d.Metrics[0].Unit, Dims: map[string]string{}}
		for _, k := range d.Dimensions[0] {
			var v string
			if err := json.Unmarshal(root[k], &v); err != nil {
				t.Fatalf("dimension %s: %s", k, line)
			}
			m.Dims[k] = v
		}
		if err := json.Unmarshal(root[m.Name], &m.Value); err != nil {
			t.Fatalf("value of %s: %s", m.Name, line)
		}
		got = append(got, m.String())
	}
	return got
}

// run is runCase with an EMF writer on the handler: it returns the decoded metrics
// and the log.
func run(t *testing.T, c apiCase) (resp events.APIGatewayProxyResponse, body map[string]any, fs *fakeStore, emitted []string, logs string) {
	t.Helper()
	fs = newFakeStore()
	keys := &fakeKeys{m: &keysource.Material{Signer: newSigner(t), Domain: "d111111abcdef8.cloudfront.net", KeyName: "k1"}}
	ups := &fakeUploads{log: &fs.s3}
	if c.setup != nil {
		c.setup(fs, keys, ups)
	}
	var out, logBuf bytes.Buffer
	h := &api.Handler{Store: fs, Keys: keys, Uploads: ups, Now: func() time.Time { return now }, Config: c.cfg,
		Logger:  slog.New(slog.NewJSONHandler(&logBuf, nil)),
		Metrics: &emf.Writer{W: &out, Namespace: api.MetricNamespace, Now: func() time.Time { return now }}}
	resp, err := h.Handle(context.Background(), c.req)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("body %q", resp.Body)
	}
	if resp.StatusCode != c.status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, resp.Body)
	}
	if c.code != "" {
		if got := fmt.Sprint(body["error"].(map[string]any)["code"]); got != c.code {
			t.Fatalf("code %s, want %s", got, c.code)
		}
	}
	checkAnswer(t, resp)
	if strings.Contains(logBuf.String(), "https://") || strings.Contains(logBuf.String(), "Signature") || strings.Contains(out.String(), "https://") {
		t.Errorf("a URL in the logs or metrics: %s %s", logBuf.String(), out.String())
	}
	return resp, body, fs, metrics(t, out.String()), logBuf.String()
}

const (
	urlIssued      = "Signet/UrlsIssued{Customer=acme}=1"
	infectedFile   = "Signet/InfectedFiles{Customer=acme}=1"
	uploadDone     = "Signet/UploadsCompleted{Customer=acme}=1"
	databaseFailed = "Signet/DependencyFailures{Dependency=database}=1"
)

func scanning(tag string) func(*fakeStore, *fakeKeys, *fakeUploads) {
	return func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) { u.scan = tag }
}

var scanOn = api.Config{MalwareScanning: true, AllowS3Downloads: true}

// The malware scanning gate, tag by tag: only NO_THREATS_FOUND is signed; a refused
// file leaves no audit row, calls nothing after the tag and issues nothing; scanning
// off changes nothing (one statement, no tag read).
func TestMalwareScanningGate(t *testing.T) {
	url := `{"path":"q1.pdf"}`
	cookies := `{"path":"q1.pdf","delivery":"cookies"}`
	viaS3 := `{"path":"q1.pdf","via":"s3"}`
	for _, c := range []struct {
		name       string
		body       string
		cfg        api.Config
		setup      func(*fakeStore, *fakeKeys, *fakeUploads)
		status     int
		code       string
		statements []string // the store's download statements
		s3         []string // the S3 calls
		metrics    []string
		retryAfter string
	}{
		{name: "clean url", body: url, cfg: scanOn, setup: scanning(presign.ScanClean), status: 200,
			statements: []string{"authorize", "audit"}, s3: []string{"scan customers/acme/q1.pdf"}, metrics: []string{urlIssued}},
		{name: "clean cookies", body: cookies, cfg: scanOn, setup: scanning(presign.ScanClean), status: 200,
			statements: []string{"authorize", "audit"}, s3: []string{"scan customers/acme/q1.pdf"}, metrics: []string{urlIssued}},
		{name: "clean via s3", body: viaS3, cfg: scanOn, setup: scanning(presign.ScanClean), status: 200,
			statements: []string{"authorize", "audit"}, s3: []string{"scan customers/acme/q1.pdf", "get customers/acme/q1.pdf 5m0s"}, metrics: []string{urlIssued}},
		{name: "not scanned yet", body: url, cfg: scanOn, setup: scanning(""), status: 409, code: "scanning", retryAfter: "30",
			statements: []string{"authorize"}, s3: []string{"scan customers/acme/q1.pdf"}},
		{name: "not scanned yet, cookies", body: cookies, cfg: scanOn, setup: scanning(""), status: 409, code: "scanning", retryAfter: "30",
			statements: []string{"authorize"}, s3: []string{"scan customers/acme/q1.pdf"}},
		{name: "not scanned yet, s3", body: viaS3, cfg: scanOn, setup: scanning(""), status: 409, code: "scanning", retryAfter: "30",
			statements: []string{"authorize"}, s3: []string{"scan customers/acme/q1.pdf"}},
		{name: "infected", body: url, cfg: scanOn, setup: scanning(presign.ScanThreatsFound), status: 409, code: "infected",
			statements: []string{"authorize"}, s3: []string{"scan customers/acme/q1.pdf"}, metrics: []string{infectedFile}},
		{name: "infected, cookies", body: cookies, cfg: scanOn, setup: scanning(presign.ScanThreatsFound), status: 409, code: "infected",
			statements: []string{"authorize"}, s3: []string{"scan customers/acme/q1.pdf"}, metrics: []string{infectedFile}},
		{name: "infected, s3", body: viaS3, cfg: scanOn, setup: scanning(presign.ScanThreatsFound), status: 409, code: "infected",
			statements: []string{"authorize"}, s3: []string{"scan customers/acme/q1.pdf"}, metrics: []string{infectedFile}},
		{name: "unsupported", body: url, cfg: scanOn, setup: scanning(presign.ScanUnsupported), status: 409, code: "not_scanned",
			statements: []string{"authorize"}, s3: []string{"scan customers/acme/q1.pdf"}},
		{name: "access denied", body: cookies, cfg: scanOn, setup: scanning(presign.ScanAccessDenied), status: 409, code: "not_scanned",
			statements: []string{"authorize"}, s3: []string{"scan customers/acme/q1.pdf"}},
		{name: "scan failed", body: viaS3, cfg: scanOn, setup: scanning(presign.ScanFailed), status: 409, code: "not_scanned",
			statements: []string{"authorize"}, s3: []string{"scan customers/acme/q1.pdf"}},
		{name: "a value GuardDuty does not write", body: url, cfg: scanOn, setup: scanning("no_threats_found"), status: 409, code: "not_scanned",
			statements: []string{"authorize"}, s3: []string{"scan customers/acme/q1.pdf"}},
		{name: "folder cookies", body: `{"path":"reports","scope":"folder","delivery":"cookies"}`, cfg: scanOn, setup: scanning(presign.ScanClean),
			status: 409, code: "scanning_folders"},
		{name: "forbidden: no tag read", body: `{"path":"secret.pdf"}`, cfg: scanOn, setup: scanning(presign.ScanClean), status: 403, code: "forbidden",
			statements: []string{"authorize"}},
		{name: "no such file: no tag read", body: `{"path":"missing.pdf"}`, cfg: scanOn, setup: scanning(presign.ScanClean), status: 404, code: "not_found",
			statements: []string{"authorize"}},
		{name: "object missing from storage", body: url, cfg: scanOn, status: 404, code: "not_found",
			setup: func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) {
				u.scanErr = fmt.Errorf("%w: customers/acme/q1.pdf", presign.ErrNotFound)
			},
			statements: []string{"authorize"}, s3: []string{"scan customers/acme/q1.pdf"}},
		{name: "S3 unavailable", body: url, cfg: scanOn, status: 503, code: "unavailable", retryAfter: "5",
			setup: func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) {
				u.scanErr = fmt.Errorf("%w: timeout", presign.ErrUnavailable)
			},
			statements: []string{"authorize"}, s3: []string{"scan customers/acme/q1.pdf"}},
		{name: "audit fails: nothing issued", body: url, cfg: scanOn, status: 503, code: "unavailable", retryAfter: "5",
			setup: func(s *fakeStore, _ *fakeKeys, u *fakeUploads) {
				u.scan = presign.ScanClean
				s.auditErr = fmt.Errorf("%w: connection reset", store.ErrUnavailable)
			},
			statements: []string{"authorize", "audit"}, s3: []string{"scan customers/acme/q1.pdf"}, metrics: []string{databaseFailed}},
		// Scanning off: one statement, no tag read, whatever the tag says.
		{name: "off: url", body: url, setup: scanning(presign.ScanThreatsFound), status: 200, statements: []string{"issue"}, metrics: []string{urlIssued}},
		{name: "off: cookies", body: cookies, setup: scanning(""), status: 200, statements: []string{"issue"}, metrics: []string{urlIssued}},
		{name: "off: s3", body: viaS3, cfg: api.Config{AllowS3Downloads: true}, setup: scanning(""), status: 200, statements: []string{"issue"},
			s3: []string{"get customers/acme/q1.pdf 5m0s"}, metrics: []string{urlIssued}},
		{name: "off: folder cookies", body: `{"path":"reports","scope":"folder","delivery":"cookies"}`, setup: scanning(""), status: 200,
			metrics: []string{urlIssued}},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body, fs, emitted, logs := run(t, apiCase{req: event("POST", "/downloads", c.body, member), setup: c.setup, status: c.status, code: c.code, cfg: c.cfg})
			if !slices.Equal(fs.statements, c.statements) {
				t.Errorf("statements %q, want %q", fs.statements, c.statements)
			}
			if !slices.Equal(fs.s3, c.s3) {
				t.Errorf("S3 calls %q, want %q", fs.s3, c.s3)
			}
			if !slices.Equal(emitted, c.metrics) {
				t.Errorf("metrics %q, want %q", emitted, c.metrics)
			}
			if got := resp.Headers["Retry-After"]; got != c.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, c.retryAfter)
			}
			switch {
			case c.status == 200 && c.cfg.MalwareScanning:
				if len(fs.audits) != 1 || fs.audits[0].Path != "q1.pdf" || fs.audits[0].Action != store.Read || fs.audits[0].RequestID != "req-1" ||
					!fs.audits[0].ExpiresAt.After(now) {
					t.Errorf("audit %+v", fs.audits)
				}
				if strings.Contains(c.body, `"s3"`) != (fs.audits[0].Event == "download.s3") {
					t.Errorf("audit event %q", fs.audits[0].Event)
				}
				if body["url"] == nil && body["cookies"] == nil {
					t.Errorf("nothing issued: %v", body)
				}
			case c.status == 200:
				if len(fs.audits) != 1 {
					t.Errorf("audits %+v", fs.audits)
				}
			default:
				if len(fs.audits) != 0 {
					t.Errorf("a refused download was audited: %+v", fs.audits)
				}
				if body["url"] != nil || body["cookies"] != nil || resp.MultiValueHeaders["Set-Cookie"] != nil {
					t.Errorf("a refused download issued something: %v", resp)
				}
			}
			if c.code == "infected" {
				checkInfectedLog(t, logs)
			} else if strings.Contains(logs, "malware in the file") {
				t.Errorf("infected logged: %s", logs)
			}
		})
	}
}

// checkInfectedLog: one WARN line naming the request, the customer and the path.
func checkInfectedLog(t *testing.T, logs string) {
	t.Helper()
	var found int
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line %q", line)
		}
		if l["level"] != "WARN" {
			continue
		}
		found++
		if !strings.Contains(fmt.Sprint(l["msg"]), "malware") || l["apiRequestId"] != "req-1" || l["customer"] != "acme" || l["path"] != "q1.pdf" {
			t.Errorf("warning %v", l)
		}
	}
	if found != 1 {
		t.Errorf("%d warnings, want 1: %s", found, logs)
	}
}

// The messages the client reads for each refusal.
func TestScanRefusalMessages(t *testing.T) {
	for tag, want := range map[string]string{
		"":                       "the file is still being scanned for malware; try again in a minute",
		presign.ScanThreatsFound: "the file was found to contain malware and cannot be shared",
	} {
		_, body, _, _, _ := run(t, apiCase{req: event("POST", "/downloads", `{"path":"q1.pdf"}`, member), setup: scanning(tag), status: 409, cfg: scanOn})
		if got := body["error"].(map[string]any)["message"]; got != want {
			t.Errorf("%q: %q", tag, got)
		}
	}
	_, body, _, _, _ := run(t, apiCase{req: event("POST", "/downloads", `{"path":"reports","scope":"folder","delivery":"cookies"}`, member),
		status: 409, cfg: scanOn})
	if msg := fmt.Sprint(body["error"].(map[string]any)["message"]); !strings.Contains(msg, "folder") || !strings.Contains(msg, "scan") {
		t.Errorf("folder message %q", msg)
	}
}

// The metrics of the other events: uploads completed (single and multipart, a repeated
// completion not counted again), database failures on any route (not other
// dependencies' or refusals), nothing for a refusal.
func TestMetricsOfEvents(t *testing.T) {
	dbDown := func(s *fakeStore, _ *fakeKeys, _ *fakeUploads) {
		s.err = fmt.Errorf("%w: dial tcp: timeout", store.ErrUnavailable)
	}
	for _, c := range []struct {
		name    string
		c       apiCase
		metrics []string
	}{
		{"single upload completed", apiCase{req: event("POST", "/uploads/complete", `{"path":"q2.pdf"}`, member), status: 200,
			setup: func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) {
				u.head = presign.ObjectInfo{Size: 42, ChecksumSHA256: sumEmpty}
			}},
			[]string{uploadDone}},
		{"single upload not arrived", apiCase{req: event("POST", "/uploads/complete", `{"path":"q2.pdf"}`, member), status: 409,
			setup: func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) { u.headErr = presign.ErrNotFound }}, nil},
		{"multipart completed", apiCase{req: event("POST", "/uploads/multipart/complete", completeBody("up-1", crc2, allParts...), member), status: 200,
			setup: setupUpload(nil)}, []string{uploadDone}},
		{"multipart completion repeated", apiCase{req: event("POST", "/uploads/multipart/complete", completeBody("up-1", crc2, allParts...), member), status: 200,
			setup: setupUpload(func(s *fakeStore, _ *fakeUploads) { complete(s, crc2) })}, nil},
		{"multipart refused by S3", apiCase{req: event("POST", "/uploads/multipart/complete", completeBody("up-1", crc2, allParts...), member), status: 409,
			setup: setupUpload(func(_ *fakeStore, u *fakeUploads) { u.completeErr = presign.ErrRejected })}, nil},
		{"upload started: not a completion", apiCase{req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"application/pdf","size":42,"checksumSha256":"`+sumEmpty+`"}`, member), status: 200}, nil},
		{"database down: download", apiCase{req: event("POST", "/downloads", `{"path":"q1.pdf"}`, member), status: 503, setup: dbDown}, []string{databaseFailed}},
		{"database down: scanned download", apiCase{req: event("POST", "/downloads", `{"path":"q1.pdf"}`, member), status: 503, setup: dbDown, cfg: scanOn}, []string{databaseFailed}},
		{"database down: list", apiCase{req: event("GET", "/files", "", member), status: 503, setup: dbDown}, []string{databaseFailed}},
		{"database down: upload", apiCase{req: event("POST", "/uploads", `{"path":"q2.pdf","contentType":"application/pdf","size":42,"checksumSha256":"`+sumEmpty+`"}`, member), status: 503, setup: dbDown}, []string{databaseFailed}},
		{"database down: multipart", apiCase{req: event("POST", "/uploads/multipart/complete", completeBody("up-1", crc2, allParts...), member), status: 503,
			setup: setupUpload(func(s *fakeStore, _ *fakeUploads) { s.err = store.ErrUnavailable })}, []string{databaseFailed}},
		{"S3 down: not the database", apiCase{req: event("POST", "/uploads/complete", `{"path":"q2.pdf"}`, member), status: 503,
			setup: func(_ *fakeStore, _ *fakeKeys, u *fakeUploads) { u.headErr = presign.ErrUnavailable }}, nil},
		{"SSM down: not the database", apiCase{req: event("POST", "/downloads", `{"path":"q1.pdf"}`, member), status: 503,
			setup: func(_ *fakeStore, k *fakeKeys, _ *fakeUploads) { k.err = keysource.ErrUnavailable }}, nil},
		{"forbidden: nothing", apiCase{req: event("POST", "/downloads", `{"path":"secret.pdf"}`, member), status: 403}, nil},
		{"bad request: nothing", apiCase{req: event("POST", "/downloads", `{"path":"../x"}`, member), status: 400}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, _, emitted, _ := run(t, c.c)
			if !slices.Equal(emitted, c.metrics) {
				t.Errorf("metrics %q, want %q", emitted, c.metrics)
			}
		})
	}
}

type brokenMetrics struct{ calls *int }

func (b brokenMetrics) Count(string, map[string]string, float64) error {
	*b.calls++
	return errors.New("stdout closed")
}
func (b brokenMetrics) Gauge(string, map[string]string, float64) error { return b.Count("", nil, 0) }

// A metric that cannot be written never fails the request: it is logged.
func TestMetricFailureIsLoggedOnly(t *testing.T) {
	var logs bytes.Buffer
	calls := 0
	h := &api.Handler{Store: newFakeStore(), Keys: &fakeKeys{m: &keysource.Material{Signer: newSigner(t), Domain: "d111111abcdef8.cloudfront.net"}},
		Uploads: &fakeUploads{}, Now: func() time.Time { return now }, Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Metrics: brokenMetrics{&calls}}
	resp, _ := h.Handle(context.Background(), event("POST", "/downloads", `{"path":"q1.pdf"}`, member))
	if resp.StatusCode != 200 || calls != 1 || !strings.Contains(logs.String(), `"msg":"metric not written"`) {
		t.Fatalf("%d, %d calls: %s", resp.StatusCode, calls, logs.String())
	}
}

// ReportKeyAge writes the key's age in days, without dimensions, at each load; nothing
// when the key's date is unknown.
func TestReportKeyAge(t *testing.T) {
	var out bytes.Buffer
	w := &emf.Writer{W: &out, Namespace: api.MetricNamespace, Now: func() time.Time { return now }}
	report := api.ReportKeyAge(w, func() time.Time { return now })
	report(&keysource.Material{KeyModifiedAt: now.Add(-36 * time.Hour)})
	report(&keysource.Material{}) // unknown
	report(&keysource.Material{KeyModifiedAt: now.Add(time.Hour)})
	if got := metrics(t, out.String()); !slices.Equal(got, []string{"Signet/SigningKeyAgeDays{}=1.5", "Signet/SigningKeyAgeDays{}=0"}) {
		t.Fatalf("%q", got)
	}
	if !strings.Contains(out.String(), `"Dimensions":[[]]`) || !strings.Contains(out.String(), `"Unit":"None"`) {
		t.Fatalf("%s", out.String())
	}
	api.ReportKeyAge(nil, nil)(&keysource.Material{KeyModifiedAt: now}) // no metrics: nothing, no panic
}
