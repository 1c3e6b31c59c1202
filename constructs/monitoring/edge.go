package monitoring

import (
	"errors"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// EdgeMonitoringProps says which us-east-1 metrics to watch: CloudFront's and the
// CLOUDFRONT-scope web ACL's. Each nil part is skipped.
type EdgeMonitoringProps struct {
	// DistributionId: CloudFront's 5xx error rate.
	DistributionId *string
	// WebAclArn, the distribution's CLOUDFRONT-scope web ACL: blocked-request spikes.
	WebAclArn *string
	// Topic the alarms notify, in this stack's region (us-east-1). Default: a new
	// topic like Monitoring's (KMS-encrypted, TLS only, CloudWatch may publish).
	Topic awssns.ITopic
	// AlarmEmail subscribes an address to the new topic. Default: none.
	AlarmEmail *string
	// TopicKey encrypts the new topic (a key defined in the app). Default: a new
	// rotating customer-managed key.
	TopicKey awskms.IKey
	// RemovalPolicy of the created key. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// EdgeMonitoring is the alarms on CloudFront and its web ACL, which can only be
// created in us-east-1 (see the package doc).
type EdgeMonitoring struct {
	constructs.Construct
	// Topic is the given or created topic.
	Topic awssns.ITopic
	// TopicKey is the created topic's key; nil with a given Topic.
	TopicKey awskms.IKey
	// Alarms by key: AlarmCdn5xxRate, AlarmEdgeWafBlocked.
	Alarms map[string]awscloudwatch.Alarm
}

// ValidateEdgeMonitoringProps checks props without building anything.
func ValidateEdgeMonitoringProps(props *EdgeMonitoringProps) error {
	c := propcheck.Checker{Construct: "monitoring"}
	if props == nil {
		return nil
	}
	checkEmail(&c, props.AlarmEmail)
	checkTopicKey(&c, props.TopicKey)
	checkEdge(&c, "WebAclArn", props.WebAclArn, props.DistributionId)
	if props.Topic != nil {
		if props.AlarmEmail != nil {
			c.Fail("AlarmEmail", *props.AlarmEmail, "applies to the topic EdgeMonitoring creates; subscribe it to the given Topic yourself")
		}
		if props.TopicKey != nil {
			c.Fail("TopicKey", *props.TopicKey.KeyArn(), "applies to the topic EdgeMonitoring creates, and Topic is given")
		}
	}
	return c.Err()
}

// checkEdgeRegion rejects a stack whose region is known and is not us-east-1.
func checkEdgeRegion(stack awscdk.Stack) error {
	if r := stack.Region(); propcheck.Resolved(r) && *r != EdgeRegion {
		return &propcheck.Error{Construct: "monitoring", Prop: "scope", Value: *r,
			Reason: "is the stack's region; CloudFront and CLOUDFRONT web ACL metrics, and so their alarms, are in us-east-1: create EdgeMonitoring in a us-east-1 stack"}
	}
	return nil
}

// NewEdgeMonitoring creates the alarms on CloudFront and its web ACL in scope's
// stack, which must be in us-east-1.
func NewEdgeMonitoring(scope constructs.Construct, id string, props *EdgeMonitoringProps) *EdgeMonitoring {
	if props == nil {
		props = &EdgeMonitoringProps{}
	}
	propcheck.MustAt(scope, id, errors.Join(ValidateEdgeMonitoringProps(props), checkEdgeRegion(awscdk.Stack_Of(scope))))
	c := constructs.NewConstruct(scope, jsii.String(id))
	e := &EdgeMonitoring{Construct: c, Topic: props.Topic, Alarms: map[string]awscloudwatch.Alarm{}}
	if e.Topic == nil {
		e.Topic, e.TopicKey = newAlarmTopic(c, "Signet edge alarms", props.TopicKey, props.AlarmEmail, propcheck.RemovalOrRetain(props.RemovalPolicy))
	}
	var acl *string
	if props.WebAclArn != nil {
		acl = WebAclName(props.WebAclArn)
	}
	for _, s := range edgeAlarms(props.DistributionId, acl) {
		e.Alarms[s.key] = newAlarm(c, e.Topic, s)
	}
	return e
}
