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
// read objects in the files bucket; its reserved concurrency (DefaultReservedConcurrency)
// bounds its database connections, and it is registered in the database's connection
// budget, which synth checks.
//
// Every route is under /api (/api/downloads, /api/uploads, /api/uploads/complete,
// /api/files), because the distribution serves the API under /api/* and CloudFront
// passes the path on as it is. With OriginVerify the regional web ACL also refuses
// every request without the secret header CloudFront adds (package originverify).
//
// The admin API (admin.go, on unless DisableAdminApi) is /api/admin/{proxy+} on the same
// API, so the same authorizer, stage throttle, access logs and WAF apply: every method
// needs a Cognito ID token, and the admin Lambda (lambda/admin, logic in package api's
// AdminHandler) lets only members of the platform-admins and customer-admins groups
// through. It runs in the database's VPC with the Lambda security group, connects as
// signet_admin_app only, may call exactly the Cognito user-pool actions it uses on
// this user pool only, and reserves a concurrency of 2, which the connection budget
// counts. In Signet's own VPC it reaches Cognito through a cognito-idp interface
// endpoint.
package signerapi

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
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
	"github.com/signet-cdk/signet/constructs/originverify"
	"github.com/signet-cdk/signet/constructs/signingkeys"
)

// SignerImportPath is the signer Lambda's main package.
const SignerImportPath = "github.com/signet-cdk/signet/lambda/signer"

// DefaultReservedConcurrency is the signer's reserved concurrency unless
// ReservedConcurrency says otherwise. Derivation: with database.ConnectionsPerInstance
// (1) it opens at most 20 connections, plus the migrator's 1: 21 of the 810 the default
// database (0 to 4 ACUs: max_connections 823, less database.ReservedConnections, 13)
// leaves for clients, and it still fits the smallest capacity there is (a maximum of 1
// ACU: 189 - 13 = 176). 20 instances serve the stage's steady 50 requests per second
// as long as a request takes under 400 ms (a warm signature takes a few milliseconds to
// tens of them), and a reservation of 20 leaves an account with the default quota of
// 1000 far above the 100 unreserved executions Lambda requires.
const DefaultReservedConcurrency = 20

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
	// CookieDomain widens the signed cookies to a parent domain (".example.com").
	// Default: none, host-only cookies for the host that served the answer (the
	// distribution's, with the API behind it).
	CookieDomain *string
	// OriginVerify puts the API behind the distribution: the regional web ACL blocks
	// every request without its header (before any other rule; the per-IP rate rule
	// is left to the edge web ACL, since every request then comes from CloudFront),
	// and the signer reads the viewer's address from X-Forwarded-For
	// (SIGNET_BEHIND_EDGE). Ignored with WebAclArn, whose rules are the caller's.
	// Default: none, the API is called on its execute-api name.
	OriginVerify *originverify.OriginVerify
	// LinkErrorPage, HTML served without authorization at GET /api/pages/link-error
	// (a mock integration, no Lambda): the page the distribution shows for an expired
	// or invalid link. Default: none.
	LinkErrorPage *string
	// RemovalPolicy of log groups and the created WAF key. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// MaxUploadBytes caps one file (multipart uploads), 1 byte to S3's 5 TiB object
	// limit. Default: DefaultMaxUploadBytes (5 TiB).
	MaxUploadBytes *float64
	// AllowS3Downloads lets callers ask for an S3 presigned GET ("via":"s3") instead
	// of a CloudFront URL: the seed's other download branch, for clients that cannot
	// reach the distribution. Same authorization and audit. Default: false.
	AllowS3Downloads bool
	// MalwareScanning says GuardDuty tags each upload with its scan result (package
	// malwarescan): the signer then signs only files tagged clean (SIGNET_MALWARE_SCANNING).
	// Default: false.
	MalwareScanning bool
	// ProvisionedConcurrency keeps this many signer instances initialised on the alias
	// "live", which the API then invokes; at most the reserved concurrency. Default:
	// none (the API invokes the function on demand).
	ProvisionedConcurrency *float64
	// CorsAllowedOrigins are https origins of web apps that call the API from the
	// browser: API Gateway answers their preflight, the signer names them in
	// Access-Control-Allow-Origin. Default: none (no CORS).
	CorsAllowedOrigins []*string
	// ReservedConcurrency caps the signer and so its database connections (one per
	// instance), which the database's connection budget counts: synth fails when they
	// do not fit, unless the database has its proxy. A whole number, 1 or more.
	// Default: DefaultReservedConcurrency (20).
	ReservedConcurrency *float64
	// NoReservedConcurrency runs the signer without a reservation: its concurrency is
	// then bounded only by the stage throttle and the account, so the connection budget
	// is unbounded and synth fails unless the database has its proxy. Default: false.
	NoReservedConcurrency bool
	// DisableAdminApi leaves the admin API out: no /admin routes, no admin Lambda, no
	// signet_admin_app grant and no cognito-idp endpoint. Default: false (the admin API
	// is on).
	DisableAdminApi bool
	// AdminReservedConcurrency caps the admin Lambda and so its database connections
	// (one per instance), which the connection budget counts. A whole number, 1 or
	// more. Default: DefaultAdminReservedConcurrency (2).
	AdminReservedConcurrency *float64
}

// SignerApi is the API and what it created.
type SignerApi struct {
	constructs.Construct
	Api    awsapigateway.RestApi
	Signer *gofunction.GoFunction
	// Admin is the admin API's Lambda (lambda/admin); nil with DisableAdminApi.
	Admin *gofunction.GoFunction
	// Directory is the admin API's Cognito arm (lambda/directory), outside the VPC;
	// nil with DisableAdminApi.
	Directory *gofunction.GoFunction
	AccessLog awslogs.LogGroup
	Firewall  *firewall.WebAcl
	// RegionalWebAclArn is the web ACL on the stage: Firewall's, or WebAclArn.
	RegionalWebAclArn *string
	// SignerAlias is the "live" alias with provisioned concurrency; nil without it.
	SignerAlias awslambda.Alias
	// Root is the /api resource every route is under: the distribution serves the API
	// under /api/*, and CloudFront passes the path on as it is.
	Root awsapigateway.IResource
	// Url is the API's base URL on the execute-api name: the stage's URL and "api/".
	Url *string
}

// DefaultMaxUploadBytes is S3's object size limit, 5 TiB.
const DefaultMaxUploadBytes = 5 << 40

// StageName is the API's one stage.
const StageName = "v1"

// LinkErrorPagePath is where LinkErrorPage is served, on the distribution too.
const LinkErrorPagePath = "/api/pages/link-error"

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
	if r := props.ReservedConcurrency; r != nil {
		if *r < 1 || !propcheck.Whole(*r) {
			c.Fail("ReservedConcurrency", *r, "must be a whole number, 1 or more (0 would stop the signer)")
		}
		if props.NoReservedConcurrency {
			c.Fail("ReservedConcurrency", *r, "conflicts with NoReservedConcurrency; set one")
		}
	}
	if p := props.ProvisionedConcurrency; p != nil {
		reserved := float64(DefaultReservedConcurrency)
		if props.ReservedConcurrency != nil {
			reserved = *props.ReservedConcurrency
		}
		if *p < 1 || !propcheck.Whole(*p) || (!props.NoReservedConcurrency && *p > reserved) {
			c.Fail("ProvisionedConcurrency", *p, "must be a whole number from 1 to the reserved concurrency (%v)", reserved)
		}
	}
	if m := props.MaxUploadBytes; m != nil && (*m < 1 || *m > DefaultMaxUploadBytes || !propcheck.Whole(*m)) {
		c.Fail("MaxUploadBytes", *m, "must be a whole number of bytes from 1 to 5497558138880 (S3's 5 TiB object limit)")
	}
	if r := props.AdminReservedConcurrency; r != nil {
		if *r < 1 || !propcheck.Whole(*r) {
			c.Fail("AdminReservedConcurrency", *r, "must be a whole number, 1 or more (0 would stop the admin API)")
		}
		if props.DisableAdminApi {
			c.Fail("AdminReservedConcurrency", *r, "applies to the admin API, which DisableAdminApi turns off")
		}
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
	a := &SignerApi{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	a.addSigner(props, removal)
	a.addRestApi(props, removal)
	m := a.addRoutes(props)
	if !props.DisableAdminApi {
		a.addAdmin(props, removal, m.authorizer)
	}
	a.addFirewall(props, removal)
	if props.LinkErrorPage != nil {
		a.addLinkErrorPage(*props.LinkErrorPage)
	}
	a.suppressFindings(props)
	return a
}

// addSigner creates the signer Lambda in the database's VPC and grants it exactly
// what it signs with: the signing-key parameters, a signet_app connection, and reads
// and writes in the files bucket (presigned uploads carry the signer's permissions).
func (a *SignerApi) addSigner(props *SignerApiProps, removal awscdk.RemovalPolicy) {
	reserved := props.ReservedConcurrency
	switch {
	case props.NoReservedConcurrency:
		reserved = nil
	case reserved == nil:
		reserved = jsii.Number(DefaultReservedConcurrency)
	}
	a.Signer = a.databaseFunction(props, removal, "Signer", SignerImportPath,
		"Signet: checks RBAC and signs CloudFront URLs and cookies and S3 uploads", signerEnvironment(props), reserved)
	props.SigningKeys.GrantSign(a.Signer.Role)
	props.Database.GrantConnect(a.Signer.Role)
	props.Bucket.GrantPut(a.Signer.Role, jsii.String("*"))
	props.Bucket.GrantRead(a.Signer.Role, jsii.String("*"))
	// Object tags carry GuardDuty's scan verdict, which only GuardDuty's role may
	// write: GrantPut includes the tagging actions, so they are denied here.
	a.Signer.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_DENY,
		Actions:   jsii.Strings("s3:PutObjectTagging", "s3:PutObjectVersionTagging", "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
		Resources: jsii.Strings(*props.Bucket.ArnForObjects(jsii.String("*"))),
	}))
	// DELETE /api/files removes the current object (never versions); resuming a
	// multipart upload lists its parts.
	a.Signer.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:DeleteObject", "s3:ListMultipartUploadParts"),
		Resources: jsii.Strings(*props.Bucket.ArnForObjects(jsii.String("*"))),
	}))
}

// signerEnvironment is the signer's configuration: where the signing keys, the
// bucket and the database (its proxy, when it has one) are, and the optional KMS key,
// cookie domain and CORS origins.
func signerEnvironment(props *SignerApiProps) map[string]*string {
	env := map[string]*string{
		"SIGNET_PARAMETER_PREFIX": jsii.String(props.SigningKeys.ParameterPrefix),
		"SIGNET_BUCKET":           props.Bucket.BucketName(),
	}
	key := props.BucketKey
	if key == nil {
		key = props.Bucket.EncryptionKey()
	}
	if key != nil {
		env["SIGNET_KMS_KEY_ARN"] = key.KeyArn()
	}
	if props.CookieDomain != nil {
		env["SIGNET_COOKIE_DOMAIN"] = props.CookieDomain
	}
	if props.OriginVerify != nil {
		env["SIGNET_BEHIND_EDGE"] = jsii.String("true")
	}
	maxUpload := float64(DefaultMaxUploadBytes)
	if props.MaxUploadBytes != nil {
		maxUpload = *props.MaxUploadBytes
	}
	env["SIGNET_MAX_UPLOAD_BYTES"] = jsii.String(strconv.FormatInt(int64(maxUpload), 10))
	if props.AllowS3Downloads {
		env["SIGNET_ALLOW_S3_DOWNLOADS"] = jsii.String("true")
	}
	if props.MalwareScanning {
		env["SIGNET_MALWARE_SCANNING"] = jsii.String("true")
	}
	if len(props.CorsAllowedOrigins) > 0 {
		env["SIGNET_CORS_ORIGINS"] = awscdk.Fn_Join(jsii.String(","), &props.CorsAllowedOrigins)
	}
	return env
}

// databaseFunction is a Lambda that talks to the metadata database, as the signer and
// the admin API do: in the database's subnets with its Lambda security group, the
// endpoint in SIGNET_DB_HOST, SIGNET_DB_PORT and SIGNET_DB_NAME (what internal/dbboot
// reads; the proxy's when there is one) beside env, and counted in the database's
// connection budget.
func (a *SignerApi) databaseFunction(props *SignerApiProps, removal awscdk.RemovalPolicy, id, importPath, description string,
	env map[string]*string, reserved *float64) *gofunction.GoFunction {
	dbHost, dbPort := props.Database.ClientEndpoint()
	env["SIGNET_DB_HOST"], env["SIGNET_DB_PORT"] = dbHost, dbPort
	env["SIGNET_DB_NAME"] = jsii.String(props.Database.DatabaseName)
	fn := gofunction.NewGoFunction(a.Construct, id, &gofunction.GoFunctionProps{
		ImportPath:                   importPath,
		Description:                  jsii.String(description),
		Environment:                  env,
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(29)),
		MemorySize:                   jsii.Number(512),
		LogKey:                       props.LogKey,
		RemovalPolicy:                removal,
		Vpc:                          props.Database.Vpc,
		VpcSubnets:                   props.Database.VpcSubnets,
		SecurityGroups:               []awsec2.ISecurityGroup{props.Database.LambdaSecurityGroup},
		ReservedConcurrentExecutions: reserved,
	})
	props.Database.RegisterFunction(fn.Function)
	return fn
}

// addRestApi creates the regional REST API, its access-log group and its v1 stage.
func (a *SignerApi) addRestApi(props *SignerApiProps, removal awscdk.RemovalPolicy) {
	a.AccessLog = awslogs.NewLogGroup(a.Construct, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		EncryptionKey: props.LogKey, Retention: awslogs.RetentionDays_ONE_YEAR, RemovalPolicy: removal,
	})
	a.Api = awsapigateway.NewRestApi(a.Construct, jsii.String("Api"), &awsapigateway.RestApiProps{
		DefaultCorsPreflightOptions: corsPreflight(props.CorsAllowedOrigins),
		Description:                 jsii.String("Signet: signed URLs, cookies and uploads for authenticated customers"),
		EndpointTypes:               &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		CloudWatchRole:              jsii.Bool(true),
		FailOnWarnings:              jsii.Bool(true),
		DisableExecuteApiEndpoint:   jsii.Bool(false),
		DeployOptions:               a.stageOptions(props),
	})
	a.Root = a.Api.Root().AddResource(jsii.String("api"), nil)
	a.Url = awscdk.Fn_Join(jsii.String(""), &[]*string{a.Api.Url(), jsii.String("api/")})
}

// corsPreflight answers browser preflights from origins, or is nil without them.
func corsPreflight(origins []*string) *awsapigateway.CorsOptions {
	if len(origins) == 0 {
		return nil
	}
	// Preflights carry no credentials, so these OPTIONS methods have no authorizer;
	// they return only CORS headers (a mock integration, no Lambda).
	return &awsapigateway.CorsOptions{
		AllowOrigins: &origins,
		AllowMethods: jsii.Strings("GET", "POST", "DELETE"),
		AllowHeaders: jsii.Strings("Authorization", "Content-Type"),
		MaxAge:       awscdk.Duration_Hours(jsii.Number(1)),
	}
}

// stageOptions configure the v1 stage: throttling (50 requests/s, burst 100 by
// default), X-Ray, metrics, execution logs without request data, and JSON access logs
// to AccessLog.
func (a *SignerApi) stageOptions(props *SignerApiProps) *awsapigateway.StageOptions {
	rate, burst := jsii.Number(50), jsii.Number(100)
	if props.ThrottleRate != nil {
		rate = props.ThrottleRate
	}
	if props.ThrottleBurst != nil {
		burst = props.ThrottleBurst
	}
	return &awsapigateway.StageOptions{
		StageName:            jsii.String(StageName),
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
	}
}

// methodDefaults is what every API method shares: the Cognito authorizer, the signer
// integration and the validator that checks bodies and query parameters.
type methodDefaults struct {
	authorizer  awsapigateway.IAuthorizer
	integration awsapigateway.Integration
	validator   awsapigateway.IRequestValidator
}

// addRoutes creates the routes under /api: POST downloads, POST uploads,
// POST uploads/complete and GET files, each behind the authorizer, with its body
// validated against a model or its query parameters declared. It returns the
// defaults, whose authorizer the admin API shares.
func (a *SignerApi) addRoutes(props *SignerApiProps) *methodDefaults {
	m := &methodDefaults{
		authorizer: awsapigateway.NewCognitoUserPoolsAuthorizer(a.Construct, jsii.String("Authorizer"), &awsapigateway.CognitoUserPoolsAuthorizerProps{
			CognitoUserPools: &[]awscognito.IUserPool{props.UserPool},
		}),
		integration: awsapigateway.NewLambdaIntegration(a.signerTarget(props), nil),
		validator: awsapigateway.NewRequestValidator(a.Construct, jsii.String("BodyValidator"), &awsapigateway.RequestValidatorProps{
			RestApi: a.Api, ValidateRequestBody: jsii.Bool(true), ValidateRequestParameters: jsii.Bool(true),
		}),
	}
	models := a.addRequestModels(maxUploadBytes(props))
	root := a.Root
	m.add(root.AddResource(jsii.String("downloads"), nil), "POST", models.downloads, nil)
	up := root.AddResource(jsii.String("uploads"), nil)
	m.add(up, "POST", models.uploads, nil)
	m.add(up.AddResource(jsii.String("complete"), nil), "POST", models.complete, nil)
	a.addMultipartRoutes(m, up, models)
	files := root.AddResource(jsii.String("files"), nil)
	m.add(files, "GET", nil, map[string]*bool{"folder": jsii.Bool(false), "cursor": jsii.Bool(false), "limit": jsii.Bool(false)})
	m.add(files, "DELETE", nil, map[string]*bool{"path": jsii.Bool(true)})
	return m
}

// signerTarget is what the API invokes: the "live" alias with provisioned concurrency,
// else the function.
func (a *SignerApi) signerTarget(props *SignerApiProps) awslambda.IFunction {
	if props.ProvisionedConcurrency == nil {
		return a.Signer.Function
	}
	a.SignerAlias = awslambda.NewAlias(a.Construct, jsii.String("SignerLive"), &awslambda.AliasProps{
		AliasName: jsii.String("live"), Version: a.Signer.Function.CurrentVersion(),
		ProvisionedConcurrentExecutions: props.ProvisionedConcurrency,
	})
	return a.SignerAlias
}

// addMultipartRoutes adds /api/uploads/multipart: create, parts (POST to presign a
// batch, GET to list what arrived), complete and abort.
func (a *SignerApi) addMultipartRoutes(m *methodDefaults, up awsapigateway.IResource, models *requestModels) {
	mp := up.AddResource(jsii.String("multipart"), nil)
	m.add(mp, "POST", models.multipart, nil)
	parts := mp.AddResource(jsii.String("parts"), nil)
	m.add(parts, "POST", models.parts, nil)
	m.add(parts, "GET", nil, map[string]*bool{"path": jsii.Bool(true), "uploadId": jsii.Bool(true)})
	m.add(mp.AddResource(jsii.String("complete"), nil), "POST", models.completeMultipart, nil)
	m.add(mp.AddResource(jsii.String("abort"), nil), "POST", models.abort, nil)
}

func maxUploadBytes(props *SignerApiProps) float64 {
	if props.MaxUploadBytes != nil {
		return *props.MaxUploadBytes
	}
	return DefaultMaxUploadBytes
}

// add adds method on res, with body model (nil for none) and query parameters
// (name to required; nil for none).
func (m *methodDefaults) add(res awsapigateway.IResource, method string, model awsapigateway.Model, query map[string]*bool) {
	opts := &awsapigateway.MethodOptions{
		Authorizer:        m.authorizer,
		AuthorizationType: awsapigateway.AuthorizationType_COGNITO,
		RequestValidator:  m.validator,
	}
	if model != nil {
		opts.RequestModels = &map[string]awsapigateway.IModel{"application/json": model}
	}
	if query != nil {
		params := map[string]*bool{}
		for k, v := range query {
			params["method.request.querystring."+k] = v
		}
		opts.RequestParameters = &params
	}
	res.AddMethod(jsii.String(method), m.integration, opts)
}

// requestModels are the JSON schemas request bodies must match.
type requestModels struct {
	downloads, uploads, complete               awsapigateway.Model
	multipart, parts, completeMultipart, abort awsapigateway.Model
}

// crc64Pattern is the base64 of an 8-byte CRC64NVME.
const crc64Pattern = `^[A-Za-z0-9+/]{11}=$`

// addRequestModels creates the JSON schemas request bodies must match before the
// signer runs: canonical paths, bounded sizes, no unknown fields.
func (a *SignerApi) addRequestModels(maxUpload float64) *requestModels {
	model := func(name string, schema *awsapigateway.JsonSchema) awsapigateway.Model {
		return awsapigateway.NewModel(a.Construct, jsii.String(name+"Model"), &awsapigateway.ModelProps{
			RestApi: a.Api, ContentType: jsii.String("application/json"), Schema: schema,
		})
	}
	path := stringSchema(1024, pathPattern)
	uploadID := stringSchema(1024, `^[\x21-\x7e]+$`)
	m := &requestModels{}
	m.downloads = model("Download", objectSchema([]string{"path"}, map[string]*awsapigateway.JsonSchema{
		"path":            path,
		"lifetimeSeconds": {Type: awsapigateway.JsonSchemaType_INTEGER, Minimum: jsii.Number(10), Maximum: jsii.Number(3600)},
		"startsAt":        stringSchema(40, ""),
		"ipRestriction":   stringSchema(18, `^(sourceIp|[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?)$`),
		"delivery":        enumSchema("url", "cookies"),
		"scope":           enumSchema("file", "folder"),
		"via":             enumSchema("cloudfront", "s3"),
	}))
	m.uploads = model("Upload", objectSchema([]string{"path", "contentType", "size", "checksumSha256"}, map[string]*awsapigateway.JsonSchema{
		"path":           path,
		"contentType":    stringSchema(255, `^[\x20-\x7e]+$`),
		"size":           {Type: awsapigateway.JsonSchemaType_INTEGER, Minimum: jsii.Number(0), Maximum: jsii.Number(5 << 30)},
		"checksumSha256": stringSchema(44, `^[A-Za-z0-9+/]{43}=$`),
		"method":         enumSchema("put", "post"),
	}))
	m.complete = model("Complete", objectSchema([]string{"path"}, map[string]*awsapigateway.JsonSchema{"path": path}))
	m.multipart = model("Multipart", objectSchema([]string{"path", "size", "contentType", "checksumAlgorithm"}, map[string]*awsapigateway.JsonSchema{
		"path":              path,
		"size":              {Type: awsapigateway.JsonSchemaType_INTEGER, Minimum: jsii.Number(1), Maximum: jsii.Number(maxUpload)},
		"contentType":       stringSchema(255, `^[\x20-\x7e]+$`),
		"checksumAlgorithm": enumSchema("CRC64NVME"),
		"partSize":          {Type: awsapigateway.JsonSchemaType_INTEGER, Minimum: jsii.Number(0), Maximum: jsii.Number(5 << 30)},
	}))
	partNumber := &awsapigateway.JsonSchema{Type: awsapigateway.JsonSchemaType_INTEGER, Minimum: jsii.Number(1), Maximum: jsii.Number(10000)}
	crc := stringSchema(12, crc64Pattern)
	partList := func(maxItems float64, part *awsapigateway.JsonSchema) *awsapigateway.JsonSchema {
		return &awsapigateway.JsonSchema{Type: awsapigateway.JsonSchemaType_ARRAY, MinItems: jsii.Number(1), MaxItems: jsii.Number(maxItems), Items: part}
	}
	// A batch to presign names each part and its checksum; a completion adds the ETag.
	toSign := objectSchema([]string{"number", "checksumCrc64nvme"}, map[string]*awsapigateway.JsonSchema{"number": partNumber, "checksumCrc64nvme": crc})
	uploaded := objectSchema([]string{"number", "etag", "checksumCrc64nvme"}, map[string]*awsapigateway.JsonSchema{
		"number": partNumber, "checksumCrc64nvme": crc, "etag": stringSchema(200, `^[\x20-\x7e]+$`),
	})
	m.parts = model("Parts", objectSchema([]string{"path", "uploadId", "parts"}, map[string]*awsapigateway.JsonSchema{
		"path": path, "uploadId": uploadID, "parts": partList(100, toSign),
	}))
	m.completeMultipart = model("CompleteMultipart", objectSchema([]string{"path", "uploadId", "parts", "checksumCrc64nvme"}, map[string]*awsapigateway.JsonSchema{
		"path": path, "uploadId": uploadID, "parts": partList(10000, uploaded), "checksumCrc64nvme": crc,
	}))
	m.abort = model("Abort", objectSchema([]string{"path", "uploadId"}, map[string]*awsapigateway.JsonSchema{"path": path, "uploadId": uploadID}))
	return m
}

// stringSchema is a non-empty string of at most maxLen characters, matching pattern
// unless it is empty.
func stringSchema(maxLen float64, pattern string) *awsapigateway.JsonSchema {
	s := &awsapigateway.JsonSchema{Type: awsapigateway.JsonSchemaType_STRING, MinLength: jsii.Number(1), MaxLength: jsii.Number(maxLen)}
	if pattern != "" {
		s.Pattern = jsii.String(pattern)
	}
	return s
}

// objectSchema is a draft-4 object with properties, of which required must be
// present, and no others.
func objectSchema(required []string, properties map[string]*awsapigateway.JsonSchema) *awsapigateway.JsonSchema {
	return &awsapigateway.JsonSchema{
		Schema: awsapigateway.JsonSchemaVersion_DRAFT4, Type: awsapigateway.JsonSchemaType_OBJECT,
		Required: jsii.Strings(required...), Properties: &properties, AdditionalProperties: false,
	}
}

// enumSchema is a string that is one of values.
func enumSchema(values ...any) *awsapigateway.JsonSchema {
	return &awsapigateway.JsonSchema{Type: awsapigateway.JsonSchemaType_STRING, Enum: &values}
}

// addFirewall attaches WebAclArn to the stage, or a new regional web ACL without it.
func (a *SignerApi) addFirewall(props *SignerApiProps, removal awscdk.RemovalPolicy) {
	webAcl := props.WebAclArn
	if webAcl == nil {
		fw := &firewall.WebAclProps{Regional: true, RemovalPolicy: removal}
		if o := props.OriginVerify; o != nil {
			fw.RequiredHeader = &firewall.RequiredHeader{Name: o.HeaderName, Values: o.AcceptedValues}
		}
		a.Firewall = firewall.NewWebAcl(a.Construct, "Firewall", fw)
		webAcl = a.Firewall.Arn
	}
	a.RegionalWebAclArn = webAcl
	awswafv2.NewCfnWebACLAssociation(a.Construct, jsii.String("WebAclAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: a.Api.DeploymentStage().StageArn(),
		WebAclArn:   webAcl,
	})
}

// addLinkErrorPage serves page at LinkErrorPagePath from API Gateway itself (a mock
// integration: no Lambda, no bucket objects), with no authorizer: CloudFront fetches
// it as the error page for a refused link, with no token.
func (a *SignerApi) addLinkErrorPage(page string) {
	pages := a.Root.AddResource(jsii.String("pages"), nil)
	method := pages.AddResource(jsii.String("link-error"), nil).AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(&awsapigateway.IntegrationOptions{
		RequestTemplates: &map[string]*string{"application/json": jsii.String(`{"statusCode": 200}`)},
		IntegrationResponses: &[]*awsapigateway.IntegrationResponse{{
			StatusCode:         jsii.String("200"),
			ResponseTemplates:  &map[string]*string{"text/html": jsii.String(page)},
			ResponseParameters: &map[string]*string{"method.response.header.Content-Type": jsii.String("'text/html; charset=utf-8'"), "method.response.header.Cache-Control": jsii.String("'max-age=300'")},
		}},
		PassthroughBehavior: awsapigateway.PassthroughBehavior_NEVER,
	}), &awsapigateway.MethodOptions{
		AuthorizationType: awsapigateway.AuthorizationType_NONE,
		MethodResponses: &[]*awsapigateway.MethodResponse{{
			StatusCode:         jsii.String("200"),
			ResponseParameters: &map[string]*bool{"method.response.header.Content-Type": jsii.Bool(true), "method.response.header.Cache-Control": jsii.Bool(true)},
		}},
	})
	const why = "a static error page (mock integration) that CloudFront fetches without a token; it reads and returns nothing else"
	nag.Suppress(method, false, nag.Rule{ID: "AwsSolutions-APIG4", Reason: why}, nag.Rule{ID: "AwsSolutions-COG4", Reason: why})
}

// suppressInvokePermissions accepts CT.LAMBDA.PR.2 on the permissions
// LambdaIntegration adds: the principal is apigateway.amazonaws.com and SourceArn is
// this API's own execute-api ARN for one method and path, so no one else may invoke.
func (a *SignerApi) suppressInvokePermissions() {
	for _, c := range *a.Api.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if p, ok := c.(awslambda.CfnPermission); ok {
			nag.SuppressGuard(p, "lambda_function_public_access_prohibited_check",
				"API Gateway invoke permission: principal apigateway.amazonaws.com with SourceArn scoped to this API's execute-api ARN for one method and path, not public")
		}
	}
}

// suppressFindings records why the cdk-nag findings that do not apply to the API,
// its stage and the signer are suppressed.
func (a *SignerApi) suppressFindings(props *SignerApiProps) {
	if role := a.Api.Node().TryFindChild(jsii.String("CloudWatchRole")); role != nil {
		nag.Suppress(role, true, nag.Rule{ID: "AwsSolutions-IAM4",
			AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"},
			Reason:    "API Gateway's account-level logging role: AWS maintains this policy for exactly that service"})
	}
	sync := "API Gateway invokes the signer synchronously and returns its errors to the caller; a dead-letter queue applies only to asynchronous invocations"
	fnRules := nag.Each("LambdaDLQ", sync, "NIST.800.53.R5", "HIPAA.Security", "Serverless")
	if props.NoReservedConcurrency {
		fnRules = append(fnRules, nag.Each("LambdaConcurrency", "NoReservedConcurrency: the stage throttle (rate and burst) bounds the signer's concurrency, and the database's connection budget admits it only behind RDS Proxy, which pools the connections", "NIST.800.53.R5", "HIPAA.Security")...)
	}
	nag.Suppress(a.Signer.Function, false, fnRules...)
	a.suppressInvokePermissions()
	stage := a.Api.DeploymentStage()
	stageRules := nag.Each("APIGWCacheEnabledAndEncrypted", "every answer is a fresh signature for one caller and is sent with Cache-Control: no-store; caching it would hand one caller's URL to another")
	stageRules = append(stageRules, nag.Each("APIGWSSLEnabled", "the only integration is a Lambda function (AWS_PROXY); a backend client certificate applies to HTTP integrations")...)
	nag.Suppress(stage, false, stageRules...)
	nag.Suppress(a.Signer.RolePolicy(), true, nag.Rule{ID: "AwsSolutions-IAM5",
		Reason:         "object-level grants on the files bucket (presigned uploads for any customer's prefix are decided per request by RBAC), the KMS data-key actions CDK grants with them, and the signing-key parameter path",
		AppliesToRegex: []string{`/^Action::s3:.*$/`, `/^Action::kms:.*$/`, `/^Resource::<[A-Za-z0-9]+\.Arn>\/\*$/`, `/^Resource::.*:parameter\/signet\/[0-9a-f]{10}\/\*$/`, `/^Resource::arn:.*:rds-db:.*$/`}})
}
