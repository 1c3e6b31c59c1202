package guard

import (
	"reflect"
	"strings"
	"testing"
)

// oneFinding is cfn-guard's structured output, trimmed: one rule failing on two
// resources, the control id in a nested custom message.
const oneFinding = `[{"name": "t.json", "status": "FAIL", "not_compliant": [
  {"Rule": {"name": "s3_bucket_object_lock_enabled_check", "messages": {"custom_message": null},
    "checks": [{"Rule": {"name": "check", "messages": {"custom_message": "\n [CT.S3.PR.9]: Require ...\n [FIX]: ..."},
      "checks": [
        {"Clause": {"Binary": {"check": {"Resolved": {"from": {"path": "/Resources/Files/Properties/ObjectLockEnabled"}}}}}},
        {"Clause": {"Unary": {"check": {"UnResolved": {"value": {"traversed_to": {"path": "/Resources/Logs/Properties"}}}}}}},
        {"Clause": {"Unary": {"check": {"UnResolved": {"value": {"traversed_to": {"path": "/Resources/Logs"}}}}}}}
      ]}}]}}]}]`

const twoRules = `[{"name": "t.json", "not_compliant": [
  {"Rule": {"name": "rule_b", "checks": [{"Rule": {"messages": {"custom_message": "[CT.KMS.PR.3]: x"}, "checks": [{"path": "/Resources/Key"}]}}]}},
  {"Rule": {"name": "rule_a", "checks": [{"path": "/Parameters/P"}, {"path": "/Resources/Fn/Properties"}]}}
]}, {"name": "u.json", "status": "PASS", "not_compliant": []}]`

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Finding
	}{
		{"nested paths, one control", oneFinding, []Finding{
			{Template: "t", Control: "CT.S3.PR.9", Rule: "s3_bucket_object_lock_enabled_check", Resource: "Files"},
			{Template: "t", Control: "CT.S3.PR.9", Rule: "s3_bucket_object_lock_enabled_check", Resource: "Logs"},
		}},
		{"two rules, no control, non-resource path ignored", twoRules, []Finding{
			{Template: "t", Rule: "rule_a", Resource: "Fn"},
			{Template: "t", Control: "CT.KMS.PR.3", Rule: "rule_b", Resource: "Key"},
		}},
		{"compliant", `[{"name": "t.json", "not_compliant": []}]`, []Finding{}},
		{"empty list", `[]`, []Finding{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse("t", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseRejectsNonJSON(t *testing.T) {
	for _, in := range []string{"", "not json", `{"not": "a list"}`} {
		if _, err := Parse("t", []byte(in)); err == nil {
			t.Errorf("Parse(%q): no error", in)
		}
	}
}

const template = `{"Resources": {
  "Files": {"Type": "AWS::S3::Bucket", "Metadata": {"signet:guard": [
    {"rule": "s3_bucket_object_lock_enabled_check", "reason": "versioning and a retained key"}]}},
  "Logs": {"Type": "AWS::S3::Bucket", "Metadata": {"cdk_nag": {}}},
  "Key": {"Type": "AWS::KMS::Key"}}}`

func TestApply(t *testing.T) {
	s, err := ReadSuppressions([]byte(template))
	if err != nil {
		t.Fatal(err)
	}
	findings, err := Parse("t", []byte(oneFinding))
	if err != nil {
		t.Fatal(err)
	}
	got := Apply(findings, s)
	if !got[0].Accepted() || got[0].Reason != "versioning and a retained key" {
		t.Errorf("Files: want accepted with its reason, got %+v", got[0])
	}
	if got[1].Accepted() {
		t.Errorf("Logs has no signet:guard entry, want FAIL, got %+v", got[1])
	}
	if n := Failed(got); n != 1 {
		t.Errorf("Failed = %d, want 1", n)
	}
	if line := got[1].String(); !strings.HasSuffix(line, "\tFAIL") || !strings.Contains(line, "CT.S3.PR.9") {
		t.Errorf("report line %q", line)
	}
}

// A suppression names one rule on one resource: the same rule elsewhere, or another
// rule here, still fails.
func TestApplyMatchesRuleAndResource(t *testing.T) {
	s := Suppressions{"Files": {"other_rule": "a reason long enough"}}
	got := Apply([]Finding{{Rule: "r", Resource: "Files"}, {Rule: "other_rule", Resource: "Logs"}}, s)
	if Failed(got) != 2 {
		t.Errorf("want both unsuppressed, got %+v", got)
	}
}

func TestReadSuppressionsRejectsCarelessEntries(t *testing.T) {
	for name, md := range map[string]string{
		"short reason": `[{"rule": "r", "reason": "because"}]`,
		"no rule":      `[{"reason": "a long enough reason"}]`,
		"not a list":   `{"rule": "r", "reason": "a long enough reason"}`,
	} {
		doc := `{"Resources": {"X": {"Metadata": {"signet:guard": ` + md + `}}}}`
		if _, err := ReadSuppressions([]byte(doc)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzParse: any input either parses or errors; no panic, and every finding names a
// resource and a rule.
func FuzzParse(f *testing.F) {
	for _, s := range []string{oneFinding, twoRules, `[]`, `[{"not_compliant": [1, "x", null, {"Rule": 3}]}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := Parse("t", in)
		if err != nil {
			return
		}
		for _, g := range got {
			if g.Resource == "" || g.Rule == "" {
				t.Errorf("finding without resource or rule: %+v", g)
			}
		}
	})
}
