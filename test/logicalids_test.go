package test

import (
	"reflect"
	"sort"
	"testing"
)

// statefulTypes hold data or keys: renaming their logical ids would replace them, and
// a replaced bucket, key, parameter or log group is data lost. These ids are a public
// contract.
var statefulTypes = map[string]bool{
	"AWS::S3::Bucket": true, "AWS::KMS::Key": true, "AWS::Logs::LogGroup": true,
	"Custom::SignetSigningKey": true, "AWS::SSM::Parameter": true,
	"AWS::CloudFront::PublicKey": true, "AWS::CloudFront::KeyGroup": true,
	"AWS::CloudFront::Distribution": true, "AWS::WAFv2::WebACL": true,
	"AWS::RDS::DBCluster": true, "AWS::Cognito::UserPool": true,
}

var pinnedMain = []string{
	"AWS::CloudFront::Distribution CdnDistribution149FA6C8",
	"AWS::CloudFront::KeyGroup SigningKeysKeyGroupD2A71B9F",
	"AWS::CloudFront::PublicKey SigningKeysPublicKeyk124CDD5F1",
	"AWS::Cognito::UserPool IdentityUserPool96FE3B9B",
	"AWS::KMS::Key ApiFirewallLogKeyCE824437",
	"AWS::KMS::Key KeysDataKey8F3FE3A4",
	"AWS::KMS::Key KeysLogsKeyD24E82DB",
	"AWS::KMS::Key KeysParameterKey34C3FA86",
	"AWS::KMS::Key MetadataKey792ED7E9",
	"AWS::KMS::Key MonitoringTopicKey423AF5B2",
	"AWS::Logs::LogGroup ApiAccessLogs50B185DB",
	"AWS::Logs::LogGroup ApiAdminLogs1052F128",
	"AWS::Logs::LogGroup ApiDirectoryLogs7FD1CC35",
	"AWS::Logs::LogGroup ApiFirewallLogs34D37FBC",
	"AWS::Logs::LogGroup ApiSignerLogs43146E36",
	"AWS::Logs::LogGroup IdentityTokenTriggerLogsBE5A998C",
	"AWS::Logs::LogGroup MetadataFlowLogsD0A4FBC2",
	"AWS::Logs::LogGroup MetadataMigratorLogs6871B825",
	"AWS::Logs::LogGroup MetadataS3PrefixListLogs047A3A5C",
	"AWS::Logs::LogGroup SigningKeysKeygenLogs49546EFD",
	"AWS::RDS::DBCluster MetadataClusterDBE17299",
	"AWS::S3::Bucket FilesBucket7C17EE2E",
	"AWS::S3::Bucket FilesLogsFFA73081",
	"AWS::SSM::Parameter SigningKeysActiveKeyIdAF0EEA85",
	"AWS::SSM::Parameter SigningKeysActiveKeyParameterD670A282",
	"AWS::SSM::Parameter SigningKeysDistributionDomain5A485759",
	"AWS::WAFv2::WebACL ApiFirewallWebAclD3B75D85",
	"Custom::SignetSigningKey SigningKeysKeyk1881566F4",
}

var pinnedEdge = []string{
	"AWS::KMS::Key EdgeFirewallLogKey1BDDBECD",
	"AWS::Logs::LogGroup EdgeFirewallLogs79DD2D18",
	"AWS::WAFv2::WebACL EdgeFirewallWebAcl086D3006",
}

func statefulIDs(tmpl map[string]any) []string {
	var out []string
	for id, r := range tmpl["Resources"].(map[string]any) {
		typ := r.(map[string]any)["Type"].(string)
		if statefulTypes[typ] {
			out = append(out, typ+" "+id)
		}
	}
	sort.Strings(out)
	return out
}

func TestStatefulLogicalIDsArePinned(t *testing.T) {
	if got := statefulIDs(split.mainJSON); !reflect.DeepEqual(got, pinnedMain) {
		t.Errorf("main stack stateful ids changed (a rename replaces the resource):\n got %q\nwant %q", got, pinnedMain)
	}
	if got := statefulIDs(split.edgeJSON); !reflect.DeepEqual(got, pinnedEdge) {
		t.Errorf("edge stack stateful ids changed:\n got %q\nwant %q", got, pinnedEdge)
	}
}
