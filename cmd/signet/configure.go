package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signet-cdk/signet/local/localdir"
)

const configureLong = `Configure writes one profile of the configuration: the API URL, the sign-in domain
and the app client id of a deployment, taken from the file 'cdk deploy --outputs-file'
wrote (the one stack in it with an ApiUrl output, or --stack), from the local stack of
'make demo' (--local), or from flags; flags override the outputs file.

The profile is the one named by --profile or $SIGNET_PROFILE, else the configuration's
default ("default"). Other profiles in the file are kept. The file is
$SIGNET_CONFIG, else <user config dir>/signet/config.json, mode 0600.`

const configureExample = `  signet configure --outputs outputs.json
  signet configure --profile prod --outputs prod-outputs.json --stack Signet --default
  signet configure --local
  signet configure --api-url https://files.example.com/api --auth-domain https://files.auth.eu-west-1.amazoncognito.com --client-id 3n4b5urk1ft4fl3mg5e62d9ado`

// configureFlags are the flags of `signet configure`.
type configureFlags struct {
	outputs, stack, apiURL, authDomain, clientID, dir string
	local, makeDefault                                bool
}

func (a *app) configureCmd() *cobra.Command {
	var f configureFlags
	c := &cobra.Command{
		Use:     "configure",
		Short:   "Write a profile from the stack's outputs, the local stack, or flags",
		Long:    configureLong,
		Example: configureExample,
		Args:    cobra.NoArgs,
		RunE:    func(c *cobra.Command, _ []string) error { return a.configure(c, f) },
	}
	fl := c.Flags()
	fl.StringVar(&f.outputs, "outputs", "", "the `FILE` that cdk deploy --outputs-file wrote")
	fl.StringVar(&f.stack, "stack", "", "the stack in the outputs file (default: the one with an ApiUrl)")
	fl.StringVar(&f.apiURL, "api-url", "", "the API's base `URL` (stack output ApiUrl)")
	fl.StringVar(&f.authDomain, "auth-domain", "", "the sign-in domain's https `URL` (stack output AuthDomain)")
	fl.StringVar(&f.clientID, "client-id", "", "the app client `ID` (stack output UserPoolClientId)")
	fl.BoolVar(&f.local, "local", false, "the local stack of 'make demo': its outputs.json and CA in --dir")
	fl.StringVar(&f.dir, "dir", "", "the local stack's `folder`, with --local (default $SIGNET_LOCAL_DIR, else <temp>/signet-local)")
	fl.BoolVar(&f.makeDefault, "default", false, "make this profile the default one")
	return c
}

func (a *app) configure(c *cobra.Command, f configureFlags) error {
	if err := f.check(c); err != nil {
		return err
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	p, err := a.saveProfile(cfg, f.makeDefault)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "signet: wrote %s (profile %s, API %s)\n", p.path, p.name, cfg.APIURL)
	return nil
}

// check refuses flags that do not go together.
func (f *configureFlags) check(c *cobra.Command) error {
	switch {
	case f.local && f.outputs != "":
		return usagef(c, "--local reads the local stack's outputs; do not give --outputs too")
	case f.dir != "" && !f.local:
		return usagef(c, "--dir is the local stack's folder; give --local too")
	case !f.local && f.outputs == "" && f.apiURL == "" && f.authDomain == "" && f.clientID == "":
		return usagef(c, "give --outputs FILE, --local, or --api-url, --auth-domain and --client-id")
	case f.stack != "" && f.outputs == "" && !f.local:
		return usagef(c, "--stack chooses a stack of --outputs; give --outputs too")
	}
	return nil
}

// config is the profile the flags describe: the outputs file's values, the flags
// over them.
func (f *configureFlags) config() (config, error) {
	var c config
	if f.local {
		if f.dir == "" {
			f.dir = localdir.Default()
		}
		f.outputs = filepath.Join(f.dir, localdir.OutputsFile)
	}
	if f.outputs != "" {
		var err error
		if c, err = fromOutputs(f.outputs, f.stack); err != nil {
			if f.local {
				return c, fmt.Errorf("signet configure --local: %v (start the local stack with `make demo` first)", strings.TrimPrefix(err.Error(), "signet configure: "))
			}
			return c, err
		}
	}
	if f.local {
		c.CAFile = filepath.Join(f.dir, localdir.CAFile)
	}
	if err := f.override(&c); err != nil {
		return c, err
	}
	c.APIURL, c.AuthDomain = strings.TrimSuffix(c.APIURL, "/"), strings.TrimSuffix(c.AuthDomain, "/")
	if err := c.validate(); err != nil {
		return c, fmt.Errorf("signet configure: %v", err)
	}
	return c, nil
}

// override sets the values given as flags, and says which are still missing.
func (f *configureFlags) override(c *config) error {
	var missing []string
	for _, v := range []struct {
		flag, output string
		value        string
		dst          *string
	}{{"--api-url", "ApiUrl", f.apiURL, &c.APIURL}, {"--auth-domain", "AuthDomain", f.authDomain, &c.AuthDomain}, {"--client-id", "UserPoolClientId", f.clientID, &c.ClientID}} {
		if v.value != "" {
			*v.dst = v.value
		}
		switch {
		case *v.dst != "":
		case f.outputs != "":
			missing = append(missing, fmt.Sprintf("stack %s has no %s output; give %s", c.Stack, v.output, v.flag))
		default:
			missing = append(missing, "give "+v.flag)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("signet configure: %s", strings.Join(missing, "; "))
	}
	return nil
}

// saveProfile writes c as the chosen profile, keeping the others.
func (a *app) saveProfile(c config, makeDefault bool) (profile, error) {
	path, err := configPath()
	if err != nil {
		return profile{}, err
	}
	f, err := readConfigFile(path)
	if err != nil {
		return profile{}, fmt.Errorf("%v (or remove it: it holds the other profiles)", err)
	}
	asked, err := a.askedProfile()
	if err != nil {
		return profile{}, err
	}
	p := profile{name: f.pick(asked), path: path, config: c}
	f.Profiles[p.name] = c
	if f.DefaultProfile == "" || makeDefault {
		f.DefaultProfile = p.name
	}
	if err := writeConfigFile(path, f); err != nil {
		return p, fmt.Errorf("signet configure: %v", err)
	}
	return p, nil
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
		if stack, err = onlyStack(all, file); err != nil {
			return c, err
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

// onlyStack is the one stack of the outputs with an ApiUrl.
func onlyStack(all map[string]map[string]any, file string) (string, error) {
	var withAPI []string
	for name, out := range all {
		if _, ok := out["ApiUrl"]; ok {
			withAPI = append(withAPI, name)
		}
	}
	slices.Sort(withAPI)
	switch len(withAPI) {
	case 0:
		return "", fmt.Errorf("signet configure: no stack in %s has an ApiUrl output", file)
	case 1:
		return withAPI[0], nil
	}
	return "", fmt.Errorf("signet configure: several stacks in %s have an ApiUrl (%s); choose one with --stack", file, strings.Join(withAPI, ", "))
}
