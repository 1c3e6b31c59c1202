package lambdaboot

import (
	"bytes"
	"context"
	"encoding/json"
	"log"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func invocation(id string) context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: id})
}

// lines decodes every JSON line in buf, failing on anything that is not one object.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestLoggerRequestID(t *testing.T) {
	t.Setenv("AWS_LAMBDA_LOG_LEVEL", "")
	t.Setenv("AWS_LAMBDA_LOG_FORMAT", "TEXT") // ignored: always JSON
	var buf bytes.Buffer
	logger := newLogger(&buf).With("component", "test")
	logger.InfoContext(invocation("req-1"), "hello", "n", 1)
	logger.Info("no context")
	got := lines(t, &buf)
	if len(got) != 2 {
		t.Fatalf("want 2 lines, got %d: %s", len(got), buf.String())
	}
	first := got[0]
	for k, want := range map[string]any{"requestId": "req-1", "message": "hello", "level": "INFO", "component": "test", "n": 1.0} {
		if first[k] != want {
			t.Errorf("%s = %v, want %v (line %v)", k, first[k], want, first)
		}
	}
	if _, ok := first["timestamp"]; !ok {
		t.Errorf("no timestamp key (Lambda's name for slog's time): %v", first)
	}
	if _, ok := got[1]["requestId"]; ok {
		t.Errorf("requestId without a Lambda context: %v", got[1])
	}
}

func TestLoggerLevel(t *testing.T) {
	for _, tc := range []struct {
		env       string
		debug     bool
		info      bool
		warn      bool
		unknown   bool // a warning about the value comes first
		wantLines int
	}{
		{env: "", info: true, warn: true, wantLines: 2},
		{env: "DEBUG", debug: true, info: true, warn: true, wantLines: 3},
		{env: "TRACE", debug: true, info: true, warn: true, wantLines: 3},
		{env: "INFO", info: true, warn: true, wantLines: 2},
		{env: "WARN", warn: true, wantLines: 1},
		{env: "warn", warn: true, wantLines: 1},
		{env: "ERROR", wantLines: 0},
		{env: "FATAL", wantLines: 0},
		// Unknown: INFO, like lambdacontext, but announced by one WARN line.
		{env: "VERBOSE", info: true, warn: true, unknown: true, wantLines: 3},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv("AWS_LAMBDA_LOG_LEVEL", tc.env)
			var buf bytes.Buffer
			logger := newLogger(&buf)
			ctx := invocation("req-2")
			logger.DebugContext(ctx, "debug")
			logger.InfoContext(ctx, "info")
			logger.WarnContext(ctx, "warn")
			got := lines(t, &buf)
			if len(got) != tc.wantLines {
				t.Fatalf("want %d lines, got %d: %s", tc.wantLines, len(got), buf.String())
			}
			if tc.unknown && (got[0]["level"] != "WARN" || got[0]["value"] != tc.env) {
				t.Errorf("want a warning naming %q first, got %v", tc.env, got[0])
			}
			seen := map[any]bool{}
			for _, l := range got {
				seen[l["message"]] = true
			}
			if seen["debug"] != tc.debug || seen["info"] != tc.info || seen["warn"] != tc.warn {
				t.Errorf("logged %v, want debug=%v info=%v warn=%v", seen, tc.debug, tc.info, tc.warn)
			}
		})
	}
}

// Init's logger must be slog's default too: packages fall back to slog.Default, and
// the log package then writes through it.
func TestSetupLoggingDefault(t *testing.T) {
	t.Setenv("AWS_LAMBDA_LOG_LEVEL", "")
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	var buf bytes.Buffer
	setupLogging(&buf)
	slog.InfoContext(invocation("req-3"), "via slog")
	log.Print("via log")
	got := lines(t, &buf)
	if len(got) != 2 || got[0]["requestId"] != "req-3" || got[1]["message"] != "via log" {
		t.Fatalf("default logger output: %s", buf.String())
	}
}
