// Package guard reads cfn-guard's structured JSON output (validate -o json
// --structured) and matches each finding against the suppressions the constructs
// wrote into resource Metadata. cfn-guard has no suppression of its own for the
// Control Tower rules (Metadata.guard.SuppressedRules is ignored by them), so this
// is ours: a (rule, resource) finding is accepted only when that resource's
// "signet:guard" metadata names the rule with a reason.
package guard

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// MetadataKey is the resource Metadata key nag.SuppressGuard writes.
const MetadataKey = "signet:guard"

// MinReason is the shortest reason accepted: a word or two is not a reason.
const MinReason = 10

// Finding is one rule failing on one resource of one template.
type Finding struct {
	Template string
	Control  string // e.g. CT.S3.PR.9, "" when the rule has no custom message
	Rule     string // cfn-guard rule name
	Resource string // logical id
	Reason   string // the suppression's reason, "" when not suppressed
}

// Accepted reports whether a suppression with a reason covers the finding.
func (f Finding) Accepted() bool { return f.Reason != "" }

// String is one line of the checker's report.
func (f Finding) String() string {
	verdict := "FAIL"
	if f.Accepted() {
		verdict = "accepted: " + f.Reason
	}
	return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", f.Template, f.Control, f.Rule, f.Resource, verdict)
}

var controlRE = regexp.MustCompile(`\[(CT\.[A-Z0-9]+\.PR\.[0-9]+)\]`)

const resourcesPrefix = "/Resources/"

// Parse returns the distinct (control, rule, resource) findings in cfn-guard's
// output for one template, sorted.
func Parse(template string, out []byte) ([]Finding, error) {
	var files []struct {
		NotCompliant []json.RawMessage `json:"not_compliant"`
	}
	if err := json.Unmarshal(out, &files); err != nil {
		return nil, fmt.Errorf("cfn-guard output: %w", err)
	}
	seen := map[Finding]bool{}
	for _, file := range files {
		for _, raw := range file.NotCompliant {
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("cfn-guard output: %w", err)
			}
			rule := topRuleName(v)
			if rule == "" {
				continue
			}
			w := &walker{}
			w.walk(v)
			for id := range w.ids {
				seen[Finding{Template: template, Control: w.control, Rule: rule, Resource: id}] = true
			}
		}
	}
	return sorted(seen), nil
}

func sorted(set map[Finding]bool) []Finding {
	out := make([]Finding, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// topRuleName is the name of a not_compliant entry's top rule ({"Rule": {"name"}}).
func topRuleName(v any) string {
	m, _ := v.(map[string]any)
	r, _ := m["Rule"].(map[string]any)
	name, _ := r["name"].(string)
	return name
}

// walker collects, anywhere under one rule, the first control id in a custom
// message and the logical ids of every "path" into /Resources/.
type walker struct {
	control string
	ids     map[string]bool
}

func (w *walker) walk(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			w.visit(k, x)
			w.walk(x)
		}
	case []any:
		for _, x := range t {
			w.walk(x)
		}
	}
}

func (w *walker) visit(key string, v any) {
	s, ok := v.(string)
	if !ok {
		return
	}
	switch key {
	case "custom_message":
		if m := controlRE.FindStringSubmatch(s); m != nil && w.control == "" {
			w.control = m[1]
		}
	case "path":
		if id := logicalID(s); id != "" {
			if w.ids == nil {
				w.ids = map[string]bool{}
			}
			w.ids[id] = true
		}
	}
}

// logicalID is the logical id in a JSON pointer such as /Resources/Id/Properties/...
func logicalID(path string) string {
	rest, ok := strings.CutPrefix(path, resourcesPrefix)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// Suppressions is rule name -> reason, by logical id.
type Suppressions map[string]map[string]string

// ReadSuppressions reads every resource's "signet:guard" metadata in a template.
// An entry without a rule or with a reason shorter than MinReason is an error, so a
// careless suppression fails the build rather than silently passing.
func ReadSuppressions(template []byte) (Suppressions, error) {
	var doc struct {
		Resources map[string]struct {
			Metadata map[string]json.RawMessage `json:"Metadata"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(template, &doc); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	out := Suppressions{}
	for id, r := range doc.Resources {
		raw, ok := r.Metadata[MetadataKey]
		if !ok {
			continue
		}
		rules, err := parseEntries(id, raw)
		if err != nil {
			return nil, err
		}
		out[id] = rules
	}
	return out, nil
}

func parseEntries(id string, raw json.RawMessage) (map[string]string, error) {
	var entries []struct {
		Rule   string `json:"rule"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("%s: %s metadata: %w", id, MetadataKey, err)
	}
	rules := map[string]string{}
	for _, e := range entries {
		if e.Rule == "" || len(strings.TrimSpace(e.Reason)) < MinReason {
			return nil, fmt.Errorf("%s: %s entry %q needs a rule and a reason of at least %d characters", id, MetadataKey, e.Rule, MinReason)
		}
		rules[e.Rule] = e.Reason
	}
	return rules, nil
}

// Apply fills in Reason for each finding its resource suppresses.
func Apply(findings []Finding, s Suppressions) []Finding {
	out := make([]Finding, len(findings))
	for i, f := range findings {
		f.Reason = s[f.Resource][f.Rule]
		out[i] = f
	}
	return out
}

// Failed counts the findings no suppression covers.
func Failed(findings []Finding) int {
	n := 0
	for _, f := range findings {
		if !f.Accepted() {
			n++
		}
	}
	return n
}
