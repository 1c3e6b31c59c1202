package api

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// MaxBody bounds request bodies, measured on the decoded bytes (the requests are
// small; API Gateway also limits them).
const MaxBody = 16 << 10

// MaxCompleteBody bounds the body of POST /uploads/multipart/complete, which lists
// up to 10,000 parts with their ETags and checksums (about 100 bytes each with S3's
// 34-character ETags): 2 MiB, well inside Lambda's 6 MB request payload even once
// API Gateway has escaped it into the event.
const MaxCompleteBody = 2 << 20

// The strict rules for a request, one for each way a lenient parser would let two
// readings of the same bytes disagree:
//
//   - Content-Type is application/json, charset utf-8 if one is given (415 otherwise);
//   - a header given twice (in any letter case) with different values is refused;
//   - a base64 body (API Gateway binary media) is decoded and its size measured on
//     the decoded bytes (413 over MaxBody);
//   - the body is valid UTF-8 and exactly one JSON object;
//   - every key is a field of the request, spelled exactly (case-sensitive), once,
//     in nested objects (a list of parts) too;
//   - numbers must fit the field (a lifetime too large for int64 is refused, never
//     wrapped); strings carry no control character (NUL included, even as \u0000)
//     and no U+FFFD (what a lone surrogate escape decodes to).
func decodeBody[T any](req events.APIGatewayProxyRequest) (*T, error) {
	return decodeBodyMax[T](req, MaxBody)
}

// decodeBodyMax is decodeBody with a body of at most maxBody bytes.
func decodeBodyMax[T any](req events.APIGatewayProxyRequest, maxBody int) (*T, error) {
	if err := checkContentType(req); err != nil {
		return nil, err
	}
	body, err := bodyBytes(req, maxBody)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(body) {
		return nil, badRequest("the body is not valid UTF-8")
	}
	in := new(T)
	if err := checkKeys(body, reflect.TypeOf(in).Elem()); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		return nil, badRequest("the body is not the expected JSON object: %s", jsonReason(err))
	}
	if err := checkStrings(reflect.ValueOf(in).Elem()); err != nil {
		return nil, err
	}
	return in, nil
}

func checkContentType(req events.APIGatewayProxyRequest) error {
	ct, err := header(req, "content-type")
	if err != nil {
		return err
	}
	mt, params, perr := mime.ParseMediaType(ct)
	if perr != nil || mt != "application/json" {
		return &apiError{http.StatusUnsupportedMediaType, codeMediaType, "send Content-Type: application/json"}
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return &apiError{http.StatusUnsupportedMediaType, codeMediaType, "send Content-Type: application/json (charset utf-8 only)"}
		}
	}
	return nil
}

func tooLarge(maxBody int) *apiError {
	return &apiError{http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("the body is over %d bytes", maxBody)}
}

func bodyBytes(req events.APIGatewayProxyRequest, maxBody int) ([]byte, error) {
	if !req.IsBase64Encoded {
		if len(req.Body) > maxBody {
			return nil, tooLarge(maxBody)
		}
		return []byte(req.Body), nil
	}
	if len(req.Body) > base64.StdEncoding.EncodedLen(maxBody) {
		return nil, tooLarge(maxBody)
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, badRequest("the body is marked base64 but is not valid base64")
	}
	if len(b) > maxBody {
		return nil, tooLarge(maxBody)
	}
	return b, nil
}

// checkKeys walks the top-level object of type t: every key one of its fields,
// exactly, once, and the same in the objects nested in it (checkNested).
func checkKeys(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return badRequest("the body must be one JSON object")
	}
	if err := checkObject(dec, t, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err == nil {
		return badRequest("the body holds more than one JSON value")
	}
	return nil
}

// checkObject reads the rest of an object of type t whose "{" dec has read. where
// is the path of the object in the body ("" at the top, "parts[2]." below).
func checkObject(dec *json.Decoder, t reflect.Type, where string) error {
	fields := jsonFields(t)
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return badRequest("the body is not the expected JSON object: %s", jsonReason(err))
		}
		key, _ := tok.(string)
		ft, known := fields[key]
		switch {
		case !known:
			return badRequest("unknown field %q (field names are case-sensitive)", printable(where+key))
		case seen[key]:
			return badRequest("field %q is given more than once", where+key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return badRequest("the body is not the expected JSON object: %s", jsonReason(err))
		}
		if err := checkNested(raw, ft, where+key); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return badRequest("the body is not the expected JSON object: %s", jsonReason(err))
	}
	return nil
}

// checkNested applies checkObject to a value of type t that is an object of a struct
// type, or a list of them. Any other value (of the wrong type too) is left to the
// decoder.
func checkNested(raw json.RawMessage, t reflect.Type, where string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return nil
	}
	switch {
	case t.Kind() == reflect.Struct && raw[0] == '{':
		dec := json.NewDecoder(bytes.NewReader(raw))
		_, _ = dec.Token()
		return checkObject(dec, t, where+".")
	case t.Kind() == reflect.Slice && raw[0] == '[':
		dec := json.NewDecoder(bytes.NewReader(raw))
		_, _ = dec.Token()
		for i := 0; dec.More(); i++ {
			var el json.RawMessage
			if err := dec.Decode(&el); err != nil {
				return badRequest("the body is not the expected JSON object: %s", jsonReason(err))
			}
			if err := checkNested(el, t.Elem(), fmt.Sprintf("%s[%d]", where, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// printable shortens and escapes an echoed key so an answer never carries raw bytes.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strings.Trim(fmt.Sprintf("%q", s), `"`)
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields maps the JSON names of t's exported fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out[cmp.Or(name, f.Name)] = f.Type
	}
	fieldCache.Store(t, out)
	return out
}

// checkStrings refuses control characters and U+FFFD in every string field, and in
// the strings behind pointers, in lists and in nested objects.
func checkStrings(v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if err := checkValue(cmp.Or(name, f.Name), v.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(name string, v reflect.Value) error {
	switch v.Kind() {
	case reflect.String:
		return checkText(name, v.String())
	case reflect.Pointer:
		if !v.IsNil() {
			return checkValue(name, v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			if err := checkValue(name, v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		return checkStrings(v)
	}
	return nil
}

// checkText is the rule for every string a client sends, in a body, a query or a
// claim: valid UTF-8, no control character, no U+FFFD.
func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return badRequest("%s is not valid UTF-8", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return badRequest("%s contains a control or replacement character", field)
		}
	}
	return nil
}

// jsonReason describes a decode error without echoing the input.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be %s", typ.Field, jsonType(typ.Type))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "it ends too early"
	}
	return "malformed"
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number within 64-bit range"
	case reflect.String:
		return "a string"
	}
	return "of another type"
}

// header is the value of the named header: API Gateway passes headers in two maps
// and in the client's letter case; the same header given twice with different
// values is refused rather than read whichever way map order falls.
func header(req events.APIGatewayProxyRequest, name string) (string, error) {
	var vals []string
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			vals = append(vals, v)
		}
	}
	for k, vs := range req.MultiValueHeaders {
		if strings.EqualFold(k, name) {
			vals = append(vals, vs...)
		}
	}
	for _, v := range vals[min(1, len(vals)):] {
		if v != vals[0] {
			return "", badRequest("header %s is given more than once with different values", http.CanonicalHeaderKey(name))
		}
	}
	if len(vals) == 0 {
		return "", nil
	}
	return vals[0], checkText("header "+http.CanonicalHeaderKey(name), vals[0])
}

// pathQuery reads the canonical object path in the query parameter "path" of a
// request whose query may hold only the names given (path among them).
func pathQuery(req events.APIGatewayProxyRequest, names ...string) (string, error) {
	if err := checkQueryNames(req, names...); err != nil {
		return "", err
	}
	path, err := query(req, "path")
	if err != nil {
		return "", err
	}
	return path, objectPath("path", path, false)
}

// query is a query string parameter, refused when given twice differently or with
// bad bytes.
func query(req events.APIGatewayProxyRequest, name string) (string, error) {
	vals := append([]string(nil), req.MultiValueQueryStringParameters[name]...)
	if v, ok := req.QueryStringParameters[name]; ok {
		vals = append(vals, v)
	}
	for _, v := range vals[min(1, len(vals)):] {
		if v != vals[0] {
			return "", badRequest("query parameter %q is given more than once", name)
		}
	}
	if len(vals) == 0 {
		return "", nil
	}
	return vals[0], checkText("query parameter "+name, vals[0])
}

// checkQueryNames refuses query parameters the route does not know.
func checkQueryNames(req events.APIGatewayProxyRequest, known ...string) error {
	for k := range req.QueryStringParameters {
		if !slices.Contains(known, k) {
			return badRequest("unknown query parameter %q", printable(k))
		}
	}
	for k := range req.MultiValueQueryStringParameters {
		if !slices.Contains(known, k) {
			return badRequest("unknown query parameter %q", printable(k))
		}
	}
	return nil
}
