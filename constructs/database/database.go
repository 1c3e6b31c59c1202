// Package database is Signet's metadata database: Aurora PostgreSQL Serverless v2 in
// a VPC of its own, with the schema applied at deploy time by a Go custom-resource
// Lambda (lambda/migrate).
//
// Secure defaults:
//   - Aurora PostgreSQL 17.5 (auto-pause capable), one db.serverless writer, 0 to 4
//     ACUs, pausing after 10 idle minutes (minimum 0 means it costs nothing idle;
//     the store's retry budget covers the resume);
//   - a VPC with isolated subnets only (no NAT, no internet gateway) in two AZs, flow
//     logs of all traffic to an encrypted log group, a gateway endpoint for S3 and
//     interface endpoints only for the APIs the Lambdas call (SSM, Secrets Manager,
//     X-Ray, and the Lambda API once AddLambdaEndpoint is called, which
//     the admin API does);
//   - a database security group that admits PostgreSQL only from LambdaSecurityGroup,
//     which Signet's Lambdas use (and, with Proxy, from the proxy's own group);
//   - storage encrypted with a customer-managed key, TLS forced (rds.force_ssl), IAM
//     database authentication on, the master password managed and rotated by RDS in
//     Secrets Manager, deletion protection, 7 days of backups, PostgreSQL logs exported
//     to CloudWatch Logs, SNAPSHOT on removal.
//
// GrantConnect lets a role connect as the least-privilege application role
// (signet_app) with an IAM token; GrantConnectAs as another database role, such as the
// admin API's signet_admin_app (AdminAppUser).
//
// Connection budget (budget.go): every function that connects registers with
// RegisterFunction, and synth fails unless the sum of reserved concurrency times
// ConnectionsPerInstance fits the max_connections Aurora derives from the capacity
// range, less a reserved margin. With Proxy, RDS Proxy (IAM authentication end to end,
// TLS required) stands between the functions and the cluster: ClientEndpoint is the
// proxy's, GrantConnect grants on the proxy, and the budget is the proxy's pool plus the
// migrator's direct connection. RDS Proxy does not work with auto-pause, so with Proxy
// the minimum capacity defaults to 0.5 ACU and 0 is refused.
package database

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/gofunction"
	"github.com/signet-cdk/signet/constructs/internal/nag"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
	"github.com/signet-cdk/signet/constructs/keys"
	"github.com/signet-cdk/signet/store/migrate"
)

// MigrateImportPath is the schema Lambda's main package.
const MigrateImportPath = "github.com/signet-cdk/signet/lambda/migrate"

// AppUser is the database role Signet's signer connects as.
const AppUser = "signet_app"

// AdminAppUser is the database role the admin API (lambda/admin) connects as: the
// schema (store/migrate/sql/0004_admin.sql) lets it write customers, access rules,
// users and the admin trail, and read the file audit, nothing else.
const AdminAppUser = "signet_admin_app"

// MetadataDatabaseProps configures the database. The zero value is the secure default.
type MetadataDatabaseProps struct {
	// Vpc to use. Signet adds no endpoints or routes to a VPC it did not create: the
	// subnets must reach SSM, Secrets Manager, X-Ray and S3 (endpoints or NAT), and,
	// with the admin API, the Lambda API (to invoke the directory function).
	// Default: a new VPC with isolated subnets only, flow logs and those endpoints.
	Vpc awsec2.IVpc
	// VpcSubnets for the cluster and the Lambdas, in at least two availability zones.
	// Default: the isolated subnets.
	VpcSubnets *awsec2.SubnetSelection
	// EncryptionKey for storage. Default: a new rotating customer-managed key.
	EncryptionKey awskms.IKey
	// LogKey encrypts the flow-log and Lambda log groups. Default: none.
	LogKey awskms.IKey
	// MinCapacity in ACUs, 0 (auto-pause) to 256. Default: 0.
	MinCapacity *float64
	// MaxCapacity in ACUs, 1 to 256. Default: 4.
	MaxCapacity *float64
	// AutoPause after this much idle time, 5 minutes to 1 day (with MinCapacity 0).
	// Default: 10 minutes.
	AutoPause awscdk.Duration
	// BackupRetention, at least 7 days. Default: 7 days.
	BackupRetention awscdk.Duration
	// DatabaseName. Default: "signet".
	DatabaseName *string
	// RemovalPolicy. Default: SNAPSHOT.
	RemovalPolicy awscdk.RemovalPolicy
	// DisableDeletionProtection for throwaway environments. Default: false.
	DisableDeletionProtection bool
	// Proxy puts RDS Proxy between the clients and the cluster, for deployments whose
	// concurrency outgrows the connection budget: IAM authentication end to end (no
	// password anywhere), TLS required, in VpcSubnets, its own security group reached
	// from LambdaSecurityGroup and reaching the cluster. RDS Proxy does not support
	// auto-pause: MinCapacity then defaults to 0.5, and 0 (or AutoPause) is refused.
	// Default: false (clients connect to the cluster).
	Proxy bool
	// ProxyMaxConnectionsPercent of max_connections the proxy may open, 1 to 100.
	// Default: the most that leaves ReservedConnections and the migrator's direct
	// connection free (98 at the default capacity).
	ProxyMaxConnectionsPercent *float64
}

// MetadataDatabase is the cluster, its network and its schema.
type MetadataDatabase struct {
	constructs.Construct
	Vpc     awsec2.IVpc
	Cluster awsrds.DatabaseCluster
	// VpcSubnets are the subnets the cluster and Signet's Lambdas use.
	VpcSubnets *awsec2.SubnetSelection
	// LambdaSecurityGroup is the only security group the database admits.
	LambdaSecurityGroup awsec2.SecurityGroup
	EncryptionKey       awskms.IKey
	Migrator            *gofunction.GoFunction
	Schema              awscdk.CustomResource
	DatabaseName        string
	// Proxy is the RDS Proxy, nil unless props.Proxy; ProxySecurityGroup is its group.
	Proxy              awsrds.DatabaseProxy
	ProxySecurityGroup awsec2.SecurityGroup
	// LambdaEndpoint is the Lambda API's interface endpoint in Signet's own VPC, nil
	// until AddLambdaEndpoint (and always nil in a team's VPC).
	LambdaEndpoint awsec2.InterfaceVpcEndpoint

	minCapacity, maxCapacity float64
	proxyPercent             float64
	clients                  []client
	grantees                 []grant
	// endpointSG and endpointSubnets are the interface endpoints' group and subnets,
	// nil in a team's VPC.
	endpointSG      awsec2.SecurityGroup
	endpointSubnets *awsec2.SubnetSelection
	// proxyRole is the proxy's role; proxyUsers the database roles it may connect as.
	proxyRole  awsiam.Role
	proxyUsers map[string]bool
}

// grant is one GrantConnect or GrantConnectAs: the principal's construct path and
// the database role it may connect as.
type grant struct{ path, user string }

// ValidateMetadataDatabaseProps checks props without building anything.
func ValidateMetadataDatabaseProps(props *MetadataDatabaseProps) error {
	c := propcheck.Checker{Construct: "database"}
	if props == nil {
		return nil
	}
	if m := props.MinCapacity; m != nil && (*m < 0 || *m > 256 || *m*2 != float64(int(*m*2))) {
		c.Fail("MinCapacity", *m, "must be from 0 to 256 in steps of 0.5")
	}
	if m := props.MaxCapacity; m != nil && (*m < 1 || *m > 256 || *m*2 != float64(int(*m*2))) {
		c.Fail("MaxCapacity", *m, "must be from 1 to 256 in steps of 0.5")
	}
	if props.MinCapacity != nil && props.MaxCapacity != nil && *props.MinCapacity > *props.MaxCapacity {
		c.Fail("MinCapacity", *props.MinCapacity, "is above MaxCapacity %v", *props.MaxCapacity)
	}
	if d := props.AutoPause; d != nil {
		if s := propcheck.Seconds(d); s < 300 || s > 86400 || !propcheck.Whole(s) {
			c.Fail("AutoPause", d.ToHumanString(), "must be whole seconds from 5 minutes to 1 day")
		}
	}
	if d := props.BackupRetention; d != nil {
		if days := propcheck.Days(d); days < 7 || days > 35 || !propcheck.Whole(days) {
			c.Fail("BackupRetention", d.ToHumanString(), "must be a whole number of days from 7 to 35")
		}
	}
	if n := props.DatabaseName; propcheck.Resolved(n) && !validIdent(*n) {
		c.Fail("DatabaseName", *n, "must be a lowercase identifier of at most 63 characters")
	}
	if props.VpcSubnets != nil && props.Vpc == nil {
		c.Fail("VpcSubnets", "set", "selects subnets of Vpc, which is not given")
	}
	if props.Proxy {
		// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
		if m := props.MinCapacity; m != nil && *m == 0 {
			c.Fail("MinCapacity", *m, "0 means auto-pause, which RDS Proxy does not support; use 0.5 or more with Proxy (0.5 is the default with Proxy)")
		}
		if props.AutoPause != nil {
			c.Fail("AutoPause", props.AutoPause.ToHumanString(), "applies only with MinCapacity 0 (auto-pause), which RDS Proxy does not support; leave it unset with Proxy")
		}
	}
	if p := props.ProxyMaxConnectionsPercent; p != nil {
		if *p < 1 || *p > 100 || !propcheck.Whole(*p) {
			c.Fail("ProxyMaxConnectionsPercent", *p, "must be a whole number from 1 to 100")
		}
		if !props.Proxy {
			c.Fail("ProxyMaxConnectionsPercent", *p, "applies to the proxy, which is off (set Proxy)")
		}
	}
	return c.Err()
}

func validIdent(s string) bool {
	if s == "" || len(s) > 63 || !(s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// NewMetadataDatabase creates the database.
func NewMetadataDatabase(scope constructs.Construct, id string, props *MetadataDatabaseProps) *MetadataDatabase {
	propcheck.MustAt(scope, id, ValidateMetadataDatabaseProps(props))
	if props == nil {
		props = &MetadataDatabaseProps{}
	}
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_SNAPSHOT
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	d := &MetadataDatabase{Construct: c, DatabaseName: "signet"}
	if props.DatabaseName != nil {
		d.DatabaseName = *props.DatabaseName
	}
	logRemoval := awscdk.RemovalPolicy_RETAIN
	if removal == awscdk.RemovalPolicy_DESTROY {
		logRemoval = removal
	}
	subnets := props.VpcSubnets
	if subnets == nil {
		subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	}
	d.VpcSubnets = subnets
	dbSG := d.buildNetwork(props, subnets, logRemoval)
	d.buildCluster(props, subnets, dbSG, removal)
	d.buildSchema(props, subnets, logRemoval)
	if props.Proxy {
		d.buildProxy(props, subnets, dbSG)
	}
	d.suppressFindings(props)
	d.registerMigrator()
	d.Node().AddValidation(&budgetCheck{d})
	return d
}

// buildNetwork creates the VPC (unless given), the Lambda and database security
// groups and, in Signet's own VPC, the endpoints; it returns the database's group.
func (d *MetadataDatabase) buildNetwork(props *MetadataDatabaseProps, subnets *awsec2.SubnetSelection, logRemoval awscdk.RemovalPolicy) awsec2.SecurityGroup {
	d.Vpc = props.Vpc
	if d.Vpc == nil {
		d.Vpc = newIsolatedVpc(d.Construct, props.LogKey, logRemoval)
	}
	d.LambdaSecurityGroup = awsec2.NewSecurityGroup(d.Construct, jsii.String("LambdaSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc: d.Vpc, Description: jsii.String("Signet Lambdas: the only clients the database admits"), AllowAllOutbound: jsii.Bool(false),
	})
	dbSG := awsec2.NewSecurityGroup(d.Construct, jsii.String("DatabaseSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc: d.Vpc, Description: jsii.String("Signet metadata database: PostgreSQL from Signet Lambdas only"), AllowAllOutbound: jsii.Bool(false),
	})
	dbSG.AddIngressRule(d.LambdaSecurityGroup, awsec2.Port_Tcp(jsii.Number(5432)), jsii.String("PostgreSQL from Signet Lambdas"), nil)
	d.LambdaSecurityGroup.AddEgressRule(dbSG, awsec2.Port_Tcp(jsii.Number(5432)), jsii.String("PostgreSQL to the metadata database"), nil)
	if props.Vpc == nil {
		d.addEndpoints(subnets, props.LogKey, logRemoval)
	} else {
		// A VPC of the team's: its endpoints or NAT are reached over HTTPS.
		d.LambdaSecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to AWS APIs (the VPC's endpoints or NAT)"), nil)
	}
	return dbSG
}

// newIsolatedVpc is Signet's own VPC: isolated subnets in two AZs, no NAT, flow logs
// of all traffic, a gateway endpoint for S3.
func newIsolatedVpc(scope constructs.Construct, logKey awskms.IKey, logRemoval awscdk.RemovalPolicy) awsec2.IVpc {
	flowLogs := awslogs.NewLogGroup(scope, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		EncryptionKey: logKey, Retention: awslogs.RetentionDays_ONE_YEAR, RemovalPolicy: logRemoval,
	})
	vpc := awsec2.NewVpc(scope, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
			Name: jsii.String("isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24),
		}},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{"all": {
			Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
			TrafficType: awsec2.FlowLogTrafficType_ALL,
		}},
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"S3": {Service: awsec2.GatewayVpcEndpointAwsService_S3()},
		},
		RestrictDefaultSecurityGroup: jsii.Bool(true),
	})
	suppressRestrictDefaultSGHandler(scope)
	return vpc
}

// suppressRestrictDefaultSGHandler accepts CT.LAMBDA.PR.3 on the CDK-provided
// handler that strips the default security group's rules: it runs once per deploy
// from CloudFormation and calls only the public EC2 API. The VPC it edits has no NAT,
// so inside it the handler could not reach EC2 without another endpoint.
func suppressRestrictDefaultSGHandler(scope constructs.Construct) {
	provider := awscdk.Stack_Of(scope).Node().TryFindChild(jsii.String("Custom::VpcRestrictDefaultSGCustomResourceProvider"))
	if provider == nil {
		return
	}
	if handler := provider.Node().TryFindChild(jsii.String("Handler")); handler != nil {
		nag.SuppressGuard(handler, "lambda_inside_vpc_check",
			"CDK's handler that removes the default security group's rules: invoked only by CloudFormation at deploy, calls only the public EC2 API, and the isolated VPC has no route to it")
	}
}

// s3PrefixList is the id of the region's S3 prefix list (com.amazonaws.<region>.s3),
// which a security group names to allow traffic to S3's gateway endpoint. The id
// differs per region and a synth-time lookup would need credentials (Signet never
// has them), so CloudFormation looks it up at deploy time (ec2:DescribePrefixLists,
// a read-only call that takes no resource ARN).
func (d *MetadataDatabase) s3PrefixList(logKey awskms.IKey, logRemoval awscdk.RemovalPolicy) *string {
	call := &customresources.AwsSdkCall{
		Service: jsii.String("EC2"), Action: jsii.String("describePrefixLists"),
		Parameters: map[string]any{"Filters": []map[string]any{{"Name": "prefix-list-name",
			"Values": []any{awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("com.amazonaws."), awscdk.Aws_REGION(), jsii.String(".s3")})}}}},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String("s3-prefix-list")),
		OutputPaths:        jsii.Strings("PrefixLists.0.PrefixListId"),
	}
	lookup := customresources.NewAwsCustomResource(d.Construct, jsii.String("S3PrefixList"), &customresources.AwsCustomResourceProps{
		OnCreate: call, OnUpdate: call, InstallLatestAwsSdk: jsii.Bool(false),
		LogGroup: awslogs.NewLogGroup(d.Construct, jsii.String("S3PrefixListLogs"), &awslogs.LogGroupProps{
			EncryptionKey: logKey, Retention: awslogs.RetentionDays_ONE_YEAR, RemovalPolicy: logRemoval,
		}),
		Policy: customresources.AwsCustomResourcePolicy_FromSdkCalls(&customresources.SdkCallsPolicyOptions{
			Resources: customresources.AwsCustomResourcePolicy_ANY_RESOURCE(),
		}),
	})
	d.suppressLookup(lookup)
	return lookup.GetResponseField(jsii.String("PrefixLists.0.PrefixListId"))
}

// suppressLookup records why CDK's SDK-call handler is as it is.
func (d *MetadataDatabase) suppressLookup(lookup customresources.AwsCustomResource) {
	nag.Suppress(lookup, true, append(nag.Each("IAMNoInlinePolicy", "CDK's SDK-call resource holds one inline statement: ec2:DescribePrefixLists, read-only"),
		nag.Rule{ID: "AwsSolutions-IAM5", AppliesTo: []string{"Resource::*"},
			Reason: "ec2:DescribePrefixLists supports no resource-level permissions; it reads the region's public prefix-list ids only"})...)
	fn := awscdk.Stack_Of(d.Construct).Node().TryFindChild(jsii.String("AWS679f53fac002430cb0da5b7982bd2287"))
	if fn == nil {
		return
	}
	why := "CDK's SDK-call handler runs once per deploy from CloudFormation to read the S3 prefix-list id; it touches no data"
	nag.Suppress(fn, true, append([]nag.Rule{
		{ID: "AwsSolutions-IAM4", AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, Reason: why},
		{ID: "AwsSolutions-L1", Reason: why + "; its runtime is the one CDK pins"},
		{ID: "Serverless-LambdaDefaultMemorySize", Reason: why + "; CDK sizes it"},
	}, append(append(append(nag.Each("LambdaDLQ", why, "NIST.800.53.R5", "HIPAA.Security", "Serverless"),
		nag.Each("LambdaConcurrency", why, "NIST.800.53.R5", "HIPAA.Security")...),
		nag.Each("LambdaInsideVPC", why+"; it calls the public EC2 API", "NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")...),
		nag.Each("LambdaTracing", why, "Serverless")...)...)...)
	nag.SuppressGuard(fn.Node().DefaultChild(), "lambda_inside_vpc_check", why+"; it calls the public EC2 API, which the isolated VPC cannot reach")
}

// addEndpoints creates the interface endpoints the Lambdas call, reachable over HTTPS
// from the Lambda security group only.
func (d *MetadataDatabase) addEndpoints(subnets *awsec2.SubnetSelection, logKey awskms.IKey, logRemoval awscdk.RemovalPolicy) {
	endpointSG := awsec2.NewSecurityGroup(d.Construct, jsii.String("EndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc: d.Vpc, Description: jsii.String("Signet interface endpoints: HTTPS from Signet Lambdas"), AllowAllOutbound: jsii.Bool(false),
	})
	endpointSG.AddIngressRule(d.LambdaSecurityGroup, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from Signet Lambdas"), nil)
	d.endpointSG, d.endpointSubnets = endpointSG, subnets
	// HTTPS out only to the interface endpoints and to S3 through its gateway
	// endpoint: nothing else, even though the subnets have no route out anyway.
	https := awsec2.Port_Tcp(jsii.Number(443))
	d.LambdaSecurityGroup.AddEgressRule(endpointSG, https, jsii.String("HTTPS to the VPC's interface endpoints"), nil)
	d.LambdaSecurityGroup.AddEgressRule(awsec2.Peer_PrefixList(d.s3PrefixList(logKey, logRemoval)), https, jsii.String("HTTPS to S3 through the gateway endpoint"), nil)
	for name, svc := range map[string]awsec2.InterfaceVpcEndpointAwsService{
		"Ssm":            awsec2.InterfaceVpcEndpointAwsService_SSM(),
		"SecretsManager": awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER(),
		"XRay":           awsec2.InterfaceVpcEndpointAwsService_XRAY(),
	} {
		d.addEndpoint(name, svc)
	}
}

// addEndpoint creates one interface endpoint with private DNS in the endpoints'
// subnets and security group.
func (d *MetadataDatabase) addEndpoint(name string, svc awsec2.IInterfaceVpcEndpointService) awsec2.InterfaceVpcEndpoint {
	return awsec2.NewInterfaceVpcEndpoint(d.Construct, jsii.String(name+"Endpoint"), &awsec2.InterfaceVpcEndpointProps{
		Vpc: d.Vpc, Service: svc, Subnets: d.endpointSubnets, PrivateDnsEnabled: jsii.Bool(true),
		SecurityGroups: &[]awsec2.ISecurityGroup{d.endpointSG}, Open: jsii.Bool(false),
	})
}

// AddLambdaEndpoint adds, in Signet's own VPC, the interface endpoint of the Lambda
// API (com.amazonaws.<region>.lambda, private DNS, HTTPS from LambdaSecurityGroup
// only), so a Lambda there can invoke another without a route to the internet: the
// admin API invokes the directory function, which reaches Cognito from outside the
// VPC (Cognito refuses PrivateLink for a user pool that has a domain; see package
// directory). It is added once, however often this is called, and only when a client
// needs it (an interface endpoint is billed by the hour in each AZ). In a team's VPC
// it adds nothing and returns nil: the subnets must reach the Lambda API themselves.
func (d *MetadataDatabase) AddLambdaEndpoint() awsec2.InterfaceVpcEndpoint {
	if d.LambdaEndpoint == nil && d.endpointSG != nil {
		d.LambdaEndpoint = d.addEndpoint("Lambda", awsec2.InterfaceVpcEndpointAwsService_LAMBDA())
	}
	return d.LambdaEndpoint
}

// buildCluster creates the encryption key (unless given) and the Aurora cluster.
func (d *MetadataDatabase) buildCluster(props *MetadataDatabaseProps, subnets *awsec2.SubnetSelection, dbSG awsec2.ISecurityGroup, removal awscdk.RemovalPolicy) {
	d.EncryptionKey = props.EncryptionKey
	if d.EncryptionKey == nil {
		d.EncryptionKey = keys.NewRotatingKey(d.Construct, "Key", "Signet: encrypts the metadata database", awscdk.RemovalPolicy_RETAIN, nil)
	}
	minCap, maxCap := 0.0, 4.0
	if props.Proxy {
		minCap = 0.5 // RDS Proxy does not support auto-pause (minimum 0)
	}
	if props.MinCapacity != nil {
		minCap = *props.MinCapacity
	}
	if props.MaxCapacity != nil {
		maxCap = *props.MaxCapacity
	}
	autoPause := props.AutoPause
	if autoPause == nil {
		autoPause = awscdk.Duration_Minutes(jsii.Number(10))
	}
	backup := props.BackupRetention
	if backup == nil {
		backup = awscdk.Duration_Days(jsii.Number(7))
	}
	cp := &awsrds.DatabaseClusterProps{
		Engine: awsrds.DatabaseClusterEngine_AuroraPostgres(&awsrds.AuroraPostgresClusterEngineProps{
			Version: awsrds.AuroraPostgresEngineVersion_VER_17_5(),
		}),
		Writer:                   awsrds.ClusterInstance_ServerlessV2(jsii.String("Writer"), d.writerProps()),
		ServerlessV2MinCapacity:  jsii.Number(minCap),
		ServerlessV2MaxCapacity:  jsii.Number(maxCap),
		Vpc:                      d.Vpc,
		VpcSubnets:               subnets,
		SecurityGroups:           &[]awsec2.ISecurityGroup{dbSG},
		StorageEncrypted:         jsii.Bool(true),
		StorageEncryptionKey:     d.EncryptionKey,
		IamAuthentication:        jsii.Bool(true),
		Credentials:              awsrds.Credentials_FromUsername(jsii.String("signet_admin"), nil),
		ManageMasterUserPassword: jsii.Bool(true),
		DeletionProtection:       jsii.Bool(!props.DisableDeletionProtection),
		Backup:                   &awsrds.BackupProps{Retention: backup},
		CloudwatchLogsExports:    jsii.Strings("postgresql"),
		DefaultDatabaseName:      jsii.String(d.DatabaseName),
		CopyTagsToSnapshot:       jsii.Bool(true),
		Parameters:               &map[string]*string{"rds.force_ssl": jsii.String("1"), "log_min_duration_statement": jsii.String("1000")},
		RemovalPolicy:            removal,
		MonitoringInterval:       awscdk.Duration_Seconds(jsii.Number(60)),
	}
	if minCap == 0 {
		cp.ServerlessV2AutoPauseDuration = autoPause
	}
	d.minCapacity, d.maxCapacity = minCap, maxCap
	d.Cluster = awsrds.NewDatabaseCluster(d.Construct, jsii.String("Cluster"), cp)
}

// buildSchema creates the migration Lambda and the custom resource that applies the
// schema at deploy time.
func (d *MetadataDatabase) buildSchema(props *MetadataDatabaseProps, subnets *awsec2.SubnetSelection, logRemoval awscdk.RemovalPolicy) {
	d.Migrator = gofunction.NewGoFunction(d.Construct, "Migrator", &gofunction.GoFunctionProps{
		ImportPath:     MigrateImportPath,
		Description:    jsii.String("Signet: applies the metadata schema at deploy time (custom resource)"),
		Timeout:        awscdk.Duration_Minutes(jsii.Number(5)),
		LogKey:         props.LogKey,
		RemovalPolicy:  logRemoval,
		Vpc:            d.Vpc,
		VpcSubnets:     subnets,
		SecurityGroups: []awsec2.ISecurityGroup{d.LambdaSecurityGroup},
	})
	d.Cluster.Secret().GrantRead(d.Migrator.Role, nil)
	checksum, err := migrate.Checksum()
	propcheck.Must(propcheck.At(*d.Node().Path(), err))
	d.Schema = awscdk.NewCustomResource(d.Construct, jsii.String("Schema"), &awscdk.CustomResourceProps{
		ServiceToken: d.Migrator.Function.FunctionArn(),
		ResourceType: jsii.String("Custom::SignetSchema"),
		Properties: &map[string]any{
			"SecretArn": d.Cluster.Secret().SecretArn(),
			"Host":      d.Cluster.ClusterEndpoint().Hostname(),
			"Port":      awscdk.Token_AsString(d.Cluster.ClusterEndpoint().Port(), nil),
			"Database":  d.DatabaseName,
			"Checksum":  checksum,
		},
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY, // deleting the resource keeps the schema
	})
	d.Schema.Node().AddDependency(d.Cluster)
	d.Schema.Node().AddDependency(d.Migrator.Role)
	d.Migrator.MarkCustomResourceHandler()
}

// suppressFindings records the cdk-nag findings that are decisions, each with why.
func (d *MetadataDatabase) suppressFindings(props *MetadataDatabaseProps) {
	if role := d.Cluster.Node().TryFindChild(jsii.String("MonitoringRole")); role != nil {
		nag.Suppress(role, true, nag.Rule{ID: "AwsSolutions-IAM4", AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"},
			Reason: "AmazonRDSEnhancedMonitoringRole is the policy AWS maintains for the RDS monitoring service: it writes only the RDSOSMetrics log group"})
	}
	nag.Suppress(d.Cluster.Node().FindChild(jsii.String("Writer")), true, nag.Each("RDSInBackupPlan", "automated backups are kept 7 days or more and deletion takes a final snapshot; enrolling in an AWS Backup plan is an organisation-level decision", "NIST.800.53.R5", "HIPAA.Security")...)
	if vpc, ok := d.Vpc.(awsec2.Vpc); ok && props.Vpc == nil {
		flowRolePolicy := vpc.Node().FindChild(jsii.String("all")).Node().FindChild(jsii.String("IAMRole")).Node().FindChild(jsii.String("DefaultPolicy"))
		nag.Suppress(flowRolePolicy, true, nag.Each("IAMNoInlinePolicy", "CDK's flow-log role holds one inline policy that lets VPC Flow Logs write to this VPC's log group only")...)
	}
}

// GrantConnect lets grantee connect as the application role with an IAM token, to
// ClientEndpoint: on the proxy with Proxy, on the cluster without. The function that
// connects as grantee must be registered (RegisterFunction), or synth fails.
func (d *MetadataDatabase) GrantConnect(grantee awsiam.IGrantable) awsiam.Grant {
	return d.GrantConnectAs(grantee, AppUser)
}

// GrantConnectAs lets grantee connect as the database role user (e.g. AdminAppUser)
// with an IAM token, to ClientEndpoint, and as no other role: rds-db:connect on that
// user alone, on the proxy with Proxy (whose own role is then also allowed to connect
// as user, which end-to-end IAM authentication needs), on the cluster without. The
// role must exist in the schema with LOGIN and rds_iam. As with GrantConnect, the
// function that connects as grantee must be registered, or synth fails.
func (d *MetadataDatabase) GrantConnectAs(grantee awsiam.IGrantable, user string) awsiam.Grant {
	if !validIdent(user) {
		panic(fmt.Errorf("signet/database %s: GrantConnectAs(%q, %q): the database role must be a lowercase identifier of at most 63 characters",
			*d.Node().Path(), principalPath(grantee), user))
	}
	d.grantees = append(d.grantees, grant{path: principalPath(grantee), user: user})
	if d.Proxy != nil {
		d.proxyMayConnectAs(user)
		return d.Proxy.GrantConnect(grantee, jsii.String(user))
	}
	return d.Cluster.GrantConnect(grantee, jsii.String(user))
}

// ClientEndpoint is where clients connect (as signet_app, or the role GrantConnectAs
// named): the proxy's endpoint with Proxy, the cluster's writer endpoint without.
func (d *MetadataDatabase) ClientEndpoint() (host, port *string) {
	if d.Proxy != nil {
		return d.Proxy.Endpoint(), jsii.String("5432") // a PostgreSQL proxy listens on 5432
	}
	return d.Cluster.ClusterEndpoint().Hostname(), awscdk.Token_AsString(d.Cluster.ClusterEndpoint().Port(), nil)
}

// writerProps turns Performance Insights on for the writer: the 7-day retention is
// free, and it is where a slow query or connection storm shows first. Its data is
// encrypted with the database's own key.
func (d *MetadataDatabase) writerProps() *awsrds.ServerlessV2ClusterInstanceProps {
	return &awsrds.ServerlessV2ClusterInstanceProps{
		AutoMinorVersionUpgrade:         jsii.Bool(true),
		EnablePerformanceInsights:       jsii.Bool(true),
		PerformanceInsightRetention:     awsrds.PerformanceInsightRetention_DEFAULT,
		PerformanceInsightEncryptionKey: d.EncryptionKey,
	}
}
