// Package nag records cdk-nag suppressions next to the resources they concern, so a
// team that imports a Signet construct and runs cdk-nag gets the same reviewed
// reasons. Every suppression names one resource (or one construct's children), the
// rule, the exact finding where the rule reports several, and why.
package nag

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Rule is one suppression.
type Rule struct {
	ID     string
	Reason string
	// AppliesTo lists exact findings, e.g. "Resource::*".
	AppliesTo []string
	// AppliesToRegex lists findings as JavaScript regular expressions ("/.../").
	AppliesToRegex []string
}

// Suppress attaches rules to c (and its children when children is set).
func Suppress(c constructs.IConstruct, children bool, rules ...Rule) {
	out := make([]*cdknag.NagPackSuppression, 0, len(rules))
	for _, r := range rules {
		s := &cdknag.NagPackSuppression{Id: jsii.String(r.ID), Reason: jsii.String(r.Reason)}
		if len(r.AppliesTo)+len(r.AppliesToRegex) > 0 {
			var applies []any
			for _, a := range r.AppliesTo {
				applies = append(applies, a)
			}
			for _, re := range r.AppliesToRegex {
				applies = append(applies, &cdknag.RegexAppliesTo{Regex: jsii.String(re)})
			}
			s.AppliesTo = &applies
		}
		out = append(out, s)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &out, jsii.Bool(children))
}

// Packs lists a rule id in each pack that has it: Each("S3BucketReplicationEnabled",
// reason) suppresses the NIST, HIPAA and PCI versions.
func Each(rule, reason string, packs ...string) []Rule {
	if len(packs) == 0 {
		packs = []string{"NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"}
	}
	rules := make([]Rule, len(packs))
	for i, p := range packs {
		rules[i] = Rule{ID: p + "-" + rule, Reason: reason}
	}
	return rules
}
