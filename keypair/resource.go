package keypair

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// SSM is the part of the SSM client the resource uses.
type SSM interface {
	PutParameter(context.Context, *ssm.PutParameterInput, ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	DeleteParameter(context.Context, *ssm.DeleteParameterInput, ...func(*ssm.Options)) (*ssm.DeleteParameterOutput, error)
}

// Properties are the custom resource's properties (CloudFormation sends strings).
type Properties struct {
	ParameterName  string    // the SecureString that holds the private key
	KmsKeyId       string    // the parameter key's ARN
	Algorithm      Algorithm // RSA_2048 or ECDSA_P256
	RetainOnDelete bool      // keep the SecureString when the resource is deleted
}

// ErrBadProperties is returned for properties the resource cannot act on.
var ErrBadProperties = errors.New("invalid key pair properties")

// ParseProperties reads and checks the raw properties.
func ParseProperties(raw map[string]any) (Properties, error) {
	get := func(k string) string { s, _ := raw[k].(string); return s }
	p := Properties{
		ParameterName:  get("ParameterName"),
		KmsKeyId:       get("KmsKeyId"),
		Algorithm:      Algorithm(get("Algorithm")),
		RetainOnDelete: get("RetainOnDelete") == "true",
	}
	if p.Algorithm == "" {
		p.Algorithm = RSA2048
	}
	switch {
	case !strings.HasPrefix(p.ParameterName, "/") || len(p.ParameterName) > 1011:
		return p, fmt.Errorf("%w: ParameterName %q must be an absolute SSM parameter name", ErrBadProperties, p.ParameterName)
	case p.KmsKeyId == "":
		return p, fmt.Errorf("%w: KmsKeyId is required", ErrBadProperties)
	case p.Algorithm != RSA2048 && p.Algorithm != ECDSAP256:
		return p, fmt.Errorf("%w: Algorithm %q (want %q or %q)", ErrBadProperties, p.Algorithm, RSA2048, ECDSAP256)
	}
	return p, nil
}

// Resource handles the custom resource's lifecycle events.
type Resource struct {
	SSM    SSM
	Logger *slog.Logger
}

// Handle is a cfn.CustomResourceFunction. The physical id is the parameter name; the
// only data returned is the public key PEM.
func (r *Resource) Handle(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("requestType", string(ev.RequestType), "logicalId", ev.LogicalResourceID)
	p, err := ParseProperties(ev.ResourceProperties)
	if err != nil && ev.RequestType != cfn.RequestDelete {
		log.Error("bad properties", "error", err)
		return ev.PhysicalResourceID, nil, err
	}
	switch ev.RequestType {
	case cfn.RequestCreate:
		pub, err := r.create(ctx, p)
		if err != nil {
			log.Error("create failed", "parameter", p.ParameterName, "error", err)
			return "", nil, err
		}
		log.Info("key pair ready", "parameter", p.ParameterName, "algorithm", string(p.Algorithm))
		return p.ParameterName, map[string]any{"PublicKeyPem": string(pub)}, nil
	case cfn.RequestUpdate:
		if ev.PhysicalResourceID != p.ParameterName {
			// A new parameter name is a replacement: make the new key; CloudFormation
			// then deletes the old resource.
			pub, err := r.create(ctx, p)
			if err != nil {
				log.Error("replace failed", "parameter", p.ParameterName, "error", err)
				return ev.PhysicalResourceID, nil, err
			}
			return p.ParameterName, map[string]any{"PublicKeyPem": string(pub)}, nil
		}
		pub, alg, err := r.read(ctx, p.ParameterName)
		if err != nil {
			log.Error("update failed", "parameter", p.ParameterName, "error", err)
			return ev.PhysicalResourceID, nil, err
		}
		if alg != p.Algorithm {
			return ev.PhysicalResourceID, nil, fmt.Errorf("%w: key %s is %s; a key's algorithm cannot change, add a new key with the new algorithm and rotate to it", ErrBadProperties, p.ParameterName, alg)
		}
		return p.ParameterName, map[string]any{"PublicKeyPem": string(pub)}, nil
	case cfn.RequestDelete:
		if !strings.HasPrefix(ev.PhysicalResourceID, "/") {
			// The create never got as far as naming a parameter.
			return ev.PhysicalResourceID, nil, nil
		}
		if p.RetainOnDelete {
			log.Info("retaining key", "parameter", ev.PhysicalResourceID)
			return ev.PhysicalResourceID, nil, nil
		}
		_, err := r.SSM.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(ev.PhysicalResourceID)})
		var nf *ssmtypes.ParameterNotFound
		if err != nil && !errors.As(err, &nf) {
			log.Error("delete failed", "parameter", ev.PhysicalResourceID, "error", err)
			return ev.PhysicalResourceID, nil, fmt.Errorf("delete parameter %s: %w", ev.PhysicalResourceID, err)
		}
		log.Info("key deleted", "parameter", ev.PhysicalResourceID)
		return ev.PhysicalResourceID, nil, nil
	}
	return ev.PhysicalResourceID, nil, fmt.Errorf("%w: request type %q", ErrBadProperties, ev.RequestType)
}

// create stores a new key unless one is already there (a retried Create), in which
// case it answers with the stored key's public half.
func (r *Resource) create(ctx context.Context, p Properties) ([]byte, error) {
	priv, pub, err := Generate(p.Algorithm)
	if err != nil {
		return nil, err
	}
	_, err = r.SSM.PutParameter(ctx, &ssm.PutParameterInput{
		Name:        aws.String(p.ParameterName),
		Value:       aws.String(string(priv)),
		Type:        ssmtypes.ParameterTypeSecureString,
		KeyId:       aws.String(p.KmsKeyId),
		Overwrite:   aws.Bool(false),
		Tier:        ssmtypes.ParameterTierStandard,
		Description: aws.String("Signet CloudFront signing key (" + string(p.Algorithm) + "); generated in AWS, never exported"),
	})
	var exists *ssmtypes.ParameterAlreadyExists
	if errors.As(err, &exists) {
		pub, alg, err := r.read(ctx, p.ParameterName)
		if err != nil {
			return nil, err
		}
		if alg != p.Algorithm {
			return nil, fmt.Errorf("%w: parameter %s already holds a %s key, not %s", ErrBadProperties, p.ParameterName, alg, p.Algorithm)
		}
		return pub, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store private key in %s: %w", p.ParameterName, err)
	}
	return pub, nil
}

func (r *Resource) read(ctx context.Context, name string) ([]byte, Algorithm, error) {
	out, err := r.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		return nil, "", fmt.Errorf("read parameter %s: %w", name, err)
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return nil, "", fmt.Errorf("read parameter %s: empty", name)
	}
	return PublicPEMFromPrivate([]byte(*out.Parameter.Value))
}
