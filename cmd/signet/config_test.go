package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// useTLSClient makes the CLI trust api's test certificate (configure takes https only).
func useTLSClient(t *testing.T, api *standIn) {
	httpClient = api.Client()
	t.Cleanup(func() { httpClient = nil })
}

// readConfig is the profile "default" of the configuration file at path, which must
// be 0600 and of the profiles shape.
func readConfig(t *testing.T, path string) config {
	t.Helper()
	return readFile(t, path).Profiles[defaultProfile]
}

func readFile(t *testing.T, path string) configFile {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	var f configFile
	if err := json.Unmarshal(b, &f); err != nil || f.Profiles == nil {
		t.Fatalf("%s: %v %s", path, err, b)
	}
	return f
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// configure from a `cdk deploy --outputs-file` file, then another command uses it.
func TestConfigureFromOutputs(t *testing.T) {
	dir := isolate(t)
	api := newStandIn(t, true)
	useTLSClient(t, api)
	cfgPath := filepath.Join(dir, "elsewhere", "signet.json")
	t.Setenv("SIGNET_CONFIG", cfgPath)
	// Two stacks, as with the split edge stack: the one with an ApiUrl is chosen.
	outputs := writeFile(t, filepath.Join(dir, "outputs.json"), `{
		"Signet": {"ApiUrl": "`+api.URL+`/v1/", "Region": "eu-west-1", "UserPoolId": "eu-west-1_AbC123",
			"UserPoolClientId": "3n4b5urk1ft4fl3mg5e62d9ado", "AuthDomain": "https://files.auth.eu-west-1.amazoncognito.com",
			"DistributionDomain": "d111111abcdef8.cloudfront.net"},
		"Signet-us-east-1": {"EdgeFunctionVersion": "arn:aws:lambda:us-east-1:123456789012:function:f:1"}}`)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"configure", "--outputs", outputs}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), cfgPath) {
		t.Errorf("configure said %q", out.String())
	}
	want := config{APIURL: api.URL + "/v1", AuthDomain: "https://files.auth.eu-west-1.amazoncognito.com", ClientID: "3n4b5urk1ft4fl3mg5e62d9ado",
		UserPoolID: "eu-west-1_AbC123", Region: "eu-west-1", DistributionDomain: "d111111abcdef8.cloudfront.net", Stack: "Signet"}
	if got := readConfig(t, cfgPath); got != want {
		t.Errorf("config %+v, want %+v", got, want)
	}
	if st, _ := os.Stat(filepath.Dir(cfgPath)); st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v", st.Mode().Perm())
	}

	// Another command reads it.
	t.Setenv("SIGNET_ID_TOKEN", "tok")
	api.answer = customersJSON
	out.Reset()
	if err := run(context.Background(), []string{"admin", "customers", "list"}, &out); err != nil || !strings.Contains(out.String(), "acme    Acme Corp") {
		t.Fatalf("with the configuration: %q %v", out.String(), err)
	}
	if len(api.got) != 1 || api.got[0].path != "/v1/admin/customers" {
		t.Errorf("requests %+v", api.got)
	}

	// The environment overrides the file.
	other := newStandIn(t, false)
	other.answer = `{"files":[]}`
	t.Setenv("SIGNET_API_URL", other.URL)
	if err := run(context.Background(), []string{"ls"}, io.Discard); err != nil || len(other.got) != 1 || len(api.got) != 1 {
		t.Errorf("SIGNET_API_URL over the file: %v; %d and %d requests", err, len(other.got), len(api.got))
	}
	t.Setenv("SIGNET_API_URL", "")

	// --stack picks one; flags override the file's values; a file left 0644 is
	// replaced by a 0600 one.
	if err := os.Chmod(cfgPath, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"configure", "--outputs", outputs, "--stack", "Signet", "--client-id", "other"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := readConfig(t, cfgPath); got.ClientID != "other" || got.APIURL != want.APIURL {
		t.Errorf("config %+v", got)
	}
}

// configure from flags, at the default path; then another command uses it.
func TestConfigureFromFlags(t *testing.T) {
	dir := isolate(t)
	api := newStandIn(t, true)
	useTLSClient(t, api)
	if err := run(context.Background(), []string{"configure", "--api-url", api.URL, "--auth-domain", "https://login.example.com/",
		"--client-id", "abc123"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "signet", "config.json") // os.UserConfigDir is $XDG_CONFIG_HOME
	want := config{APIURL: api.URL, AuthDomain: "https://login.example.com", ClientID: "abc123"}
	if got := readConfig(t, path); got != want {
		t.Errorf("config %+v, want %+v", got, want)
	}
	t.Setenv("SIGNET_ID_TOKEN", "tok")
	api.answer = `{"files":[{"path":"reports/q1.pdf","contentType":"application/pdf","size":42,"updatedAt":"2030-01-01T00:00:00Z"}]}`
	var out bytes.Buffer
	if err := run(context.Background(), []string{"ls"}, &out); err != nil || !strings.Contains(out.String(), "reports/q1.pdf") {
		t.Fatalf("ls with the configuration: %q %v", out.String(), err)
	}
	// Without SIGNET_ID_TOKEN the cached tokens are used: none, so sign in first.
	t.Setenv("SIGNET_ID_TOKEN", "")
	signet(t, "ls").failed(t, ExitAuth, "signet: not signed in; run `signet login`")

	// A damaged file is reported, with what to do.
	writeFile(t, path, `{"apiUrl": `)
	if err := run(context.Background(), []string{"ls"}, io.Discard); err == nil ||
		err.Error() != "signet: configuration "+path+" is not valid JSON; run `signet configure` again" {
		t.Errorf("damaged file: %v", err)
	}
	writeFile(t, path, `{"apiUrl": "http://api.example.com"}`)
	if err := run(context.Background(), []string{"ls"}, io.Discard); err == nil || !strings.Contains(err.Error(), `api url "http://api.example.com" must be an https URL`) {
		t.Errorf("hand-edited file: %v", err)
	}
}

// configure refuses what is not a usable configuration, with one line, and writes
// nothing.
func TestConfigureRefuses(t *testing.T) {
	dir := isolate(t)
	cfgPath := filepath.Join(dir, "config.json")
	t.Setenv("SIGNET_CONFIG", cfgPath)
	stack := func(extra string) string {
		return `{"ApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com/v1/", "UserPoolClientId": "abc123"` + extra + `}`
	}
	good := `, "AuthDomain": "https://files.auth.eu-west-1.amazoncognito.com"`
	n := 0
	file := func(content string) string { // one file per case: the table is built before it runs
		n++
		return writeFile(t, filepath.Join(dir, fmt.Sprintf("outputs-%d.json", n)), content)
	}
	flags := []string{"--api-url", "https://api.example.com/v1", "--auth-domain", "https://login.example.com", "--client-id", "abc"}
	with := func(name, value string) []string {
		out := append([]string{"configure"}, flags...)
		for i := range out {
			if out[i] == name {
				out[i+1] = value
			}
		}
		return out
	}
	for _, tc := range []struct {
		args []string
		line string
	}{
		{[]string{"configure"}, "signet configure: give --outputs FILE, --local, or --api-url, --auth-domain and --client-id (usage: signet configure [flags])"},
		{[]string{"configure", "extra"}, `signet configure: unknown command "extra" for "signet configure" (usage: signet configure [flags])`},
		{[]string{"configure", "--region", "x"}, "signet configure: unknown flag: --region (usage: signet configure [flags])"},
		{[]string{"configure", "-outputs", "x"}, "signet configure: flags take two dashes: --outputs, not -outputs (usage: signet configure [flags])"},
		{[]string{"configure", "--stack", "Signet", "--api-url", "https://x"},
			"signet configure: --stack chooses a stack of --outputs; give --outputs too (usage: signet configure [flags])"},
		{[]string{"configure", "--local", "--outputs", "x"},
			"signet configure: --local reads the local stack's outputs; do not give --outputs too (usage: signet configure [flags])"},
		{[]string{"configure", "--dir", "x"}, "signet configure: --dir is the local stack's folder; give --local too (usage: signet configure [flags])"},
		{[]string{"configure", "--api-url", "https://api.example.com"}, "signet configure: give --auth-domain; give --client-id"},
		{with("--api-url", "http://api.example.com/v1"),
			`signet configure: api url "http://api.example.com/v1" must be an https URL such as https://files.example.com/api/`},
		{with("--api-url", "https://user:pw@api.example.com"),
			`signet configure: api url "https://user:pw@api.example.com" must be an https URL such as https://files.example.com/api/`},
		{with("--auth-domain", "files.auth.eu-west-1.amazoncognito.com"),
			`signet configure: auth domain "files.auth.eu-west-1.amazoncognito.com" must be an https URL such as https://<prefix>.auth.<region>.amazoncognito.com`},
		{with("--auth-domain", "https://login.example.com/oauth2/authorize"),
			`signet configure: auth domain "https://login.example.com/oauth2/authorize" must be an https URL such as https://<prefix>.auth.<region>.amazoncognito.com`},
		{with("--client-id", "a b"), `signet configure: client id "a b" must be the app client's id (1-128 letters, digits, _ or +)`},
		{[]string{"configure", "--outputs", filepath.Join(dir, "missing.json")}, "signet configure: open " + filepath.Join(dir, "missing.json") + ": no such file or directory"},
		{[]string{"configure", "--outputs", file(`["Signet"]`)},
			"signet configure: FILE" + ` is not a ` + "`cdk deploy --outputs-file`" + ` file ({"Signet": {"ApiUrl": ...}})`},
		{[]string{"configure", "--outputs", file(`{"Other": {"X": "y"}}`)}, "signet configure: no stack in FILE has an ApiUrl output"},
		{[]string{"configure", "--outputs", file(`{"A": ` + stack(good) + `, "B": ` + stack(good) + `}`)},
			"signet configure: several stacks in FILE have an ApiUrl (A, B); choose one with --stack"},
		{[]string{"configure", "--outputs", file(`{"Signet": ` + stack(good) + `}`), "--stack", "Signet-eu"},
			`signet configure: no stack "Signet-eu" in FILE`},
		{[]string{"configure", "--outputs", file(`{"Signet": ` + stack("") + `}`)},
			"signet configure: stack Signet has no AuthDomain output; give --auth-domain"},
		{[]string{"configure", "--outputs", file(`{"Signet": ` + stack(good+`, "Region": 7`) + `}`)},
			"signet configure: output Region of stack Signet is not a string"},
		{[]string{"configure", "--outputs", file(`{"Signet": ` + stack(good+`, "UserPoolId": "pool"`) + `}`)},
			`signet configure: user pool id "pool" is not a user pool id such as eu-west-1_AbC123`},
		{[]string{"configure", "--outputs", file(`{"Signet": ` + stack(good+`, "Region": "Ireland"`) + `}`)},
			`signet configure: region "Ireland" is not an AWS region such as eu-west-1`},
		{[]string{"configure", "--outputs", file(`{"Signet": ` + stack(good+`, "DistributionDomain": "https://d1.cloudfront.net"`) + `}`)},
			`signet configure: distribution domain "https://d1.cloudfront.net" must be a host name such as d111111abcdef8.cloudfront.net`},
	} {
		if i := slices.Index(tc.args, "--outputs"); i > 0 {
			tc.line = strings.ReplaceAll(tc.line, "FILE", tc.args[i+1])
		}
		if err := run(context.Background(), tc.args, io.Discard); err == nil || err.Error() != tc.line {
			t.Errorf("%q:\n got %v\nwant %s", tc.args, err, tc.line)
		}
	}
	if _, err := os.Stat(cfgPath); !os.IsNotExist(err) {
		t.Errorf("a refused configuration was written: %v", err)
	}
	// The same outputs with the missing value given as a flag are fine.
	if err := run(context.Background(), []string{"configure", "--outputs", file(`{"Signet": ` + stack("") + `}`), "--auth-domain", "https://login.example.com"}, io.Discard); err != nil {
		t.Error(err)
	}
}
