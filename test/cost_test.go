package test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
)

// costCounts computes, from the default app's templates (all its stacks), the
// resource counts README's idle-cost table prices, by the table's first column.
func costCounts(s *synthesized) map[string]int {
	count := map[string]int{}
	for _, st := range s.dep.Stacks() {
		tmpl := toMap(assertions.Template_FromStack(st, nil))
		for _, r := range resources(tmpl, "AWS::EC2::VPCEndpoint") {
			if dig(r, "Properties", "VpcEndpointType") == "Interface" {
				subnets, _ := dig(r, "Properties", "SubnetIds").([]any)
				count["VPC interface endpoints"] += len(subnets)
			}
		}
		for _, acl := range resources(tmpl, "AWS::WAFv2::WebACL") {
			count["WAF web ACLs"]++
			count["WAF rules"] += len(dig(acl, "Properties", "Rules").([]any))
		}
		for _, c := range resources(tmpl, "AWS::RDS::DBCluster") {
			count["Aurora Serverless v2 compute"]++
			if dig(c, "Properties", "ManageMasterUserPassword") == true {
				count["Secrets"]++ // RDS keeps the master password in Secrets Manager
			}
		}
		for typ, line := range map[string]string{
			"AWS::KMS::Key": "KMS customer-managed keys", "AWS::SecretsManager::Secret": "Secrets",
			"AWS::CloudWatch::Alarm": "CloudWatch alarms", "AWS::CloudWatch::Dashboard": "CloudWatch dashboard",
			"AWS::Logs::LogGroup": "CloudWatch Logs",
		} {
			count[line] += len(resources(tmpl, typ))
		}
	}
	return count
}

// README's idle-cost table states the counts the default templates have: a change
// that adds an endpoint, key, web ACL rule, secret or alarm must update the table.
func TestCostTableMatchesTheTemplates(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "### Cost")
	if start < 0 {
		t.Fatal("README has no ### Cost section")
	}
	section := doc[start:]
	section = section[:strings.Index(section[4:], "\n### ")+4]
	want := costCounts(split)
	checked := 0
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 6 {
			continue
		}
		label, countCell := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[3])
		n, err := strconv.Atoi(countCell)
		if err != nil {
			continue
		}
		for key, got := range want {
			if strings.HasPrefix(label, key) {
				checked++
				if n != got {
					t.Errorf("README cost table %q says %d, the templates have %d", label, n, got)
				}
			}
		}
	}
	if checked < 9 {
		t.Errorf("only %d cost lines matched a computed count: %v", checked, want)
	}
}
