// Package gofunction is a Lambda function built from a Go main package with no Docker:
// `go build` runs on the synth machine, by import path, cross-compiled for
// provided.al2023 on arm64 (GOOS=linux GOARCH=arm64 CGO_ENABLED=0, -tags lambda.norpc,
// -trimpath, -ldflags "-s -w"), into the asset's "bootstrap".
//
// Building by import path is what makes the construct work when another Go module
// imports Signet: the go command resolves the path through the consuming module's
// go.mod (replace directives included) from the directory synth runs in.
//
// The asset hash is computed from what the binary is built from, not from a folder:
// the Go version, the build settings, and for every non-standard package the binary
// depends on, either its module@version (immutable in the module cache) or the bytes
// of its source files. Unchanged sources give an unchanged hash, so `cdk deploy` does
// not re-upload or update the function.
//
// Secure defaults: arm64, provided.al2023, X-Ray tracing active, JSON logs at INFO
// into a log group kept one year (encrypted with LogKey when given), 30-second
// timeout, 256 MB.
package gofunction

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/nag"
	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// GoFunctionProps configures the function. ImportPath is required.
type GoFunctionProps struct {
	// ImportPath of the main package, e.g. "github.com/signet-cdk/signet/lambda/keygen".
	ImportPath string
	// Description of the function.
	Description *string
	// Environment variables. Never put secrets here: they show in the console and
	// the template.
	Environment map[string]*string
	// Timeout. Default: 30 seconds.
	Timeout awscdk.Duration
	// MemorySize in MB. Default: 256.
	MemorySize *float64
	// LogRetention of the function's log group. Default: one year.
	LogRetention awslogs.RetentionDays
	// LogKey encrypts the log group. Default: none (CloudWatch Logs' own encryption).
	LogKey awskms.IKey
	// RemovalPolicy of the log group. Default: RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// ReservedConcurrentExecutions caps the function. Default: none.
	ReservedConcurrentExecutions *float64
	// Vpc places the function in a VPC (with VpcSubnets and SecurityGroups); its role
	// then may manage the network interfaces Lambda needs. Default: no VPC.
	Vpc            awsec2.IVpc
	VpcSubnets     *awsec2.SubnetSelection
	SecurityGroups []awsec2.ISecurityGroup
}

// GoFunction is the function and its log group.
type GoFunction struct {
	constructs.Construct
	Function awslambda.Function
	Role     awsiam.Role
	LogGroup awslogs.LogGroup
}

// BuildEnv is the environment go build runs with, on top of the caller's.
var BuildEnv = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}

// BuildFlags are the go build flags (before -o and the import path).
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w"}

// ValidateGoFunctionProps checks props without building anything.
func ValidateGoFunctionProps(props *GoFunctionProps) error {
	c := propcheck.Checker{Construct: "gofunction"}
	if props == nil {
		props = &GoFunctionProps{}
	}
	switch {
	case props.ImportPath == "":
		c.Fail("ImportPath", "", "is required: the import path of a Go main package")
	case !importPathOK(props.ImportPath):
		c.Fail("ImportPath", props.ImportPath, "must be a Go import path, not a file path")
	}
	if props.MemorySize != nil && (*props.MemorySize < 128 || *props.MemorySize > 10240) {
		c.Fail("MemorySize", *props.MemorySize, "must be from 128 to 10240 MB")
	}
	if props.Timeout != nil {
		if s := propcheck.Seconds(props.Timeout); s < 1 || s > 900 || !propcheck.Whole(s) {
			c.Fail("Timeout", props.Timeout.ToHumanString(), "must be whole seconds from 1 second to 15 minutes")
		}
	}
	return c.Err()
}

// importPathOK reports whether p looks like a Go import path rather than a file path.
func importPathOK(p string) bool {
	return !strings.HasPrefix(p, ".") && !strings.HasPrefix(p, "/") && !strings.ContainsAny(p, " \\")
}

// inspect loads the package props name, when ValidateGoFunctionProps accepts its
// import path; otherwise only the validation error is reported.
func inspect(props *GoFunctionProps) (Package, error) {
	if props == nil || props.ImportPath == "" || !importPathOK(props.ImportPath) {
		return Package{}, nil
	}
	pkg, err := Inspect(props.ImportPath)
	if err != nil {
		return pkg, &propcheck.Error{Construct: "gofunction", Prop: "ImportPath", Value: props.ImportPath, Reason: err.Error()}
	}
	return pkg, nil
}

// NewGoFunction builds the Go main package at props.ImportPath into a Lambda function.
func NewGoFunction(scope constructs.Construct, id string, props *GoFunctionProps) *GoFunction {
	pkg, err := inspect(props)
	propcheck.MustAt(scope, id, errors.Join(ValidateGoFunctionProps(props), err))
	c := constructs.NewConstruct(scope, jsii.String(id))
	f := &GoFunction{Construct: c}

	removal := propcheck.RemovalOrRetain(props.RemovalPolicy)
	retention := props.LogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_YEAR
	}
	f.LogGroup = awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention: retention, EncryptionKey: props.LogKey, RemovalPolicy: removal,
	})
	timeout := props.Timeout
	if timeout == nil {
		timeout = awscdk.Duration_Seconds(jsii.Number(30))
	}
	memory := props.MemorySize
	if memory == nil {
		memory = jsii.Number(256)
	}
	var env *map[string]*string
	if len(props.Environment) > 0 {
		env = &props.Environment
	}
	code := awslambda.Code_FromAsset(jsii.String(pkg.Dir), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_CUSTOM,
		AssetHash:     jsii.String(pkg.Hash),
		Bundling: &awscdk.BundlingOptions{
			// Only used if local bundling declined, which it never does: it builds or
			// fails synth with the go command's message.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/golang:1.26")),
			Local: &localBundler{importPath: props.ImportPath, path: *c.Node().Path()},
		},
	})
	// An explicit role without AWSLambdaBasicExecutionRole: it may write to its own log
	// group and nothing else until a grant says so.
	f.Role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Signet: execution role of " + props.ImportPath),
	})
	f.LogGroup.GrantWrite(f.Role)
	f.Function = awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Role:                         f.Role,
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         code,
		Description:                  props.Description,
		Environment:                  env,
		Timeout:                      timeout,
		MemorySize:                   memory,
		Tracing:                      awslambda.Tracing_ACTIVE,
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2:        awslambda.ApplicationLogLevel_INFO,
		SystemLogLevelV2:             awslambda.SystemLogLevel_INFO,
		LogGroup:                     f.LogGroup,
		ReservedConcurrentExecutions: props.ReservedConcurrentExecutions,
		Vpc:                          props.Vpc,
		VpcSubnets:                   props.VpcSubnets,
		SecurityGroups:               sgs(props.SecurityGroups),
	})
	wildcard := "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions"
	if props.Vpc != nil {
		// What AWSLambdaVPCAccessExecutionRole grants, without the managed policy.
		f.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("LambdaVpcNetworkInterfaces"),
			Actions: jsii.Strings("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
				"ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"),
			Resources: jsii.Strings("*"),
		}))
		wildcard += "; the EC2 network-interface actions Lambda needs in a VPC support none either"
	}
	nag.Suppress(f.RolePolicy(), true, append([]nag.Rule{{
		ID:        "AwsSolutions-IAM5",
		Reason:    wildcard,
		AppliesTo: []string{"Resource::*"},
	}}, nag.Each("IAMNoInlinePolicy", "CDK grants write least-privilege statements into this role's own policy; an inline policy bound to one role cannot be attached to another by mistake")...)...)
	return f
}

// RolePolicy is the role's own (default) policy, where grants land; it exists from
// construction on, because the role may always write its log group.
func (f *GoFunction) RolePolicy() constructs.IConstruct {
	return f.Role.Node().FindChild(jsii.String("DefaultPolicy"))
}

func sgs(in []awsec2.ISecurityGroup) *[]awsec2.ISecurityGroup {
	if len(in) == 0 {
		return nil
	}
	return &in
}

// localBundler runs go build on the synth machine for the function at path.
type localBundler struct{ importPath, path string }

// TryBundle implements awscdk.ILocalBundling.
func (b *localBundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := Build(b.importPath, filepath.Join(*outputDir, "bootstrap")); err != nil {
		propcheck.Must(&propcheck.Error{Path: b.path, Construct: "gofunction", Prop: "ImportPath", Value: b.importPath, Reason: err.Error()})
	}
	return jsii.Bool(true)
}

// Build cross-compiles the main package at importPath into out.
func Build(importPath, out string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("cannot bundle: the go command is not on PATH (install Go 1.26 or newer): %v", err)
	}
	args := append([]string{"build"}, BuildFlags...)
	args = append(args, "-o", out, importPath)
	cmd := exec.Command(goBin, args...)
	cmd.Env = append(os.Environ(), BuildEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build failed: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// Package is what Inspect learns about a main package.
type Package struct {
	Dir  string // source directory
	Hash string // content hash of everything the binary is built from
}

var (
	inspectMu    sync.Mutex
	inspectCache = map[string]Package{}
)

// Inspect finds the package's directory and computes its asset hash.
func Inspect(importPath string) (Package, error) {
	inspectMu.Lock()
	defer inspectMu.Unlock()
	if p, ok := inspectCache[importPath]; ok {
		return p, nil
	}
	p, err := InspectUncached(importPath)
	if err == nil {
		inspectCache[importPath] = p
	}
	return p, err
}

// InspectUncached is Inspect without the per-process cache.
func InspectUncached(importPath string) (Package, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return Package{}, fmt.Errorf("cannot bundle: the go command is not on PATH (install Go 1.26 or newer): %v", err)
	}
	cmd := exec.Command(goBin, "list", "-deps", "-json", "-tags", "lambda.norpc", importPath)
	cmd.Env = append(os.Environ(), BuildEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Package{}, fmt.Errorf("go list failed: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	ver, err := exec.Command(goBin, "env", "GOVERSION").Output()
	if err != nil {
		return Package{}, fmt.Errorf("go env GOVERSION: %v", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", strings.TrimSpace(string(ver)), strings.Join(BuildEnv, " "), strings.Join(BuildFlags, " "))
	dec := json.NewDecoder(&stdout)
	var main Package
	for {
		var p struct {
			ImportPath, Dir, Name string
			Standard              bool
			GoFiles, EmbedFiles   []string
			Module                *struct{ Path, Version string }
			Error                 *struct{ Err string }
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return Package{}, fmt.Errorf("read go list output: %v", err)
		}
		if p.Error != nil {
			return Package{}, fmt.Errorf("%s", p.Error.Err)
		}
		if p.ImportPath == importPath {
			if p.Name != "main" {
				return Package{}, fmt.Errorf("is package %s, not a main package", p.Name)
			}
			main.Dir = p.Dir
		}
		if p.Standard {
			continue
		}
		if p.Module != nil && p.Module.Version != "" && strings.HasPrefix(p.Dir, modCacheDir()) {
			fmt.Fprintf(h, "pkg %s %s@%s\n", p.ImportPath, p.Module.Path, p.Module.Version)
			continue
		}
		files := append(append([]string{}, p.GoFiles...), p.EmbedFiles...)
		sort.Strings(files)
		for _, name := range files {
			b, err := os.ReadFile(filepath.Join(p.Dir, name))
			if err != nil {
				return Package{}, fmt.Errorf("hash sources: %v", err)
			}
			sum := sha256.Sum256(b)
			fmt.Fprintf(h, "file %s/%s %x\n", p.ImportPath, name, sum)
		}
	}
	if main.Dir == "" {
		return Package{}, fmt.Errorf("go list did not report the package")
	}
	main.Hash = hex.EncodeToString(h.Sum(nil))
	return main, nil
}

var modCache struct {
	once sync.Once
	dir  string
}

func modCacheDir() string {
	modCache.once.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			modCache.dir = "\x00"
			return
		}
		out, err := exec.Command(goBin, "env", "GOMODCACHE").Output()
		if err == nil {
			modCache.dir = strings.TrimSpace(string(out)) + string(filepath.Separator)
		} else {
			modCache.dir = "\x00" // matches nothing: hash every file
		}
	})
	return modCache.dir
}

// MarkCustomResourceHandler records why a function that only CloudFormation invokes
// (a custom-resource handler) has no reserved concurrency and no dead-letter queue.
func (f *GoFunction) MarkCustomResourceHandler() {
	once := "invoked only by CloudFormation, synchronously, a few times per deploy"
	rules := nag.Each("LambdaConcurrency", once+"; reserving concurrency could fail on accounts with the default limit", "NIST.800.53.R5", "HIPAA.Security")
	rules = append(rules, nag.Each("LambdaDLQ", once+"; failures go back to CloudFormation, a dead-letter queue applies only to asynchronous invocations", "NIST.800.53.R5", "HIPAA.Security", "Serverless")...)
	nag.Suppress(f.Function, false, rules...)
}
