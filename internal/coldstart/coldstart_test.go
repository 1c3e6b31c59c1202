package coldstart

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-cdk/signet/constructs/gofunction"
)

// The sizes reported are those of what gets deployed.
func TestBuildSettingsAreGofunctions(t *testing.T) {
	if !slices.Equal(BuildFlags, gofunction.BuildFlags) || !slices.Equal(BuildEnv, gofunction.BuildEnv) {
		t.Fatalf("coldstart builds with %v %v, gofunction with %v %v", BuildEnv, BuildFlags, gofunction.BuildEnv, gofunction.BuildFlags)
	}
}

// The empty program starts and calls the fake Runtime API every time; a program
// that exits instead is an error naming it, not a hang.
func TestMeasure(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "empty")
	if err := Build(EmptyImportPath, bin, true); err != nil {
		t.Fatal(err)
	}
	d, err := Measure([]string{bin, bin}, Env(), 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, runs := range d {
		if len(runs) != 3 || slices.Min(runs) <= 0 || Median(runs) > Timeout {
			t.Fatalf("durations %v", d)
		}
	}
	if _, err := Measure([]string{"/bin/true"}, Env(), 1); err == nil || !strings.Contains(err.Error(), "exited before calling the Runtime API") {
		t.Fatalf("got %v", err)
	}
}

func TestMedian(t *testing.T) {
	if m := Median([]time.Duration{3, 1, 2}); m != 2 {
		t.Fatal(m)
	}
	if m := Median(nil); m != 0 {
		t.Fatal(m)
	}
}
