package stacks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/identity"
	"github.com/signet-cdk/signet/constructs/signerapi"
	"github.com/signet-cdk/signet/constructs/signet"
	"github.com/signet-cdk/signet/constructs/signingkeys"
	"github.com/signet-cdk/signet/internal/strictjson"
)

// Config is the app's configuration, read from CDK context keys "signet:*" (cdk.json
// or `cdk synth -c signet:key=value`). README lists every key.
type Config struct {
	// Region of the main stack (context signet:region). Required.
	Region string
	// Account for both stacks (signet:account). Default: environment-agnostic.
	Account string
	// StackName of the main stack (signet:stackName); the edge stack is
	// "<StackName>-Edge". Default: "Signet".
	StackName string
	// DomainNames are alternate domain names for CloudFront (signet:domainNames).
	DomainNames []string
	// CertificateArn is an existing ACM certificate in us-east-1 for DomainNames
	// (signet:certificateArn).
	CertificateArn string
	// HostedZoneId and HostedZoneName: the Route 53 zone of DomainNames
	// (signet:hostedZoneId, signet:hostedZoneName): alias records for each name point
	// at the distribution, and without CertificateArn a new certificate is
	// DNS-validated there.
	HostedZoneId, HostedZoneName string
	// WebAclArn is an existing CLOUDFRONT-scope web ACL, for example one Firewall
	// Manager manages (signet:webAclArn). Default: Signet creates one.
	WebAclArn string
	// WafRateLimit per IP per 5 minutes (signet:wafRateLimit). Default: 1000.
	WafRateLimit float64
	// BlockAnonymousIps adds the AWS anonymous IP list (signet:blockAnonymousIps).
	BlockAnonymousIps bool
	// OriginShieldRegion (signet:originShieldRegion). Default: nearest to Region.
	OriginShieldRegion string
	// CorsAllowedOrigins for browser uploads (signet:corsAllowedOrigins).
	CorsAllowedOrigins []string
	// RedirectHttp redirects HTTP viewers to HTTPS instead of refusing them
	// (signet:redirectHttp). Default: false (HTTPS only).
	RedirectHttp bool
	// MinimumTlsPolicy with a custom domain (signet:minimumTlsPolicy), e.g.
	// "TLSv1.2_2021" (default), "TLSv1.2_2025", "TLSv1.3_2025".
	MinimumTlsPolicy string
	// EnableIpv6 for viewers (signet:enableIpv6). Default: false.
	EnableIpv6 bool
	// ObjectLock turns on S3 Object Lock for the files bucket at creation
	// (signet:objectLock). Default: false.
	ObjectLock bool
	// NoncurrentVersionDays keeps overwritten versions (signet:noncurrentVersionDays).
	// Default: 90.
	NoncurrentVersionDays float64
	// Destroy sets RemovalPolicy DESTROY on stateful resources (signet:destroyOnRemoval),
	// for throwaway test deployments. Default: false (RETAIN).
	Destroy bool
	// SigningKeys lists the CloudFront key pairs as "name" or "name:ALGORITHM"
	// (signet:signingKeys), ALGORITHM being RSA_2048 (default) or ECDSA_P256.
	// Default: ["k1"].
	SigningKeys []string
	// ActiveSigningKey names the key the signer uses (signet:activeSigningKey).
	// Default: the last of SigningKeys.
	ActiveSigningKey string
	// Nag applies the cdk-nag packs at synth (signet:nag). Default: true.
	Nag bool
	// SignerConcurrency is the signer's reserved concurrency
	// (signet:signerConcurrency), one database connection each: the connection budget
	// must hold it. Default: 20 (signerapi.DefaultReservedConcurrency).
	SignerConcurrency float64
	// DatabaseMaxCapacity in ACUs (signet:databaseMaxCapacity), 1 to 256 in steps of
	// 0.5; it sets max_connections. Default: 4.
	DatabaseMaxCapacity float64
	// DatabaseProxy puts RDS Proxy between the signer and the database
	// (signet:databaseProxy); the database's minimum capacity becomes 0.5 ACU (no
	// auto-pause). Default: false.
	DatabaseProxy bool
	// AuthDomainPrefix of the Cognito sign-in domain (signet:authDomainPrefix).
	// Default: identity.DefaultDomainPrefix, "signet-<8 hex>-<account id>".
	AuthDomainPrefix string
	// AuthDomainName is a custom sign-in domain (signet:authDomainName), with
	// AuthCertificateArn (signet:authCertificateArn), an ACM certificate in us-east-1.
	AuthDomainName, AuthCertificateArn string
	// IdentityProviders are the OIDC and SAML providers and their bindings
	// (signet:identityProviders), a JSON list of identity.IdentityProvider.
	IdentityProviders []identity.IdentityProvider
	// AdminEmail is the first platform administrator's email (signet:adminEmail).
	AdminEmail string

	// Behaviors are extra path patterns on the files bucket (signet:behaviors).
	Behaviors []BehaviorConfig
	// ErrorPages shows a friendly page for every 403 (signet:errorPages). Default: false.
	ErrorPages bool
	// DefaultRootObject served for "/" (signet:defaultRootObject). Default: none.
	DefaultRootObject string
	// PriceClass of the distribution (signet:priceClass). Default: "PriceClass_All".
	PriceClass string
	// LogFilePrefix of CloudFront's logs (signet:logFilePrefix). Default: "cloudfront/".
	LogFilePrefix string
	// OriginVerifyGeneration of the API origin header (signet:originVerifyGeneration);
	// raise it by one to rotate. Default: 1.
	OriginVerifyGeneration float64
	// FirewallManager leaves the web ACL to AWS Firewall Manager and adds the
	// "<StackName>-FirewallManager" stack (signet:firewallManager). Default: false.
	FirewallManager bool
	// AlarmEmail receives the alarms (signet:alarmEmail). Default: none.
	AlarmEmail string
	// Monitoring adds the alarm topic, alarms and dashboard (signet:monitoring).
	// Default: true.
	Monitoring bool
	// SigningKeyMaxAgeDays before the stale-key alarm (signet:signingKeyMaxAgeDays).
	// Default: 90.
	SigningKeyMaxAgeDays float64
	// MalwareScanning turns on GuardDuty Malware Protection for S3
	// (signet:malwareScanning). Default: false.
	MalwareScanning bool
	// DatabaseMinCapacity in ACUs, 0 = auto-pause (signet:databaseMinCapacity).
	// Default: 0 (0.5 with the proxy).
	DatabaseMinCapacity float64
	// SignerProvisionedConcurrency on the "live" alias
	// (signet:signerProvisionedConcurrency). Default: 0, none.
	SignerProvisionedConcurrency float64
	// MaxUploadBytes caps one file (signet:maxUploadBytes). Default: 5 TiB.
	MaxUploadBytes float64
	// AllowS3Downloads allows S3 presigned GET URLs (signet:allowS3Downloads).
	AllowS3Downloads bool
	// FirewallManagerAccount is that stack's account, the Firewall Manager
	// administrator (signet:firewallManagerAccount). Default: environment-agnostic.
	FirewallManagerAccount string
}

// KnownContextKeys are the keys ConfigFromContext reads, found by running it with a
// recording getter, so the list can never drift from the code that reads them.
func KnownContextKeys() []string {
	var keys []string
	_, _ = ConfigFromContext(func(k string) any {
		keys = append(keys, k)
		return nil
	})
	return keys
}

// UnknownContextKeys returns the "signet:" keys in all that Signet does not read:
// almost always a typo that would otherwise be ignored silently.
func UnknownContextKeys(all map[string]any) []string {
	known := map[string]bool{}
	for _, k := range KnownContextKeys() {
		known[k] = true
	}
	var unknown []string
	for k := range all {
		if strings.HasPrefix(k, "signet:") && !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	return unknown
}

var (
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	accountPattern   = regexp.MustCompile(`^[0-9]{12}$`)
	stackNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,100}$`)
	certArnPattern   = regexp.MustCompile(`^arn:aws[a-z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate/[0-9a-f-]{36}$`)
)

// TLS policy names as CloudFront's console and docs spell them.
var tlsPolicies = map[string]string{
	"TLSv1.2_2021": "TLS_V1_2_2021", "TLSv1.2_2025": "TLS_V1_2_2025", "TLSv1.3_2025": "TLS_V1_3_2025",
	"TLSv1": "TLS_V1", "TLSv1_2016": "TLS_V1_2016", "TLSv1.1_2016": "TLS_V1_1_2016",
	"TLSv1.2_2018": "TLS_V1_2_2018", "TLSv1.2_2019": "TLS_V1_2_2019", "SSLv3": "SSL_V3",
}

// ContextGetter is what ConfigFromContext reads; an awscdk.App's Node() satisfies it
// through NodeContext.
type ContextGetter func(key string) any

// NodeContext adapts an app's construct node to a ContextGetter.
func NodeContext(app awscdk.App) ContextGetter {
	return func(key string) any { return app.Node().TryGetContext(jsii.String(key)) }
}

// ConfigFromContext reads and validates the configuration.
func ConfigFromContext(get ContextGetter) (Config, error) {
	cfg := Config{StackName: "Signet", Nag: true, WafRateLimit: 1000, NoncurrentVersionDays: 90, MinimumTlsPolicy: "TLSv1.2_2021",
		SignerConcurrency: signerapi.DefaultReservedConcurrency, DatabaseMaxCapacity: 4,
		PriceClass: "PriceClass_All", LogFilePrefix: "cloudfront/", OriginVerifyGeneration: 1, MaxUploadBytes: signerapi.DefaultMaxUploadBytes,
		Monitoring: true, SigningKeyMaxAgeDays: 90, DatabaseMinCapacity: -1}
	var errs []string
	fail := func(key string, v any, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("context %s=%s: %s", key, show(v), fmt.Sprintf(format, args...)))
	}
	str := func(key string, dst *string) {
		v := get(key)
		if v == nil {
			return
		}
		s, ok := v.(string)
		if !ok {
			fail(key, v, "must be a string")
			return
		}
		*dst = strings.TrimSpace(s)
	}
	boolean := func(key string, dst *bool) {
		switch v := get(key).(type) {
		case nil:
		case bool:
			*dst = v
		case string:
			b, err := strconv.ParseBool(v)
			if err != nil {
				fail(key, v, "must be true or false")
				return
			}
			*dst = b
		default:
			fail(key, v, "must be true or false")
		}
	}
	number := func(key string, dst *float64) {
		switch v := get(key).(type) {
		case nil:
		case float64:
			*dst = v
		case string:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				fail(key, v, "must be a number")
				return
			}
			*dst = f
		default:
			fail(key, v, "must be a number")
		}
	}
	list := func(key string, dst *[]string) {
		switch v := get(key).(type) {
		case nil:
		case []any:
			for _, x := range v {
				s, ok := x.(string)
				if !ok {
					fail(key, v, "must be a list of strings")
					return
				}
				*dst = append(*dst, s)
			}
		case string:
			v = strings.TrimSpace(v)
			if strings.HasPrefix(v, "[") {
				if err := json.Unmarshal([]byte(v), dst); err != nil {
					fail(key, v, "must be a JSON list of strings or a comma-separated list")
				}
				return
			}
			if v == "" {
				return
			}
			for _, s := range strings.Split(v, ",") {
				*dst = append(*dst, strings.TrimSpace(s))
			}
		default:
			fail(key, v, "must be a list of strings")
		}
	}
	str("signet:region", &cfg.Region)
	str("signet:account", &cfg.Account)
	str("signet:stackName", &cfg.StackName)
	list("signet:domainNames", &cfg.DomainNames)
	str("signet:certificateArn", &cfg.CertificateArn)
	str("signet:hostedZoneId", &cfg.HostedZoneId)
	str("signet:hostedZoneName", &cfg.HostedZoneName)
	str("signet:webAclArn", &cfg.WebAclArn)
	number("signet:wafRateLimit", &cfg.WafRateLimit)
	boolean("signet:blockAnonymousIps", &cfg.BlockAnonymousIps)
	str("signet:originShieldRegion", &cfg.OriginShieldRegion)
	list("signet:corsAllowedOrigins", &cfg.CorsAllowedOrigins)
	boolean("signet:redirectHttp", &cfg.RedirectHttp)
	str("signet:minimumTlsPolicy", &cfg.MinimumTlsPolicy)
	boolean("signet:enableIpv6", &cfg.EnableIpv6)
	boolean("signet:objectLock", &cfg.ObjectLock)
	number("signet:noncurrentVersionDays", &cfg.NoncurrentVersionDays)
	boolean("signet:destroyOnRemoval", &cfg.Destroy)
	list("signet:signingKeys", &cfg.SigningKeys)
	str("signet:activeSigningKey", &cfg.ActiveSigningKey)
	boolean("signet:nag", &cfg.Nag)
	number("signet:signerConcurrency", &cfg.SignerConcurrency) // the earlier name
	number("signet:signerReservedConcurrency", &cfg.SignerConcurrency)
	number("signet:signerProvisionedConcurrency", &cfg.SignerProvisionedConcurrency)
	number("signet:databaseMinCapacity", &cfg.DatabaseMinCapacity)
	number("signet:databaseMaxCapacity", &cfg.DatabaseMaxCapacity)
	boolean("signet:databaseProxy", &cfg.DatabaseProxy)
	str("signet:authDomainPrefix", &cfg.AuthDomainPrefix)
	str("signet:authDomainName", &cfg.AuthDomainName)
	str("signet:authCertificateArn", &cfg.AuthCertificateArn)
	identityProviders(get, "signet:identityProviders", &cfg.IdentityProviders, fail)
	str("signet:adminEmail", &cfg.AdminEmail)
	behaviorsFromContext(get, "signet:behaviors", &cfg.Behaviors, fail)
	boolean("signet:errorPages", &cfg.ErrorPages)
	str("signet:defaultRootObject", &cfg.DefaultRootObject)
	str("signet:priceClass", &cfg.PriceClass)
	str("signet:logFilePrefix", &cfg.LogFilePrefix)
	number("signet:originVerifyGeneration", &cfg.OriginVerifyGeneration)
	boolean("signet:firewallManager", &cfg.FirewallManager)
	str("signet:firewallManagerAccount", &cfg.FirewallManagerAccount)
	number("signet:maxUploadBytes", &cfg.MaxUploadBytes)
	str("signet:alarmEmail", &cfg.AlarmEmail)
	boolean("signet:monitoring", &cfg.Monitoring)
	number("signet:signingKeyMaxAgeDays", &cfg.SigningKeyMaxAgeDays)
	boolean("signet:malwareScanning", &cfg.MalwareScanning)
	boolean("signet:allowS3Downloads", &cfg.AllowS3Downloads)

	switch {
	case cfg.Region == "":
		fail("signet:region", "", "is required: the region of the main stack, e.g. eu-west-1")
	case !regionPattern.MatchString(cfg.Region):
		fail("signet:region", cfg.Region, "is not an AWS region name")
	}
	if cfg.Account != "" && !accountPattern.MatchString(cfg.Account) {
		fail("signet:account", cfg.Account, "must be 12 digits")
	}
	if !stackNamePattern.MatchString(cfg.StackName) {
		fail("signet:stackName", cfg.StackName, "must start with a letter and hold only letters, digits and hyphens")
	}
	if cfg.CertificateArn != "" {
		m := certArnPattern.FindStringSubmatch(cfg.CertificateArn)
		switch {
		case m == nil:
			fail("signet:certificateArn", cfg.CertificateArn, "is not an ACM certificate ARN")
		case m[1] != "us-east-1":
			fail("signet:certificateArn", cfg.CertificateArn, "is in %s; CloudFront accepts only ACM certificates in us-east-1", m[1])
		}
		if len(cfg.DomainNames) == 0 {
			fail("signet:certificateArn", cfg.CertificateArn, "needs signet:domainNames")
		}
	}
	if (cfg.HostedZoneId == "") != (cfg.HostedZoneName == "") {
		fail("signet:hostedZoneId", cfg.HostedZoneId, "and signet:hostedZoneName go together (hostedZoneName=%q)", cfg.HostedZoneName)
	}
	if len(cfg.DomainNames) > 0 && cfg.CertificateArn == "" && cfg.HostedZoneId == "" {
		fail("signet:domainNames", cfg.DomainNames, "need a certificate: set signet:certificateArn, or signet:hostedZoneId and signet:hostedZoneName to create one")
	}
	if cfg.HostedZoneId != "" && len(cfg.DomainNames) == 0 {
		fail("signet:hostedZoneId", cfg.HostedZoneId, "is set but signet:domainNames is empty")
	}
	if cfg.MinimumTlsPolicy != "" {
		v, ok := tlsPolicies[cfg.MinimumTlsPolicy]
		switch {
		case !ok:
			fail("signet:minimumTlsPolicy", cfg.MinimumTlsPolicy, "is not a CloudFront security policy name such as TLSv1.2_2021")
		case v != "TLS_V1_2_2021" && v != "TLS_V1_2_2025" && v != "TLS_V1_3_2025":
			fail("signet:minimumTlsPolicy", cfg.MinimumTlsPolicy, "is weaker than TLSv1.2_2021")
		}
	}
	if n := cfg.SignerConcurrency; n < 1 || n != float64(int64(n)) {
		fail(concurrencyKey(get), n, "must be a whole number, 1 or more")
	}
	checkOperations(cfg, fail)
	if m := cfg.MaxUploadBytes; m < 1 || m > signerapi.DefaultMaxUploadBytes || m != float64(int64(m)) {
		fail("signet:maxUploadBytes", m, "must be a whole number of bytes from 1 to 5497558138880 (S3's 5 TiB object limit)")
	}
	if m := cfg.DatabaseMaxCapacity; m < 1 || m > 256 || m*2 != float64(int64(m*2)) {
		fail("signet:databaseMaxCapacity", m, "must be from 1 to 256 ACUs in steps of 0.5")
	}
	checkSignIn(cfg, fail)
	checkEdge(cfg, fail)
	if len(errs) > 0 {
		return cfg, fmt.Errorf("signet: invalid configuration:\n  %s", strings.Join(errs, "\n  "))
	}
	return cfg, nil
}

// concurrencyKey is the name the signer's reserved concurrency was given under:
// signet:signerReservedConcurrency, or its earlier name signet:signerConcurrency.
func concurrencyKey(get ContextGetter) string {
	if get("signet:signerReservedConcurrency") == nil && get("signet:signerConcurrency") != nil {
		return "signet:signerConcurrency"
	}
	return "signet:signerReservedConcurrency"
}

// tlsPolicy maps the configured policy name to the CDK enum value.
func (c Config) tlsPolicy() string { return tlsPolicies[c.MinimumTlsPolicy] }

func show(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case []string:
		b, _ := json.Marshal(x)
		return string(b)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}

// applyScale sets the connection-budget props: the signer's reserved concurrency, the
// database's maximum capacity and its proxy.
func (c Config) applyScale(p *signet.SignetProps) {
	p.SignerReservedConcurrency = jsii.Number(c.SignerConcurrency)
	p.DatabaseMaxCapacity = jsii.Number(c.DatabaseMaxCapacity)
	p.DatabaseProxy = c.DatabaseProxy
}

// signingKeys turns "name[:ALGORITHM]" entries into key specs.
func (c Config) signingKeys() []signingkeys.KeySpec {
	var specs []signingkeys.KeySpec
	for _, s := range c.SigningKeys {
		name, alg, _ := strings.Cut(s, ":")
		specs = append(specs, signingkeys.KeySpec{Name: strings.TrimSpace(name), Algorithm: signingkeys.Algorithm(strings.TrimSpace(alg))})
	}
	return specs
}

// jsonListDoc is the JSON text of key's list: a list in cdk.json, or a JSON string
// with -c. Nil when the key is unset or empty, or not a list (then fail says so).
func jsonListDoc(get ContextGetter, key, what string, fail func(string, any, string, ...any)) []byte {
	switch v := get(key).(type) {
	case nil:
		return nil
	case string:
		if strings.TrimSpace(v) == "" {
			return nil
		}
		return []byte(v)
	case []any:
		doc, _ := json.Marshal(v)
		return doc
	default:
		fail(key, v, "must be a JSON list of %s", what)
		return nil
	}
}

// identityProviders reads key, a JSON list of providers (a list in cdk.json, or a JSON
// string with -c), strictly: unknown or misspelt fields and duplicate keys are errors.
// Each provider's problems are reported under the key, the provider's index and the
// JSON field, e.g. signet:identityProviders[0].issuer.
func identityProviders(get ContextGetter, key string, dst *[]identity.IdentityProvider, fail func(string, any, string, ...any)) {
	doc := jsonListDoc(get, key, "identity providers", fail)
	if doc == nil {
		return
	}
	list, err := decodeProviders(doc)
	if err != nil {
		fail(key, "…", "must be a JSON list of identity providers: %v", err)
		return
	}
	*dst = list
	for _, p := range identity.ProviderProblems(list) {
		fail(key+contextPath(p.Prop), p.Value, "%s", p.Reason)
	}
}

// decodeProviders decodes a JSON list of providers, refusing unknown fields (in any
// case: encoding/json would match "Customer" to customer), duplicate keys (it would
// keep the last) and anything after the list.
func decodeProviders(doc []byte) ([]identity.IdentityProvider, error) {
	if err := strictjson.NoDuplicateKeys(doc); err != nil {
		return nil, err
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, err
	}
	for i, fields := range raw {
		for name, v := range fields {
			if _, ok := providerFields[name]; !ok {
				return nil, fmt.Errorf("[%d]: unknown field %q (fields are %s)", i, name, strings.Join(sortedKeys(providerFields), ", "))
			}
			if name == "clientSecret" {
				var secret map[string]json.RawMessage
				if err := json.Unmarshal(v, &secret); err != nil {
					return nil, fmt.Errorf("[%d].clientSecret: must be {\"secretArn\": ..., \"jsonField\": ...}, a Secrets Manager reference, never the secret", i)
				}
				for k := range secret {
					if _, ok := secretFields[k]; !ok {
						return nil, fmt.Errorf("[%d].clientSecret: unknown field %q (fields are %s)", i, k, strings.Join(sortedKeys(secretFields), ", "))
					}
				}
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var list []identity.IdentityProvider
	if err := dec.Decode(&list); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON list")
	}
	return list, nil
}

// jsonNames maps the Go field names of t to their JSON names.
func jsonNames(t reflect.Type) map[string]string {
	out := map[string]string{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out[f.Name] = name
	}
	return out
}

var (
	providerGoNames = jsonNames(reflect.TypeOf(identity.IdentityProvider{}))
	secretGoNames   = jsonNames(reflect.TypeOf(identity.SecretRef{}))
	providerFields  = invert(providerGoNames)
	secretFields    = invert(secretGoNames)
)

func invert(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[v] = k
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// contextPath turns identity's prop path ("IdentityProviders[0].ClientSecret.SecretArn",
// "IdentityProviders[1].Roles[\"admins\"]") into the context's JSON names
// ("[0].clientSecret.secretArn", "[1].roles[\"admins\"]").
func contextPath(prop string) string {
	rest := strings.TrimPrefix(prop, "IdentityProviders")
	index, fields, ok := strings.Cut(rest, ".")
	if !ok {
		return rest
	}
	if key, isMap := strings.CutPrefix(fields, "Roles["); isMap {
		// A map key is quoted and may hold anything, dots included.
		return index + "." + providerGoNames["Roles"] + "[" + key
	}
	field, tail, _ := strings.Cut(fields, ".")
	out := index + "." + providerGoNames[field]
	if tail != "" {
		out += "." + secretGoNames[tail]
	}
	return out
}

// checkSignIn validates the sign-in keys that are not identity providers.
func checkSignIn(cfg Config, fail func(string, any, string, ...any)) {
	if p := cfg.AuthDomainPrefix; p != "" {
		if reason := identity.CheckDomainPrefix(p); reason != "" {
			fail("signet:authDomainPrefix", p, "%s", reason)
		}
	}
	if d := cfg.AuthDomainName; d != "" {
		if reason := identity.CheckDomainName(d); reason != "" {
			fail("signet:authDomainName", d, "%s", reason)
		}
	}
	switch arn := cfg.AuthCertificateArn; {
	case cfg.AuthDomainName != "" && arn == "":
		fail("signet:authDomainName", cfg.AuthDomainName, "needs signet:authCertificateArn, an ACM certificate in us-east-1 covering it")
	case cfg.AuthDomainName == "" && arn != "":
		fail("signet:authCertificateArn", arn, "needs signet:authDomainName")
	case arn != "":
		m := certArnPattern.FindStringSubmatch(arn)
		switch {
		case m == nil:
			fail("signet:authCertificateArn", arn, "is not an ACM certificate ARN")
		case m[1] != "us-east-1":
			fail("signet:authCertificateArn", arn, "is in %s; Cognito custom domains accept only ACM certificates in us-east-1", m[1])
		}
	}
	if e := cfg.AdminEmail; e != "" {
		if reason := identity.CheckEmail(e); reason != "" {
			fail("signet:adminEmail", e, "%s", reason)
		}
	}
}
