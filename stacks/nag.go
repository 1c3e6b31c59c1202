package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// NagPacks are the cdk-nag rule packs Signet passes with zero unsuppressed errors.
var NagPacks = []string{"AwsSolutions", "NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321", "Serverless"}

// ApplyNagPacks adds the five cdk-nag packs to scope as aspects. With reports on,
// each pack writes <Pack>-<Stack>-NagReport.csv into the cloud assembly.
func ApplyNagPacks(scope constructs.IConstruct, reports bool) {
	aspects := awscdk.Aspects_Of(scope)
	r := jsii.Bool(reports)
	aspects.Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: r}), nil)
	aspects.Add(cdknag.NewNIST80053R5Checks(&cdknag.NagPackProps{Reports: r}), nil)
	aspects.Add(cdknag.NewHIPAASecurityChecks(&cdknag.NagPackProps{Reports: r}), nil)
	aspects.Add(cdknag.NewPCIDSS321Checks(&cdknag.NagPackProps{Reports: r}), nil)
	aspects.Add(cdknag.NewServerlessChecks(&cdknag.NagPackProps{Reports: r}), nil)
}
