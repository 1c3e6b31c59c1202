package guard

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// validatorDir is where `make tools` installs the pinned cfn-guard and the AWS
// Control Tower proactive-control rules, relative to the repository root.
const validatorDir = ".tools/node_modules/@cdklabs/cdk-validator-cfnguard"

// Tools is a cfn-guard binary and the rule tree it validates against.
type Tools struct {
	Binary string
	Rules  string
}

// FindTools locates cfn-guard and the Control Tower rules under root (the
// repository root), choosing the binary built for this machine.
func FindTools(root string) (Tools, error) {
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	if runtime.GOOS != "linux" || arch == "" {
		return Tools{}, fmt.Errorf("no cfn-guard binary for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	dir := filepath.Join(root, validatorDir)
	t := Tools{
		Binary: filepath.Join(dir, "bin", "ubuntu", arch, "cfn-guard"),
		Rules:  filepath.Join(dir, "rules", "control-tower", "cfn-guard"),
	}
	for _, p := range []string{t.Binary, t.Rules} {
		if _, err := os.Stat(p); err != nil {
			return Tools{}, fmt.Errorf("cfn-guard not installed (%v): run `make tools`", err)
		}
	}
	return t, nil
}

// CheckAssembly validates every *.template.json in a cloud assembly directory and
// returns the findings with their suppressions applied.
func (t Tools) CheckAssembly(dir string) ([]Finding, error) {
	templates, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if err != nil {
		return nil, err
	}
	if len(templates) == 0 {
		return nil, fmt.Errorf("no *.template.json in %s", dir)
	}
	var all []Finding
	for _, tmpl := range templates {
		f, err := t.CheckTemplate(tmpl)
		if err != nil {
			return nil, err
		}
		all = append(all, f...)
	}
	return all, nil
}

// CheckTemplate validates one template against the whole rule tree.
func (t Tools) CheckTemplate(path string) ([]Finding, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	supp, err := ReadSuppressions(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out, err := t.run(path)
	if err != nil {
		return nil, err
	}
	findings, err := Parse(filepath.Base(path), out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Apply(findings, supp), nil
}

// run calls cfn-guard. It exits 19 when a rule fails (the JSON says which) and
// other non-zero codes on real errors.
func (t Tools) run(path string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(t.Binary, "validate", "-d", path, "-r", t.Rules,
		"-o", "json", "--structured", "--show-summary", "none")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 19) {
		return nil, fmt.Errorf("cfn-guard %s: %v: %s", path, err, stderr.String())
	}
	return stdout.Bytes(), nil
}
