package test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/stacks"
)

// Every cdk-nag pack passes with zero unsuppressed errors, and writes its report.
func TestNagPacksHaveNoUnsuppressedErrors(t *testing.T) {
	for _, s := range []*synthesized{split, single} {
		for _, st := range s.dep.Stacks() {
			check(t, "nag errors in "+*st.StackName(), func() {
				errs := assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(".*")))
				for _, e := range *errs {
					t.Errorf("%s: %v", *e.Id, e.Entry.Data)
				}
			})
			for _, pack := range stacks.NagPacks {
				report := filepath.Join(s.outdir, pack+"-"+*st.StackName()+"-NagReport.csv")
				if _, err := os.Stat(report); err != nil {
					// cdk-nag names reports <pack>-<stack path>; accept either layout.
					alt, _ := filepath.Glob(filepath.Join(s.outdir, pack+"*"+*st.StackName()+"-NagReport.csv"))
					if len(alt) == 0 {
						t.Errorf("no %s report for %s", pack, *st.StackName())
					}
				}
			}
		}
	}
}
