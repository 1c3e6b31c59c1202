package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/nag"
	"github.com/signet-cdk/signet/constructs/keys"
)

// TopicKeyDescription is the description of the key a monitoring construct creates.
const TopicKeyDescription = "Signet: encrypts the alarm notification topic"

// newAlarmTopic creates the alarm topic in scope: SSE-KMS with key (or a new rotating
// key) whose policy lets CloudWatch alarms of this account and region use it, TLS
// enforced by the topic policy, which also lets those alarms publish, and email
// subscribed when given.
func newAlarmTopic(scope constructs.Construct, displayName string, key awskms.IKey, email *string, removal awscdk.RemovalPolicy) (awssns.Topic, awskms.IKey) {
	if key == nil {
		key = keys.NewRotatingKey(scope, "TopicKey", TopicKeyDescription, removal, nil)
	}
	stack := awscdk.Stack_Of(scope)
	cloudwatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	// Only alarms of this account and region: CloudWatch acting for another account
	// (the confused deputy) matches neither condition.
	fromOwnAlarms := map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		"ArnLike": map[string]any{"aws:SourceArn": stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String("*"),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
	}
	// An encrypted topic accepts a publisher only if the publisher may use the key:
	// CloudWatch generates the data key for the message (and SNS decrypts with it).
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &fromOwnAlarms,
	}), jsii.Bool(true))

	topic := awssns.NewTopic(scope, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: jsii.String(displayName),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	// The topic policy replaces SNS's default one, so the alarms need their own grant.
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{cloudwatch},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: &fromOwnAlarms,
	}))
	if email != nil {
		sub := topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(email, nil))
		nag.Suppress(sub, false, nag.Rule{ID: "Serverless-SNSRedrivePolicy",
			Reason: "an alarm notification SNS could not mail would wait in a queue nobody reads; the alarm's state and history stay in CloudWatch " +
				"(the dashboard's alarm widget), which is what the operator checks, and SNS retries the mail itself"})
	}
	return topic, key
}

// newSnsAction notifies topic.
func newSnsAction(topic awssns.ITopic) awscloudwatch.IAlarmAction {
	return awscloudwatchactions.NewSnsAction(topic)
}
