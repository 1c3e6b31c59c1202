// Package cfncheck reads Signet's wiring out of a synthesized CloudFormation template
// (JSON), so that tests can show the app, the composite in a team's stack and the
// composite with a team's own resources are wired the same way. Tests only; it knows
// nothing of CDK.
package cfncheck

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

// Wiring is what makes Signet's parts one system, as found in a template.
type Wiring struct {
	// BucketAdmitsDistribution: the bucket policy lets cloudfront.amazonaws.com read
	// only under StringEquals AWS:SourceArn = this distribution's ARN.
	BucketAdmitsDistribution bool
	// DataKeyAdmitsDistribution: the same condition on the data key's policy.
	DataKeyAdmitsDistribution bool
	// WideCloudFrontConditions lists cloudfront.amazonaws.com statements whose
	// condition is not that exact StringEquals (ArnLike, StringLike, none).
	WideCloudFrontConditions []string
	// Parameters are the SSM parameter names under the Signet prefix, prefix removed.
	Parameters []string
	// SignerReadsParameters: a role policy grants ssm:GetParameter* on the prefix.
	SignerReadsParameters bool
	// ParameterKeyViaSsmOnly: the parameter key's policy lets a role decrypt only via
	// SSM and only for the private-key parameters.
	ParameterKeyViaSsmOnly bool
	// SignerConnectsToDatabase: a role policy grants rds-db:connect as signet_app.
	SignerConnectsToDatabase bool
}

// Load reads a template file.
func Load(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t map[string]any
	return t, json.Unmarshal(b, &t)
}

var prefixRE = regexp.MustCompile(`^/signet/[0-9a-f]{10}/(.+)$`)

// Read finds the wiring in tmpl.
func Read(tmpl map[string]any) Wiring {
	res, _ := tmpl["Resources"].(map[string]any)
	var w Wiring
	dist := ""
	for id, r := range res {
		if typeOf(r) == "AWS::CloudFront::Distribution" {
			dist = id
		}
	}
	for id, r := range res {
		switch typeOf(r) {
		case "AWS::S3::BucketPolicy":
			w.BucketAdmitsDistribution = w.BucketAdmitsDistribution || admitsOnly(&w, id, props(r)["PolicyDocument"], dist)
		case "AWS::KMS::Key":
			w.DataKeyAdmitsDistribution = w.DataKeyAdmitsDistribution || admitsOnly(&w, id, props(r)["KeyPolicy"], dist)
			w.ParameterKeyViaSsmOnly = w.ParameterKeyViaSsmOnly || viaSsmOnly(props(r)["KeyPolicy"])
		case "AWS::SSM::Parameter":
			w.addParameter(props(r)["Name"])
		case "AWS::IAM::Policy":
			doc := js(props(r)["PolicyDocument"])
			w.SignerReadsParameters = w.SignerReadsParameters || (strings.Contains(doc, `"ssm:GetParametersByPath"`) && strings.Contains(doc, ":parameter/signet/"))
			w.SignerConnectsToDatabase = w.SignerConnectsToDatabase || (strings.Contains(doc, `"rds-db:connect"`) && strings.Contains(doc, "/signet_app"))
		default:
			if strings.HasPrefix(typeOf(r), "Custom::") {
				w.addParameter(props(r)["ParameterName"])
			}
		}
	}
	sort.Strings(w.Parameters)
	sort.Strings(w.WideCloudFrontConditions)
	return w
}

func (w *Wiring) addParameter(name any) {
	if s, ok := name.(string); ok {
		if m := prefixRE.FindStringSubmatch(s); m != nil {
			w.Parameters = append(w.Parameters, m[1])
		}
	}
}

// admitsOnly reports whether doc lets CloudFront in under StringEquals AWS:SourceArn
// naming dist, and records any CloudFront statement with another condition.
func admitsOnly(w *Wiring, id string, doc any, dist string) bool {
	found := false
	for _, s := range statements(doc) {
		if !strings.Contains(js(s["Principal"]), "cloudfront.amazonaws.com") {
			continue
		}
		cond, _ := s["Condition"].(map[string]any)
		eq, _ := cond["StringEquals"].(map[string]any)
		if len(cond) == 1 && len(eq) == 1 && strings.Contains(js(eq["AWS:SourceArn"]), `{"Ref":"`+dist+`"}`) {
			found = true
			continue
		}
		w.WideCloudFrontConditions = append(w.WideCloudFrontConditions, fmt.Sprintf("%s: %s", id, js(cond)))
	}
	return found
}

func viaSsmOnly(doc any) bool {
	for _, s := range statements(doc) {
		c := js(s["Condition"])
		if strings.Contains(c, `"kms:ViaService":"ssm.`) && strings.Contains(c, "kms:EncryptionContext:PARAMETER_ARN") && strings.Contains(c, "/private-keys/*") {
			return true
		}
	}
	return false
}

func statements(doc any) []map[string]any {
	d, _ := doc.(map[string]any)
	list, _ := d["Statement"].([]any)
	var out []map[string]any
	for _, s := range list {
		if m, ok := s.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func typeOf(r any) string {
	m, _ := r.(map[string]any)
	t, _ := m["Type"].(string)
	return t
}

func props(r any) map[string]any {
	m, _ := r.(map[string]any)
	p, _ := m["Properties"].(map[string]any)
	return p
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }
