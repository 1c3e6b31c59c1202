package strictjson

import (
	"strings"
	"testing"
)

func TestNoDuplicateKeys(t *testing.T) {
	for doc, want := range map[string]string{
		`{"a":1,"b":[{"c":1},{"c":2}]}`:   "",
		`[{"a":1,"a":2}]`:                 `key "a" is given twice`,
		`{"a":{"b":1,"b":2}}`:             `key "b" is given twice`,
		`{"a":1,"A":2}`:                   "",
		`{"a":`:                           "EOF",
		`"plain"`:                         "",
		`{"x":[1,2,{"y":null,"y":true}]}`: `key "y" is given twice`,
	} {
		err := NoDuplicateKeys([]byte(doc))
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: got %v, want %q", doc, err, want)
		}
	}
}

func FuzzNoDuplicateKeys(f *testing.F) {
	f.Add([]byte(`{"a":[{"b":1,"b":2}]}`))
	f.Fuzz(func(t *testing.T, doc []byte) { _ = NoDuplicateKeys(doc) })
}
