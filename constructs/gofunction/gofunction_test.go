package gofunction_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-cdk/signet/constructs/gofunction"
)

const keygen = "github.com/signet-cdk/signet/lambda/keygen"

// One real build: a static arm64 ELF named bootstrap.
func TestBuildMakesStaticArm64Binary(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bootstrap")
	if err := gofunction.Build(keygen, out); err != nil {
		t.Fatal(err)
	}
	assertStaticArm64(t, out)
}

func assertStaticArm64(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Class != elf.ELFCLASS64 || f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX {
		t.Errorf("machine %v class %v", f.Machine, f.Class)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("dynamically linked (%v)", p.Type)
		}
	}
	if s := f.Section(".symtab"); s != nil {
		t.Error("symbols not stripped (-ldflags -s -w)")
	}
}

// The asset hash depends on sources, not on time or place: the same sources hash the
// same, and one changed byte in any package the binary uses changes it.
func TestHashFollowsSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/hashme\n\ngo 1.26\n")
	write("lib/lib.go", "package lib\n\nconst Greeting = \"hello\"\n")
	write("cmd/fn/main.go", "package main\n\nimport \"example.com/hashme/lib\"\n\nfunc main() { println(lib.Greeting) }\n")
	hash := func() string {
		t.Helper()
		wd, _ := os.Getwd()
		defer os.Chdir(wd)
		if err := os.Chdir(dir); err != nil {
			t.Fatal(err)
		}
		p, err := gofunction.InspectUncached("example.com/hashme/cmd/fn")
		if err != nil {
			t.Fatal(err)
		}
		return p.Hash
	}
	a, b := hash(), hash()
	if a != b {
		t.Fatalf("hash not stable: %s %s", a, b)
	}
	write("lib/lib.go", "package lib\n\nconst Greeting = \"hello!\"\n")
	if c := hash(); c == a {
		t.Fatal("hash ignores a change in a dependency")
	}
}

func TestMissingGoIsAClearError(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := gofunction.InspectUncached(keygen)
	if err == nil || !strings.Contains(err.Error(), "go command is not on PATH") {
		t.Fatalf("got %v", err)
	}
	if err := gofunction.Build(keygen, filepath.Join(t.TempDir(), "bootstrap")); err == nil || !strings.Contains(err.Error(), "go command is not on PATH") {
		t.Fatalf("got %v", err)
	}
}

// Another Go module imports Signet's constructs (through a replace directive, as a
// team would before a release) and synthesizes: bundling builds the keygen Lambda by
// import path from the consumer's module.
func TestConsumerModuleBundles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a CDK app in a throwaway module")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/consumer\n\ngo 1.26.8\n\nrequire github.com/signet-cdk/signet v0.0.0\n\nreplace github.com/signet-cdk/signet => " + root + "\n"
	main := `package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/signingkeys"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String("out")})
	stack := awscdk.NewStack(app, jsii.String("Consumer"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
	signingkeys.NewSigningKeys(stack, "Keys", nil)
	app.Synth(nil)
}
`
	for name, body := range map[string]string{"go.mod": gomod, "main.go": main} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	_ = os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("mod", "tidy")
	run("run", ".")
	bins, _ := filepath.Glob(filepath.Join(dir, "out", "asset.*", "bootstrap"))
	if len(bins) != 1 {
		t.Fatalf("bundled binaries: %v", bins)
	}
	assertStaticArm64(t, bins[0])
}
