// Package keys is Signet's KMS customer-managed keys: the data key that
// encrypts every object in the file bucket (SSE-KMS) and the parameter key that
// encrypts the CloudFront signing key in SSM Parameter Store, and a logs key for the
// stack's Lambda log groups.
//
// Secure defaults: symmetric keys, yearly automatic rotation on, a 30-day pending
// window, RETAIN on stack deletion (destroying a key destroys every object it
// encrypted). The key policies start from the CDK default (the account may delegate
// to IAM) and gain exactly the statements other Signet constructs add through grant
// methods: CloudFront's decrypt on the data key under StringEquals AWS:SourceArn (see
// package cdn) and SSM-scoped decrypt on the parameter key.
package keys

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// Descriptions of the keys, shared with constructs that create their own.
const (
	DataKeyDescription      = "Signet: encrypts shared files at rest (S3 SSE-KMS)"
	ParameterKeyDescription = "Signet: encrypts the CloudFront signing keys in SSM Parameter Store"
)

// KeysProps configures the keys. The zero value is the secure default.
type KeysProps struct {
	// RemovalPolicy applies to both keys. Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// PendingWindow is how long a deleted key can still be recovered, 7 to 30 days.
	// Default: 30 days.
	PendingWindow awscdk.Duration
	// Alias prefix; when set, each key gets an alias "<prefix>/data" and
	// "<prefix>/parameters" for operators. Default: no aliases (names are global to the
	// account and region, so Signet creates none unless asked).
	AliasPrefix *string
	// DataKey, an existing key that encrypts the files bucket: no data key is created.
	// Default: a new rotating key.
	DataKey awskms.IKey
}

// Keys holds the two customer-managed keys.
type Keys struct {
	constructs.Construct
	// DataKey encrypts the file bucket (S3 SSE-KMS with bucket keys): created, or the
	// one given.
	DataKey awskms.IKey
	// ParameterKey encrypts the SSM SecureString that holds the signing key.
	ParameterKey awskms.Key
	// LogsKey encrypts the stack's Lambda log groups; its policy admits CloudWatch
	// Logs of this account and region only.
	LogsKey awskms.Key
}

// ValidateKeysProps checks props without building anything.
func ValidateKeysProps(props *KeysProps) error {
	c := propcheck.Checker{Construct: "keys"}
	if props != nil && props.PendingWindow != nil {
		if days := propcheck.Days(props.PendingWindow); days < 7 || days > 30 || !propcheck.Whole(days) {
			c.Fail("PendingWindow", props.PendingWindow.ToHumanString(), "must be a whole number of days between 7 and 30")
		}
	}
	if props != nil && propcheck.Resolved(props.AliasPrefix) {
		p := *props.AliasPrefix
		if len(p) < 7 || p[:6] != "alias/" || p == "alias/aws" || (len(p) >= 10 && p[:10] == "alias/aws/") {
			c.Fail("AliasPrefix", p, "must start with \"alias/\" and not with \"alias/aws\"")
		}
	}
	return c.Err()
}

// NewRotatingKey is the customer-managed key every Signet construct creates when it
// is not given one: symmetric, yearly rotation on, retained unless removal says
// otherwise.
func NewRotatingKey(scope constructs.Construct, id, description string, removal awscdk.RemovalPolicy, pendingWindow awscdk.Duration) awskms.Key {
	key := awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{
		Description:       jsii.String(description),
		EnableKeyRotation: jsii.Bool(true),
		PendingWindow:     pendingWindow,
		RemovalPolicy:     propcheck.RemovalOrRetain(removal),
	})
	DenyGrantsExceptForAWSResources(key)
	return key
}

// DenyGrantsExceptForAWSResources adds the key-policy statement Control Tower's
// CT.KMS.PR.3 asks for: nobody may create a grant unless it is for an AWS resource
// (RDS, Lambda, CloudWatch Logs create their own) or the caller is an AWS service.
// Signet's roles use the key directly and never create grants, so a stolen role
// cannot hand the key on.
func DenyGrantsExceptForAWSResources(key awskms.Key) {
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyGrantsExceptForAWSResources"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"BoolIfExists": map[string]any{
			"kms:GrantIsForAWSResource": "false",
			"aws:PrincipalIsAWSService": "false",
		}},
	}), jsii.Bool(false))
}

// NewKeys creates the data key and the parameter key.
func NewKeys(scope constructs.Construct, id string, props *KeysProps) *Keys {
	propcheck.MustAt(scope, id, ValidateKeysProps(props))
	if props == nil {
		props = &KeysProps{}
	}
	removal := propcheck.RemovalOrRetain(props.RemovalPolicy)
	window := props.PendingWindow
	if window == nil {
		window = awscdk.Duration_Days(jsii.Number(30))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	k := &Keys{Construct: c}
	k.DataKey = props.DataKey
	if k.DataKey == nil {
		dataKey := NewRotatingKey(c, "DataKey", DataKeyDescription, removal, window)
		if props.AliasPrefix != nil {
			dataKey.AddAlias(jsii.String(*props.AliasPrefix + "/data"))
		}
		k.DataKey = dataKey
	}
	k.ParameterKey = NewRotatingKey(c, "ParameterKey", ParameterKeyDescription, removal, window)
	k.LogsKey = NewRotatingKey(c, "LogsKey", "Signet: encrypts Lambda log groups", removal, window)
	stack := awscdk.Stack_Of(c)
	k.LogsKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchLogsOfThisAccountAndRegion"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String("*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})}},
	}), jsii.Bool(true))
	if props.AliasPrefix != nil {
		k.ParameterKey.AddAlias(jsii.String(*props.AliasPrefix + "/parameters"))
	}
	return k
}
