package identity

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/gofunction"
	"github.com/signet-cdk/signet/constructs/internal/nag"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// TriggerImportPath is the pre-token-generation trigger's main package.
const TriggerImportPath = "github.com/signet-cdk/signet/lambda/pretoken"

// BindingsVariable is the trigger's environment variable holding the bindings.
const BindingsVariable = "SIGNET_PROVIDER_BINDINGS"

// addTrigger attaches the pre-token-generation trigger (V2_0 event, which the Plus
// plan allows) to Signet's pool. Native users go through it too: it copies their
// admin-set custom:customer_id into the access token as well as the ID token.
func (i *Identity) addTrigger(pool awscognito.UserPool, props *IdentityProps) {
	bindings, err := BindingsJSON(props.IdentityProviders)
	if err != nil {
		// ValidateIdentityProps checks what pretoken.ParseBindings does; a gap between
		// the two must fail synth, not every sign-in.
		propcheck.Must(&propcheck.Error{Path: *i.Node().Path(), Construct: "identity", Prop: "IdentityProviders",
			Value: providerNames(props.IdentityProviders), Reason: "the trigger would refuse these bindings: " + err.Error()})
	}
	i.TokenTrigger = gofunction.NewGoFunction(i.Construct, "TokenTrigger", &gofunction.GoFunctionProps{
		ImportPath:  TriggerImportPath,
		Description: jsii.String("Signet: pre-token generation, binds federated users to their customer and roles"),
		Environment: map[string]*string{BindingsVariable: jsii.String(bindings)},
		// Cognito waits at most 5 seconds for a trigger.
		Timeout:       awscdk.Duration_Seconds(jsii.Number(5)),
		LogKey:        props.LogKey,
		RemovalPolicy: propcheck.RemovalOrRetain(props.RemovalPolicy),
	})
	pool.AddTrigger(awscognito.UserPoolOperation_PRE_TOKEN_GENERATION_CONFIG(), i.TokenTrigger.Function, awscognito.LambdaVersion_V2_0)
	sync := "invoked only by Cognito, synchronously, during sign-in and token refresh"
	const outsideVPC = "calls no AWS API and reaches no private resource: it reads the event and its environment and returns"
	nag.SuppressGuard(i.TokenTrigger.Function, "lambda_inside_vpc_check", outsideVPC)
	rules := nag.Each("LambdaInsideVPC", outsideVPC, "NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")
	rules = append(rules, nag.Each("LambdaConcurrency", sync+"; a reservation would cap sign-ins, and Cognito's own request quotas bound the invocations", "NIST.800.53.R5", "HIPAA.Security")...)
	rules = append(rules, nag.Each("LambdaDLQ", sync+"; a failure fails the sign-in, a dead-letter queue applies only to asynchronous invocations", "NIST.800.53.R5", "HIPAA.Security", "Serverless")...)
	nag.Suppress(i.TokenTrigger.Function, false, rules...)
}
