package test

import (
	"fmt"
	"strings"
	"testing"
)

func TestUserPoolKeepsCustomerIdOutOfUsersHands(t *testing.T) {
	_, pool := only(t, split.mainJSON, "AWS::Cognito::UserPool")
	p := props(pool)
	for what, ok := range map[string]bool{
		"no self sign-up":       dig(p, "AdminCreateUserConfig", "AllowAdminCreateUserOnly") == true,
		"mfa required (totp)":   p["MfaConfiguration"] == "ON" && js(p["EnabledMfas"]) == `["SOFTWARE_TOKEN_MFA"]`,
		"strong passwords":      dig(p, "Policies", "PasswordPolicy", "MinimumLength") == 12.0 && dig(p, "Policies", "PasswordPolicy", "RequireSymbols") == true,
		"threat protection":     dig(p, "UserPoolAddOns", "AdvancedSecurityMode") == "ENFORCED",
		"deletion protection":   p["DeletionProtection"] == "ACTIVE",
		"retained":              pool["DeletionPolicy"] == "Retain",
		"customer_id attribute": strings.Contains(js(p["Schema"]), `"Name":"customer_id"`),
	} {
		if !ok {
			t.Errorf("%s: %s", what, js(p))
		}
	}
	_, client := only(t, split.mainJSON, "AWS::Cognito::UserPoolClient")
	c := props(client)
	if strings.Contains(js(c["WriteAttributes"]), "customer_id") || !strings.Contains(js(c["ReadAttributes"]), "custom:customer_id") {
		t.Errorf("client attributes: read %s write %s", js(c["ReadAttributes"]), js(c["WriteAttributes"]))
	}
	if c["GenerateSecret"] != false || js(c["AllowedOAuthFlows"]) != `["code"]` || c["PreventUserExistenceErrors"] != "ENABLED" || c["EnableTokenRevocation"] != true {
		t.Errorf("client: %s", js(c))
	}
}

// signetMethods: ten signer routes (downloads; uploads, complete; multipart create,
// parts POST and GET, complete, abort; files GET and DELETE) and the admin API's ANY.
const signetMethods = 11

func TestApiRequiresCognitoAndValidatesBodies(t *testing.T) {
	authID, auth := only(t, split.mainJSON, "AWS::ApiGateway::Authorizer")
	if dig(auth, "Properties", "Type") != "COGNITO_USER_POOLS" {
		t.Errorf("authorizer: %s", js(auth))
	}
	methods := resources(split.mainJSON, "AWS::ApiGateway::Method")
	if len(methods) != signetMethods {
		t.Fatalf("methods: %v", keys(methods))
	}
	for id, m := range methods {
		p := props(m)
		// The admin API's bodies differ by route; its handler decodes them strictly.
		validated := p["RequestValidatorId"] != nil || p["HttpMethod"] == "ANY"
		if p["AuthorizationType"] != "COGNITO_USER_POOLS" || !refersTo(p["AuthorizerId"], authID) || !validated {
			t.Errorf("%s: %s", id, js(p))
		}
		if p["HttpMethod"] == "POST" && p["RequestModels"] == nil {
			t.Errorf("%s has no body model", id)
		}
	}
	for id, m := range resources(split.mainJSON, "AWS::ApiGateway::Model") {
		schema := js(dig(m, "Properties", "Schema"))
		if !strings.Contains(schema, `"additionalProperties":false`) {
			t.Errorf("%s admits unknown fields: %s", id, schema)
		}
		if strings.Contains(id, "Download") || strings.Contains(id, "Complete") || strings.Contains(id, "Upload") || strings.Contains(id, "Multipart") ||
			strings.Contains(id, "Parts") || strings.Contains(id, "Abort") {
			if !strings.Contains(schema, `"pattern":"^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*$"`) {
				t.Errorf("%s: path not constrained to canonical form: %s", id, schema)
			}
		}
	}
	_, stage := only(t, split.mainJSON, "AWS::ApiGateway::Stage")
	sp := props(stage)
	ms := dig(sp, "MethodSettings", 0)
	if sp["TracingEnabled"] != true || dig(sp, "AccessLogSetting", "DestinationArn") == nil ||
		dig(ms, "ThrottlingRateLimit") != 50.0 || dig(ms, "ThrottlingBurstLimit") != 100.0 || dig(ms, "DataTraceEnabled") != false {
		t.Errorf("stage: %s", js(sp))
	}
	_, assoc := only(t, split.mainJSON, "AWS::WAFv2::WebACLAssociation")
	if !strings.Contains(js(assoc), "ApiFirewallWebAcl") {
		t.Errorf("web ACL association: %s", js(assoc))
	}
}

// Multipart uploads, deletes and the size limit: the routes, their schemas, the
// signer's S3 actions and its configuration.
func TestLargeFilesAndDeletes(t *testing.T) {
	paths := map[string]string{}
	for id, r := range resources(split.mainJSON, "AWS::ApiGateway::Resource") {
		paths[id] = fmt.Sprint(dig(r, "Properties", "PathPart"))
	}
	routes := map[string]bool{}
	for _, m := range resources(split.mainJSON, "AWS::ApiGateway::Method") {
		p := props(m)
		ref, _ := dig(p, "ResourceId", "Ref").(string)
		routes[fmt.Sprint(p["HttpMethod"], " ", paths[ref])] = true
		if p["HttpMethod"] == "DELETE" && js(p["RequestParameters"]) != `{"method.request.querystring.path":true}` {
			t.Errorf("DELETE takes a required path: %s", js(p["RequestParameters"]))
		}
	}
	for _, want := range []string{"POST multipart", "POST parts", "GET parts", "POST complete", "POST abort", "DELETE files"} {
		if !routes[want] {
			t.Errorf("no %s route: %v", want, keys(routes))
		}
	}
	for id, m := range resources(split.mainJSON, "AWS::ApiGateway::Model") {
		schema := js(dig(m, "Properties", "Schema"))
		switch {
		case strings.HasPrefix(id, "ApiMultipartModel"):
			if !strings.Contains(schema, `"size":{"maximum":5497558138880,"minimum":1,"type":"integer"}`) || !strings.Contains(schema, `"checksumAlgorithm":{"enum":["CRC64NVME"]`) {
				t.Errorf("multipart model: %s", schema)
			}
		case strings.HasPrefix(id, "ApiPartsModel"):
			if !strings.Contains(schema, `"maxItems":100`) || !strings.Contains(schema, `"maximum":10000`) {
				t.Errorf("parts model: %s", schema)
			}
		}
	}
	_, fn := apiFunction(t, split.mainJSON, "ApiSignerFunction")
	env := dig(fn, "Properties", "Environment", "Variables")
	if dig(env, "SIGNET_MAX_UPLOAD_BYTES") != "5497558138880" || dig(env, "SIGNET_ALLOW_S3_DOWNLOADS") != nil {
		t.Errorf("signer environment %s", js(env))
	}
	var deletes, listParts bool
	for id, pol := range resources(split.mainJSON, "AWS::IAM::Policy") {
		if !strings.HasPrefix(id, "ApiSignerRole") {
			continue
		}
		for _, st := range statements(dig(pol, "Properties", "PolicyDocument")) {
			a := js(actions(st))
			deletes = deletes || strings.Contains(a, "s3:DeleteObject")
			// CDK merges it into the statement on the bucket's objects.
			listParts = listParts || (strings.Contains(a, "s3:ListMultipartUploadParts") && strings.Contains(js(st["Resource"]), `"/*"`))
		}
	}
	if !deletes || !listParts {
		t.Errorf("signer may delete %v, list parts %v", deletes, listParts)
	}
}

func TestSignerRunsInTheVpcWithScopedAccess(t *testing.T) {
	var fn map[string]any
	for id, f := range resources(split.mainJSON, "AWS::Lambda::Function") {
		if strings.HasPrefix(id, "ApiSignerFunction") {
			fn = f
		}
	}
	if fn == nil {
		t.Fatal("no signer Lambda")
	}
	p := props(fn)
	env := dig(p, "Environment", "Variables").(map[string]any)
	for _, k := range []string{"SIGNET_PARAMETER_PREFIX", "SIGNET_BUCKET", "SIGNET_DB_HOST", "SIGNET_DB_NAME", "SIGNET_KMS_KEY_ARN"} {
		if env[k] == nil {
			t.Errorf("missing %s", k)
		}
	}
	if strings.Contains(strings.ToLower(js(env)), "password") || strings.Contains(js(env), "PRIVATE") {
		t.Errorf("secret-looking environment: %s", js(env))
	}
	if !strings.Contains(js(dig(p, "VpcConfig", "SecurityGroupIds")), "MetadataLambdaSecurityGroup") {
		t.Errorf("signer not in the Lambda security group: %s", js(p["VpcConfig"]))
	}
	var connect bool
	for _, pol := range resources(split.mainJSON, "AWS::IAM::Policy") {
		for _, s := range statements(dig(pol, "Properties", "PolicyDocument")) {
			if js(actions(s)) == `["rds-db:connect"]` && strings.Contains(js(s["Resource"]), "dbuser:") && strings.Contains(js(s["Resource"]), "/signet_app") {
				connect = true
			}
		}
	}
	if !connect {
		t.Error("no rds-db:connect grant for signet_app")
	}
}

// With CORS origins configured, preflights are answered by API Gateway itself (no
// authorizer, no Lambda), every other method still needs Cognito, and the signer
// knows the origins it may name.
func TestApiCorsPreflights(t *testing.T) {
	var options, others int
	for id, m := range resources(single.mainJSON, "AWS::ApiGateway::Method") {
		p := props(m)
		if p["HttpMethod"] == "OPTIONS" {
			options++
			if dig(p, "Integration", "Type") != "MOCK" || p["AuthorizationType"] != "NONE" ||
				!strings.Contains(js(p), "https://app.example.com") {
				t.Errorf("%s: %s", id, js(p))
			}
			continue
		}
		others++
		if p["AuthorizationType"] != "COGNITO_USER_POOLS" {
			t.Errorf("%s: %s", id, js(p))
		}
	}
	if options == 0 || others != signetMethods {
		t.Errorf("%d preflight methods, %d others", options, others)
	}
	for id, f := range resources(single.mainJSON, "AWS::Lambda::Function") {
		if strings.HasPrefix(id, "ApiSignerFunction") && !strings.Contains(js(dig(f, "Properties", "Environment")), "https://app.example.com") {
			t.Errorf("signer does not know the origins: %s", js(dig(f, "Properties", "Environment")))
		}
	}
	if n := len(resources(split.mainJSON, "AWS::ApiGateway::Method")); n != signetMethods {
		t.Errorf("without origins, %d methods (want %d, no preflights)", n, signetMethods)
	}
}
