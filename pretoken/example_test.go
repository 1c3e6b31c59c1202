package pretoken_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/pretoken"
)

func Example() {
	bindings, err := pretoken.ParseBindings([]byte(`[
	  {"provider": "AcmeOkta", "customer": "acme", "groupsAttribute": "custom:idp_groups",
	   "groups": {"signet-admins": "acme-admins", "signet-staff": "acme-staff"}}
	]`))
	if err != nil {
		fmt.Println(err)
		return
	}
	// The Lambda logs through lambdaboot's logger; the example discards its log lines.
	bindings = bindings.WithLogger(slog.New(slog.DiscardHandler))

	// A user federated through AcmeOkta, whose IdP also tries to set the customer.
	var ev events.CognitoEventUserPoolsPreTokenGenV2_0
	ev.Request.UserAttributes = map[string]string{
		"identities":         `[{"providerName":"AcmeOkta","providerType":"OIDC","userId":"00u1"}]`,
		"custom:idp_groups":  `["signet-staff","Everyone"]`,
		"custom:customer_id": "globex",
	}
	ev.Request.GroupConfiguration.GroupsToOverride = []string{"platform-admins"}

	out, _ := bindings.Handle(context.Background(), ev)
	d := out.Response.ClaimsAndScopeOverrideDetails
	fmt.Println("ID token customer:", d.IDTokenGeneration.ClaimsToAddOrOverride[pretoken.CustomerClaim])
	fmt.Println("access token customer:", d.AccessTokenGeneration.ClaimsToAddOrOverride[pretoken.CustomerClaim])
	fmt.Println("cognito:groups:", d.GroupOverrideDetails.GroupsToOverride)

	// Bad configuration is an error, which fails the Lambda's cold start.
	_, err = pretoken.ParseBindings([]byte(`[{"provider":"AcmeOkta","customer":"acme","groupsAttribute":"custom:g","groups":{"ops":"platform-admins"}}]`))
	fmt.Println(err)
	// Output:
	// ID token customer: acme
	// access token customer: acme
	// cognito:groups: [acme-staff]
	// provider bindings: binding 0 (provider "AcmeOkta"): group "ops": role "platform-admins" is reserved and cannot be granted through an identity provider
}
