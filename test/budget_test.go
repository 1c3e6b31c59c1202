package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/database"
	"github.com/signet-cdk/signet/constructs/signerapi"
	"github.com/signet-cdk/signet/constructs/signet"
	"github.com/signet-cdk/signet/stacks"
)

// max_connections is the Aurora User Guide's table for Aurora PostgreSQL Serverless
// v2 (by maximum ACUs), interpolated between rows and capped at 2000 with a minimum of
// 0.5 ACU or less.
func TestMaxConnectionsFollowsTheAuroraTable(t *testing.T) {
	for _, c := range []struct {
		min, max float64
		want     int
		how      string
	}{
		{0, 1, 189, "documented value for a maximum of 1 ACU"},
		{0, 4, 823, "documented value for a maximum of 4 ACUs"},
		{0.5, 8, 1669, "documented value for a maximum of 8 ACUs"},
		{1, 16, 3360, "documented value for a maximum of 16 ACUs"},
		{0, 16, 2000, "capped at 2000"},
		{1, 32, 5000, "documented ceiling"},
		{2, 256, 5000, "documented ceiling"},
		{0.5, 2, 400, "between the documented 189 (1 ACUs) and 823 (4 ACUs), rounded down"},
		{1, 24, 4180, "between the documented 3360 (16 ACUs) and 5000 (32 ACUs)"},
	} {
		got, how := database.MaxConnections(c.min, c.max)
		if got != c.want || !strings.Contains(how, c.how) || !strings.Contains(how, database.MaxConnectionsSource) {
			t.Errorf("MaxConnections(%v, %v) = %d, %q; want %d, %q", c.min, c.max, got, how, c.want, c.how)
		}
	}
	if database.ReservedConnections != 13 || database.ConnectionsPerInstance != 1 {
		t.Errorf("margin %d, per instance %d", database.ReservedConnections, database.ConnectionsPerInstance)
	}
}

// The default deployment: the signer reserves 20 and the admin API 2 (one connection
// each) and the migrator counts 1: 23 of the 810 that 0..4 ACUs leave for clients
// (823 - 13).
func TestDefaultDeploymentFitsTheConnectionBudget(t *testing.T) {
	for name, s := range map[string]*synthesized{"split": split, "single": single} {
		b := s.dep.Main.Signet.Database.Budget()
		if !b.Fits() || b.Proxy || b.MinCapacity != 0 || b.MaxCapacity != 4 || b.MaxConnections != 823 || b.Reserved != 13 ||
			b.Limit != 810 || b.ClientConnections != 23 || b.DatabaseConnections != 23 || len(b.Unbounded) != 0 || len(b.Clients) != 3 {
			t.Errorf("%s: budget %+v", name, b)
		}
		want := map[string]int{"Signet/Default/Api/Signer/Function": 20, "Signet/Default/Api/Admin/Function": 2, "Signet/Default/Metadata/Migrator/Function": 1}
		for _, c := range b.Clients {
			if want[c.Name] != c.Connections {
				t.Errorf("%s: client %+v", name, c)
			}
			if strings.HasSuffix(c.Name, "/Signer/Function") && (c.ReservedConcurrency == nil || *c.ReservedConcurrency != signerapi.DefaultReservedConcurrency) {
				t.Errorf("%s: signer %+v", name, c)
			}
		}
		if n := len(resources(s.mainJSON, "AWS::RDS::DBProxy")); n != 0 {
			t.Errorf("%s: %d proxies by default", name, n)
		}
		for id, f := range resources(s.mainJSON, "AWS::Lambda::Function") {
			if strings.HasPrefix(id, "ApiSigner") && dig(f, "Properties", "ReservedConcurrentExecutions") != 20.0 {
				t.Errorf("%s: signer reservation %v", name, dig(f, "Properties", "ReservedConcurrentExecutions"))
			}
		}
	}
	t.Logf("default budget: %s", split.dep.Main.Signet.Database.Budget().Summary())
}

// synthErr builds in a team's stack (no bundling, no nag) and returns synth's error.
func synthErr(t *testing.T, build func(awscdk.Stack)) error {
	t.Helper()
	app := teamApp(t)
	stack := teamStack(app, "TeamStack", "us-east-1")
	return catch(func() {
		build(stack)
		app.Synth(nil)
	})
}

// A budget that cannot hold fails synth with the numbers: which clients, their
// concurrency, the total, the limit and how max_connections was derived.
func TestImpossibleConnectionBudgetFailsSynth(t *testing.T) {
	err := synthErr(t, func(stack awscdk.Stack) {
		signet.NewSignet(stack, "Files", &signet.SignetProps{SignerReservedConcurrency: jsii.Number(5000), DatabaseMaxCapacity: jsii.Number(1)})
	})
	if err == nil {
		t.Fatal("synth accepted 5000 signers on a 1-ACU database")
	}
	for _, want := range []string{
		"signet/database TeamStack/Files/Metadata: props.MaxCapacity 1:",
		"(5003 > 176)",
		"TeamStack/Files/Api/Signer/Function reserved concurrency 5000 × 1 = 5000",
		"TeamStack/Files/Metadata/Migrator/Function 1 (schema migrator",
		"total 5003",
		"limit 176 = max_connections 189 - 13 reserved",
		"the documented value for a maximum of 1 ACU",
		database.MaxConnectionsSource,
		"turn on the database proxy",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%v", want, err)
		}
	}
	// The app maps the context keys onto the same check.
	_, err = synth(map[string]any{"signet:region": "eu-west-1", "signet:signerConcurrency": 5000, "signet:databaseMaxCapacity": 1}, false)
	if err == nil || !strings.Contains(err.Error(), "Signet/Default/Api/Signer/Function reserved concurrency 5000 × 1 = 5000") || !strings.Contains(err.Error(), "(5003 > 176)") {
		t.Errorf("app with signet:signerConcurrency=5000, signet:databaseMaxCapacity=1: %v", err)
	}
	_, err = stacks.ConfigFromContext(func(k string) any {
		return map[string]any{"signet:region": "eu-west-1", "signet:signerConcurrency": 0.5, "signet:databaseMaxCapacity": 300, "signet:databaseProxy": "maybe"}[k]
	})
	for _, want := range []string{"signet:signerConcurrency=0.5", "signet:databaseMaxCapacity=300", `signet:databaseProxy="maybe"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad context: %v lacks %s", err, want)
		}
	}
}

// teamFunction is a team's own Lambda that reads the metadata database, without a
// reservation unless given one.
func teamFunction(stack awscdk.Stack, id string, reserved *float64) awslambda.Function {
	return awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"),
		Code:                         awslambda.Code_FromInline(jsii.String("exports.handler = async () => {}")),
		ReservedConcurrentExecutions: reserved,
	})
}

// A client without reserved concurrency makes the budget unbounded: synth fails naming
// it; so does a GrantConnect to a principal no registered client connects as. Every
// problem is reported at once. With the proxy the unreserved client is admitted.
func TestUnboundedOrUnregisteredClientFailsSynth(t *testing.T) {
	err := synthErr(t, func(stack awscdk.Stack) {
		s := signet.NewSignet(stack, "Files", nil)
		reporter := teamFunction(stack, "Reporter", nil)
		s.Database.RegisterFunction(reporter)
		s.GrantConnect(reporter)
		s.GrantConnect(awsiam.NewRole(stack, jsii.String("Stranger"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil)}))
	})
	for _, want := range []string{
		"signet/database TeamStack/Reporter: props.ReservedConcurrentExecutions <nil>: is not set: this client connects to the database TeamStack/Files/Metadata",
		"or turn on the database proxy",
		`GrantConnect("TeamStack/Stranger")`,
		"no registered client connects as it",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%v", want, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), "TeamStack/Reporter/ServiceRole") && strings.Contains(err.Error(), "GrantConnect(\"TeamStack/Reporter") {
		t.Errorf("the registered function's grant was refused: %v", err)
	}
	// Registered with a reservation, and the stranger registered as a client of its own:
	// the budget holds.
	err = synthErr(t, func(stack awscdk.Stack) {
		s := signet.NewSignet(stack, "Files", nil)
		reporter := teamFunction(stack, "Reporter", jsii.Number(5))
		s.Database.RegisterFunction(reporter)
		s.GrantConnect(reporter)
		task := awsiam.NewRole(stack, jsii.String("Task"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil)})
		s.Database.RegisterClient("reports service (2 tasks)", jsii.Number(2), task)
		s.GrantConnect(task)
		if b := s.Database.Budget(); b.ClientConnections != 30 || !b.Fits() {
			t.Errorf("budget %s", b.Summary())
		}
	})
	if err != nil {
		t.Errorf("registered clients refused: %v", err)
	}
	// Behind the proxy an unreserved client is admitted.
	err = synthErr(t, func(stack awscdk.Stack) {
		s := signet.NewSignet(stack, "Files", &signet.SignetProps{DatabaseProxy: true})
		reporter := teamFunction(stack, "Reporter", nil)
		s.Database.RegisterFunction(reporter)
		s.GrantConnect(reporter)
	})
	if err != nil {
		t.Errorf("unreserved client behind the proxy refused: %v", err)
	}
}

// The proxy refuses auto-pause (RDS Proxy does not support it) and its pool must fit
// the budget; a team using the database construct alone gets the same check.
func TestProxyPropsAreChecked(t *testing.T) {
	err := database.ValidateMetadataDatabaseProps(&database.MetadataDatabaseProps{
		Proxy: true, MinCapacity: jsii.Number(0), AutoPause: awscdk.Duration_Minutes(jsii.Number(10)), ProxyMaxConnectionsPercent: jsii.Number(0.5),
	})
	assertEveryProblem(t, err, "signet/database: props.", []string{"MinCapacity 0: 0 means auto-pause, which RDS Proxy does not support", "AutoPause", "ProxyMaxConnectionsPercent 0.5"})
	if err := database.ValidateMetadataDatabaseProps(&database.MetadataDatabaseProps{ProxyMaxConnectionsPercent: jsii.Number(50)}); err == nil ||
		!strings.Contains(err.Error(), "the proxy, which is off") {
		t.Errorf("percent without proxy: %v", err)
	}
	err = signet.ValidateSignetProps(&signet.SignetProps{SignerReservedConcurrency: jsii.Number(0), DatabaseMaxCapacity: jsii.Number(0.5)})
	if err == nil || !strings.Contains(err.Error(), "props.SignerReservedConcurrency 0") || !strings.Contains(err.Error(), "props.DatabaseMaxCapacity 0.5") {
		t.Errorf("composite: %v", err)
	}
	err = synthErr(t, func(stack awscdk.Stack) {
		database.NewMetadataDatabase(stack, "Db", &database.MetadataDatabaseProps{Proxy: true, ProxyMaxConnectionsPercent: jsii.Number(100)})
	})
	for _, want := range []string{"signet/database TeamStack/Db: props.ProxyMaxConnectionsPercent 100:", "lets the proxy open 823 connections, which with 1 direct exceeds the connection budget (824 > 810)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%v", want, err)
		}
	}
}

// signet:databaseProxy: RDS Proxy (end-to-end IAM authentication, TLS required, no
// SQL in its logs) between the signer and the cluster, in the cluster's subnets with
// its own security group; the signer connects to the proxy and may connect only there;
// the proxy connects as signet_app; no auto-pause. Its pool fits the budget while the
// signer reserves 1000 (more than the cluster alone admits), and the five nag packs
// pass.
func TestDatabaseProxy(t *testing.T) {
	s, err := synth(map[string]any{"signet:region": "eu-west-1", "signet:databaseProxy": true, "signet:signerConcurrency": 1000}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(s.outdir)
	tmpl := s.mainJSON
	proxyID, proxy := only(t, tmpl, "AWS::RDS::DBProxy")
	clusterID, cluster := only(t, tmpl, "AWS::RDS::DBCluster")
	p := props(proxy)
	if p["RequireTLS"] != true || p["DefaultAuthScheme"] != "IAM_AUTH" || p["Auth"] != nil || p["EngineFamily"] != "POSTGRESQL" || p["DebugLogging"] != false {
		t.Errorf("proxy: %s", js(p))
	}
	var subnetGroup map[string]any
	for _, g := range resources(tmpl, "AWS::RDS::DBSubnetGroup") {
		subnetGroup = g
	}
	if js(p["VpcSubnetIds"]) != js(dig(subnetGroup, "Properties", "SubnetIds")) {
		t.Errorf("proxy subnets %s, cluster subnets %s", js(p["VpcSubnetIds"]), js(dig(subnetGroup, "Properties", "SubnetIds")))
	}
	proxySG := ""
	for id := range resources(tmpl, "AWS::EC2::SecurityGroup") {
		if strings.HasPrefix(id, "MetadataProxySecurityGroup") {
			proxySG = id
		}
	}
	if proxySG == "" || js(p["VpcSecurityGroupIds"]) != `[{"Fn::GetAtt":["`+proxySG+`","GroupId"]}]` {
		t.Errorf("proxy security groups %s", js(p["VpcSecurityGroupIds"]))
	}
	_, tg := only(t, tmpl, "AWS::RDS::DBProxyTargetGroup")
	tp := props(tg)
	if !refersTo(tp["DBProxyName"], proxyID) || !refersTo(tp["DBClusterIdentifiers"], clusterID) || tp["TargetGroupName"] != "default" ||
		dig(tp, "ConnectionPoolConfigurationInfo", "MaxConnectionsPercent") != 98.0 || dig(tp, "ConnectionPoolConfigurationInfo", "ConnectionBorrowTimeout") != 20.0 {
		t.Errorf("target group: %s", js(tp))
	}
	// No auto-pause behind the proxy.
	sc := dig(cluster, "Properties", "ServerlessV2ScalingConfiguration")
	if dig(sc, "MinCapacity") != 0.5 || dig(sc, "MaxCapacity") != 4.0 || dig(sc, "SecondsUntilAutoPause") != nil {
		t.Errorf("scaling: %s", js(sc))
	}
	// The signer connects to the proxy.
	var signer map[string]any
	signerRole := ""
	for id, f := range resources(tmpl, "AWS::Lambda::Function") {
		if strings.HasPrefix(id, "ApiSignerFunction") {
			signer = f
			signerRole = dig(f, "Properties", "Role", "Fn::GetAtt", 0).(string)
		}
	}
	env := dig(signer, "Properties", "Environment", "Variables")
	if js(dig(env, "SIGNET_DB_HOST")) != `{"Fn::GetAtt":["`+proxyID+`","Endpoint"]}` || dig(env, "SIGNET_DB_PORT") != "5432" ||
		dig(signer, "Properties", "ReservedConcurrentExecutions") != 1000.0 {
		t.Errorf("signer: %s, reserved %v", js(env), dig(signer, "Properties", "ReservedConcurrentExecutions"))
	}
	// rds-db:connect: the signer on the proxy only, the proxy's role on the cluster.
	var signerOnProxy, proxyOnCluster bool
	for id, pol := range resources(tmpl, "AWS::IAM::Policy") {
		for _, st := range statements(dig(pol, "Properties", "PolicyDocument")) {
			if js(actions(st)) != `["rds-db:connect"]` {
				continue
			}
			res := js(st["Resource"])
			onProxy := strings.Contains(res, `"Fn::GetAtt":["`+proxyID+`","DBProxyArn"]`) && strings.Contains(res, "/signet_app")
			onCluster := strings.Contains(res, `"Fn::GetAtt":["`+clusterID+`","DBClusterResourceId"]`) && strings.Contains(res, "/signet_app")
			switch {
			case refersTo(dig(pol, "Properties", "Roles"), signerRole):
				signerOnProxy = onProxy && !onCluster
				if onCluster {
					t.Errorf("signer may still connect to the cluster: %s", res)
				}
			case strings.HasPrefix(id, "MetadataProxyRole"):
				proxyOnCluster = onCluster
			case strings.HasPrefix(id, "ApiAdminRole"):
				// The admin API: through the proxy, as its own role only.
				if !strings.Contains(res, `"Fn::GetAtt":["`+proxyID+`","DBProxyArn"]`) || !strings.Contains(res, "/signet_admin_app") || onCluster {
					t.Errorf("admin connects: %s", res)
				}
			default:
				t.Errorf("%s grants rds-db:connect: %s", id, res)
			}
		}
	}
	if !signerOnProxy || !proxyOnCluster {
		t.Errorf("rds-db:connect: signer on the proxy %v, proxy on the cluster %v", signerOnProxy, proxyOnCluster)
	}
	_, proxyRole := func() (string, map[string]any) {
		for id, r := range resources(tmpl, "AWS::IAM::Role") {
			if strings.HasPrefix(id, "MetadataProxyRole") {
				return id, r
			}
		}
		return "", nil
	}()
	if st := statements(dig(proxyRole, "Properties", "AssumeRolePolicyDocument")); len(st) != 1 || !servicePrincipal(st[0], "rds.amazonaws.com") {
		t.Errorf("proxy role trust: %s", js(proxyRole))
	}
	// Security groups: Lambdas -> proxy -> cluster on 5432.
	rule := func(typ, prefix, field, peer string) bool {
		for id, r := range resources(tmpl, typ) {
			rp := props(r)
			if strings.HasPrefix(id, prefix) && rp["FromPort"] == 5432.0 && rp["ToPort"] == 5432.0 && strings.Contains(js(rp[field]), peer) {
				return true
			}
		}
		return false
	}
	for what, ok := range map[string]bool{
		"proxy admits the Lambdas":      rule("AWS::EC2::SecurityGroupIngress", "MetadataProxySecurityGroup", "SourceSecurityGroupId", "MetadataLambdaSecurityGroup"),
		"Lambdas reach the proxy":       rule("AWS::EC2::SecurityGroupEgress", "MetadataLambdaSecurityGroup", "DestinationSecurityGroupId", "MetadataProxySecurityGroup"),
		"proxy reaches the cluster":     rule("AWS::EC2::SecurityGroupEgress", "MetadataProxySecurityGroup", "DestinationSecurityGroupId", "MetadataDatabaseSecurityGroup"),
		"cluster admits the proxy":      rule("AWS::EC2::SecurityGroupIngress", "MetadataDatabaseSecurityGroup", "SourceSecurityGroupId", "MetadataProxySecurityGroup"),
		"migrator still reaches it":     rule("AWS::EC2::SecurityGroupIngress", "MetadataDatabaseSecurityGroup", "SourceSecurityGroupId", "MetadataLambdaSecurityGroup"),
		"the proxy has no inline rules": dig(resources(tmpl, "AWS::EC2::SecurityGroup")[proxySG], "Properties", "SecurityGroupIngress") == nil,
	} {
		if !ok {
			t.Errorf("security groups: %s", what)
		}
	}
	// The budget: 1000 signers through the proxy, the proxy's pool (98% of 823) and the
	// migrator on the cluster, within 810.
	b := s.dep.Main.Signet.Database.Budget()
	if !b.Fits() || !b.Proxy || b.MaxConnections != 823 || b.ProxyMaxConnectionsPercent != 98 || b.ProxyPool != 807 ||
		b.DatabaseConnections != 808 || b.Limit != 810 || b.ClientConnections != 1003 {
		t.Errorf("proxy budget: %+v", b)
	}
	t.Logf("proxy budget: %s", b.Summary())
	// The five nag packs, clean in proxy mode too.
	for _, st := range s.dep.Stacks() {
		check(t, "nag errors in "+*st.StackName(), func() {
			errs := assertions.Annotations_FromStack(st).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(".*")))
			for _, e := range *errs {
				t.Errorf("%s: %v", *e.Id, e.Entry.Data)
			}
		})
		for _, pack := range stacks.NagPacks {
			if alt, _ := filepath.Glob(filepath.Join(s.outdir, pack+"*"+*st.StackName()+"-NagReport.csv")); len(alt) == 0 {
				t.Errorf("no %s report for %s", pack, *st.StackName())
			}
		}
	}
}
