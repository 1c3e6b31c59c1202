package database

import (
	"math"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/nag"
)

// proxyBorrowTimeout is how long a client waits for a pooled connection: under the
// signer's 29-second timeout, so a starved request gets an error it can report instead
// of the Lambda timing out (RDS Proxy's default is 120 seconds).
const proxyBorrowTimeout = 20

// defaultProxyPercent is the largest MaxConnectionsPercent whose pool, with the
// migrator's direct connection and ReservedConnections, fits max_connections.
func defaultProxyPercent(maxConnections int) float64 {
	free := maxConnections - ReservedConnections - 1 // the migrator connects directly
	p := math.Floor(100 * float64(free) / float64(maxConnections))
	for p > 1 && math.Ceil(float64(maxConnections)*p/100) > float64(free) {
		p--
	}
	return math.Max(1, math.Min(100, p))
}

// buildProxy creates RDS Proxy in front of the cluster: end-to-end IAM authentication
// (clients present IAM tokens to the proxy, the proxy presents its own to the cluster;
// no secret, no password), TLS required, no SQL in its logs, in the cluster's subnets
// with its own security group between LambdaSecurityGroup and the database's.
func (d *MetadataDatabase) buildProxy(props *MetadataDatabaseProps, subnets *awsec2.SubnetSelection, dbSG awsec2.SecurityGroup) {
	d.ProxySecurityGroup = awsec2.NewSecurityGroup(d.Construct, jsii.String("ProxySecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc: d.Vpc, Description: jsii.String("Signet RDS Proxy: PostgreSQL from Signet Lambdas, to the metadata database"), AllowAllOutbound: jsii.Bool(false),
	})
	pg := awsec2.Port_Tcp(jsii.Number(5432))
	d.ProxySecurityGroup.AddIngressRule(d.LambdaSecurityGroup, pg, jsii.String("PostgreSQL from Signet Lambdas"), nil)
	d.LambdaSecurityGroup.AddEgressRule(d.ProxySecurityGroup, pg, jsii.String("PostgreSQL to the RDS Proxy"), nil)
	d.ProxySecurityGroup.AddEgressRule(dbSG, pg, jsii.String("PostgreSQL to the metadata database"), nil)
	dbSG.AddIngressRule(d.ProxySecurityGroup, pg, jsii.String("PostgreSQL from the RDS Proxy"), nil)

	maxConns, _ := MaxConnections(d.minCapacity, d.maxCapacity)
	d.proxyPercent = defaultProxyPercent(maxConns)
	if props.ProxyMaxConnectionsPercent != nil {
		d.proxyPercent = *props.ProxyMaxConnectionsPercent
	}
	role := awsiam.NewRole(d.Construct, jsii.String("ProxyRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("rds.amazonaws.com"), nil),
		Description: jsii.String("Signet: RDS Proxy connects to the metadata database as signet_app with IAM"),
	})
	d.Proxy = awsrds.NewDatabaseProxy(d.Construct, jsii.String("Proxy"), &awsrds.DatabaseProxyProps{
		ProxyTarget:           awsrds.ProxyTarget_FromCluster(d.Cluster),
		Vpc:                   d.Vpc,
		VpcSubnets:            subnets,
		SecurityGroups:        &[]awsec2.ISecurityGroup{d.ProxySecurityGroup},
		DefaultAuthScheme:     awsrds.DefaultAuthScheme_IAM_AUTH,
		RequireTLS:            jsii.Bool(true),
		DebugLogging:          jsii.Bool(false),
		Role:                  role,
		MaxConnectionsPercent: jsii.Number(d.proxyPercent),
		BorrowTimeout:         awscdk.Duration_Seconds(jsii.Number(proxyBorrowTimeout)),
	})
	// End-to-end IAM: the proxy itself connects as signet_app with a token.
	d.proxyRole = role
	d.proxyMayConnectAs(AppUser)
	nag.Suppress(role.Node().FindChild(jsii.String("DefaultPolicy")), true, nag.Each("IAMNoInlinePolicy",
		"the proxy's own role holds only rds-db:connect on this cluster, as the database roles Signet's clients connect as (signet_app, and signet_admin_app with the admin API); an inline policy bound to one role cannot be attached to another by mistake")...)
}

// proxyMayConnectAs lets the proxy's role connect to the cluster as user (once per
// user): with end-to-end IAM authentication the proxy presents its own IAM token for
// the user the client connected as, so its role needs rds-db:connect on each.
func (d *MetadataDatabase) proxyMayConnectAs(user string) {
	if d.proxyUsers == nil {
		d.proxyUsers = map[string]bool{}
	}
	if d.proxyUsers[user] {
		return
	}
	d.proxyUsers[user] = true
	d.Cluster.GrantConnect(d.proxyRole, jsii.String(user))
}
