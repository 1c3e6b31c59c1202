package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// The configuration file holds one profile per deployment:
//
//	{"profiles": {"default": {"apiUrl": ...}, "prod": {"apiUrl": ...}}, "defaultProfile": "default"}
//
// at $SIGNET_CONFIG, else os.UserConfigDir()/signet/config.json, mode 0600 in a 0700
// directory. A file of the earlier single-profile shape ({"apiUrl": ...}) is read as the
// profile "default", and written in the new shape by the next `signet configure`.
type configFile struct {
	Profiles       map[string]config `json:"profiles"`
	DefaultProfile string            `json:"defaultProfile,omitempty"`
}

const defaultProfile = "default"

var profileRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// profile is the configuration a command runs with.
type profile struct {
	name string // the profile's name
	path string // the configuration file
	config
}

// signetDir is os.UserConfigDir()/signet, where the configuration, the token caches and
// the upload states live.
func signetDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("signet: no configuration directory (%v); set HOME or XDG_CONFIG_HOME", err)
	}
	return filepath.Join(dir, "signet"), nil
}

// configPath is where the configuration file is.
func configPath() (string, error) {
	if p := os.Getenv("SIGNET_CONFIG"); p != "" {
		return p, nil
	}
	dir, err := signetDir()
	if err != nil {
		return "", fmt.Errorf("%v, or SIGNET_CONFIG", err)
	}
	return filepath.Join(dir, "config.json"), nil
}

// readConfigFile reads the configuration file; none is an empty one.
func readConfigFile(path string) (configFile, error) {
	f := configFile{Profiles: map[string]config{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	} else if err != nil {
		return f, fmt.Errorf("signet: read the configuration: %v", err)
	}
	damaged := fmt.Errorf("signet: configuration %s is not valid JSON; run `signet configure` again", path)
	var shape map[string]json.RawMessage
	if json.Unmarshal(b, &shape) != nil {
		return f, damaged
	}
	if _, ok := shape["profiles"]; !ok { // the single-profile shape
		var c config
		if json.Unmarshal(b, &c) != nil {
			return f, damaged
		}
		f.Profiles[defaultProfile], f.DefaultProfile = c, defaultProfile
		return f, nil
	}
	if json.Unmarshal(b, &f) != nil {
		return f, damaged
	}
	if f.Profiles == nil {
		f.Profiles = map[string]config{}
	}
	return f, nil
}

// askedProfile is the profile named by --profile, else by $SIGNET_PROFILE; "" when
// neither names one.
func (a *app) askedProfile() (string, error) {
	name := a.profile
	if name == "" {
		name = os.Getenv("SIGNET_PROFILE")
	}
	if name != "" && !profileRE.MatchString(name) {
		return "", &usageError{fmt.Sprintf("signet: profile name %q must be 1-64 letters, digits, _ . or -, starting with a letter or digit", name)}
	}
	return name, nil
}

// pick is the profile to use: the one asked for, else the file's default.
func (f configFile) pick(asked string) string {
	switch {
	case asked != "":
		return asked
	case f.DefaultProfile != "":
		return f.DefaultProfile
	}
	return defaultProfile
}

// load reads the chosen profile and applies the environment over it. A profile asked
// for by name must exist, unless the environment gives the API URL.
func (a *app) load() (profile, error) {
	path, err := configPath()
	if err != nil {
		return profile{}, err
	}
	f, err := readConfigFile(path)
	if err != nil {
		return profile{}, err
	}
	asked, err := a.askedProfile()
	if err != nil {
		return profile{}, err
	}
	p := profile{name: f.pick(asked), path: path}
	c, ok := f.Profiles[p.name]
	if !ok && asked != "" && os.Getenv("SIGNET_API_URL") == "" {
		return p, &usageError{fmt.Sprintf("signet: no profile %q in %s%s; create it with `signet configure --profile %s ...`", p.name, path, f.listing(), p.name)}
	}
	if err := c.validate(); err != nil {
		return p, fmt.Errorf("signet: configuration %s%s: %v; run `signet configure%s` again", path, p.label(), err, p.flag())
	}
	for env, dst := range map[string]*string{"SIGNET_API_URL": &c.APIURL, "SIGNET_AUTH_DOMAIN": &c.AuthDomain, "SIGNET_CLIENT_ID": &c.ClientID} {
		if v := os.Getenv(env); v != "" {
			*dst = v
		}
	}
	p.config = c
	return p, nil
}

// listing is " (profiles a, b)", or "" when the file has none.
func (f configFile) listing() string {
	names := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		names = append(names, n)
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return " (profiles: " + strings.Join(names, ", ") + ")"
}

// label is " (profile NAME)" for any profile but the default one, for messages.
func (p profile) label() string {
	if p.name == defaultProfile {
		return ""
	}
	return " (profile " + p.name + ")"
}

// flag is " --profile NAME" for any profile but the default one, for commands to run.
func (p profile) flag() string {
	if p.name == defaultProfile {
		return ""
	}
	return " --profile " + p.name
}

// writeConfigFile replaces the file atomically, readable by its owner only.
func writeConfigFile(path string, f configFile) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(path, append(b, '\n'))
}

// writePrivate replaces the file at path atomically with b, mode 0600, creating its
// directory 0700.
func writePrivate(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*") // created 0600
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing left to remove
	if _, err := f.Write(b); err != nil {
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
