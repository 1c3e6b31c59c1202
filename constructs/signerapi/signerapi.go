// Package signerapi is Signet's API: a regional REST API behind a Cognito authorizer,
// in front of the Go signer Lambda (lambda/signer, logic in package api) that checks
// RBAC in the metadata database and hands out CloudFront signed URLs and cookies and S3
// presigned uploads.
//
// Secure defaults: every method requires a Cognito ID token; request bodies are
// validated against JSON schemas before the Lambda runs (canonical paths, bounded
// sizes, no unknown fields); stage throttling (50 requests/s, burst 100); JSON access
// logs to an encrypted log group kept one year; execution logs at INFO without request
// data; X-Ray tracing; a regional WAF web ACL (managed rules and a per-IP rate rule);
// the signer runs in the database's VPC with the Lambda security group, and may read
// only the signing-key parameters (via GrantSign), connect as signet_app, and put and
// read objects in the files bucket.
package signerapi

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/database"
	"github.com/signet-cdk/signet/constructs/firewall"
	"github.com/signet-cdk/signet/constructs/gofunction"
	"github.com/signet-cdk/signet/constructs/internal/nag"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
	"github.com/signet-cdk/signet/constructs/signingkeys"
)

// SignerImportPath is the signer Lambda's main package.
const SignerImportPath = "github.com/signet-cdk/signet/lambda/signer"

// pathPattern is signing.CanonicalPath as a JSON-schema pattern.
const pathPattern = `^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*$`

// SignerApiProps wires the API to the rest of Signet. UserPool, SigningKeys, Bucket
// and Database are required.
type SignerApiProps struct {
	UserPool    awscognito.IUserPool
	SigningKeys *signingkeys.SigningKeys
	Bucket      awss3.IBucket
	// BucketKey is the bucket's SSE-KMS key, signed into uploads. Default:
	// Bucket.EncryptionKey().
	BucketKey awskms.IKey
	Database  *database.MetadataDatabase
	// LogKey encrypts the access-log and Lambda log groups. Default: none.
	LogKey awskms.IKey
	// ThrottleRate and ThrottleBurst for the stage. Default: 50 and 100.
	ThrottleRate, ThrottleBurst *float64
	// WebAclArn is an existing REGIONAL web ACL. Default: a new one.
	WebAclArn *string
	// CookieDomain for signed cookies. Default: the distribution domain.
	CookieDomain *string
	// RemovalPolicy of log groups and the created WAF key. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// CorsAllowedOrigins are https origins of web apps that call the API from the
	// browser: API Gateway answers their preflight, the signer names them in
	// Access-Control-Allow-Origin. Default: none (no CORS).
	CorsAllowedOrigins []*string
	// ReservedConcurrency caps the signer (and so its database connections). Default:
	// none; the stage throttle bounds it.
	ReservedConcurrency *float64
}

// SignerApi is the API and what it created.
type SignerApi struct {
	constructs.Construct
	Api       awsapigateway.RestApi
	Signer    *gofunction.GoFunction
	AccessLog awslogs.LogGroup
	Firewall  *firewall.WebAcl
	// Url is the stage's invoke URL.
	Url *string
}

// ValidateSignerApiProps checks props without building anything.
func ValidateSignerApiProps(props *SignerApiProps) error {
	c := propcheck.Checker{Construct: "signerapi"}
	if props == nil {
		props = &SignerApiProps{}
	}
	// Every check runs: bad values and missing wiring are reported together.
	if r := props.ThrottleRate; r != nil && (*r < 1 || *r > 10000) {
		c.Fail("ThrottleRate", *r, "must be from 1 to 10000 requests per second")
	}
	if b := props.ThrottleBurst; b != nil && (*b < 1 || *b > 5000) {
		c.Fail("ThrottleBurst", *b, "must be from 1 to 5000")
	}
	for _, o := range props.CorsAllowedOrigins {
		switch {
		case o == nil:
			c.Fail("CorsAllowedOrigins", "", "is empty")
		case propcheck.Resolved(o):
			if reason := propcheck.CheckOrigin(*o); reason != "" {
				c.Fail("CorsAllowedOrigins", *o, "%s", reason)
			}
		}
	}
	for _, r := range []struct {
		prop    string
		missing bool
	}{
		{"UserPool", props.UserPool == nil},
		{"SigningKeys", props.SigningKeys == nil},
		{"Bucket", props.Bucket == nil},
		{"Database", props.Database == nil},
	} {
		if r.missing {
			c.Fail(r.prop, nil, "is required")
		}
	}
	return c.Err()
}

// NewSignerApi creates the API, the signer Lambda and the regional firewall.
func NewSignerApi(scope constructs.Construct, id string, props *SignerApiProps) *SignerApi {
	propcheck.MustAt(scope, id, ValidateSignerApiProps(props))
	removal := propcheck.RemovalOrRetain(props.RemovalPolicy)
	c := constructs.NewConstruct(scope, jsii.String(id))
	a := &SignerApi{Construct: c}
	key := props.BucketKey
	if key == nil {
		key = props.Bucket.EncryptionKey()
	}
	env := map[string]*string{
		"SIGNET_PARAMETER_PREFIX": jsii.String(props.SigningKeys.ParameterPrefix),
		"SIGNET_BUCKET":           props.Bucket.BucketName(),
		"SIGNET_DB_HOST":          props.Database.Cluster.ClusterEndpoint().Hostname(),
		"SIGNET_DB_PORT":          awscdk.Token_AsString(props.Database.Cluster.ClusterEndpoint().Port(), nil),
		"SIGNET_DB_NAME":          jsii.String(props.Database.DatabaseName),
	}
	if key != nil {
		env["SIGNET_KMS_KEY_ARN"] = key.KeyArn()
	}
	if props.CookieDomain != nil {
		env["SIGNET_COOKIE_DOMAIN"] = props.CookieDomain
	}
	if len(props.CorsAllowedOrigins) > 0 {
		env["SIGNET_CORS_ORIGINS"] = awscdk.Fn_Join(jsii.String(","), &props.CorsAllowedOrigins)
	}
	a.Signer = gofunction.NewGoFunction(c, "Signer", &gofunction.GoFunctionProps{
		ImportPath:                   SignerImportPath,
		Description:                  jsii.String("Signet: checks RBAC and signs CloudFront URLs and cookies and S3 uploads"),
		Environment:                  env,
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(29)),
		MemorySize:                   jsii.Number(512),
		LogKey:                       props.LogKey,
		RemovalPolicy:                removal,
		Vpc:                          props.Database.Vpc,
		VpcSubnets:                   &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		SecurityGroups:               []awsec2.ISecurityGroup{props.Database.LambdaSecurityGroup},
		ReservedConcurrentExecutions: props.ReservedConcurrency,
	})
	props.SigningKeys.GrantSign(a.Signer.Role)
	props.Database.GrantConnect(a.Signer.Role)
	props.Bucket.GrantPut(a.Signer.Role, jsii.String("*"))
	props.Bucket.GrantRead(a.Signer.Role, jsii.String("*"))

	a.AccessLog = awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		EncryptionKey: props.LogKey, Retention: awslogs.RetentionDays_ONE_YEAR, RemovalPolicy: removal,
	})
	rate, burst := jsii.Number(50), jsii.Number(100)
	if props.ThrottleRate != nil {
		rate = props.ThrottleRate
	}
	if props.ThrottleBurst != nil {
		burst = props.ThrottleBurst
	}
	var cors *awsapigateway.CorsOptions
	if len(props.CorsAllowedOrigins) > 0 {
		// Preflights carry no credentials, so these OPTIONS methods have no authorizer;
		// they return only CORS headers (a mock integration, no Lambda).
		cors = &awsapigateway.CorsOptions{
			AllowOrigins: &props.CorsAllowedOrigins,
			AllowMethods: jsii.Strings("GET", "POST"),
			AllowHeaders: jsii.Strings("Authorization", "Content-Type"),
			MaxAge:       awscdk.Duration_Hours(jsii.Number(1)),
		}
	}
	a.Api = awsapigateway.NewRestApi(c, jsii.String("Api"), &awsapigateway.RestApiProps{
		DefaultCorsPreflightOptions: cors,
		Description:                 jsii.String("Signet: signed URLs, cookies and uploads for authenticated customers"),
		EndpointTypes:               &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		CloudWatchRole:              jsii.Bool(true),
		FailOnWarnings:              jsii.Bool(true),
		DisableExecuteApiEndpoint:   jsii.Bool(false),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String("v1"),
			ThrottlingRateLimit:  rate,
			ThrottlingBurstLimit: burst,
			TracingEnabled:       jsii.Bool(true),
			LoggingLevel:         awsapigateway.MethodLoggingLevel_INFO,
			DataTraceEnabled:     jsii.Bool(false),
			MetricsEnabled:       jsii.Bool(true),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(a.AccessLog),
			AccessLogFormat: awsapigateway.AccessLogFormat_JsonWithStandardFields(&awsapigateway.JsonWithStandardFieldProps{
				Caller: jsii.Bool(false), HttpMethod: jsii.Bool(true), Ip: jsii.Bool(true), Protocol: jsii.Bool(true),
				RequestTime: jsii.Bool(true), ResourcePath: jsii.Bool(true), ResponseLength: jsii.Bool(true),
				Status: jsii.Bool(true), User: jsii.Bool(true),
			}),
		},
	})
	a.Url = a.Api.Url()
	authorizer := awsapigateway.NewCognitoUserPoolsAuthorizer(c, jsii.String("Authorizer"), &awsapigateway.CognitoUserPoolsAuthorizerProps{
		CognitoUserPools: &[]awscognito.IUserPool{props.UserPool},
	})
	integration := awsapigateway.NewLambdaIntegration(a.Signer.Function, nil)
	bodyValidator := awsapigateway.NewRequestValidator(c, jsii.String("BodyValidator"), &awsapigateway.RequestValidatorProps{
		RestApi: a.Api, ValidateRequestBody: jsii.Bool(true), ValidateRequestParameters: jsii.Bool(true),
	})
	model := func(name string, schema *awsapigateway.JsonSchema) awsapigateway.Model {
		return awsapigateway.NewModel(c, jsii.String(name+"Model"), &awsapigateway.ModelProps{
			RestApi: a.Api, ContentType: jsii.String("application/json"), Schema: schema,
		})
	}
	str := func(maxLen float64, pattern string) *awsapigateway.JsonSchema {
		s := &awsapigateway.JsonSchema{Type: awsapigateway.JsonSchemaType_STRING, MinLength: jsii.Number(1), MaxLength: jsii.Number(maxLen)}
		if pattern != "" {
			s.Pattern = jsii.String(pattern)
		}
		return s
	}
	object := func(required []string, props map[string]*awsapigateway.JsonSchema) *awsapigateway.JsonSchema {
		return &awsapigateway.JsonSchema{
			Schema: awsapigateway.JsonSchemaVersion_DRAFT4, Type: awsapigateway.JsonSchemaType_OBJECT,
			Required: jsii.Strings(required...), Properties: &props, AdditionalProperties: false,
		}
	}
	enum := func(values ...any) *awsapigateway.JsonSchema {
		return &awsapigateway.JsonSchema{Type: awsapigateway.JsonSchemaType_STRING, Enum: &values}
	}
	downloads := model("Download", object([]string{"path"}, map[string]*awsapigateway.JsonSchema{
		"path":            str(1024, pathPattern),
		"lifetimeSeconds": {Type: awsapigateway.JsonSchemaType_INTEGER, Minimum: jsii.Number(10), Maximum: jsii.Number(3600)},
		"startsAt":        str(40, ""),
		"ipRestriction":   str(18, `^(sourceIp|[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?)$`),
		"delivery":        enum("url", "cookies"),
		"scope":           enum("file", "folder"),
	}))
	uploads := model("Upload", object([]string{"path", "contentType", "size", "checksumSha256"}, map[string]*awsapigateway.JsonSchema{
		"path":           str(1024, pathPattern),
		"contentType":    str(255, `^[\x20-\x7e]+$`),
		"size":           {Type: awsapigateway.JsonSchemaType_INTEGER, Minimum: jsii.Number(0), Maximum: jsii.Number(5 << 30)},
		"checksumSha256": str(44, `^[A-Za-z0-9+/]{43}=$`),
		"method":         enum("put", "post"),
	}))
	complete := model("Complete", object([]string{"path"}, map[string]*awsapigateway.JsonSchema{"path": str(1024, pathPattern)}))

	add := func(res awsapigateway.IResource, method string, m awsapigateway.Model, query map[string]*bool) {
		opts := &awsapigateway.MethodOptions{
			Authorizer:        authorizer,
			AuthorizationType: awsapigateway.AuthorizationType_COGNITO,
			RequestValidator:  bodyValidator,
		}
		if m != nil {
			opts.RequestModels = &map[string]awsapigateway.IModel{"application/json": m}
		}
		if query != nil {
			params := map[string]*bool{}
			for k, v := range query {
				params["method.request.querystring."+k] = v
			}
			opts.RequestParameters = &params
		}
		res.AddMethod(jsii.String(method), integration, opts)
	}
	root := a.Api.Root()
	add(root.AddResource(jsii.String("downloads"), nil), "POST", downloads, nil)
	up := root.AddResource(jsii.String("uploads"), nil)
	add(up, "POST", uploads, nil)
	add(up.AddResource(jsii.String("complete"), nil), "POST", complete, nil)
	add(root.AddResource(jsii.String("files"), nil), "GET", nil, map[string]*bool{"folder": jsii.Bool(false), "cursor": jsii.Bool(false), "limit": jsii.Bool(false)})

	webAcl := props.WebAclArn
	if webAcl == nil {
		a.Firewall = firewall.NewWebAcl(c, "Firewall", &firewall.WebAclProps{Regional: true, RemovalPolicy: removal})
		webAcl = a.Firewall.Arn
	}
	awswafv2.NewCfnWebACLAssociation(c, jsii.String("WebAclAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: a.Api.DeploymentStage().StageArn(),
		WebAclArn:   webAcl,
	})

	if role := a.Api.Node().TryFindChild(jsii.String("CloudWatchRole")); role != nil {
		nag.Suppress(role, true, nag.Rule{ID: "AwsSolutions-IAM4",
			AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"},
			Reason:    "API Gateway's account-level logging role: AWS maintains this policy for exactly that service"})
	}
	sync := "API Gateway invokes the signer synchronously and returns its errors to the caller; a dead-letter queue applies only to asynchronous invocations"
	fnRules := nag.Each("LambdaDLQ", sync, "NIST.800.53.R5", "HIPAA.Security", "Serverless")
	if props.ReservedConcurrency == nil {
		fnRules = append(fnRules, nag.Each("LambdaConcurrency", "the stage throttle (rate and burst) bounds the signer's concurrency; a reservation is an account-capacity decision, offered as ReservedConcurrency", "NIST.800.53.R5", "HIPAA.Security")...)
	}
	nag.Suppress(a.Signer.Function, false, fnRules...)
	stage := a.Api.DeploymentStage()
	stageRules := nag.Each("APIGWCacheEnabledAndEncrypted", "every answer is a fresh signature for one caller and is sent with Cache-Control: no-store; caching it would hand one caller's URL to another")
	stageRules = append(stageRules, nag.Each("APIGWSSLEnabled", "the only integration is a Lambda function (AWS_PROXY); a backend client certificate applies to HTTP integrations")...)
	nag.Suppress(stage, false, stageRules...)
	nag.Suppress(a.Signer.RolePolicy(), true, nag.Rule{ID: "AwsSolutions-IAM5",
		Reason:         "object-level grants on the files bucket (presigned uploads for any customer's prefix are decided per request by RBAC), the KMS data-key actions CDK grants with them, and the signing-key parameter path",
		AppliesToRegex: []string{`/^Action::s3:.*$/`, `/^Action::kms:.*$/`, `/^Resource::<[A-Za-z0-9]+\.Arn>\/\*$/`, `/^Resource::.*:parameter\/signet\/[0-9a-f]{10}\/\*$/`, `/^Resource::arn:.*:rds-db:.*$/`}})
	return a
}
