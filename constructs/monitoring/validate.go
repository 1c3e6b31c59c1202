package monitoring

import (
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"

	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

var (
	// emailPattern is a plausible address: one @, a dot in the domain, no spaces or
	// angle brackets (SNS wants the bare address, not "Name <a@b>").
	emailPattern          = regexp.MustCompile(`^[^@\s<>,;]+@[^@\s<>,;]+\.[A-Za-z]{2,}$`)
	stagePattern          = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	regionalWebAclPattern = regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/[A-Za-z0-9_-]{1,128}/[0-9a-f-]{36}$`)
	edgeWebAclPattern     = regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/[A-Za-z0-9_-]{1,128}/[0-9a-f-]{36}$`)
	distributionPattern   = regexp.MustCompile(`^[A-Z0-9]{1,64}$`)
)

// ValidateMonitoringProps checks props without building anything: every problem is
// reported, one per line.
func ValidateMonitoringProps(props *MonitoringProps) error {
	c := propcheck.Checker{Construct: "monitoring"}
	if props == nil {
		return nil
	}
	checkEmail(&c, props.AlarmEmail)
	checkTopicKey(&c, props.TopicKey)
	if props.ApiStage != "" {
		if !stagePattern.MatchString(props.ApiStage) {
			c.Fail("ApiStage", props.ApiStage, "must be an API Gateway stage name: 1 to 128 letters, digits, hyphens or underscores")
		}
		if props.Api == nil {
			c.Fail("ApiStage", props.ApiStage, "applies to Api, which is not set")
		}
	}
	if m := props.DatabaseMaxCapacity; m != nil {
		if *m < 1 || *m > 256 || !propcheck.Whole(*m*2) {
			c.Fail("DatabaseMaxCapacity", *m, "must be 1 to 256 ACUs in steps of 0.5, the cluster's maximum capacity")
		}
		if props.DatabaseCluster == nil {
			c.Fail("DatabaseMaxCapacity", *m, "applies to DatabaseCluster, which is not set")
		}
	}
	if a := props.RegionalWebAclArn; propcheck.Resolved(a) && !regionalWebAclPattern.MatchString(*a) {
		c.Fail("RegionalWebAclArn", *a, "must be a REGIONAL web ACL's ARN (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>)")
	}
	checkEdge(&c, "EdgeWebAclArn", props.EdgeWebAclArn, props.DistributionId)
	if d := props.SigningKeyMaxAge; d != nil {
		if days := propcheck.Days(d); days < 1 || days > 365 || !propcheck.Whole(days) {
			c.Fail("SigningKeyMaxAge", d.ToHumanString(), "must be a whole number of days from 1 to 365")
		}
		if props.SignerFunction == nil {
			c.Fail("SigningKeyMaxAge", d.ToHumanString(), "applies to the age the signer reports; SignerFunction is not set")
		}
	}
	return c.Err()
}

// checkEmail rejects an address SNS would refuse or mail nobody at.
func checkEmail(c *propcheck.Checker, email *string) {
	if propcheck.Resolved(email) && (len(*email) > 254 || !emailPattern.MatchString(*email)) {
		c.Fail("AlarmEmail", *email, "must be one email address such as \"ops@example.com\"")
	}
}

// checkTopicKey rejects an imported key: CloudFormation cannot add the statement
// that lets CloudWatch alarms publish to a topic encrypted with it, and without it
// every notification is dropped.
func checkTopicKey(c *propcheck.Checker, key awskms.IKey) {
	if key != nil && key.Node().DefaultChild() == nil {
		c.Fail("TopicKey", *key.KeyArn(), "is imported: CloudFormation cannot change its key policy, which must let cloudwatch.amazonaws.com use it; "+
			"define the key in your app (awskms.NewKey) or leave TopicKey unset")
	}
}

// checkEdge checks a CLOUDFRONT web ACL's ARN and a distribution id.
func checkEdge(c *propcheck.Checker, aclProp string, acl, distributionId *string) {
	if propcheck.Resolved(acl) && !edgeWebAclPattern.MatchString(*acl) {
		c.Fail(aclProp, *acl, "must be a CLOUDFRONT-scope web ACL's ARN (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)")
	}
	if propcheck.Resolved(distributionId) && !distributionPattern.MatchString(*distributionId) {
		c.Fail("DistributionId", *distributionId, "must be a CloudFront distribution id such as \"E2QWRUHAPOMQZL\"")
	}
}
