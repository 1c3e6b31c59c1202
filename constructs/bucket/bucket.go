// Package bucket is Signet's file bucket: an S3 bucket that holds the shared files,
// reachable only through CloudFront (reads) and S3 presigned URLs (writes), plus the
// hardened bucket that receives its access logs.
//
// Secure defaults, all overridable only where it is safe:
//   - SSE-KMS with a customer-managed key (a new rotating key unless EncryptionKey is
//     given) and S3 Bucket Keys, so KMS is called once per object per time window rather
//     than once per request;
//   - all four public-access blocks on, object ownership enforced (no ACLs);
//   - a bucket policy that denies any request without TLS, or with TLS older than 1.2;
//   - versioning on, noncurrent versions expired after 90 days, incomplete multipart
//     uploads aborted after 7 days;
//   - server access logs to a separate log bucket (SSE-S3, because S3 log delivery
//     cannot write to SSE-KMS buckets; ACLs enabled only there, because CloudFront
//     standard logging still delivers with an ACL grant);
//   - no CORS unless CorsAllowedOrigins is set (browser uploads from a web app);
//   - RETAIN on stack deletion for both buckets.
//
// The bucket gets a generated physical name, "<prefix>-<hash>-<account>-<region>",
// computed from the construct's unique address rather than read back from the bucket
// resource. That lets the CDN point its origin at the bucket without a CloudFormation
// reference to it, which is what allows the data key's policy to name the exact
// distribution ARN with no dependency cycle (see package cdn).
package bucket

import (
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/nag"
	"github.com/signet-cdk/signet/constructs/internal/naming"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
	"github.com/signet-cdk/signet/constructs/keys"
)

// SecureBucketProps configures the file bucket. The zero value is the secure default.
type SecureBucketProps struct {
	// EncryptionKey is the data key for SSE-KMS. Default: a new customer-managed key
	// with rotation on, retained on deletion.
	EncryptionKey awskms.IKey
	// NamePrefix starts the generated bucket name: lowercase letters, digits and
	// hyphens, at most 24 characters. Default: "signet".
	NamePrefix *string
	// CorsAllowedOrigins lists the https origins of web apps that upload or download
	// from the browser. Default: none (no CORS configuration).
	CorsAllowedOrigins []*string
	// CorsMaxAge is how long browsers cache a preflight answer. Default: 1 hour.
	CorsMaxAge awscdk.Duration
	// NoncurrentVersionExpiration is how long an overwritten or deleted version is
	// kept. Default: 90 days.
	NoncurrentVersionExpiration awscdk.Duration
	// AbortIncompleteMultipartUploadAfter bounds abandoned multipart uploads.
	// Default: 7 days.
	AbortIncompleteMultipartUploadAfter awscdk.Duration
	// AccessLogBucket receives server access logs. Default: a new hardened log bucket.
	AccessLogBucket awss3.IBucket
	// LogRetention is how long the created log bucket keeps logs. Default: 365 days.
	LogRetention awscdk.Duration
	// RemovalPolicy applies to both buckets. Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// ObjectLock enables S3 Object Lock on the file bucket, with no default
	// retention: set retention per object or with a default rule of your own. It can
	// only be chosen when the bucket is created, and a compliance-mode lock cannot be
	// lifted even by the account root, so it is the deployer's choice. Default: off.
	ObjectLock bool
}

// SecureBucket is the file bucket and its log bucket.
type SecureBucket struct {
	constructs.Construct
	// Bucket holds the shared files.
	Bucket awss3.Bucket
	// EncryptionKey is the data key (given or created).
	EncryptionKey awskms.IKey
	// LogBucket receives the file bucket's server access logs (given or created). When
	// created here it also accepts CloudFront standard logs.
	LogBucket awss3.IBucket
	// BucketName is the generated physical name, a CloudFormation expression that
	// does not reference the bucket resource.
	BucketName *string
}

var (
	namePrefixPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,23}$`)
)

// ValidateSecureBucketProps checks props without building anything.
func ValidateSecureBucketProps(props *SecureBucketProps) error {
	c := propcheck.Checker{Construct: "bucket"}
	if props == nil {
		return nil
	}
	if propcheck.Resolved(props.NamePrefix) {
		p := *props.NamePrefix
		if !namePrefixPattern.MatchString(p) || strings.HasSuffix(p, "-") {
			c.Fail("NamePrefix", p, "must be 1 to 24 lowercase letters, digits or hyphens, starting with a letter or digit and not ending with a hyphen")
		}
	}
	for i, o := range props.CorsAllowedOrigins {
		if o == nil || !propcheck.Resolved(o) {
			if o == nil || *o == "" {
				c.Fail("CorsAllowedOrigins", props.CorsAllowedOrigins, "entry %d is empty", i)
			}
			continue
		}
		if err := propcheck.CheckOrigin(*o); err != "" {
			c.Fail("CorsAllowedOrigins", *o, "%s", err)
		}
	}
	checkDays := func(name string, d awscdk.Duration, min, max float64) {
		if d == nil {
			return
		}
		days := d.ToDays(&awscdk.TimeConversionOptions{Integral: jsii.Bool(false)})
		if *days < min || *days > max || *days != float64(int(*days)) {
			c.Fail(name, d.ToHumanString(), "must be a whole number of days from %v to %v", min, max)
		}
	}
	checkDays("NoncurrentVersionExpiration", props.NoncurrentVersionExpiration, 1, 3650)
	checkDays("AbortIncompleteMultipartUploadAfter", props.AbortIncompleteMultipartUploadAfter, 1, 30)
	checkDays("LogRetention", props.LogRetention, 1, 3650)
	if props.AccessLogBucket != nil && props.LogRetention != nil {
		c.Fail("LogRetention", props.LogRetention.ToHumanString(), "applies only to the log bucket Signet creates; it cannot be set together with AccessLogBucket")
	}
	if props.CorsMaxAge != nil {
		if s := propcheck.Seconds(props.CorsMaxAge); s < 0 || s > 86400 {
			c.Fail("CorsMaxAge", props.CorsMaxAge.ToHumanString(), "must be between 0 and 24 hours")
		}
	}
	return c.Err()
}

// NewSecureBucket creates the file bucket and, unless given, its key and log bucket.
func NewSecureBucket(scope constructs.Construct, id string, props *SecureBucketProps) *SecureBucket {
	propcheck.MustAt(scope, id, ValidateSecureBucketProps(props))
	if props == nil {
		props = &SecureBucketProps{}
	}
	removal := propcheck.RemovalOrRetain(props.RemovalPolicy)
	c := constructs.NewConstruct(scope, jsii.String(id))
	b := &SecureBucket{Construct: c}

	b.EncryptionKey = props.EncryptionKey
	if b.EncryptionKey == nil {
		b.EncryptionKey = keys.NewRotatingKey(c, "Key", keys.DataKeyDescription, removal, nil)
	}

	b.LogBucket = props.AccessLogBucket
	if b.LogBucket == nil {
		b.LogBucket = NewLogBucket(c, "Logs", props.LogRetention, removal)
	}

	prefix := "signet"
	if props.NamePrefix != nil {
		prefix = *props.NamePrefix
	}
	stack := awscdk.Stack_Of(c)
	b.BucketName = awscdk.Fn_Join(jsii.String("-"), &[]*string{
		jsii.String(prefix), jsii.String(naming.AddressHash(c, 5)), stack.Account(), stack.Region(),
	})

	noncurrent := props.NoncurrentVersionExpiration
	if noncurrent == nil {
		noncurrent = awscdk.Duration_Days(jsii.Number(90))
	}
	abort := props.AbortIncompleteMultipartUploadAfter
	if abort == nil {
		abort = awscdk.Duration_Days(jsii.Number(7))
	}
	var cors *[]*awss3.CorsRule
	if len(props.CorsAllowedOrigins) > 0 {
		maxAge := props.CorsMaxAge
		if maxAge == nil {
			maxAge = awscdk.Duration_Hours(jsii.Number(1))
		}
		cors = &[]*awss3.CorsRule{{
			AllowedOrigins: &props.CorsAllowedOrigins,
			AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_GET, awss3.HttpMethods_HEAD, awss3.HttpMethods_PUT, awss3.HttpMethods_POST},
			// Exactly the headers a presigned PUT signs, and nothing else.
			AllowedHeaders: jsii.Strings("content-type", "content-length", "content-md5", "x-amz-checksum-sha256", "x-amz-checksum-crc64nvme", "x-amz-sdk-checksum-algorithm", "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id"),
			ExposedHeaders: jsii.Strings("etag", "x-amz-version-id", "x-amz-checksum-sha256", "x-amz-checksum-crc64nvme"),
			MaxAge:         maxAge.ToSeconds(nil),
		}}
	}

	b.Bucket = awss3.NewBucket(c, jsii.String("Bucket"), &awss3.BucketProps{
		BucketName:             b.BucketName,
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          b.EncryptionKey,
		BucketKeyEnabled:       jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		Versioned:              jsii.Bool(true),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		ServerAccessLogsBucket: b.LogBucket,
		ServerAccessLogsPrefix: jsii.String("s3-access/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("housekeeping"),
			NoncurrentVersionExpiration:         noncurrent,
			AbortIncompleteMultipartUploadAfter: abort,
		}},
		Cors:              cors,
		RemovalPolicy:     removal,
		ObjectLockEnabled: objectLock(props.ObjectLock),
	})
	enableEventBridge(b.Bucket)
	nag.Suppress(b.Bucket, false, nag.Each("S3BucketReplicationEnabled", replicationReason)...)
	if !props.ObjectLock {
		nag.SuppressGuard(b.Bucket, "s3_bucket_object_lock_enabled_check",
			"ObjectLock is opt-in: versioning, a retained bucket and a retained KMS key protect against loss, and a compliance-mode lock that not even the account root can lift is the deployer's choice")
	}
	return b
}

// enableEventBridge sends the bucket's object events to EventBridge, so malware
// scanning or indexing can follow uploads without changing this bucket. It sets the
// CloudFormation property directly: the EventBridgeEnabled prop would add CDK's
// bucket-notifications Lambda and its role for something CloudFormation does itself.
func enableEventBridge(bucket awss3.Bucket) {
	cfn := bucket.Node().DefaultChild().(awss3.CfnBucket)
	cfn.AddPropertyOverride(jsii.String("NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled"), true)
}

// objectLock is nil when off, so the template is unchanged for existing buckets
// (Object Lock can only be enabled when a bucket is created).
func objectLock(on bool) *bool {
	if !on {
		return nil
	}
	return jsii.Bool(true)
}

const replicationReason = "cross-region replication needs a second region and key and is the deployer's decision; versioning, a retained bucket and a retained KMS key protect against loss in this region"

// NewLogBucket is the hardened bucket for S3 server access logs and CloudFront
// standard logs: SSE-S3 (neither service can deliver to SSE-KMS), public access
// blocked, TLS 1.2+ only, versioned, ACLs kept for CloudFront's log delivery, logs
// expired after retention (default 365 days). Its cdk-nag findings that are decisions
// are suppressed with the reasons.
func NewLogBucket(scope constructs.Construct, id string, retention awscdk.Duration, removal awscdk.RemovalPolicy) awss3.Bucket {
	if retention == nil {
		retention = awscdk.Duration_Days(jsii.Number(365))
	}
	logs := awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		Versioned:         jsii.Bool(true),
		// CloudFront standard logging delivers with an ACL grant, so this one bucket
		// keeps ACLs enabled; public ACLs stay blocked.
		ObjectOwnership: awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-logs"),
			Expiration:                          retention,
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
		RemovalPolicy: propcheck.RemovalOrRetain(removal),
	})
	rules := nag.Each("S3BucketReplicationEnabled", replicationReason)
	rules = append(rules, nag.Each("S3DefaultEncryptionKMS", "S3 server access logging and CloudFront standard logging cannot deliver to an SSE-KMS bucket; this log bucket uses SSE-S3 and holds no file contents")...)
	rules = append(rules, nag.Rule{ID: "AwsSolutions-S1", Reason: "this is the access log bucket; logging it to itself would loop"})
	rules = append(rules, nag.Each("S3BucketLoggingEnabled", "this is the access log bucket; logging it to itself would loop")...)
	nag.Suppress(logs, false, rules...)
	suppressLogBucketGuard(logs)
	return logs
}

// suppressLogBucketGuard accepts the Control Tower findings on the log bucket.
func suppressLogBucketGuard(logs awss3.Bucket) {
	// A slice, not a map: the metadata order must be stable for the snapshots.
	for _, r := range [][2]string{
		{"s3_bucket_default_encryption_kms_check", "SSE-S3 so that S3 server access log delivery (logging.s3.amazonaws.com) and CloudFront standard log delivery (the awslogsdelivery account) need no rights on a KMS key; the bucket holds access logs, no file contents"},
		{"s3_bucket_logging_enabled_check", "this is the access log bucket; logging it to itself would loop"},
		{"s3_event_notifications_enabled_check", "log objects are written only by the S3 and CloudFront log delivery services and expire by lifecycle; nothing consumes events about them"},
		{"s3_bucket_object_lock_enabled_check", "logs expire by lifecycle after the retention period, which a lock would block; versioning and a retained bucket protect against deletion"},
	} {
		nag.SuppressGuard(logs, r[0], r[1])
	}
}
