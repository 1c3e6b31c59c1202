package emf_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-cdk/signet/emf"
)

var now = time.Date(2030, 3, 17, 17, 47, 0, 123_000_000, time.UTC)

func writer(out *bytes.Buffer) *emf.Writer {
	return &emf.Writer{W: out, Namespace: "Signet", Now: func() time.Time { return now }}
}

// The line the brief and the CloudWatch documentation show, byte for byte.
func TestCountLine(t *testing.T) {
	var out bytes.Buffer
	if err := writer(&out).Count("UrlsIssued", map[string]string{"Customer": "acme"}, 1); err != nil {
		t.Fatal(err)
	}
	want := `{"_aws":{"Timestamp":1900000020123,"CloudWatchMetrics":[{"Namespace":"Signet","Dimensions":[["Customer"]],` +
		`"Metrics":[{"Name":"UrlsIssued","Unit":"Count"}]}]},"Customer":"acme","UrlsIssued":1}` + "\n"
	if out.String() != want {
		t.Fatalf("got  %s\nwant %s", out.String(), want)
	}
	if now.UnixMilli() != 1900000020123 {
		t.Fatal("test clock")
	}
	m := decode(t, out.String())
	if m.metric != "UrlsIssued" || m.unit != "Count" || m.value != 1 || fmt.Sprint(m.dims) != "map[Customer:acme]" {
		t.Fatalf("%+v", m)
	}
}

func TestGaugeWithoutDimensionsIsAnEmptySet(t *testing.T) {
	var out bytes.Buffer
	if err := writer(&out).Gauge("SigningKeyAgeDays", nil, 12.5); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"Dimensions":[[]]`) || !strings.Contains(out.String(), `"Unit":"None"`) {
		t.Fatalf("%s", out.String())
	}
	m := decode(t, out.String())
	if m.metric != "SigningKeyAgeDays" || m.value != 12.5 || len(m.dims) != 0 {
		t.Fatalf("%+v", m)
	}
	out.Reset()
	if err := writer(&out).Put("Latency", emf.UnitMilliseconds, map[string]string{}, 3); err != nil || !strings.Contains(out.String(), `[[]]`) {
		t.Fatalf("%s %v", out.String(), err)
	}
}

func TestDimensionsAreSortedAndAllInOneSet(t *testing.T) {
	var out bytes.Buffer
	dims := map[string]string{"Dependency": "database", "Customer": "acme", "Function": "signer"}
	if err := writer(&out).Count("DependencyFailures", dims, 2); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"Dimensions":[["Customer","Dependency","Function"]]`) {
		t.Fatalf("%s", out.String())
	}
	if m := decode(t, out.String()); fmt.Sprint(m.dims) != fmt.Sprint(dims) || m.value != 2 {
		t.Fatalf("%+v", m)
	}
}

func TestDefaultClockIsNow(t *testing.T) {
	var out bytes.Buffer
	before := time.Now().UnixMilli()
	if err := (&emf.Writer{W: &out, Namespace: "Signet"}).Count("UrlsIssued", nil, 1); err != nil {
		t.Fatal(err)
	}
	if m := decode(t, out.String()); m.timestamp < before || m.timestamp > time.Now().UnixMilli() {
		t.Fatalf("timestamp %d", m.timestamp)
	}
}

// Odd but acceptable values are escaped by encoding/json and come back unchanged.
func TestEscaping(t *testing.T) {
	for _, v := range []string{`a"b`, `back\slash`, `</script>`, `{"_aws":1}`, `x","UrlsIssued":999,"y":"`, " lead", "&amp;", strings.Repeat("z", emf.MaxDimensionValue)} {
		var out bytes.Buffer
		if err := writer(&out).Count("UrlsIssued", map[string]string{"Customer": v}, 1); err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		m := decode(t, out.String())
		if m.dims["Customer"] != v || m.value != 1 {
			t.Fatalf("%q came back as %+v", v, m)
		}
	}
}

func TestRefusesWhatCloudWatchWouldDrop(t *testing.T) {
	many := map[string]string{}
	for i := range emf.MaxDimensions + 1 {
		many[fmt.Sprintf("D%02d", i)] = "v"
	}
	for name, c := range map[string]struct {
		ns, metric string
		unit       emf.Unit
		dims       map[string]string
		v          float64
	}{
		"no namespace":           {"", "M", emf.UnitCount, nil, 1},
		"AWS namespace":          {"AWS/Lambda", "M", emf.UnitCount, nil, 1},
		"no metric":              {"Signet", "", emf.UnitCount, nil, 1},
		"metric _aws":            {"Signet", "_aws", emf.UnitCount, nil, 1},
		"metric too long":        {"Signet", strings.Repeat("m", emf.MaxName+1), emf.UnitCount, nil, 1},
		"unknown unit":           {"Signet", "M", "Days", nil, 1},
		"empty unit":             {"Signet", "M", "", nil, 1},
		"NaN":                    {"Signet", "M", emf.UnitCount, nil, math.NaN()},
		"infinity":               {"Signet", "M", emf.UnitCount, nil, math.Inf(1)},
		"empty value":            {"Signet", "M", emf.UnitCount, map[string]string{"Customer": ""}, 1},
		"blank value":            {"Signet", "M", emf.UnitCount, map[string]string{"Customer": "  "}, 1},
		"newline in value":       {"Signet", "M", emf.UnitCount, map[string]string{"Customer": "a\nb"}, 1},
		"NUL in value":           {"Signet", "M", emf.UnitCount, map[string]string{"Customer": "a\x00"}, 1},
		"non-ASCII value":        {"Signet", "M", emf.UnitCount, map[string]string{"Customer": "café"}, 1},
		"invalid UTF-8 value":    {"Signet", "M", emf.UnitCount, map[string]string{"Customer": "\xff"}, 1},
		"value too long":         {"Signet", "M", emf.UnitCount, map[string]string{"Customer": strings.Repeat("v", emf.MaxDimensionValue+1)}, 1},
		"empty dimension name":   {"Signet", "M", emf.UnitCount, map[string]string{"": "v"}, 1},
		"colon dimension name":   {"Signet", "M", emf.UnitCount, map[string]string{":x": "v"}, 1},
		"dimension _aws":         {"Signet", "M", emf.UnitCount, map[string]string{"_aws": "v"}, 1},
		"dimension named as M":   {"Signet", "M", emf.UnitCount, map[string]string{"M": "v"}, 1},
		"31 dimensions":          {"Signet", "M", emf.UnitCount, many, 1},
		"control in metric":      {"Signet", "M\t", emf.UnitCount, nil, 1},
		"control in dimension":   {"Signet", "M", emf.UnitCount, map[string]string{"C\r": "v"}, 1},
		"non-ASCII in metric":    {"Signet", "Mé", emf.UnitCount, nil, 1},
		"non-ASCII in namespace": {"Sïgnet", "M", emf.UnitCount, nil, 1},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			w := &emf.Writer{W: &out, Namespace: c.ns, Now: func() time.Time { return now }}
			if err := w.Put(c.metric, c.unit, c.dims, c.v); !errors.Is(err, emf.ErrInvalid) {
				t.Fatalf("accepted: %v", err)
			}
			if out.Len() != 0 {
				t.Fatalf("wrote %q", out.String())
			}
		})
	}
	if err := (&emf.Writer{Namespace: "Signet"}).Count("M", nil, 1); !errors.Is(err, emf.ErrInvalid) {
		t.Errorf("no output: %v", err)
	}
}

// recorder keeps each Write call apart.
type recorder struct {
	mu     sync.Mutex
	writes []string
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

// Many goroutines: every Write is exactly one whole line.
func TestConcurrentWritesAreWholeLines(t *testing.T) {
	rec := &recorder{}
	w := &emf.Writer{W: rec, Namespace: "Signet"}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 50 {
				if err := w.Count("UrlsIssued", map[string]string{"Customer": fmt.Sprintf("c%d", g)}, float64(i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if len(rec.writes) != 16*50 {
		t.Fatalf("%d writes", len(rec.writes))
	}
	for _, line := range rec.writes {
		decode(t, line)
	}
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestWriterErrorIsReturned(t *testing.T) {
	if err := (&emf.Writer{W: failing{}, Namespace: "Signet"}).Count("M", nil, 1); err == nil || errors.Is(err, emf.ErrInvalid) {
		t.Fatalf("%v", err)
	}
}

// FuzzLine: whatever the names and values, Put either refuses with ErrInvalid and
// writes nothing, or writes one line that is a valid EMF document carrying exactly
// what was given.
func FuzzLine(f *testing.F) {
	f.Add("UrlsIssued", "Customer", "acme", 1.0)
	f.Add("M", "Dependency", `da"ta\base`, 0.5)
	f.Add("M", "_aws", "x", 1.0)
	f.Add("M", "M", "x", 1.0)
	f.Add("M", "K", "\u2028", -3.0)
	f.Add("M", "K", "</script>", 1e300)
	f.Fuzz(func(t *testing.T, metric, key, value string, v float64) {
		var out bytes.Buffer
		dims := map[string]string{key: value}
		err := writer(&out).Put(metric, emf.UnitCount, dims, v)
		if err != nil {
			if !errors.Is(err, emf.ErrInvalid) || out.Len() != 0 {
				t.Fatalf("%v, wrote %q", err, out.String())
			}
			return
		}
		m := decode(t, out.String())
		if m.metric != metric || m.value != v || m.dims[key] != value || len(m.dims) != 1 {
			t.Fatalf("%q %q %q %v came back as %+v", metric, key, value, v, m)
		}
	})
}

// parsed is one decoded EMF line.
type parsed struct {
	timestamp    int64
	namespace    string
	metric, unit string
	value        float64
	dims         map[string]string
}

// decode checks line against the EMF specification and returns what it carries:
// one line; a JSON object whose _aws member holds exactly Timestamp (integer
// milliseconds) and CloudWatchMetrics (here one MetricDirective of exactly Namespace,
// Dimensions and Metrics); each DimensionSet an array of at most 30 strings, each a
// root member with a string value; each MetricDefinition exactly Name and Unit, the
// Name a root member with a number value; no other root members.
func decode(t testing.TB, line string) parsed {
	t.Helper()
	if !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
		t.Fatalf("not one line: %q", line)
	}
	var root map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("not a JSON object: %v: %q", err, line)
	}
	if dec.More() {
		t.Fatalf("trailing data: %q", line)
	}
	var meta map[string]json.RawMessage
	if err := json.Unmarshal(root["_aws"], &meta); err != nil || len(meta) != 2 {
		t.Fatalf("_aws %s: %v", root["_aws"], err)
	}
	var p parsed
	if err := json.Unmarshal(meta["Timestamp"], &p.timestamp); err != nil || p.timestamp <= 0 {
		t.Fatalf("Timestamp %s", meta["Timestamp"])
	}
	var directives []map[string]json.RawMessage
	if err := json.Unmarshal(meta["CloudWatchMetrics"], &directives); err != nil || len(directives) != 1 || len(directives[0]) != 3 {
		t.Fatalf("CloudWatchMetrics %s", meta["CloudWatchMetrics"])
	}
	d := directives[0]
	var sets [][]string
	var defs []map[string]string
	if json.Unmarshal(d["Namespace"], &p.namespace) != nil || p.namespace == "" ||
		json.Unmarshal(d["Dimensions"], &sets) != nil || len(sets) != 1 || sets[0] == nil || len(sets[0]) > emf.MaxDimensions ||
		json.Unmarshal(d["Metrics"], &defs) != nil || len(defs) != 1 || len(defs[0]) != 2 || defs[0]["Name"] == "" || defs[0]["Unit"] == "" {
		t.Fatalf("directive %s", line)
	}
	used := map[string]bool{"_aws": true}
	p.dims = map[string]string{}
	for _, k := range sets[0] {
		var v string
		if err := json.Unmarshal(root[k], &v); err != nil || used[k] {
			t.Fatalf("dimension %q: root member %s (%v)", k, root[k], err)
		}
		used[k], p.dims[k] = true, v
	}
	p.metric, p.unit = defs[0]["Name"], defs[0]["Unit"]
	var n json.Number
	if used[p.metric] || json.Unmarshal(root[p.metric], &n) != nil {
		t.Fatalf("metric %q: root member %s", p.metric, root[p.metric])
	}
	used[p.metric] = true
	var err error
	if p.value, err = n.Float64(); err != nil {
		t.Fatalf("metric value %s", n)
	}
	if len(root) != len(used) {
		t.Fatalf("extra root members: %s", line)
	}
	return p
}
