package test

import (
	"strings"
	"testing"
)

func TestDatabaseClusterIsHardened(t *testing.T) {
	id, c := only(t, split.mainJSON, "AWS::RDS::DBCluster")
	p := props(c)
	keyID := ""
	for k := range resources(split.mainJSON, "AWS::KMS::Key") {
		if strings.HasPrefix(k, "MetadataKey") {
			keyID = k
		}
	}
	for what, ok := range map[string]bool{
		"aurora-postgresql 17":       p["Engine"] == "aurora-postgresql" && strings.HasPrefix(p["EngineVersion"].(string), "17."),
		"serverless v2 0..4 ACU":     dig(p, "ServerlessV2ScalingConfiguration", "MinCapacity") == 0.0 && dig(p, "ServerlessV2ScalingConfiguration", "MaxCapacity") == 4.0,
		"auto-pause 10 min":          dig(p, "ServerlessV2ScalingConfiguration", "SecondsUntilAutoPause") == 600.0,
		"storage encrypted with CMK": p["StorageEncrypted"] == true && refersTo(p["KmsKeyId"], keyID),
		"IAM auth":                   p["EnableIAMDatabaseAuthentication"] == true,
		"RDS-managed master secret":  p["ManageMasterUserPassword"] == true && p["MasterUserPassword"] == nil,
		"deletion protection":        p["DeletionProtection"] == true,
		"backups >= 7 days":          p["BackupRetentionPeriod"].(float64) >= 7,
		"postgresql log export":      js(p["EnableCloudwatchLogsExports"]) == `["postgresql"]`,
		"snapshot on removal":        c["DeletionPolicy"] == "Snapshot" && c["UpdateReplacePolicy"] == "Snapshot",
	} {
		if !ok {
			t.Errorf("%s: %s", what, js(p))
		}
	}
	_, pg := only(t, split.mainJSON, "AWS::RDS::DBClusterParameterGroup")
	if dig(pg, "Properties", "Parameters", "rds.force_ssl") != "1" {
		t.Errorf("force_ssl: %s", js(pg))
	}
	_, inst := only(t, split.mainJSON, "AWS::RDS::DBInstance")
	if dig(inst, "Properties", "DBInstanceClass") != "db.serverless" || !refersTo(dig(inst, "Properties", "DBClusterIdentifier"), id) || dig(inst, "Properties", "PubliclyAccessible") != false {
		t.Errorf("writer: %s", js(props(inst)))
	}
}

func TestDatabaseNetworkIsIsolated(t *testing.T) {
	for _, typ := range []string{"AWS::EC2::NatGateway", "AWS::EC2::InternetGateway", "AWS::EC2::EIP"} {
		if n := len(resources(split.mainJSON, typ)); n != 0 {
			t.Errorf("%d %s", n, typ)
		}
	}
	for id, s := range resources(split.mainJSON, "AWS::EC2::Subnet") {
		if dig(s, "Properties", "MapPublicIpOnLaunch") != false {
			t.Errorf("%s maps public IPs", id)
		}
	}
	_, fl := only(t, split.mainJSON, "AWS::EC2::FlowLog")
	if dig(fl, "Properties", "TrafficType") != "ALL" || dig(fl, "Properties", "LogDestinationType") != "cloud-watch-logs" {
		t.Errorf("flow log: %s", js(props(fl)))
	}
	services := []string{}
	for _, e := range resources(split.mainJSON, "AWS::EC2::VPCEndpoint") {
		services = append(services, js(dig(e, "Properties", "ServiceName")))
	}
	joined := strings.Join(services, " ")
	// The Lambda API's: the admin API invokes its directory function through it.
	for _, want := range []string{".s3", "ssm", "secretsmanager", "xray", ".lambda"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %s endpoint in %s", want, joined)
		}
	}
	if len(services) != 5 {
		t.Errorf("endpoints: %s", joined)
	}
	// The database admits PostgreSQL from the Lambda security group only.
	var dbIngress []map[string]any
	for id, r := range resources(split.mainJSON, "AWS::EC2::SecurityGroupIngress") {
		if strings.HasPrefix(id, "MetadataDatabaseSecurityGroup") {
			dbIngress = append(dbIngress, r)
		}
	}
	if len(dbIngress) != 1 || dig(dbIngress[0], "Properties", "FromPort") != 5432.0 ||
		!strings.Contains(js(dig(dbIngress[0], "Properties", "SourceSecurityGroupId")), "MetadataLambdaSecurityGroup") {
		t.Errorf("database ingress: %s", js(dbIngress))
	}
	for id, sg := range resources(split.mainJSON, "AWS::EC2::SecurityGroup") {
		if strings.HasPrefix(id, "MetadataDatabaseSecurityGroup") && dig(sg, "Properties", "SecurityGroupIngress") != nil {
			t.Errorf("inline ingress on the database group: %s", js(sg))
		}
	}
}

func TestMigrationLambdaRunsInTheVpc(t *testing.T) {
	var fn map[string]any
	for id, f := range resources(split.mainJSON, "AWS::Lambda::Function") {
		if strings.HasPrefix(id, "MetadataMigratorFunction") {
			fn = f
		}
	}
	if fn == nil {
		t.Fatal("no migration Lambda")
	}
	p := props(fn)
	if p["Runtime"] != "provided.al2023" || js(p["Architectures"]) != `["arm64"]` ||
		!strings.Contains(js(dig(p, "VpcConfig", "SecurityGroupIds")), "MetadataLambdaSecurityGroup") {
		t.Errorf("migrator: %s", js(p))
	}
	_, schema := only(t, split.mainJSON, "Custom::SignetSchema")
	sp := props(schema)
	if !strings.Contains(js(sp["SecretArn"]), "MasterUserSecret.SecretArn") || sp["Database"] != "signet" || sp["Checksum"] == "" {
		t.Errorf("schema resource: %s", js(sp))
	}
}

// The Lambdas' HTTPS goes only to the interface endpoints' security group and to S3's
// prefix list (looked up at deploy time), never to 0.0.0.0/0; PostgreSQL only to the
// database's group.
func TestLambdaEgressIsNarrow(t *testing.T) {
	var toEndpoints, toS3 bool
	for id, sg := range resources(split.mainJSON, "AWS::EC2::SecurityGroup") {
		if !strings.HasPrefix(id, "MetadataLambdaSecurityGroup") {
			continue
		}
		if e := dig(sg, "Properties", "SecurityGroupEgress"); e != nil && strings.Contains(js(e), "0.0.0.0/0") {
			t.Errorf("%s egress: %s", id, js(e))
		}
	}
	for id, r := range resources(split.mainJSON, "AWS::EC2::SecurityGroupEgress") {
		p := props(r)
		if !strings.HasPrefix(js(p["GroupId"]), `{"Fn::GetAtt":["MetadataLambdaSecurityGroup`) {
			continue
		}
		switch {
		case p["CidrIp"] != nil:
			t.Errorf("%s: egress to a CIDR: %s", id, js(p))
		case strings.Contains(js(p["DestinationSecurityGroupId"]), "MetadataEndpointSecurityGroup") && p["FromPort"] == 443.0:
			toEndpoints = true
		case strings.Contains(js(p["DestinationPrefixListId"]), "MetadataS3PrefixList") && p["FromPort"] == 443.0:
			toS3 = true
		}
	}
	_, lookup := only(t, split.mainJSON, "Custom::AWS")
	if !toEndpoints || !toS3 || !strings.Contains(js(lookup), "describePrefixLists") || !strings.Contains(js(lookup), ".s3") {
		t.Errorf("egress to endpoints %v, to S3 %v; lookup %s", toEndpoints, toS3, js(dig(lookup, "Properties", "Create")))
	}
}
