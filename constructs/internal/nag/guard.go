package nag

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// guardKey is the resource Metadata key internal/guardcheck reads. cfn-guard's
// Control Tower rules have no suppression of their own, so the checker treats a
// (rule, resource) finding as accepted only when this metadata names the rule.
const guardKey = "signet:guard"

// minGuardReason matches guardcheck: a word or two is not a reason.
const minGuardReason = 10

// SuppressGuard records that c's CloudFormation resource (c itself or its default
// child) is accepted under the cfn-guard rule, and why. It panics on a short reason
// or a construct without a CfnResource: both are programming errors caught at synth.
func SuppressGuard(c constructs.IConstruct, rule, reason string) {
	if len(reason) < minGuardReason {
		panic(fmt.Sprintf("nag.SuppressGuard %s: reason %q is too short", rule, reason))
	}
	r := cfnResource(c)
	entries, _ := r.GetMetadata(jsii.String(guardKey)).([]any)
	for _, e := range entries {
		if m, ok := e.(map[string]any); ok && m["rule"] == rule {
			return // one reason per rule: the first construct to explain it wins
		}
	}
	entries = append(entries, map[string]any{"rule": rule, "reason": reason})
	r.AddMetadata(jsii.String(guardKey), entries)
}

func cfnResource(c constructs.IConstruct) awscdk.CfnResource {
	if r, ok := c.(awscdk.CfnResource); ok {
		return r
	}
	if child := c.Node().DefaultChild(); child != nil {
		if r, ok := child.(awscdk.CfnResource); ok {
			return r
		}
	}
	panic(fmt.Sprintf("nag.SuppressGuard: %s has no CloudFormation resource", *c.Node().Path()))
}
