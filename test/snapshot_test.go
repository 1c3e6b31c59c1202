package test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite test/snapshots from the current synthesis")

// assetHash matches asset hashes (content hashes that change with any source edit).
var assetHash = regexp.MustCompile(`[0-9a-f]{64}`)

func snapshot(t *testing.T, name string, tmpl map[string]any) {
	t.Helper()
	b, err := json.MarshalIndent(tmpl, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got := assetHash.ReplaceAll(b, []byte("<asset-hash>"))
	got = append(got, '\n')
	path := filepath.Join("snapshots", name+".template.json")
	if *update {
		if err := os.MkdirAll("snapshots", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make snapshots` to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the synthesized template; review the change and run `make snapshots`", path)
	}
}

func TestSnapshots(t *testing.T) {
	snapshot(t, "Signet-Edge", split.edgeJSON)
	snapshot(t, "Signet", split.mainJSON)
	snapshot(t, "Signet-us-east-1", single.mainJSON)
}
