// Package signingkeys creates CloudFront signing key pairs inside AWS and everything
// that trusts or reads them: a custom-resource Lambda (lambda/keygen) generates each
// key at deploy time and stores the private key as an SSM SecureString under the
// parameter key; only the public key leaves the Lambda, to become an
// AWS::CloudFront::PublicKey in an AWS::CloudFront::KeyGroup. SSM parameters name the
// active key id and the parameter that holds its private key; AddDistributionDomain
// adds the distribution domain beside them.
//
// Rotation is a prop change: list a new key in Keys and make it ActiveKey; the key
// group trusts both, the signer switches on its next refresh, and a later deploy that
// drops the old key from Keys (after the longest URL lifetime has passed) removes it.
//
// Least privilege: the keygen Lambda may put, get and delete only the private-key
// parameters under this construct's prefix and may use the parameter key only through
// SSM; roles that sign get decrypt rights only through GrantSign, and then only via
// SSM for those parameters (kms:EncryptionContext:PARAMETER_ARN).
package signingkeys

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudfront"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/gofunction"
	"github.com/signet-cdk/signet/constructs/internal/nag"
	"github.com/signet-cdk/signet/constructs/internal/naming"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
	"github.com/signet-cdk/signet/constructs/keys"
)

// KeygenImportPath is the custom-resource Lambda's main package.
const KeygenImportPath = "github.com/signet-cdk/signet/lambda/keygen"

// MaxKeys is CloudFront's limit of public keys in one key group.
const MaxKeys = 5

// Algorithm of a key pair: "RSA_2048" (CloudFront's default, the seed's choice) or
// "ECDSA_P256".
type Algorithm string

const (
	RSA2048   Algorithm = "RSA_2048"
	ECDSAP256 Algorithm = "ECDSA_P256"
)

// KeySpec is one key pair.
type KeySpec struct {
	// Name identifies the key: 1 to 32 letters, digits or hyphens. Changing it makes
	// a new key.
	Name string
	// Algorithm. Default: RSA2048.
	Algorithm Algorithm
}

// SigningKeysProps configures the key pairs. The zero value is one RSA-2048 key.
type SigningKeysProps struct {
	// ParameterKey encrypts the private keys in SSM. Default: a new rotating key.
	ParameterKey awskms.IKey
	// Keys lists the key pairs the key group trusts, at most 5. Default:
	// [{Name: "k1", Algorithm: RSA2048}].
	Keys []KeySpec
	// ActiveKey names the key the signer uses. Default: the last of Keys.
	ActiveKey string
	// RemovalPolicy: with RETAIN (default) a removed key's SecureString stays in SSM;
	// with DESTROY the keygen Lambda deletes it.
	RemovalPolicy awscdk.RemovalPolicy
	// LogKey encrypts the keygen Lambda's logs. Default: none.
	LogKey awskms.IKey
}

// SigningKeys is the key group and what feeds it.
type SigningKeys struct {
	constructs.Construct
	KeyGroup     awscloudfront.KeyGroup
	PublicKeys   map[string]awscloudfront.PublicKey
	ParameterKey awskms.IKey
	Keygen       *gofunction.GoFunction
	// ParameterPrefix is the SSM path every Signet parameter of this construct is under.
	ParameterPrefix string
	// ActiveKeyIdParameter holds the active CloudFront public key id.
	ActiveKeyIdParameter awsssm.StringParameter
	// ActiveKeyParameterName holds the name of the SecureString with the active
	// private key.
	ActiveKeyParameterName awsssm.StringParameter
	// DomainParameter holds the distribution domain (after AddDistributionDomain).
	DomainParameter awsssm.StringParameter

	grants int
}

var keyNamePattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)

// ValidateSigningKeysProps checks props without building anything.
func ValidateSigningKeysProps(props *SigningKeysProps) error {
	c := propcheck.Checker{Construct: "signingkeys"}
	if props == nil {
		return nil
	}
	if len(props.Keys) > MaxKeys {
		c.Fail("Keys", len(props.Keys), "CloudFront trusts at most %d public keys in a key group", MaxKeys)
	}
	seen := map[string]bool{}
	for _, k := range props.Keys {
		if !keyNamePattern.MatchString(k.Name) {
			c.Fail("Keys", k.Name, "a key name must be 1 to 32 letters, digits or hyphens")
		}
		if seen[k.Name] {
			c.Fail("Keys", k.Name, "names a key twice")
		}
		seen[k.Name] = true
		if k.Algorithm != "" && k.Algorithm != RSA2048 && k.Algorithm != ECDSAP256 {
			c.Fail("Keys", string(k.Algorithm), "key %q: algorithm must be RSA_2048 or ECDSA_P256", k.Name)
		}
	}
	if props.ActiveKey != "" && !seen[props.ActiveKey] && len(props.Keys) > 0 {
		c.Fail("ActiveKey", props.ActiveKey, "is not one of Keys")
	}
	if props.ActiveKey != "" && len(props.Keys) == 0 && props.ActiveKey != "k1" {
		c.Fail("ActiveKey", props.ActiveKey, "is not one of Keys (default [k1])")
	}
	return c.Err()
}

// NewSigningKeys creates the key pairs, key group and parameters.
func NewSigningKeys(scope constructs.Construct, id string, props *SigningKeysProps) *SigningKeys {
	propcheck.MustAt(scope, id, ValidateSigningKeysProps(props))
	if props == nil {
		props = &SigningKeysProps{}
	}
	specs := props.Keys
	if len(specs) == 0 {
		specs = []KeySpec{{Name: "k1", Algorithm: RSA2048}}
	}
	active := props.ActiveKey
	if active == "" {
		active = specs[len(specs)-1].Name
	}
	removal := propcheck.RemovalOrRetain(props.RemovalPolicy)

	c := constructs.NewConstruct(scope, jsii.String(id))
	s := &SigningKeys{Construct: c, PublicKeys: map[string]awscloudfront.PublicKey{}}
	s.ParameterPrefix = "/signet/" + naming.AddressHash(c, 5)

	s.ParameterKey = props.ParameterKey
	if s.ParameterKey == nil {
		s.ParameterKey = keys.NewRotatingKey(c, "ParameterKey", keys.ParameterKeyDescription, removal, nil)
	}

	s.Keygen = gofunction.NewGoFunction(c, "Keygen", &gofunction.GoFunctionProps{
		ImportPath:    KeygenImportPath,
		Description:   jsii.String("Signet: generates CloudFront signing key pairs inside AWS (custom resource)"),
		Timeout:       awscdk.Duration_Minutes(jsii.Number(2)),
		LogKey:        props.LogKey,
		RemovalPolicy: removal,
	})
	role := s.Keygen.Function.Role()
	s.Keygen.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ManageSigningKeyParameters"),
		Actions:   jsii.Strings("ssm:PutParameter", "ssm:GetParameter", "ssm:DeleteParameter"),
		Resources: jsii.Strings(*s.privateKeyParameterArn("*")),
	}))
	s.allowViaSsm("AllowKeygenViaSsm", role, []string{"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"})
	nag.Suppress(s.Keygen.RolePolicy(), true, nag.Rule{
		ID:             "AwsSolutions-IAM5",
		Reason:         "the keygen Lambda names each key's parameter from the key spec; the wildcard covers exactly this construct's private-keys/ path",
		AppliesToRegex: []string{`/^Resource::arn:.*:ssm:.*:parameter\/signet\/[0-9a-f]{10}\/private-keys\/\*$/`},
	})
	s.Keygen.MarkCustomResourceHandler()
	const outsideVPC = "calls only the SSM API over TLS with IAM authentication; it reaches no private resource"
	nag.Suppress(s.Keygen.Function, false, nag.Each("LambdaInsideVPC", outsideVPC)...)
	nag.SuppressGuard(s.Keygen.Function, "lambda_inside_vpc_check", outsideVPC)

	retain := "false"
	if removal == awscdk.RemovalPolicy_RETAIN || removal == awscdk.RemovalPolicy_SNAPSHOT {
		retain = "true"
	}
	var groupKeys []interfacesawscloudfront.IPublicKeyRef
	for _, k := range specs {
		alg := k.Algorithm
		if alg == "" {
			alg = RSA2048
		}
		cr := awscdk.NewCustomResource(c, jsii.String("Key-"+k.Name), &awscdk.CustomResourceProps{
			ServiceToken: s.Keygen.Function.FunctionArn(),
			ResourceType: jsii.String("Custom::SignetSigningKey"),
			Properties: &map[string]any{
				"ParameterName":  s.PrivateKeyParameterName(k.Name),
				"KmsKeyId":       s.ParameterKey.KeyArn(),
				"Algorithm":      string(alg),
				"RetainOnDelete": retain,
			},
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY, // the Lambda applies RetainOnDelete
		})
		cr.Node().AddDependency(s.Keygen.Function.Role())
		pk := awscloudfront.NewPublicKey(c, jsii.String("PublicKey-"+k.Name), &awscloudfront.PublicKeyProps{
			EncodedKey: cr.GetAttString(jsii.String("PublicKeyPem")),
			Comment:    jsii.String(fmt.Sprintf("Signet signing key %s (%s)", k.Name, alg)),
		})
		s.PublicKeys[k.Name] = pk
		groupKeys = append(groupKeys, pk)
	}
	s.KeyGroup = awscloudfront.NewKeyGroup(c, jsii.String("KeyGroup"), &awscloudfront.KeyGroupProps{
		Items:   &groupKeys,
		Comment: jsii.String("Signet: keys trusted for signed URLs and cookies"),
	})
	s.ActiveKeyIdParameter = awsssm.NewStringParameter(c, jsii.String("ActiveKeyId"), &awsssm.StringParameterProps{
		ParameterName: jsii.String(s.ParameterPrefix + "/active-key-id"),
		StringValue:   s.PublicKeys[active].PublicKeyId(),
		Description:   jsii.String("Signet: CloudFront public key id the signer uses"),
	})
	s.ActiveKeyParameterName = awsssm.NewStringParameter(c, jsii.String("ActiveKeyParameter"), &awsssm.StringParameterProps{
		ParameterName: jsii.String(s.ParameterPrefix + "/active-key-parameter"),
		StringValue:   s.PrivateKeyParameterName(active),
		Description:   jsii.String("Signet: SSM SecureString that holds the active private signing key"),
	})
	return s
}

// PrivateKeyParameterName is the SecureString that holds key name's private key.
func (s *SigningKeys) PrivateKeyParameterName(name string) *string {
	return jsii.String(s.ParameterPrefix + "/private-keys/" + name)
}

func (s *SigningKeys) privateKeyParameterArn(name string) *string {
	return awscdk.Stack_Of(s.Construct).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("ssm"), Resource: jsii.String("parameter"),
		ResourceName: jsii.String(s.ParameterPrefix[1:] + "/private-keys/" + name),
	})
}

// allowViaSsm adds a statement to the parameter key's policy that lets role use the
// key only through SSM and only for this construct's private-key parameters.
func (s *SigningKeys) allowViaSsm(sid string, principal awsiam.IPrincipal, actions []string) {
	stack := awscdk.Stack_Of(s.Construct)
	res := s.ParameterKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(sid),
		Principals: &[]awsiam.IPrincipal{principal},
		Actions:    jsii.Strings(actions...),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": "ssm." + *stack.Region() + ".amazonaws.com"},
			"ArnLike":      map[string]any{"kms:EncryptionContext:PARAMETER_ARN": s.privateKeyParameterArn("*")},
		},
	}), jsii.Bool(true))
	if res == nil || res.StatementAdded == nil || !*res.StatementAdded {
		propcheck.Must(&propcheck.Error{Path: *s.Node().Path(), Construct: "signingkeys", Prop: "ParameterKey", Value: *s.ParameterKey.KeyArn(),
			Reason: "is imported, so its key policy cannot grant SSM-scoped use; pass a key created in this app"})
	}
}

// AddDistributionDomain stores the distribution's domain name beside the key
// parameters, for the signer to read.
func (s *SigningKeys) AddDistributionDomain(domainName *string) awsssm.StringParameter {
	s.DomainParameter = awsssm.NewStringParameter(s.Construct, jsii.String("DistributionDomain"), &awsssm.StringParameterProps{
		ParameterName: jsii.String(s.ParameterPrefix + "/distribution-domain"),
		StringValue:   domainName,
		Description:   jsii.String("Signet: CloudFront domain signed URLs point at"),
	})
	return s.DomainParameter
}

// GrantSign lets grantee read every parameter under the prefix (with decryption) and
// decrypt the private keys, only via SSM and only for these parameters.
func (s *SigningKeys) GrantSign(grantee awsiam.IGrantable) awsiam.Grant {
	stack := awscdk.Stack_Of(s.Construct)
	prefixArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("ssm"), Resource: jsii.String("parameter"), ResourceName: jsii.String(s.ParameterPrefix[1:]),
	})
	g := awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"),
		ResourceArns: jsii.Strings(*prefixArn, *prefixArn+"/*"),
	})
	s.grants++
	s.allowViaSsm(fmt.Sprintf("AllowSignerViaSsm%d", s.grants), grantee.GrantPrincipal(), []string{"kms:Decrypt"})
	return g
}
