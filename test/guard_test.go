package test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/signet-cdk/signet/constructs/bucket"
	"github.com/signet-cdk/signet/internal/guardcheck/guard"
)

// splitDomainContext is the default split layout with a custom domain: the edge
// stack in us-east-1 holds the DNS-validated certificate.
func splitDomainContext() map[string]any {
	return map[string]any{
		"signet:region":         "eu-west-1",
		"signet:domainNames":    []any{"files.example.com"},
		"signet:hostedZoneId":   "Z0123456789ABCDEFGHIJ",
		"signet:hostedZoneName": "example.com",
	}
}

var (
	splitDomainOnce sync.Once
	splitDomainApp  *synthesized
	splitDomainErr  error
)

func splitDomain(t *testing.T) *synthesized {
	t.Helper()
	splitDomainOnce.Do(func() { splitDomainApp, splitDomainErr = synth(splitDomainContext(), false) })
	if splitDomainErr != nil {
		t.Fatalf("synth of the split app with a custom domain failed: %v", splitDomainErr)
	}
	return splitDomainApp
}

// TestGuardControlTower runs the AWS Control Tower proactive-control rules
// (cfn-guard, as `make synth` does) over every layout: a new finding must be fixed
// or suppressed on its resource with nag.SuppressGuard.
func TestGuardControlTower(t *testing.T) {
	tools, err := guard.FindTools("..")
	if err != nil {
		t.Fatalf("%v (cfn-guard comes from .tools/package.json)", err)
	}
	layouts := map[string]func(*testing.T) *synthesized{
		"split":        func(*testing.T) *synthesized { return split },
		"single":       func(*testing.T) *synthesized { return single },
		"split-domain": splitDomain,
		"federated":    federated,
	}
	for name, get := range layouts {
		t.Run(name, func(t *testing.T) {
			findings, err := tools.CheckAssembly(get(t).outdir)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range findings {
				if !f.Accepted() {
					t.Errorf("unsuppressed cfn-guard finding: %s", f)
				}
			}
			t.Logf("%d findings, %d accepted", len(findings), len(findings)-guard.Failed(findings))
		})
	}
}

// TestFilesBucketEventsAndObjectLock: object events go to EventBridge natively (no
// CDK notifications Lambda); Object Lock is off with a recorded reason unless asked.
func TestFilesBucketEventsAndObjectLock(t *testing.T) {
	for _, lock := range []bool{false, true} {
		stack := newStack("eu-west-1")
		b := bucket.NewSecureBucket(stack, "Files", &bucket.SecureBucketProps{ObjectLock: lock})
		tmpl := toMap(assertions.Template_FromStack(stack, nil))
		props := resourceProps(t, tmpl, b.Bucket)
		nc, _ := props["NotificationConfiguration"].(map[string]any)
		eb, _ := nc["EventBridgeConfiguration"].(map[string]any)
		if eb["EventBridgeEnabled"] != true {
			t.Errorf("lock=%v: EventBridgeEnabled not set: %v", lock, props["NotificationConfiguration"])
		}
		if got := props["ObjectLockEnabled"] == true; got != lock {
			t.Errorf("lock=%v: ObjectLockEnabled = %v", lock, props["ObjectLockEnabled"])
		}
		if n := len(resources(tmpl, "AWS::Lambda::Function")); n != 0 {
			t.Errorf("lock=%v: %d Lambda functions, want none (no notifications handler)", lock, n)
		}
		supp, err := guard.ReadSuppressions(mustJSON(t, tmpl))
		if err != nil {
			t.Fatal(err)
		}
		_, suppressed := supp[logicalID(b.Bucket)]["s3_bucket_object_lock_enabled_check"]
		if suppressed == lock {
			t.Errorf("lock=%v: object lock suppression present = %v", lock, suppressed)
		}
	}
}

func resourceProps(t *testing.T, tmpl map[string]any, c constructs.IConstruct) map[string]any {
	t.Helper()
	r, ok := tmpl["Resources"].(map[string]any)[logicalID(c)].(map[string]any)
	if !ok {
		t.Fatalf("no resource %s", logicalID(c))
	}
	p, _ := r["Properties"].(map[string]any)
	return p
}

func logicalID(c constructs.IConstruct) string {
	cfn := c.Node().DefaultChild().(awscdk.CfnElement)
	return *awscdk.Stack_Of(c).GetLogicalId(cfn)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
