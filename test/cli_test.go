package test

import (
	"debug/elf"
	"os"
	"path/filepath"
	"testing"
)

// The cloud assembly `make synth` wrote with the real CDK CLI, no credentials and
// bundling on: both templates, a static arm64 bootstrap, and no key material in any
// file. `make test` runs the synth first and sets SIGNET_CDK_OUT.
func TestCLICloudAssembly(t *testing.T) {
	dir := os.Getenv("SIGNET_CDK_OUT")
	if dir == "" {
		t.Skip("SIGNET_CDK_OUT not set: run through `make test`")
	}
	for _, name := range []string{"Signet-Edge.template.json", "Signet.template.json", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	reports, _ := filepath.Glob(filepath.Join(dir, "*-NagReport.csv"))
	// The edge, main and edge-monitoring stacks of the default app.
	if len(reports) != 15 {
		t.Errorf("nag reports: %d, want 5 packs x 3 stacks", len(reports))
	}
	bins, _ := filepath.Glob(filepath.Join(dir, "asset.*", "bootstrap"))
	if len(bins) == 0 {
		t.Fatal("no bundled bootstrap")
	}
	for _, b := range bins {
		f, err := elf.Open(b)
		if err != nil {
			t.Fatal(err)
		}
		if f.Machine != elf.EM_AARCH64 {
			t.Errorf("%s: machine %v", b, f.Machine)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked", b)
			}
		}
		f.Close()
	}
	assertNoKeyMaterial(t, dir)
}
