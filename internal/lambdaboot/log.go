package lambdaboot

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// lambdacontext.NewLogHandler is not used directly: it writes TEXT unless
// AWS_LAMBDA_LOG_FORMAT is exactly "JSON" (no option forces JSON), writes only to
// os.Stdout, and reads both variables once at package init, so neither the format
// nor a test can override it. The logger below is built from its exported parts
// instead (ReplaceAttr for Lambda's timestamp/message keys, FromContext for the
// request id), always as JSON; AWS_LAMBDA_LOG_FORMAT is deliberately ignored.

// setupLogging builds the Lambda logger on w and makes it slog's default.
func setupLogging(w io.Writer) *slog.Logger {
	logger := newLogger(w)
	slog.SetDefault(logger)
	return logger
}

// newLogger reads AWS_LAMBDA_LOG_LEVEL now (not at package init) so tests can set it.
func newLogger(w io.Writer) *slog.Logger {
	raw := os.Getenv("AWS_LAMBDA_LOG_LEVEL")
	level, known := parseLevel(raw)
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: lambdacontext.ReplaceAttr}
	logger := slog.New(requestIDHandler{slog.NewJSONHandler(w, opts)})
	if !known {
		// Say so rather than silently logging at a level nobody chose.
		logger.Warn("unknown AWS_LAMBDA_LOG_LEVEL, logging at INFO", "value", raw)
	}
	return logger
}

// parseLevel maps AWS_LAMBDA_LOG_LEVEL like lambdacontext does (DEBUG, INFO, WARN,
// ERROR; unset means INFO), plus Lambda's other two settings, which lambdacontext
// would treat as INFO: TRACE keeps the debug lines, FATAL keeps only errors (slog
// has neither level). Case is ignored; known is false for any other value.
func parseLevel(s string) (level slog.Level, known bool) {
	switch strings.ToUpper(s) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug, true
	case "", "INFO":
		return slog.LevelInfo, true
	case "WARN":
		return slog.LevelWarn, true
	case "ERROR", "FATAL":
		return slog.LevelError, true
	}
	return slog.LevelInfo, false
}

// requestIDHandler adds the Lambda request id to records logged with an invocation's
// context, as lambdacontext's handler does, under the same key ("requestId").
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.AddAttrs(slog.String("requestId", lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs and WithGroup rewrap, or derived loggers would lose the request id.
func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
