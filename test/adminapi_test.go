package test

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/bucket"
	"github.com/signet-cdk/signet/constructs/database"
	"github.com/signet-cdk/signet/constructs/identity"
	signetkeys "github.com/signet-cdk/signet/constructs/keys"
	"github.com/signet-cdk/signet/constructs/signerapi"
	"github.com/signet-cdk/signet/constructs/signingkeys"
	"github.com/signet-cdk/signet/stacks"
)

// The admin API's tests build the constructs directly in a team's stack (no
// composite): keys, files bucket, signing keys, identity, the metadata database and
// the API.

// adminOptions vary the stack; the zero value is the default (admin API on, Signet's
// own VPC, no proxy).
type adminOptions struct {
	api      func(*signerapi.SignerApiProps)
	db       func(awscdk.Stack) *database.MetadataDatabaseProps
	identity *identity.IdentityProps
	// after runs in the stack once the API exists.
	after func(stack awscdk.Stack, api *signerapi.SignerApi, db *database.MetadataDatabase)
}

// adminApp is one synthesized stack with the API and the database.
type adminApp struct {
	stack awscdk.Stack
	tmpl  map[string]any
	api   *signerapi.SignerApi
	db    *database.MetadataDatabase
}

// buildAdminStack creates the pieces the API needs and the API in stack.
func buildAdminStack(stack awscdk.Stack, o adminOptions) (*signerapi.SignerApi, *database.MetadataDatabase) {
	k := signetkeys.NewKeys(stack, "Keys", nil)
	files := bucket.NewSecureBucket(stack, "Files", &bucket.SecureBucketProps{EncryptionKey: k.DataKey})
	sk := signingkeys.NewSigningKeys(stack, "SigningKeys", &signingkeys.SigningKeysProps{ParameterKey: k.ParameterKey, LogKey: k.LogsKey})
	sk.AddDistributionDomain(jsii.String("files.example.com"))
	idProps := &identity.IdentityProps{}
	if o.identity != nil {
		idProps = o.identity
	}
	idProps.LogKey = k.LogsKey
	id := identity.NewIdentity(stack, "Identity", idProps)
	dbProps := &database.MetadataDatabaseProps{}
	if o.db != nil {
		dbProps = o.db(stack)
	}
	dbProps.LogKey = k.LogsKey
	db := database.NewMetadataDatabase(stack, "Metadata", dbProps)
	props := &signerapi.SignerApiProps{
		UserPool: id.UserPool, SigningKeys: sk, Bucket: files.Bucket, BucketKey: k.DataKey, Database: db, LogKey: k.LogsKey,
	}
	if o.api != nil {
		o.api(props)
	}
	api := signerapi.NewSignerApi(stack, "Api", props)
	if o.after != nil {
		o.after(stack, api, db)
	}
	return api, db
}

// synthAdmin builds and synthesizes with the five cdk-nag packs, failing t on error.
func synthAdmin(t *testing.T, o adminOptions) *adminApp {
	t.Helper()
	a, err := synthAdminErr(t, o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// synthAdminErr is synthAdmin returning synth's error.
func synthAdminErr(t *testing.T, o adminOptions) (*adminApp, error) {
	t.Helper()
	app := teamApp(t)
	a := &adminApp{stack: teamStack(app, "AdminStack", "eu-west-1")}
	err := catch(func() {
		a.api, a.db = buildAdminStack(a.stack, o)
		stacks.ApplyNagPacks(app, false)
		app.Synth(nil)
	})
	if err != nil {
		return nil, err
	}
	a.tmpl = toMap(assertions.Template_FromStack(a.stack, nil))
	return a, nil
}

// adminByPrefix is the one resource of type typ whose logical id starts with prefix.
func adminByPrefix(t *testing.T, tmpl map[string]any, typ, prefix string) (string, map[string]any) {
	t.Helper()
	var ids []string
	var res map[string]any
	for id, r := range resources(tmpl, typ) {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
			res = r
		}
	}
	if len(ids) != 1 {
		t.Fatalf("want one %s %s*, found %v", typ, prefix, ids)
	}
	return ids[0], res
}

// adminRoleStatements are the statements of every policy attached to role (by logical
// id), and the managed policies it has.
func adminRoleStatements(tmpl map[string]any, role string) (stmts []map[string]any, managed any) {
	for _, p := range resources(tmpl, "AWS::IAM::Policy") {
		if refersTo(dig(p, "Properties", "Roles"), role) {
			stmts = append(stmts, statements(dig(p, "Properties", "PolicyDocument"))...)
		}
	}
	return stmts, dig(resources(tmpl, "AWS::IAM::Role")[role], "Properties", "ManagedPolicyArns")
}

// adminConnectGrants lists, for every rds-db:connect statement, the policy's logical id
// and the statement's resources as JSON.
func adminConnectGrants(tmpl map[string]any) map[string][]string {
	out := map[string][]string{}
	for id, p := range resources(tmpl, "AWS::IAM::Policy") {
		for _, s := range statements(dig(p, "Properties", "PolicyDocument")) {
			for _, a := range actions(s) {
				if a == "rds-db:connect" {
					out[id] = append(out[id], js(s["Resource"]))
				}
			}
		}
	}
	return out
}

var wantDirectoryCognitoActions = []string{
	"cognito-idp:AdminAddUserToGroup", "cognito-idp:AdminCreateUser", "cognito-idp:AdminDeleteUser",
	"cognito-idp:AdminDisableUser", "cognito-idp:AdminListGroupsForUser", "cognito-idp:AdminRemoveUserFromGroup",
	"cognito-idp:AdminUserGlobalSignOut", "cognito-idp:CreateGroup",
}

// adminGrantKinds sorts a role's statements (adminRoleStatements) into kinds: its log
// group (logs), X-Ray (xray), the VPC network interfaces (eni), and whatever extra
// recognizes (its kind, or "" for none); any other statement, a Deny, a log grant on
// another group, or a managed policy fails t. It returns the count of each kind.
func adminGrantKinds(t *testing.T, tmpl map[string]any, who, roleID, logsID string, extra func(s map[string]any) string) map[string]int {
	t.Helper()
	stmts, managed := adminRoleStatements(tmpl, roleID)
	if managed != nil {
		t.Errorf("%s role has managed policies: %s", who, js(managed))
	}
	kinds := map[string]int{}
	for _, s := range stmts {
		acts, res := actions(s), js(s["Resource"])
		if s["Effect"] != "Allow" || s["Condition"] != nil || s["NotAction"] != nil || s["NotResource"] != nil {
			t.Errorf("%s statement: %s", who, js(s))
		}
		kind := extra(s)
		switch {
		case kind != "":
		case js(acts) == `["logs:CreateLogStream","logs:PutLogEvents"]`:
			kind = "logs"
			if js(s["Resource"]) != `{"Fn::GetAtt":["`+logsID+`","Arn"]}` {
				t.Errorf("%s writes logs to %s, want only %s", who, res, logsID)
			}
		case js(acts) == `["xray:PutTelemetryRecords","xray:PutTraceSegments"]` && res == `"*"`:
			kind = "xray"
		case s["Sid"] == "LambdaVpcNetworkInterfaces" && res == `"*"` && js(acts) ==
			`["ec2:AssignPrivateIpAddresses","ec2:CreateNetworkInterface","ec2:DeleteNetworkInterface","ec2:DescribeNetworkInterfaces","ec2:DescribeSubnets","ec2:UnassignPrivateIpAddresses"]`:
			kind = "eni"
		default:
			t.Errorf("%s role may also %s on %s", who, js(acts), res)
			continue
		}
		kinds[kind]++
	}
	return kinds
}

// adminNagErrors fails t for every unsuppressed error of the five nag packs.
func adminNagErrors(t *testing.T, a *adminApp) {
	t.Helper()
	errs := assertions.Annotations_FromStack(a.stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(".*")))
	for _, e := range *errs {
		t.Errorf("nag: %s: %v", *e.Id, e.Entry.Data)
	}
}

// The admin API is on by default: /admin/{proxy+} with method ANY, a Lambda proxy
// integration to the admin Lambda, behind the API's one Cognito authorizer, on the
// API's one stage (throttled, logged, behind the regional WAF). The admin Lambda runs
// in the database's isolated subnets with the Lambda security group, reserves 2,
// connects as signet_admin_app only (never signet_app), may invoke the directory
// Lambda only, and may call no Cognito action. The directory Lambda runs outside the
// VPC with the pool's id, reserves the admin's 2, may call exactly the Cognito actions
// package directory uses on this pool only, and may not connect to the database. The
// database's VPC gets the Lambda API's interface endpoint (no cognito-idp one); the
// connection budget counts the admin Lambda and not the directory one; the five nag
// packs are clean.
func TestAdminApiIsOnByDefault(t *testing.T) {
	a := synthAdmin(t, adminOptions{})
	tmpl := a.tmpl
	if a.api.Admin == nil || a.api.Directory == nil {
		t.Fatalf("SignerApi.Admin %v, SignerApi.Directory %v", a.api.Admin, a.api.Directory)
	}

	// Routes: /admin/{proxy+} ANY, the shared authorizer, a Lambda proxy integration.
	authID, auth := only(t, tmpl, "AWS::ApiGateway::Authorizer")
	apiID, _ := only(t, tmpl, "AWS::ApiGateway::RestApi")
	if dig(auth, "Properties", "Type") != "COGNITO_USER_POOLS" || !strings.Contains(js(dig(auth, "Properties", "ProviderARNs")), "IdentityUserPool") {
		t.Errorf("authorizer: %s", js(auth))
	}
	// /api/admin/{proxy+}: the routes are under /api, as the distribution serves them.
	var apiRes, adminRes, proxyRes string
	for id, r := range resources(tmpl, "AWS::ApiGateway::Resource") {
		if p := props(r); p["PathPart"] == "api" && js(p["ParentId"]) == `{"Fn::GetAtt":["`+apiID+`","RootResourceId"]}` {
			apiRes = id
		}
	}
	for id, r := range resources(tmpl, "AWS::ApiGateway::Resource") {
		if p := props(r); apiRes != "" && p["PathPart"] == "admin" && js(p["ParentId"]) == `{"Ref":"`+apiRes+`"}` {
			adminRes = id
		}
	}
	for id, r := range resources(tmpl, "AWS::ApiGateway::Resource") {
		if p := props(r); adminRes != "" && p["PathPart"] == "{proxy+}" && js(p["ParentId"]) == `{"Ref":"`+adminRes+`"}` {
			proxyRes = id
		}
	}
	if adminRes == "" || proxyRes == "" {
		t.Fatalf("no /api/admin/{proxy+}: api %q, admin %q, proxy %q", apiRes, adminRes, proxyRes)
	}
	fnID, fn := adminByPrefix(t, tmpl, "AWS::Lambda::Function", "ApiAdminFunction")
	dirID, dir := adminByPrefix(t, tmpl, "AWS::Lambda::Function", "ApiDirectoryFunction")
	var adminMethods int
	for id, m := range resources(tmpl, "AWS::ApiGateway::Method") {
		p := props(m)
		if refersTo(p["Integration"], dirID) {
			t.Errorf("%s: the API reaches the directory Lambda: %s", id, js(p))
		}
		if !refersTo(p["ResourceId"], adminRes) && !refersTo(p["ResourceId"], proxyRes) {
			if refersTo(p["Integration"], fnID) {
				t.Errorf("%s outside /admin reaches the admin Lambda: %s", id, js(p))
			}
			continue
		}
		adminMethods++
		if !refersTo(p["ResourceId"], proxyRes) || p["HttpMethod"] != "ANY" || p["AuthorizationType"] != "COGNITO_USER_POOLS" ||
			js(p["AuthorizerId"]) != `{"Ref":"`+authID+`"}` || dig(p, "Integration", "Type") != "AWS_PROXY" ||
			dig(p, "Integration", "IntegrationHttpMethod") != "POST" || !refersTo(dig(p, "Integration", "Uri"), fnID) {
			t.Errorf("admin method %s: %s", id, js(p))
		}
	}
	if adminMethods != 1 {
		t.Errorf("%d methods under /admin, want 1 (ANY on {proxy+})", adminMethods)
	}
	// Every method of the API, the admin one included, needs the Cognito authorizer.
	for id, m := range resources(tmpl, "AWS::ApiGateway::Method") {
		if p := props(m); p["AuthorizationType"] != "COGNITO_USER_POOLS" || js(p["AuthorizerId"]) != `{"Ref":"`+authID+`"}` {
			t.Errorf("%s without the Cognito authorizer: %s", id, js(p))
		}
	}
	// One stage (throttling, access logs) and one web ACL association cover it.
	_, stage := only(t, tmpl, "AWS::ApiGateway::Stage")
	if dig(stage, "Properties", "MethodSettings", 0, "ThrottlingRateLimit") != 50.0 || dig(stage, "Properties", "AccessLogSetting", "DestinationArn") == nil {
		t.Errorf("stage: %s", js(stage))
	}
	only(t, tmpl, "AWS::WAFv2::WebACLAssociation")
	// API Gateway may invoke the admin Lambda for /admin paths only; nothing has a
	// resource-based permission on the directory Lambda (the admin role's own policy
	// lets it invoke).
	var invokes int
	for id, perm := range resources(tmpl, "AWS::Lambda::Permission") {
		p := props(perm)
		if refersTo(p["FunctionName"], dirID) {
			t.Errorf("%s: a permission on the directory Lambda: %s", id, js(p))
		}
		if !refersTo(p["FunctionName"], fnID) {
			continue
		}
		invokes++
		if p["Principal"] != "apigateway.amazonaws.com" || !strings.Contains(js(p["SourceArn"]), "/*/api/admin/*") {
			t.Errorf("%s: %s", id, js(p))
		}
	}
	if invokes == 0 {
		t.Error("API Gateway may not invoke the admin Lambda")
	}

	// The admin Lambda: environment (the directory's name, the database; no pool id),
	// VPC, reservation.
	p := props(fn)
	clusterID, _ := only(t, tmpl, "AWS::RDS::DBCluster")
	poolID, _ := only(t, tmpl, "AWS::Cognito::UserPool")
	env := dig(p, "Environment", "Variables").(map[string]any)
	wantEnv := map[string]string{
		"SIGNET_DIRECTORY_FUNCTION": `{"Ref":"` + dirID + `"}`,
		"SIGNET_DB_HOST":            `{"Fn::GetAtt":["` + clusterID + `","Endpoint.Address"]}`,
		"SIGNET_DB_PORT":            `{"Fn::GetAtt":["` + clusterID + `","Endpoint.Port"]}`,
		"SIGNET_DB_NAME":            `"signet"`,
	}
	if len(env) != len(wantEnv) {
		t.Errorf("admin environment: %s", js(env))
	}
	for k, want := range wantEnv {
		if js(env[k]) != want {
			t.Errorf("admin %s = %s, want %s", k, js(env[k]), want)
		}
	}
	if p["ReservedConcurrentExecutions"] != 2.0 || p["Runtime"] != "provided.al2023" || js(p["Architectures"]) != `["arm64"]` ||
		dig(p, "TracingConfig", "Mode") != "Active" {
		t.Errorf("admin function: %s", js(p))
	}
	sgID, _ := adminByPrefix(t, tmpl, "AWS::EC2::SecurityGroup", "MetadataLambdaSecurityGroup")
	if js(dig(p, "VpcConfig", "SecurityGroupIds")) != `[{"Fn::GetAtt":["`+sgID+`","GroupId"]}]` {
		t.Errorf("admin security groups: %s", js(dig(p, "VpcConfig", "SecurityGroupIds")))
	}
	subnets := dig(p, "VpcConfig", "SubnetIds").([]any)
	var isolated []string
	for id := range resources(tmpl, "AWS::EC2::Subnet") {
		if strings.HasPrefix(id, "MetadataVpcisolatedSubnet") {
			isolated = append(isolated, id)
		}
	}
	if len(subnets) != 2 || len(isolated) != 2 {
		t.Errorf("admin subnets %s (isolated: %v)", js(subnets), isolated)
	}
	for _, s := range isolated {
		if !refersTo(subnets, s) {
			t.Errorf("admin not in %s: %s", s, js(subnets))
		}
	}
	if _, signer := adminByPrefix(t, tmpl, "AWS::Lambda::Function", "ApiSignerFunction"); js(subnets) != js(dig(signer, "Properties", "VpcConfig", "SubnetIds")) {
		t.Error("admin and signer run in different subnets")
	}

	// The directory Lambda: outside the VPC, the pool's id and nothing else in its
	// environment, the admin's reservation.
	dp := props(dir)
	if dp["VpcConfig"] != nil {
		t.Errorf("directory Lambda in a VPC: %s", js(dp["VpcConfig"]))
	}
	if denv := dig(dp, "Environment", "Variables"); js(denv) != `{"SIGNET_USER_POOL_ID":{"Ref":"`+poolID+`"}}` {
		t.Errorf("directory environment: %s", js(denv))
	}
	if dp["ReservedConcurrentExecutions"] != 2.0 || dp["Runtime"] != "provided.al2023" || js(dp["Architectures"]) != `["arm64"]` ||
		dig(dp, "TracingConfig", "Mode") != "Active" || dp["Timeout"] != 20.0 {
		t.Errorf("directory function: %s", js(dp))
	}

	// The admin role: exactly its grants: connect as signet_admin_app, invoke the
	// directory Lambda (its exact ARN: no versions or aliases, ARN:*), its
	// logs, X-Ray and the VPC's network interfaces; no Cognito.
	roleID := dig(p, "Role", "Fn::GetAtt", 0).(string)
	logsID, _ := adminByPrefix(t, tmpl, "AWS::Logs::LogGroup", "ApiAdminLogs")
	dirArn := `{"Fn::GetAtt":["` + dirID + `","Arn"]}`
	kinds := adminGrantKinds(t, tmpl, "admin", roleID, logsID, func(s map[string]any) string {
		acts, res := actions(s), js(s["Resource"])
		switch {
		case js(acts) == `["rds-db:connect"]`:
			if !strings.Contains(res, `"Fn::GetAtt":["`+clusterID+`","DBClusterResourceId"]`) || !strings.Contains(res, "/signet_admin_app") || strings.Contains(res, "/signet_app") {
				t.Errorf("admin rds-db:connect: %s", res)
			}
			return "connect"
		case js(acts) == `["lambda:InvokeFunction"]`:
			if res != dirArn {
				t.Errorf("admin may invoke %s, want only the directory Lambda %s", res, dirID)
			}
			return "invoke"
		}
		return ""
	})
	if want := map[string]int{"connect": 1, "invoke": 1, "logs": 1, "xray": 1, "eni": 1}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("admin role statements %v, want %v", kinds, want)
	}

	// The directory role: exactly the Cognito actions package directory calls, on
	// this pool only, its logs and X-Ray; no database, no VPC.
	dirRoleID := dig(dp, "Role", "Fn::GetAtt", 0).(string)
	if !strings.HasPrefix(dirRoleID, "ApiDirectoryRole") || dirRoleID == roleID {
		t.Errorf("directory role %s (admin %s)", dirRoleID, roleID)
	}
	dirLogsID, _ := adminByPrefix(t, tmpl, "AWS::Logs::LogGroup", "ApiDirectoryLogs")
	if js(dig(dp, "LoggingConfig", "LogGroup")) != `{"Ref":"`+dirLogsID+`"}` {
		t.Errorf("directory log group: %s", js(dig(dp, "LoggingConfig")))
	}
	kinds = adminGrantKinds(t, tmpl, "directory", dirRoleID, dirLogsID, func(s map[string]any) string {
		if acts := actions(s); strings.HasPrefix(acts[0], "cognito-idp:") {
			if !reflect.DeepEqual(acts, wantDirectoryCognitoActions) || js(s["Resource"]) != `{"Fn::GetAtt":["`+poolID+`","Arn"]}` {
				t.Errorf("directory Cognito grant: %s on %s", js(acts), js(s["Resource"]))
			}
			return "cognito"
		}
		return ""
	})
	if want := map[string]int{"cognito": 1, "logs": 1, "xray": 1}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("directory role statements %v, want %v", kinds, want)
	}

	// Only the admin role may connect as signet_admin_app; only the directory role may
	// call Cognito; no other role may invoke the directory Lambda.
	for id, grants := range adminConnectGrants(tmpl) {
		for _, g := range grants {
			if strings.Contains(g, "/signet_admin_app") && !strings.HasPrefix(id, "ApiAdminRole") {
				t.Errorf("%s may connect as signet_admin_app: %s", id, g)
			}
		}
	}
	for id, pol := range resources(tmpl, "AWS::IAM::Policy") {
		s := js(pol)
		if strings.Contains(s, "cognito-idp:") && !strings.HasPrefix(id, "ApiDirectoryRole") {
			t.Errorf("%s grants Cognito actions: %s", id, s)
		}
		if refersTo(pol, dirID) && !strings.HasPrefix(id, "ApiAdminRole") {
			t.Errorf("%s grants on the directory Lambda: %s", id, s)
		}
	}

	// The Lambda API's interface endpoint, beside the others, with private DNS, in the
	// isolated subnets, reachable from the Lambda security group only; no cognito-idp
	// endpoint.
	epID, ep := adminByPrefix(t, tmpl, "AWS::EC2::VPCEndpoint", "MetadataLambdaEndpoint")
	ssmID, ssm := adminByPrefix(t, tmpl, "AWS::EC2::VPCEndpoint", "MetadataSsmEndpoint")
	ep, ssm = props(ep), props(ssm)
	if ep["ServiceName"] != "com.amazonaws.eu-west-1.lambda" || ep["VpcEndpointType"] != "Interface" || ep["PrivateDnsEnabled"] != true ||
		js(ep["SecurityGroupIds"]) != js(ssm["SecurityGroupIds"]) || js(ep["SubnetIds"]) != js(ssm["SubnetIds"]) || js(ep["VpcId"]) != js(ssm["VpcId"]) {
		t.Errorf("%s: %s (SSM endpoint %s: %s)", epID, js(ep), ssmID, js(ssm))
	}
	var interfaces []string
	for _, e := range resources(tmpl, "AWS::EC2::VPCEndpoint") {
		if dig(e, "Properties", "VpcEndpointType") == "Interface" {
			interfaces = append(interfaces, js(dig(e, "Properties", "ServiceName")))
		}
	}
	sort.Strings(interfaces)
	if got, want := strings.Join(interfaces, " "), `"com.amazonaws.eu-west-1.lambda" "com.amazonaws.eu-west-1.secretsmanager" "com.amazonaws.eu-west-1.ssm" "com.amazonaws.eu-west-1.xray"`; got != want {
		t.Errorf("interface endpoints %s, want %s", got, want)
	}
	if n := len(resources(tmpl, "AWS::EC2::VPCEndpoint")); n != 5 {
		t.Errorf("%d endpoints, want 5 (S3 and the 4 interface endpoints)", n)
	}
	if strings.Contains(js(tmpl), ".cognito-idp") {
		t.Error("a cognito-idp endpoint")
	}
	if a.db.LambdaEndpoint == nil || *a.db.LambdaEndpoint.Node().Path() != "AdminStack/Metadata/LambdaEndpoint" ||
		a.db.AddLambdaEndpoint() != a.db.LambdaEndpoint {
		t.Error("AddLambdaEndpoint is not idempotent")
	}

	// The connection budget counts the admin Lambda: 20 + 2 + the migrator's 1; the
	// directory Lambda never connects and is not in it.
	b := a.db.Budget()
	var counted bool
	for _, c := range b.Clients {
		if c.Name == "AdminStack/Api/Admin/Function" {
			counted = c.Connections == 2 && c.ReservedConcurrency != nil && *c.ReservedConcurrency == signerapi.DefaultAdminReservedConcurrency
		}
		if strings.Contains(c.Name, "Directory") {
			t.Errorf("the budget counts %s", c.Name)
		}
	}
	if !counted || !b.Fits() || len(b.Clients) != 3 || b.ClientConnections != 23 || b.DatabaseConnections != 23 {
		t.Errorf("budget: %s", b.Summary())
	}
	if s := b.Summary(); !strings.Contains(s, "AdminStack/Api/Admin/Function reserved concurrency 2 × 1 = 2") || strings.Contains(s, "Directory") {
		t.Errorf("summary: %s", s)
	}

	adminNagErrors(t, a)
}

// DisableAdminApi removes the admin API and all it brings: the routes, the admin and
// directory Lambdas, their grants, the admin's place in the budget and the Lambda
// endpoint.
func TestAdminApiCanBeTurnedOff(t *testing.T) {
	a := synthAdmin(t, adminOptions{api: func(p *signerapi.SignerApiProps) { p.DisableAdminApi = true }})
	tmpl := a.tmpl
	if a.api.Admin != nil || a.api.Directory != nil {
		t.Error("SignerApi.Admin or SignerApi.Directory is set with DisableAdminApi")
	}
	s := js(tmpl)
	for _, absent := range []string{`"PathPart":"admin"`, `"PathPart":"{proxy+}"`, "cognito-idp:", ".cognito-idp", "signet_admin_app",
		"SIGNET_DIRECTORY_FUNCTION", "SIGNET_USER_POOL_ID", "ApiAdmin", "Directory", "LambdaEndpoint", ".lambda\""} {
		if strings.Contains(s, absent) {
			t.Errorf("template still has %s", absent)
		}
	}
	if n := len(resources(tmpl, "AWS::ApiGateway::Method")); n != signetMethods-1 {
		t.Errorf("%d methods, want the signer's %d", n, signetMethods-1)
	}
	for id := range resources(tmpl, "AWS::Lambda::Function") {
		if strings.HasPrefix(id, "ApiAdmin") || strings.HasPrefix(id, "ApiDirectory") {
			t.Errorf("function %s with DisableAdminApi", id)
		}
	}
	if n := len(resources(tmpl, "AWS::EC2::VPCEndpoint")); n != 4 {
		t.Errorf("%d endpoints, want 4 (S3, SSM, Secrets Manager, X-Ray)", n)
	}
	if a.db.LambdaEndpoint != nil {
		t.Error("Lambda endpoint without the admin API")
	}
	if b := a.db.Budget(); len(b.Clients) != 2 || b.ClientConnections != 21 {
		t.Errorf("budget: %s", b.Summary())
	}
	adminNagErrors(t, a)
}

// Behind RDS Proxy (end-to-end IAM authentication) the admin Lambda connects to the
// proxy as signet_admin_app, and the proxy's own role may connect to the cluster as
// signet_admin_app as well as signet_app (it presents its own token for the user the
// client connected as); the directory Lambda may not connect at all; a reservation of
// 5 applies to both Lambdas and is counted, through the proxy, for the admin only.
func TestAdminApiBehindTheProxy(t *testing.T) {
	a := synthAdmin(t, adminOptions{
		db: func(awscdk.Stack) *database.MetadataDatabaseProps {
			return &database.MetadataDatabaseProps{Proxy: true}
		},
		api: func(p *signerapi.SignerApiProps) { p.AdminReservedConcurrency = jsii.Number(5) },
	})
	tmpl := a.tmpl
	proxyID, _ := only(t, tmpl, "AWS::RDS::DBProxy")
	clusterID, _ := only(t, tmpl, "AWS::RDS::DBCluster")
	_, fn := adminByPrefix(t, tmpl, "AWS::Lambda::Function", "ApiAdminFunction")
	env := dig(fn, "Properties", "Environment", "Variables")
	if js(dig(env, "SIGNET_DB_HOST")) != `{"Fn::GetAtt":["`+proxyID+`","Endpoint"]}` || dig(env, "SIGNET_DB_PORT") != "5432" ||
		dig(fn, "Properties", "ReservedConcurrentExecutions") != 5.0 {
		t.Errorf("admin behind the proxy: %s, reserved %v", js(env), dig(fn, "Properties", "ReservedConcurrentExecutions"))
	}
	_, dir := adminByPrefix(t, tmpl, "AWS::Lambda::Function", "ApiDirectoryFunction")
	if dig(dir, "Properties", "ReservedConcurrentExecutions") != 5.0 || dig(dir, "Properties", "VpcConfig") != nil {
		t.Errorf("directory behind the proxy: %s", js(props(dir)))
	}
	onProxy := func(res string) bool { return strings.Contains(res, `"Fn::GetAtt":["`+proxyID+`","DBProxyArn"]`) }
	onCluster := func(res string) bool {
		return strings.Contains(res, `"Fn::GetAtt":["`+clusterID+`","DBClusterResourceId"]`)
	}
	var adminOnProxy bool
	proxyUsers := map[string]bool{}
	for id, grants := range adminConnectGrants(tmpl) {
		all := strings.Join(grants, " ")
		switch {
		case strings.HasPrefix(id, "ApiAdminRole"):
			adminOnProxy = len(grants) == 1 && onProxy(all) && !onCluster(all) && strings.Contains(all, "/signet_admin_app") && !strings.Contains(all, "/signet_app")
		case strings.HasPrefix(id, "MetadataProxyRole"):
			for _, u := range []string{"signet_app", "signet_admin_app"} {
				proxyUsers[u] = onCluster(all) && !onProxy(all) && strings.Contains(all, `/`+u+`"`)
			}
		case strings.HasPrefix(id, "ApiSignerRole"):
			if strings.Contains(all, "signet_admin_app") {
				t.Errorf("the signer may connect as signet_admin_app: %s", all)
			}
		default: // the directory role among them
			t.Errorf("%s grants rds-db:connect: %s", id, all)
		}
	}
	if !adminOnProxy || !proxyUsers["signet_app"] || !proxyUsers["signet_admin_app"] {
		t.Errorf("rds-db:connect: admin on the proxy %v, proxy as %v: %s", adminOnProxy, proxyUsers, js(adminConnectGrants(tmpl)))
	}
	b := a.db.Budget()
	if !b.Fits() || !b.Proxy || b.ClientConnections != 26 || len(b.Clients) != 3 {
		t.Errorf("proxy budget: %s", b.Summary())
	}
	adminNagErrors(t, a)
}

// Props are checked together, with the construct, the prop and the value.
func TestAdminApiPropsAreChecked(t *testing.T) {
	err := signerapi.ValidateSignerApiProps(&signerapi.SignerApiProps{AdminReservedConcurrency: jsii.Number(0.5), DisableAdminApi: true})
	assertEveryProblem(t, err, "signet/signerapi: props.", []string{
		"AdminReservedConcurrency 0.5: must be a whole number, 1 or more",
		"AdminReservedConcurrency 0.5: applies to the admin API, which DisableAdminApi turns off",
		"UserPool <nil>: is required",
	})
	if err := signerapi.ValidateSignerApiProps(&signerapi.SignerApiProps{AdminReservedConcurrency: jsii.Number(0)}); err == nil ||
		!strings.Contains(err.Error(), "props.AdminReservedConcurrency 0: must be a whole number, 1 or more") {
		t.Errorf("AdminReservedConcurrency 0: %v", err)
	}
}

// GrantConnectAs keeps the budget's rule: a principal allowed to connect as any
// database role must be one a registered client connects as; the message names the
// role. A role name that is not a PostgreSQL identifier is refused.
func TestGrantConnectAsNeedsARegisteredClient(t *testing.T) {
	err := synthErr(t, func(stack awscdk.Stack) {
		db := database.NewMetadataDatabase(stack, "Db", nil)
		db.GrantConnectAs(awsiam.NewRole(stack, jsii.String("Reports"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil)}), "signet_reports")
	})
	if err == nil || !strings.Contains(err.Error(), `GrantConnectAs("TeamStack/Reports", "signet_reports")`) || !strings.Contains(err.Error(), "no registered client connects as it") {
		t.Errorf("unregistered GrantConnectAs: %v", err)
	}
	err = synthErr(t, func(stack awscdk.Stack) {
		db := database.NewMetadataDatabase(stack, "Db", nil)
		db.GrantConnectAs(awsiam.NewRole(stack, jsii.String("Reports"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil)}), "Reports; DROP")
	})
	if err == nil || !strings.Contains(err.Error(), `GrantConnectAs("TeamStack/Reports", "Reports; DROP"): the database role must be a lowercase identifier`) {
		t.Errorf("bad role name: %v", err)
	}
}

// A user pool with a domain (which sign-in needs, and which makes Cognito refuse
// PrivateLink) and the admin API synthesize cleanly: the admin API no longer reaches
// Cognito from the VPC, so signerapi warns of nothing, there is no cognito-idp
// endpoint, and the nag packs are clean.
func TestAdminApiWithAPoolDomainSynthesizesCleanly(t *testing.T) {
	a := synthAdmin(t, adminOptions{identity: &identity.IdentityProps{DomainPrefix: jsii.String("signet-files-test")}})
	domains := resources(a.tmpl, "AWS::Cognito::UserPoolDomain")
	var prefixed bool
	for _, d := range domains {
		prefixed = prefixed || dig(d, "Properties", "Domain") == "signet-files-test"
	}
	if !prefixed {
		t.Fatalf("no domain signet-files-test on the pool: %s", js(domains))
	}
	if a.api.Admin == nil || a.api.Directory == nil {
		t.Fatal("no admin API with a pool domain")
	}
	adminByPrefix(t, a.tmpl, "AWS::EC2::VPCEndpoint", "MetadataLambdaEndpoint")
	if strings.Contains(js(a.tmpl), ".cognito-idp") {
		t.Error("a cognito-idp endpoint")
	}
	for _, w := range *assertions.Annotations_FromStack(a.stack).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(".*"))) {
		data := js(w.Entry.Data)
		if strings.HasPrefix(*w.Id, "/AdminStack/Api") || strings.Contains(data, "signet/signerapi") ||
			strings.Contains(data, "PrivateLink") || strings.Contains(data, "cognito-idp") {
			t.Errorf("warning: %s: %s", *w.Id, data)
		}
	}
	adminNagErrors(t, a)
}

// In a team's VPC (NAT, no endpoint of Signet's) Signet adds no endpoint, the Lambda
// one included: the admin Lambda runs in the team's subnets and the directory Lambda
// outside any VPC.
func TestAdminApiInATeamVpcAddsNoEndpoint(t *testing.T) {
	team := synthAdmin(t, adminOptions{db: adminTeamVpcDatabase})
	if n := len(resources(team.tmpl, "AWS::EC2::VPCEndpoint")); n != 0 || team.db.LambdaEndpoint != nil || team.db.AddLambdaEndpoint() != nil {
		t.Errorf("Signet added %d endpoints to a team's VPC", n)
	}
	if team.api.Admin == nil || team.api.Directory == nil {
		t.Fatal("no admin API in a team's VPC")
	}
	_, fn := adminByPrefix(t, team.tmpl, "AWS::Lambda::Function", "ApiAdminFunction")
	if js(dig(fn, "Properties", "VpcConfig", "SubnetIds")) != `["subnet-0aaaaaaaaaaaaaaa1","subnet-0bbbbbbbbbbbbbbb2"]` {
		t.Errorf("admin subnets: %s", js(dig(fn, "Properties", "VpcConfig")))
	}
	_, dir := adminByPrefix(t, team.tmpl, "AWS::Lambda::Function", "ApiDirectoryFunction")
	if dig(dir, "Properties", "VpcConfig") != nil {
		t.Errorf("directory Lambda in a VPC: %s", js(dig(dir, "Properties", "VpcConfig")))
	}
	adminNagErrors(t, team)
}

// adminTeamVpcDatabase puts the database in a team's imported VPC with NAT subnets.
func adminTeamVpcDatabase(stack awscdk.Stack) *database.MetadataDatabaseProps {
	return &database.MetadataDatabaseProps{
		Vpc: awsec2.Vpc_FromVpcAttributes(stack, jsii.String("TeamVpc"), &awsec2.VpcAttributes{
			VpcId:             jsii.String("vpc-0123456789abcdef0"),
			AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"),
			PrivateSubnetIds:  jsii.Strings("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"),
		}),
		VpcSubnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
	}
}
