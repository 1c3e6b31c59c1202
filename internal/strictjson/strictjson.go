// Package strictjson finds what encoding/json lets pass silently: an object key
// given twice (encoding/json keeps the last, so the document's meaning would depend
// on key order rather than on anyone's intent). The configuration readers (the app's
// context, the pre-token trigger's bindings) refuse such documents.
package strictjson

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// NoDuplicateKeys reports the first object key given twice anywhere in doc, or a
// syntax error; nil when every object's keys are distinct.
func NoDuplicateKeys(doc []byte) error {
	return walk(json.NewDecoder(bytes.NewReader(doc)))
}

// walk reads one JSON value from dec.
func walk(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, _ := tok.(json.Delim)
	if delim != '{' && delim != '[' {
		return nil
	}
	seen := map[string]bool{}
	for dec.More() {
		if delim == '{' {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			if seen[key] {
				return fmt.Errorf("key %q is given twice", key)
			}
			seen[key] = true
		}
		if err := walk(dec); err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}
