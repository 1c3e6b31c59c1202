package test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/identity"
	"github.com/signet-cdk/signet/constructs/signet"
	"github.com/signet-cdk/signet/stacks"
)

const (
	// fakeSecretArn names a secret that does not exist: synth never reads it.
	fakeSecretArn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:signet/acme-okta-AbCdEf"
	fakeSecretField = "client_secret"
	samlMetadataURL = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/federationmetadata/2007-06/federationmetadata.xml"
	samlGroups      = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
	samlEmail       = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
	authCertificate = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
)

// federatedProviders is signet:identityProviders as cdk.json holds it: one OIDC and
// one SAML provider, each bound to its customer.
func federatedProviders() []any {
	return []any{
		map[string]any{
			"name": "acme-okta", "type": "OIDC", "issuer": "https://acme.okta.com/oauth2/default", "clientId": "0oa1example",
			"clientSecret": map[string]any{"secretArn": fakeSecretArn, "jsonField": fakeSecretField},
			"customer":     "acme", "roles": map[string]any{"Finance": "acme-finance", "Everyone": "acme-staff"},
		},
		map[string]any{
			"name": "globex-entra", "type": "SAML", "metadataUrl": samlMetadataURL,
			"groupsAttribute": samlGroups, "emailAttribute": samlEmail,
			"customer": "globex", "roles": map[string]any{"5f2c9d4e-1111-2222-3333-444455556666": "globex-staff"},
		},
	}
}

// federatedContext is the app with both providers, the first administrator and a
// custom sign-in domain, in a known account.
func federatedContext() map[string]any {
	return map[string]any{
		"signet:region":             "eu-west-1",
		"signet:account":            "123456789012",
		"signet:identityProviders":  federatedProviders(),
		"signet:adminEmail":         "admin@example.com",
		"signet:authDomainName":     "auth.files.example.com",
		"signet:authCertificateArn": authCertificate,
	}
}

var (
	federatedOnce sync.Once
	federatedApp  *synthesized
	federatedErr  error
)

// federated synthesizes the federated app once, for every test that needs it.
func federated(t *testing.T) *synthesized {
	t.Helper()
	federatedOnce.Do(func() { federatedApp, federatedErr = synth(federatedContext(), false) })
	if federatedErr != nil {
		t.Fatalf("synth of the federated app failed: %v", federatedErr)
	}
	return federatedApp
}

// byPrefix returns the one resource of type typ whose logical id starts with prefix.
func byPrefix(t *testing.T, tmpl map[string]any, typ, prefix string) (string, map[string]any) {
	t.Helper()
	var ids []string
	var found map[string]any
	for id, r := range resources(tmpl, typ) {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
			found = r
		}
	}
	if len(ids) != 1 {
		t.Fatalf("want one %s %s*, found %v", typ, prefix, ids)
	}
	return ids[0], found
}

func output(tmpl map[string]any, name string) any { return dig(tmpl, "Outputs", name, "Value") }

// The hash in the default domain prefix: 8 hex characters of the identity
// construct's address (stack name and path, "Default" left out).
func identityHash(stack string) string {
	sum := sha256.Sum256([]byte(stack + "/" + stack + "/Identity"))
	return hex.EncodeToString(sum[:4])
}

var domainPrefixShape = regexp.MustCompile(`^signet-[0-9a-f]{8}-[0-9]{12}$`)

// Out of the box, sign-in works: a Cognito domain with a prefix derived from the
// stack and the account, managed login with Cognito's style for the app client, the
// CLI's loopback callback, and the auth URL as an output.
func TestDefaultAuthDomain(t *testing.T) {
	poolID, _ := only(t, split.mainJSON, "AWS::Cognito::UserPool")
	clientID, client := only(t, split.mainJSON, "AWS::Cognito::UserPoolClient")
	domainID, domain := only(t, split.mainJSON, "AWS::Cognito::UserPoolDomain")
	d := props(domain)
	// Environment-agnostic account: the prefix is joined with the account's token.
	wantPrefix := map[string]any{"Fn::Join": []any{"", []any{"signet-" + identityHash("Signet") + "-", map[string]any{"Ref": "AWS::AccountId"}}}}
	if !reflect.DeepEqual(d["Domain"], wantPrefix) || !refersTo(d["UserPoolId"], poolID) || d["ManagedLoginVersion"] != 2.0 || d["CustomDomainConfig"] != nil {
		t.Errorf("domain: %s", js(d))
	}
	// 7 + 8 + 1 + 12 characters with a real account id, within Cognito's rules.
	if p := "signet-" + identityHash("Signet") + "-123456789012"; !domainPrefixShape.MatchString(p) || identity.CheckDomainPrefix(p) != "" || len(p) > 63 {
		t.Errorf("prefix %q: %s", p, identity.CheckDomainPrefix(p))
	}
	_, style := only(t, split.mainJSON, "AWS::Cognito::ManagedLoginBranding")
	if sp := props(style); sp["UseCognitoProvidedValues"] != true || !refersTo(sp["ClientId"], clientID) || !refersTo(sp["UserPoolId"], poolID) ||
		!strings.Contains(js(style["DependsOn"]), `"`+domainID+`"`) {
		t.Errorf("managed login style: %s", js(style))
	}
	c := props(client)
	if js(c["CallbackURLs"]) != `["`+identity.DefaultCallbackURL+`"]` || js(c["SupportedIdentityProviders"]) != `["COGNITO"]` {
		t.Errorf("client: callbacks %s providers %s", js(c["CallbackURLs"]), js(c["SupportedIdentityProviders"]))
	}
	wantURL := map[string]any{"Fn::Join": []any{"", []any{"https://", map[string]any{"Ref": domainID}, ".auth.eu-west-1.amazoncognito.com"}}}
	if got := output(split.mainJSON, "AuthDomain"); !reflect.DeepEqual(got, wantURL) {
		t.Errorf("AuthDomain output %s", js(got))
	}
	if *split.dep.Main.Signet.Identity.AuthUrl == "" || split.dep.Main.Signet.AuthUrl == nil || split.dep.Main.Signet.Identity.Domain == nil {
		t.Error("AuthUrl or Domain not exposed")
	}
}

// The stack's outputs are what `signet configure` reads.
func TestStackOutputs(t *testing.T) {
	poolID, _ := only(t, split.mainJSON, "AWS::Cognito::UserPool")
	clientID, _ := only(t, split.mainJSON, "AWS::Cognito::UserPoolClient")
	distID, _ := only(t, split.mainJSON, "AWS::CloudFront::Distribution")
	got := keys(dig(split.mainJSON, "Outputs").(map[string]any))
	for _, name := range []string{"ApiUrl", "Region", "UserPoolId", "UserPoolClientId", "AuthDomain", "DistributionDomain"} {
		if output(split.mainJSON, name) == nil {
			t.Errorf("no %s output in %v", name, got)
		}
	}
	if output(split.mainJSON, "Region") != "eu-west-1" || !refersTo(output(split.mainJSON, "UserPoolId"), poolID) ||
		!refersTo(output(split.mainJSON, "UserPoolClientId"), clientID) || !refersTo(output(split.mainJSON, "DistributionDomain"), distID) {
		t.Errorf("outputs: %s", js(dig(split.mainJSON, "Outputs")))
	}
	// With a custom domain, files are served (and signed) for it.
	if output(single.mainJSON, "DistributionDomain") != "files.example.com" || output(single.mainJSON, "Region") != "us-east-1" {
		t.Errorf("single-stack outputs: %s", js(dig(single.mainJSON, "Outputs")))
	}
	if output(split.mainJSON, "AuthDomainAliasTarget") != nil {
		t.Error("alias target output without a custom sign-in domain")
	}
}

// Signet's own pool always has the trigger (native users go through it too), wired as
// a V2_0 pre-token-generation trigger, outside any VPC, with no bindings by default;
// the groups attribute exists, and the app client can neither read nor write it.
func TestTokenTriggerByDefault(t *testing.T) {
	_, pool := only(t, split.mainJSON, "AWS::Cognito::UserPool")
	fnID, fn := byPrefix(t, split.mainJSON, "AWS::Lambda::Function", "IdentityTokenTriggerFunction")
	cfg := dig(pool, "Properties", "LambdaConfig", "PreTokenGenerationConfig")
	if dig(cfg, "LambdaVersion") != "V2_0" || js(dig(cfg, "LambdaArn")) != `{"Fn::GetAtt":["`+fnID+`","Arn"]}` {
		t.Errorf("pre-token generation config: %s", js(dig(pool, "Properties", "LambdaConfig")))
	}
	p := props(fn)
	if dig(p, "Environment", "Variables", identity.BindingsVariable) != "[]" || p["VpcConfig"] != nil || p["Timeout"] != 5.0 || p["Runtime"] != "provided.al2023" {
		t.Errorf("trigger: %s", js(p))
	}
	var invoke bool
	for _, perm := range resources(split.mainJSON, "AWS::Lambda::Permission") {
		pp := props(perm)
		if pp["Principal"] == "cognito-idp.amazonaws.com" && refersTo(pp["FunctionName"], fnID) {
			invoke = pp["Action"] == "lambda:InvokeFunction" && strings.Contains(js(pp["SourceArn"]), "IdentityUserPool")
		}
	}
	if !invoke {
		t.Error("Cognito may not invoke the trigger, or may from any pool")
	}
	schema := js(dig(pool, "Properties", "Schema"))
	if !strings.Contains(schema, `{"AttributeDataType":"String","Mutable":true,"Name":"idp_groups","StringAttributeConstraints":{"MaxLength":"2048"}}`) {
		t.Errorf("schema: %s", schema)
	}
	_, client := only(t, split.mainJSON, "AWS::Cognito::UserPoolClient")
	c := props(client)
	if strings.Contains(js(c["ReadAttributes"])+js(c["WriteAttributes"]), "idp_groups") || js(c["WriteAttributes"]) != `["name"]` {
		t.Errorf("client attributes: read %s write %s", js(c["ReadAttributes"]), js(c["WriteAttributes"]))
	}
	if split.dep.Main.Signet.Identity.TokenTrigger == nil {
		t.Error("TokenTrigger not exposed")
	}
}

// The admin groups exist in Signet's pool; without signet:adminEmail no user is made.
func TestAdminGroups(t *testing.T) {
	poolID, _ := only(t, split.mainJSON, "AWS::Cognito::UserPool")
	groups := map[string]string{}
	for _, g := range resources(split.mainJSON, "AWS::Cognito::UserPoolGroup") {
		p := props(g)
		if !refersTo(p["UserPoolId"], poolID) || g["DeletionPolicy"] != "Retain" {
			t.Errorf("group %s", js(g))
		}
		groups[p["GroupName"].(string)], _ = p["Description"].(string)
	}
	if len(groups) != 2 || groups["platform-admins"] == "" || groups["customer-admins"] == "" {
		t.Errorf("groups: %v", groups)
	}
	if n := len(resources(split.mainJSON, "AWS::Cognito::UserPoolUser")) + len(resources(split.mainJSON, "AWS::Cognito::UserPoolUserToGroupAttachment")); n != 0 {
		t.Errorf("%d users or memberships without signet:adminEmail", n)
	}
}

// Both providers, as configured: the OIDC client secret only as a dynamic reference,
// email and groups mapped (groups into custom:idp_groups), never custom:customer_id.
func TestFederatedProviders(t *testing.T) {
	f := federated(t)
	poolID, _ := only(t, f.mainJSON, "AWS::Cognito::UserPool")
	providers := resources(f.mainJSON, "AWS::Cognito::UserPoolIdentityProvider")
	if len(providers) != 2 {
		t.Fatalf("%d providers", len(providers))
	}
	oidcID, oidc := byPrefix(t, f.mainJSON, "AWS::Cognito::UserPoolIdentityProvider", "IdentityUserPoolProvideracmeokta")
	samlID, saml := byPrefix(t, f.mainJSON, "AWS::Cognito::UserPoolIdentityProvider", "IdentityUserPoolProviderglobexentra")
	o := props(oidc)
	wantOidc := map[string]any{
		"client_id":                 "0oa1example",
		"client_secret":             "{{resolve:secretsmanager:" + fakeSecretArn + ":SecretString:" + fakeSecretField + "::}}",
		"authorize_scopes":          "openid email profile",
		"attributes_request_method": "GET",
		"oidc_issuer":               "https://acme.okta.com/oauth2/default",
	}
	if o["ProviderName"] != "acme-okta" || o["ProviderType"] != "OIDC" || !refersTo(o["UserPoolId"], poolID) || !reflect.DeepEqual(o["ProviderDetails"], wantOidc) {
		t.Errorf("OIDC provider: %s", js(o))
	}
	if want := map[string]any{"email": "email", "custom:idp_groups": "groups"}; !reflect.DeepEqual(o["AttributeMapping"], want) {
		t.Errorf("OIDC mapping %s", js(o["AttributeMapping"]))
	}
	s := props(saml)
	if s["ProviderName"] != "globex-entra" || s["ProviderType"] != "SAML" || dig(s, "ProviderDetails", "MetadataURL") != samlMetadataURL ||
		dig(s, "ProviderDetails", "MetadataFile") != nil || dig(s, "ProviderDetails", "IDPSignout") != false {
		t.Errorf("SAML provider: %s", js(s))
	}
	if want := map[string]any{"email": samlEmail, "custom:idp_groups": samlGroups}; !reflect.DeepEqual(s["AttributeMapping"], want) {
		t.Errorf("SAML mapping %s", js(s["AttributeMapping"]))
	}
	for id, p := range providers {
		if strings.Contains(js(p), "customer_id") {
			t.Errorf("%s maps custom:customer_id: %s", id, js(p))
		}
	}
	// The client offers Cognito and both providers, and is created after them.
	_, client := only(t, f.mainJSON, "AWS::Cognito::UserPoolClient")
	c := props(client)
	if js(c["SupportedIdentityProviders"]) != `["COGNITO","acme-okta","globex-entra"]` {
		t.Errorf("supported providers %s", js(c["SupportedIdentityProviders"]))
	}
	deps := js(client["DependsOn"])
	if !strings.Contains(deps, `"`+oidcID+`"`) || !strings.Contains(deps, `"`+samlID+`"`) {
		t.Errorf("client DependsOn %s, want %s and %s", deps, oidcID, samlID)
	}
	// Cognito writes mapped attributes with the app client's permissions; it may
	// write email and the groups, never the customer, and reads no groups.
	if js(c["WriteAttributes"]) != `["custom:idp_groups","email","name"]` || strings.Contains(js(c["ReadAttributes"]), "idp_groups") {
		t.Errorf("client attributes: read %s write %s", js(c["ReadAttributes"]), js(c["WriteAttributes"]))
	}
}

// The secret's ARN appears in the template and the cloud assembly only inside a
// {{resolve:secretsmanager:...}} dynamic reference.
func TestClientSecretOnlyAsDynamicReference(t *testing.T) {
	f := federated(t)
	ref := "{{resolve:secretsmanager:" + fakeSecretArn + ":SecretString:" + fakeSecretField + "::}}"
	outside := func(b []byte) int { return strings.Count(string(b), fakeSecretArn) - strings.Count(string(b), ref) }
	tmpl, _ := json.Marshal(f.mainJSON)
	if strings.Count(string(tmpl), ref) != 1 || outside(tmpl) != 0 {
		t.Errorf("template: %d dynamic references, %d bare ARNs", strings.Count(string(tmpl), ref), outside(tmpl))
	}
	// Every client_secret value anywhere in the template is a dynamic reference.
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && strings.Contains(strings.ToLower(k), "secret") && k != "GenerateSecret" && !strings.HasPrefix(s, "{{resolve:secretsmanager:") {
					t.Errorf("%s = %q is not a dynamic reference", k, s)
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(f.mainJSON)
	err := filepath.Walk(f.outdir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if n := outside(b); n != 0 {
			t.Errorf("%s: the secret ARN %d time(s) outside a dynamic reference", path, n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The trigger's bindings are exactly the providers' customers and role maps, the
// groups read from custom:idp_groups.
func TestTriggerBindings(t *testing.T) {
	f := federated(t)
	_, pool := only(t, f.mainJSON, "AWS::Cognito::UserPool")
	fnID, fn := byPrefix(t, f.mainJSON, "AWS::Lambda::Function", "IdentityTokenTriggerFunction")
	if js(dig(pool, "Properties", "LambdaConfig", "PreTokenGenerationConfig")) != `{"LambdaArn":{"Fn::GetAtt":["`+fnID+`","Arn"]},"LambdaVersion":"V2_0"}` {
		t.Errorf("pre-token generation config: %s", js(dig(pool, "Properties", "LambdaConfig")))
	}
	env, _ := dig(fn, "Properties", "Environment", "Variables", identity.BindingsVariable).(string)
	var got any
	if err := json.Unmarshal([]byte(env), &got); err != nil {
		t.Fatalf("bindings %q: %v", env, err)
	}
	want := []any{
		map[string]any{"provider": "acme-okta", "customer": "acme", "groups": map[string]any{"Finance": "acme-finance", "Everyone": "acme-staff"}, "groupsAttribute": "custom:idp_groups"},
		map[string]any{"provider": "globex-entra", "customer": "globex", "groups": map[string]any{"5f2c9d4e-1111-2222-3333-444455556666": "globex-staff"}, "groupsAttribute": "custom:idp_groups"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bindings\n got %s\nwant %s", env, js(want))
	}
}

// signet:adminEmail makes the first platform administrator: a verified email user,
// invited by email, in platform-admins.
func TestFirstAdmin(t *testing.T) {
	f := federated(t)
	poolID, _ := only(t, f.mainJSON, "AWS::Cognito::UserPool")
	userID, user := only(t, f.mainJSON, "AWS::Cognito::UserPoolUser")
	u := props(user)
	wantAttrs := `[{"Name":"email","Value":"admin@example.com"},{"Name":"email_verified","Value":"true"}]`
	if u["Username"] != "admin@example.com" || js(u["UserAttributes"]) != wantAttrs || js(u["DesiredDeliveryMediums"]) != `["EMAIL"]` ||
		u["MessageAction"] != nil || !refersTo(u["UserPoolId"], poolID) || user["DeletionPolicy"] != "Retain" {
		t.Errorf("user: %s", js(user))
	}
	var platformID string
	for id, g := range resources(f.mainJSON, "AWS::Cognito::UserPoolGroup") {
		if dig(g, "Properties", "GroupName") == "platform-admins" {
			platformID = id
		}
	}
	_, member := only(t, f.mainJSON, "AWS::Cognito::UserPoolUserToGroupAttachment")
	m := props(member)
	if m["Username"] != "admin@example.com" || !refersTo(m["GroupName"], platformID) || !refersTo(m["UserPoolId"], poolID) || !strings.Contains(js(member["DependsOn"]), userID) {
		t.Errorf("membership: %s", js(member))
	}
}

// A custom sign-in domain: the AuthDomain output is its URL, and the alias target is
// an output too; the default prefix domain stays (with a known account, a literal).
func TestCustomAuthDomain(t *testing.T) {
	f := federated(t)
	domains := resources(f.mainJSON, "AWS::Cognito::UserPoolDomain")
	var custom, prefix map[string]any
	var customID string
	for id, d := range domains {
		if dig(d, "Properties", "CustomDomainConfig") != nil {
			custom, customID = props(d), id
		} else {
			prefix = props(d)
		}
	}
	if len(domains) != 2 || custom == nil || prefix == nil {
		t.Fatalf("domains: %s", js(domains))
	}
	if custom["Domain"] != "auth.files.example.com" || dig(custom, "CustomDomainConfig", "CertificateArn") != authCertificate || custom["ManagedLoginVersion"] != 2.0 {
		t.Errorf("custom domain: %s", js(custom))
	}
	p, _ := prefix["Domain"].(string)
	if p != "signet-"+identityHash("Signet")+"-123456789012" || !domainPrefixShape.MatchString(p) {
		t.Errorf("prefix %s", js(prefix["Domain"]))
	}
	if output(f.mainJSON, "AuthDomain") != "https://auth.files.example.com" ||
		js(output(f.mainJSON, "AuthDomainAliasTarget")) != `{"Fn::GetAtt":["`+customID+`","CloudFrontDistribution"]}` {
		t.Errorf("outputs: %s", js(dig(f.mainJSON, "Outputs")))
	}
}

// The app with providers, an administrator and a custom sign-in domain passes the
// five cdk-nag packs with zero unsuppressed errors.
func TestFederatedAppNagClean(t *testing.T) {
	f := federated(t)
	for _, st := range f.dep.Stacks() {
		check(t, "nag errors in "+*st.StackName(), func() {
			errs := assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(".*")))
			for _, e := range *errs {
				t.Errorf("%s: %v", *e.Id, e.Entry.Data)
			}
		})
	}
}

// The context list is parsed strictly, from cdk.json (a list) or -c (a JSON string),
// to the same providers.
func TestIdentityProvidersContext(t *testing.T) {
	asList, err := stacks.ConfigFromContext(mapGetter(federatedContext()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := federatedContext()
	ctx["signet:identityProviders"] = js(federatedProviders())
	asString, err := stacks.ConfigFromContext(mapGetter(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(asList.IdentityProviders, asString.IdentityProviders) || len(asList.IdentityProviders) != 2 ||
		asList.IdentityProviders[0].ClientSecret.SecretArn != fakeSecretArn || asList.AdminEmail != "admin@example.com" {
		t.Errorf("list %+v\nstring %+v", asList.IdentityProviders, asString.IdentityProviders)
	}
	for name, c := range map[string]struct {
		value any
		want  []string
	}{
		"secret as plain text": {`[{"name":"acme-okta","type":"OIDC","issuer":"https://acme.okta.com","clientId":"x","clientSecret":"hunter2-plain-secret","customer":"acme"}]`, []string{"signet:identityProviders", "clientSecret", "Secrets Manager reference"}},
		"misspelt field":       {`[{"name":"acme-okta","type":"OIDC","customer":"acme","groupClaim":"groups"}]`, []string{"signet:identityProviders", `unknown field "groupClaim"`}},
		"field in other case":  {`[{"name":"acme-okta","type":"OIDC","Customer":"acme"}]`, []string{`unknown field "Customer"`}},
		"duplicate key":        {`[{"name":"acme-okta","customer":"acme","customer":"globex"}]`, []string{`"customer" is given twice`}},
		"not a list":           {`{"name":"acme-okta"}`, []string{"signet:identityProviders", "JSON list"}},
		"secret field typo":    {`[{"name":"acme-okta","type":"OIDC","clientSecret":{"secretARN":"x"},"customer":"acme"}]`, []string{`unknown field "secretARN"`}},
	} {
		ctx := map[string]any{"signet:region": "eu-west-1", "signet:identityProviders": c.value}
		_, err := stacks.ConfigFromContext(mapGetter(ctx))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", name, err, w)
			}
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error repeats the secret: %v", name, err)
		}
	}
}

func mapGetter(m map[string]any) stacks.ContextGetter { return func(k string) any { return m[k] } }

// provider is a valid OIDC provider to break in one way.
func provider(name, customer string) map[string]any {
	return map[string]any{"name": name, "type": "OIDC", "issuer": "https://" + name + ".example.com", "clientId": "client-1",
		"clientSecret": map[string]any{"secretArn": fakeSecretArn}, "customer": customer, "roles": map[string]any{"staff": customer + "-staff"}}
}

// Every sign-in problem is reported at once, each naming the context key (or prop)
// and the value.
func TestSignInValidation(t *testing.T) {
	with := func(m map[string]any, k string, v any) map[string]any { m[k] = v; return m }
	without := func(m map[string]any, k string) map[string]any { delete(m, k); return m }
	saml := func(extra map[string]any) map[string]any {
		p := map[string]any{"name": "globex-entra", "type": "SAML", "groupsAttribute": "groups", "customer": "globex"}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	cases := []struct {
		name string
		ctx  map[string]any
		want []string
	}{
		{"http issuer", map[string]any{"signet:identityProviders": []any{with(provider("acme-okta", "acme"), "issuer", "http://acme.okta.com")}},
			[]string{`signet:identityProviders[0].issuer="http://acme.okta.com"`, "https"}},
		{"duplicate names", map[string]any{"signet:identityProviders": []any{provider("acme-okta", "acme"), provider("ACME-okta", "globex")}},
			[]string{`signet:identityProviders[1].name="ACME-okta"`, "unique"}},
		{"both SAML metadata", map[string]any{"signet:identityProviders": []any{saml(map[string]any{"metadataUrl": samlMetadataURL, "metadataDocument": "<EntityDescriptor/>"})}},
			[]string{`signet:identityProviders[0].metadataUrl="` + samlMetadataURL + `"`, "exactly one"}},
		{"no SAML metadata", map[string]any{"signet:identityProviders": []any{saml(nil)}},
			[]string{`signet:identityProviders[0].metadataUrl=""`, "MetadataDocument is required"}},
		{"bad customer id", map[string]any{"signet:identityProviders": []any{provider("acme-okta", "Acme Corp")}},
			[]string{`signet:identityProviders[0].customer="Acme Corp"`, "customer id"}},
		{"platform-admins role", map[string]any{"signet:identityProviders": []any{with(provider("acme-okta", "acme"), "roles", map[string]any{"IT Admins": "platform-admins"})}},
			[]string{`signet:identityProviders[0].roles["IT Admins"]="platform-admins"`, "reserved"}},
		{"bad role", map[string]any{"signet:identityProviders": []any{with(provider("acme-okta", "acme"), "roles", map[string]any{"staff": "acme staff"})}},
			[]string{`signet:identityProviders[0].roles["staff"]="acme staff"`}},
		{"bad secret ARN", map[string]any{"signet:identityProviders": []any{with(provider("acme-okta", "acme"), "clientSecret", map[string]any{"secretArn": "signet/okta"})}},
			[]string{`signet:identityProviders[0].clientSecret.secretArn="signet/okta"`, "Secrets Manager secret ARN"}},
		{"no client secret", map[string]any{"signet:identityProviders": []any{without(provider("acme-okta", "acme"), "clientSecret")}},
			[]string{`signet:identityProviders[0].clientSecret=null`, "is required"}},
		{"bad provider name", map[string]any{"signet:identityProviders": []any{provider("_x", "acme"), provider("Google", "acme")}},
			[]string{`signet:identityProviders[0].name="_x"`, `signet:identityProviders[1].name="Google"`, "reserved"}},
		{"unknown type", map[string]any{"signet:identityProviders": []any{with(provider("acme-okta", "acme"), "type", "oauth2")}},
			[]string{`signet:identityProviders[0].type="oauth2"`}},
		{"openid missing", map[string]any{"signet:identityProviders": []any{with(provider("acme-okta", "acme"), "scopes", []any{"email"})}},
			[]string{`signet:identityProviders[0].scopes=["email"]`, "openid"}},
		{"bad admin email", map[string]any{"signet:adminEmail": "Admin <admin@example.com>"},
			[]string{`signet:adminEmail="Admin <admin@example.com>"`, "plain email"}},
		{"admin email without domain", map[string]any{"signet:adminEmail": "admin"}, []string{`signet:adminEmail="admin"`}},
		{"prefix with aws", map[string]any{"signet:authDomainPrefix": "aws-login"}, []string{`signet:authDomainPrefix="aws-login"`, `"aws"`}},
		{"prefix with amazon", map[string]any{"signet:authDomainPrefix": "files-amazon"}, []string{`signet:authDomainPrefix="files-amazon"`, `"amazon"`}},
		{"prefix in capitals", map[string]any{"signet:authDomainPrefix": "Signet_Login"}, []string{`signet:authDomainPrefix="Signet_Login"`, "lowercase"}},
		{"prefix too long", map[string]any{"signet:authDomainPrefix": strings.Repeat("a", 64)}, []string{"signet:authDomainPrefix", "63"}},
		{"auth domain without certificate", map[string]any{"signet:authDomainName": "auth.example.com"}, []string{`signet:authDomainName="auth.example.com"`, "signet:authCertificateArn"}},
		{"auth certificate elsewhere", map[string]any{"signet:authDomainName": "auth.example.com", "signet:authCertificateArn": strings.Replace(authCertificate, "us-east-1", "eu-west-1", 1)},
			[]string{"signet:authCertificateArn", "us-east-1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.ctx["signet:region"] = "eu-west-1"
			_, err := stacks.ConfigFromContext(mapGetter(c.ctx))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
	// All at once, one line each.
	_, err := stacks.ConfigFromContext(mapGetter(map[string]any{
		"signet:region": "eu-west-1", "signet:adminEmail": "nobody", "signet:authDomainPrefix": "cognito",
		"signet:identityProviders": []any{with(provider("acme-okta", "acme"), "issuer", "ftp://x"), saml(nil)},
	}))
	if err == nil || strings.Count(err.Error(), "\n  context ") < 4 {
		t.Errorf("not every problem reported: %v", err)
	}
}

// The composite and the identity construct refuse the same with their own prop names;
// providers or an administrator for an existing pool fail synth with the reason.
func TestSignInPropsRefused(t *testing.T) {
	oidc := func(mod func(*identity.IdentityProvider)) identity.IdentityProvider {
		p := identity.IdentityProvider{Name: "acme-okta", Type: identity.OIDC, Issuer: "https://acme.okta.com", ClientId: "c",
			ClientSecret: &identity.SecretRef{SecretArn: fakeSecretArn}, Customer: "acme", Roles: map[string]string{"staff": "acme-staff"}}
		if mod != nil {
			mod(&p)
		}
		return p
	}
	pool := func(stack awscdk.Stack) awscognito.IUserPool {
		return awscognito.UserPool_FromUserPoolId(stack, jsii.String("TeamPool"), jsii.String("eu-west-1_AbCdEfGhI"))
	}
	cases := []struct {
		name   string
		props  func(awscdk.Stack) *signet.SignetProps
		prefix string
		want   []string
	}{
		{"providers with an existing pool", func(s awscdk.Stack) *signet.SignetProps {
			return &signet.SignetProps{UserPool: pool(s), IdentityProviders: []identity.IdentityProvider{oidc(nil)}, AdminEmail: jsii.String("admin@example.com")}
		}, "signet/signet T/Files: props.", []string{`props.IdentityProviders ["acme-okta"]`, "existing UserPool", "eu-west-1_AbCdEfGhI", "trigger", `props.AdminEmail "admin@example.com"`}},
		{"every provider problem", func(awscdk.Stack) *signet.SignetProps {
			return &signet.SignetProps{IdentityProviders: []identity.IdentityProvider{
				oidc(func(p *identity.IdentityProvider) { p.Issuer = "http://acme.okta.com" }),
				oidc(func(p *identity.IdentityProvider) { p.Customer = "ACME" }),
				{Name: "globex-entra", Type: identity.SAML, MetadataUrl: samlMetadataURL, MetadataDocument: "<EntityDescriptor/>", Customer: "globex", GroupsAttribute: "g", Roles: map[string]string{"admins": "Platform-Admins"}},
			}}
		}, "signet/signet T/Files: props.", []string{
			`props.IdentityProviders[0].Issuer "http://acme.okta.com"`, `props.IdentityProviders[1].Name "acme-okta"`, `props.IdentityProviders[1].Customer "ACME"`,
			`props.IdentityProviders[2].MetadataUrl`, `props.IdentityProviders[2].Roles["admins"] "Platform-Admins"`}},
		{"bad email and prefix", func(awscdk.Stack) *signet.SignetProps {
			return &signet.SignetProps{AdminEmail: jsii.String("admin@localhost"), AuthDomainPrefix: jsii.String("my-cognito")}
		}, "signet/signet T/Files: props.", []string{`props.AdminEmail "admin@localhost"`, `props.AuthDomainPrefix "my-cognito"`}},
		{"custom domain", func(s awscdk.Stack) *signet.SignetProps {
			cert := awscertificatemanager.Certificate_FromCertificateArn(s, jsii.String("C"), jsii.String(strings.Replace(authCertificate, "us-east-1", "eu-west-1", 1)))
			return &signet.SignetProps{AuthDomainName: jsii.String("Auth.Example.com"), AuthCertificate: cert}
		}, "signet/signet T/Files: props.", []string{`props.AuthDomainName "Auth.Example.com"`, "props.AuthCertificate", `"eu-west-1"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stack := newStack("us-east-1")
			err := panicOf(func() { signet.NewSignet(stack, "Files", c.props(stack)) })
			if err == nil {
				t.Fatal("accepted")
			}
			assertEveryProblem(t, err, c.prefix, c.want)
		})
	}
	// The identity construct alone: its own names.
	stack := newStack("eu-west-1")
	err := panicOf(func() {
		identity.NewIdentity(stack, "Id", &identity.IdentityProps{UserPool: pool(stack), IdentityProviders: []identity.IdentityProvider{oidc(nil)},
			DomainPrefix: jsii.String("amazon-files"), CustomDomainName: jsii.String("auth.example.com")})
	})
	assertEveryProblem(t, err, "signet/identity T/Id: props.", []string{`props.IdentityProviders ["acme-okta"]`, `props.DomainPrefix "amazon-files"`, "props.CustomDomainCertificate"})
}

// An existing pool gets the client only: no trigger, no groups, no domain unless a
// prefix is given, and the client offers Cognito sign-in only.
func TestExistingPoolGetsNoTrigger(t *testing.T) {
	app := teamApp(t)
	stack := teamStack(app, "TeamStack", "eu-west-1")
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("TeamPool"), jsii.String("eu-west-1_AbCdEfGhI"))
	id := identity.NewIdentity(stack, "Id", &identity.IdentityProps{UserPool: pool})
	tmpl := toMap(assertions.Template_FromStack(stack, nil))
	for typ, want := range map[string]int{
		"AWS::Lambda::Function": 0, "AWS::Cognito::UserPoolGroup": 0, "AWS::Cognito::UserPoolDomain": 0,
		"AWS::Cognito::UserPoolIdentityProvider": 0, "AWS::Cognito::UserPoolClient": 1,
	} {
		if got := len(resources(tmpl, typ)); got != want {
			t.Errorf("%s: %d, want %d", typ, got, want)
		}
	}
	if id.TokenTrigger != nil || id.AuthUrl != nil || id.Domain != nil {
		t.Errorf("trigger %v, auth URL %v", id.TokenTrigger, id.AuthUrl)
	}
	_, client := only(t, tmpl, "AWS::Cognito::UserPoolClient")
	if js(dig(client, "Properties", "SupportedIdentityProviders")) != `["COGNITO"]` {
		t.Errorf("client: %s", js(client))
	}
}

// ValidateIdentityProviders and the trigger agree: whatever passes synth, the
// trigger's own parser accepts.
func TestBindingsPassTheTriggersParser(t *testing.T) {
	cfg, err := stacks.ConfigFromContext(mapGetter(federatedContext()))
	if err != nil {
		t.Fatal(err)
	}
	if err := identity.ValidateIdentityProviders(cfg.IdentityProviders); err != nil {
		t.Fatal(err)
	}
	doc, err := identity.BindingsJSON(cfg.IdentityProviders)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range identity.Bindings(cfg.IdentityProviders) {
		names = append(names, b.Provider)
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "acme-okta,globex-entra" || !strings.Contains(doc, `"groupsAttribute":"custom:idp_groups"`) {
		t.Errorf("bindings %s", doc)
	}
}
