package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/signet-cdk/signet/local/localdir"
)

// The configuration file, written by `signet configure` from the stack's outputs:
//
//	{"apiUrl": "https://d111111abcdef8.cloudfront.net/api/",
//	 "authDomain": "https://files.auth.eu-west-1.amazoncognito.com",
//	 "clientId": "...", "userPoolId": "eu-west-1_...", "region": "eu-west-1",
//	 "distributionDomain": "d111111abcdef8.cloudfront.net", "stack": "Signet"}
//
// at $SIGNET_CONFIG, else os.UserConfigDir()/signet/config.json, mode 0600. Every
// command reads it; the environment variables SIGNET_API_URL, SIGNET_AUTH_DOMAIN and
// SIGNET_CLIENT_ID, when set, override its values.
type config struct {
	APIURL             string `json:"apiUrl"`
	AuthDomain         string `json:"authDomain"`
	ClientID           string `json:"clientId"`
	UserPoolID         string `json:"userPoolId,omitempty"`
	Region             string `json:"region,omitempty"`
	DistributionDomain string `json:"distributionDomain,omitempty"`
	Stack              string `json:"stack,omitempty"`
	// CAFile is a PEM file of certificate authorities trusted besides the system's: the
	// local demo's own CA (`signet configure --local`).
	CAFile string `json:"caFile,omitempty"`
}

// httpClient is the HTTP client for the API and sign-in: the tests' when set, else
// one trusting CAFile too when the configuration names one, else the default.
func (c config) httpClient() (*http.Client, error) {
	if httpClient != nil || c.CAFile == "" {
		return httpClient, nil
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("signet: read the CA file %s: %v (is the local stack running? run `signet configure` again)", c.CAFile, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("signet: %s holds no PEM certificate", c.CAFile)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: t}, nil
}

// configPath is where the configuration file is.
func configPath() (string, error) {
	if p := os.Getenv("SIGNET_CONFIG"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("signet: no directory for the configuration (%v); set SIGNET_CONFIG", err)
	}
	return filepath.Join(dir, "signet", "config.json"), nil
}

// loadConfig reads the configuration file (none is no error) and applies the
// environment over it.
func loadConfig() (config, string, error) {
	var c config
	path, err := configPath()
	if err != nil {
		return c, "", err
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return c, path, fmt.Errorf("signet: read the configuration: %v", err)
	default:
		if err := json.Unmarshal(b, &c); err != nil {
			return c, path, fmt.Errorf("signet: configuration %s is not valid JSON; run `signet configure` again", path)
		}
		if err := c.validate(); err != nil {
			return c, path, fmt.Errorf("signet: configuration %s: %v; run `signet configure` again", path, err)
		}
	}
	for env, dst := range map[string]*string{"SIGNET_API_URL": &c.APIURL, "SIGNET_AUTH_DOMAIN": &c.AuthDomain, "SIGNET_CLIENT_ID": &c.ClientID} {
		if v := os.Getenv(env); v != "" {
			*dst = v
		}
	}
	return c, path, nil
}

var (
	clientIDRE   = regexp.MustCompile(`^[\w+]{1,128}$`)
	userPoolIDRE = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	regionRE     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	hostRE       = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:[0-9]{1,5})?$`)
)

// httpsURL checks an https URL with a host and no credentials, query or fragment;
// bare says it must have no path either.
func httpsURL(s string, bare bool) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && u.RawQuery == "" && u.Fragment == "" &&
		!u.ForceQuery && (!bare || u.Path == "" || u.Path == "/")
}

// validate checks the values present.
func (c config) validate() error {
	switch {
	case c.APIURL != "" && !httpsURL(c.APIURL, false):
		return fmt.Errorf("api url %q must be an https URL such as https://files.example.com/api/", c.APIURL)
	case c.AuthDomain != "" && !httpsURL(c.AuthDomain, true):
		return fmt.Errorf("auth domain %q must be an https URL such as https://<prefix>.auth.<region>.amazoncognito.com", c.AuthDomain)
	case c.ClientID != "" && !clientIDRE.MatchString(c.ClientID):
		return fmt.Errorf("client id %q must be the app client's id (1-128 letters, digits, _ or +)", c.ClientID)
	case c.UserPoolID != "" && (len(c.UserPoolID) > 55 || !userPoolIDRE.MatchString(c.UserPoolID)):
		return fmt.Errorf("user pool id %q is not a user pool id such as eu-west-1_AbC123", c.UserPoolID)
	case c.Region != "" && !regionRE.MatchString(c.Region):
		return fmt.Errorf("region %q is not an AWS region such as eu-west-1", c.Region)
	case c.DistributionDomain != "" && !hostRE.MatchString(c.DistributionDomain):
		return fmt.Errorf("distribution domain %q must be a host name such as d111111abcdef8.cloudfront.net", c.DistributionDomain)
	}
	return nil
}

const configureUsage = "usage: signet configure --outputs outputs.json [--stack name] | --local [--dir DIR] | --api-url URL --auth-domain URL --client-id ID"

// configure writes the configuration file from a `cdk deploy --outputs-file` file,
// from flags, or from both (the flags win).
func configure(args []string, stdout io.Writer) error {
	fset := flag.NewFlagSet("signet configure", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	outputs := fset.String("outputs", "", "the file `cdk deploy --outputs-file` wrote")
	stack := fset.String("stack", "", "the stack in the outputs file (default: the one with an ApiUrl)")
	apiURL := fset.String("api-url", "", "the API's base URL (stack output ApiUrl)")
	authDomain := fset.String("auth-domain", "", "the hosted UI's https URL (stack output AuthDomain)")
	clientID := fset.String("client-id", "", "the app client id (stack output UserPoolClientId)")
	local := fset.Bool("local", false, "the local stack of `make demo` (its outputs.json and CA in --dir)")
	localDir := fset.String("dir", localdir.Default(), "the local stack's folder, with --local")
	if err := fset.Parse(args); err != nil || fset.NArg() > 0 {
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			return fmt.Errorf("signet configure: %v (%s)", err, configureUsage)
		}
		return errors.New(configureUsage)
	}
	if *local {
		if *outputs != "" {
			return errors.New("signet configure: --local reads the local stack's outputs; do not give --outputs too")
		}
		*outputs = filepath.Join(*localDir, localdir.OutputsFile)
	}
	if *outputs == "" && *apiURL == "" && *authDomain == "" && *clientID == "" {
		return errors.New(configureUsage)
	}
	if *stack != "" && *outputs == "" {
		return errors.New("signet configure: --stack chooses a stack of --outputs; give --outputs too")
	}
	var c config
	if *outputs != "" {
		var err error
		if c, err = fromOutputs(*outputs, *stack); err != nil {
			if *local {
				return fmt.Errorf("signet configure --local: %v (start the local stack with `make demo` first)", err)
			}
			return err
		}
	}
	if *local {
		c.CAFile = filepath.Join(*localDir, localdir.CAFile)
	}
	var missing []string
	for _, f := range []struct {
		flag, output string
		value        *string
		dst          *string
	}{{"--api-url", "ApiUrl", apiURL, &c.APIURL}, {"--auth-domain", "AuthDomain", authDomain, &c.AuthDomain}, {"--client-id", "UserPoolClientId", clientID, &c.ClientID}} {
		if *f.value != "" {
			*f.dst = *f.value
		}
		switch {
		case *f.dst != "":
		case *outputs != "":
			missing = append(missing, fmt.Sprintf("stack %s has no %s output; give %s", c.Stack, f.output, f.flag))
		default:
			missing = append(missing, "give "+f.flag)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("signet configure: %s", strings.Join(missing, "; "))
	}
	c.APIURL, c.AuthDomain = strings.TrimSuffix(c.APIURL, "/"), strings.TrimSuffix(c.AuthDomain, "/")
	if err := c.validate(); err != nil {
		return fmt.Errorf("signet configure: %v", err)
	}
	path, err := configPath()
	if err != nil {
		return err
	}
	if err := writeConfig(path, c); err != nil {
		return fmt.Errorf("signet configure: %v", err)
	}
	fmt.Fprintf(stdout, "signet: wrote %s (API %s)\n", path, c.APIURL)
	return nil
}

// fromOutputs reads the stack's outputs from a `cdk deploy --outputs-file` file:
// {"<stack>": {"ApiUrl": ..., "AuthDomain": ..., "UserPoolClientId": ..., ...}}.
func fromOutputs(file, stack string) (config, error) {
	var c config
	b, err := os.ReadFile(file)
	if err != nil {
		return c, fmt.Errorf("signet configure: %v", err)
	}
	var all map[string]map[string]any
	if err := json.Unmarshal(b, &all); err != nil {
		return c, fmt.Errorf("signet configure: %s is not a `cdk deploy --outputs-file` file ({\"Signet\": {\"ApiUrl\": ...}})", file)
	}
	if stack == "" {
		var withAPI []string
		for name, out := range all {
			if _, ok := out["ApiUrl"]; ok {
				withAPI = append(withAPI, name)
			}
		}
		slices.Sort(withAPI)
		switch len(withAPI) {
		case 0:
			return c, fmt.Errorf("signet configure: no stack in %s has an ApiUrl output", file)
		case 1:
			stack = withAPI[0]
		default:
			return c, fmt.Errorf("signet configure: several stacks in %s have an ApiUrl (%s); choose one with --stack", file, strings.Join(withAPI, ", "))
		}
	}
	out, ok := all[stack]
	if !ok {
		return c, fmt.Errorf("signet configure: no stack %q in %s", stack, file)
	}
	c.Stack = stack
	for key, dst := range map[string]*string{"ApiUrl": &c.APIURL, "AuthDomain": &c.AuthDomain, "UserPoolClientId": &c.ClientID,
		"UserPoolId": &c.UserPoolID, "Region": &c.Region, "DistributionDomain": &c.DistributionDomain} {
		v, present := out[key]
		if s, ok := v.(string); ok {
			*dst = s
		} else if present {
			return c, fmt.Errorf("signet configure: output %s of stack %s is not a string", key, stack)
		}
	}
	return c, nil
}

// writeConfig replaces the file atomically, readable by its owner only.
func writeConfig(path string, c config) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".config-*.json") // created 0600
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing left to remove
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
