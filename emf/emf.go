// Package emf writes CloudWatch embedded metric format (EMF) log lines: one JSON
// object a line, which CloudWatch Logs turns into metrics when the line reaches a log
// group (in Lambda: anything written to stdout).
//
// Every line is one metric value, in one namespace, with one dimension set (all the
// dimensions given, or none: [[]]):
//
//	{"_aws":{"Timestamp":1900000000000,"CloudWatchMetrics":[{"Namespace":"Signet",
//	 "Dimensions":[["Customer"]],"Metrics":[{"Name":"UrlsIssued","Unit":"Count"}]}]},
//	 "Customer":"acme","UrlsIssued":1}
//
// The document follows the EMF specification (Amazon CloudWatch User Guide,
// "Specification: Embedded metric format"): _aws.Timestamp in milliseconds since the
// epoch; one MetricDirective with Namespace, Dimensions (an array of dimension sets,
// each an array of at most 30 keys) and Metrics (Name and Unit); every dimension key
// and the metric name a member of the root object, dimension values strings and the
// metric value a number. Names and values are escaped by encoding/json, and what
// CloudWatch would refuse (a dimension value that is empty, longer than 1024
// characters, not printable ASCII; a unit CloudWatch does not know; NaN or an
// infinity) is refused here with an error and nothing is written, rather than written
// as a line CloudWatch drops.
//
// It knows nothing of AWS SDKs or CDK: it only writes lines. Never put a secret in a
// dimension; they are stored and shown as metric identities.
package emf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Unit is a CloudWatch metric unit.
type Unit string

// The units used most; any of CloudWatch's StandardUnit values is accepted.
const (
	UnitCount        Unit = "Count"
	UnitNone         Unit = "None"
	UnitSeconds      Unit = "Seconds"
	UnitMilliseconds Unit = "Milliseconds"
	UnitBytes        Unit = "Bytes"
	UnitPercent      Unit = "Percent"
)

// units are CloudWatch's StandardUnit values.
var units = map[Unit]bool{
	"Seconds": true, "Microseconds": true, "Milliseconds": true, "Bytes": true, "Kilobytes": true, "Megabytes": true,
	"Gigabytes": true, "Terabytes": true, "Bits": true, "Kilobits": true, "Megabits": true, "Gigabits": true, "Terabits": true,
	"Percent": true, "Count": true, "Bytes/Second": true, "Kilobytes/Second": true, "Megabytes/Second": true,
	"Gigabytes/Second": true, "Terabytes/Second": true, "Bits/Second": true, "Kilobits/Second": true, "Megabits/Second": true,
	"Gigabits/Second": true, "Terabits/Second": true, "Count/Second": true, "None": true,
}

// Limits of the format and of CloudWatch.
const (
	// MaxDimensions in one dimension set (EMF).
	MaxDimensions = 30
	// MaxDimensionValue is the longest dimension value, in characters (CloudWatch).
	MaxDimensionValue = 1024
	// MaxName is the longest namespace, metric name or dimension name (CloudWatch).
	MaxName = 255
)

// ErrInvalid: the metric cannot be written as a document CloudWatch accepts.
var ErrInvalid = errors.New("emf: invalid metric")

// Writer writes EMF lines to W. Safe for concurrent use: each line is built first and
// written with one Write call under a mutex, so lines never interleave. Use it by
// pointer.
type Writer struct {
	// W receives the lines (os.Stdout in Lambda). Required.
	W io.Writer
	// Namespace of every metric ("Signet"). Required.
	Namespace string
	// Now is the clock for the timestamps. Default: time.Now.
	Now func() time.Time

	mu sync.Mutex
}

// Count writes one value of a count metric (Unit "Count").
func (w *Writer) Count(metric string, dims map[string]string, v float64) error {
	return w.Put(metric, UnitCount, dims, v)
}

// Gauge writes one value of a metric without a unit (Unit "None"), such as an age in
// days (CloudWatch has no unit for days).
func (w *Writer) Gauge(metric string, dims map[string]string, v float64) error {
	return w.Put(metric, UnitNone, dims, v)
}

// Put writes one line: the value v of metric, in unit, with the dimensions dims (nil
// or empty: none). ErrInvalid, and nothing written, when CloudWatch would refuse it;
// otherwise the error of W.
func (w *Writer) Put(metric string, unit Unit, dims map[string]string, v float64) error {
	line, err := w.Line(metric, unit, dims, v)
	if err != nil {
		return err
	}
	if w.W == nil {
		return fmt.Errorf("%w: no output", ErrInvalid)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err = w.W.Write(line)
	return err
}

// Line is the line Put would write (with its newline), without writing it.
func (w *Writer) Line(metric string, unit Unit, dims map[string]string, v float64) ([]byte, error) {
	if err := check(w.Namespace, metric, unit, dims, v); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(dims))
	for k := range dims {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	type definition struct {
		Name string `json:"Name"`
		Unit Unit   `json:"Unit"`
	}
	type directive struct {
		Namespace  string       `json:"Namespace"`
		Dimensions [][]string   `json:"Dimensions"`
		Metrics    []definition `json:"Metrics"`
	}
	meta := struct {
		Timestamp         int64       `json:"Timestamp"`
		CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
	}{now().UnixMilli(), []directive{{Namespace: w.Namespace, Dimensions: [][]string{keys}, Metrics: []definition{{Name: metric, Unit: unit}}}}}
	var b bytes.Buffer
	b.WriteString(`{"_aws":`)
	if err := member(&b, meta); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := pair(&b, k, dims[k]); err != nil {
			return nil, err
		}
	}
	if err := pair(&b, metric, v); err != nil {
		return nil, err
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// pair appends ,"k":v.
func pair(b *bytes.Buffer, k string, v any) error {
	b.WriteByte(',')
	if err := member(b, k); err != nil {
		return err
	}
	b.WriteByte(':')
	return member(b, v)
}

// member appends v as JSON (encoding/json escapes every string).
func member(b *bytes.Buffer, v any) error {
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	b.Write(j)
	return nil
}

// check refuses what the format or CloudWatch cannot take.
func check(namespace, metric string, unit Unit, dims map[string]string, v float64) error {
	if err := name("namespace", namespace); err != nil {
		return err
	}
	if strings.HasPrefix(namespace, "AWS/") {
		return fmt.Errorf("%w: namespace %q is reserved for AWS", ErrInvalid, namespace)
	}
	if err := name("metric name", metric); err != nil {
		return err
	}
	if !units[unit] {
		return fmt.Errorf("%w: unit %q is not a CloudWatch unit", ErrInvalid, unit)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%w: %s value %v", ErrInvalid, metric, v)
	}
	if len(dims) > MaxDimensions {
		return fmt.Errorf("%w: %d dimensions (at most %d)", ErrInvalid, len(dims), MaxDimensions)
	}
	for k, val := range dims {
		if err := name("dimension name", k); err != nil {
			return err
		}
		if strings.HasPrefix(k, ":") {
			return fmt.Errorf("%w: dimension name %q starts with a colon", ErrInvalid, k)
		}
		if k == metric {
			return fmt.Errorf("%w: dimension %q has the metric's name", ErrInvalid, k)
		}
		if len(val) > MaxDimensionValue || !printable(val) {
			return fmt.Errorf("%w: dimension %s: the value must be 1 to %d printable ASCII characters, not only spaces", ErrInvalid, k, MaxDimensionValue)
		}
	}
	return nil
}

// name checks a namespace, metric name or dimension name: 1 to MaxName printable
// ASCII characters, not only spaces, and never "_aws" (the metadata member).
func name(what, s string) error {
	if len(s) > MaxName || !printable(s) || s == "_aws" {
		return fmt.Errorf("%w: %s %q: want 1 to %d printable ASCII characters, not only spaces, other than _aws", ErrInvalid, what, clip(s), MaxName)
	}
	return nil
}

// printable: non-empty printable ASCII (no control characters) with a non-space.
func printable(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
