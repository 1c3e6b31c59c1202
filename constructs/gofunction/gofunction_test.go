package gofunction_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/signet-cdk/signet/constructs/gofunction"
	"github.com/signet-cdk/signet/internal/cfncheck"
)

const keygen = "github.com/signet-cdk/signet/lambda/keygen"

// One real build: a static arm64 ELF named bootstrap.
func TestBuildMakesStaticArm64Binary(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bootstrap")
	if err := gofunction.Build(keygen, out); err != nil {
		t.Fatal(err)
	}
	assertStaticArm64(t, out)
}

func assertStaticArm64(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Class != elf.ELFCLASS64 || f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX {
		t.Errorf("machine %v class %v", f.Machine, f.Class)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("dynamically linked (%v)", p.Type)
		}
	}
	if s := f.Section(".symtab"); s != nil {
		t.Error("symbols not stripped (-ldflags -s -w)")
	}
}

// The asset hash depends on sources, not on time or place: the same sources hash the
// same, and one changed byte in any package the binary uses changes it.
func TestHashFollowsSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/hashme\n\ngo 1.26\n")
	write("lib/lib.go", "package lib\n\nconst Greeting = \"hello\"\n")
	write("cmd/fn/main.go", "package main\n\nimport \"example.com/hashme/lib\"\n\nfunc main() { println(lib.Greeting) }\n")
	hash := func() string {
		t.Helper()
		wd, _ := os.Getwd()
		defer os.Chdir(wd)
		if err := os.Chdir(dir); err != nil {
			t.Fatal(err)
		}
		p, err := gofunction.InspectUncached("example.com/hashme/cmd/fn")
		if err != nil {
			t.Fatal(err)
		}
		return p.Hash
	}
	a, b := hash(), hash()
	if a != b {
		t.Fatalf("hash not stable: %s %s", a, b)
	}
	write("lib/lib.go", "package lib\n\nconst Greeting = \"hello!\"\n")
	if c := hash(); c == a {
		t.Fatal("hash ignores a change in a dependency")
	}
}

func TestMissingGoIsAClearError(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := gofunction.InspectUncached(keygen)
	if err == nil || !strings.Contains(err.Error(), "go command is not on PATH") {
		t.Fatalf("got %v", err)
	}
	if err := gofunction.Build(keygen, filepath.Join(t.TempDir(), "bootstrap")); err == nil || !strings.Contains(err.Error(), "go command is not on PATH") {
		t.Fatalf("got %v", err)
	}
}

// Another Go module imports Signet (through a replace directive, as a team would
// before a release) and builds the whole system in its own stacks: once with defaults
// in us-east-1, once in eu-west-1 with every existing-resource prop (its VPC and
// subnets, user pool and client, files bucket and key, log bucket, web ACL and
// certificate). Bundling builds the six Lambdas by import path from the consumer's
// module, and both templates carry the app's wiring (exact-ARN origin access, the
// signing parameters, the signer's grants).
func TestConsumerModuleBuildsTheComposite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a CDK app in a throwaway module")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/consumer\n\ngo 1.26.8\n\nrequire github.com/signet-cdk/signet v0.0.0\n\nreplace github.com/signet-cdk/signet => " + root + "\n"
	for name, body := range map[string]string{"go.mod": gomod, "main.go": consumerMain} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	_ = os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("mod", "tidy")
	run("run", ".")
	bins, _ := filepath.Glob(filepath.Join(dir, "out", "asset.*", "bootstrap"))
	if len(bins) != 6 {
		t.Fatalf("bundled binaries (signer, keygen, migrate, admin, directory, pre-token trigger): %v", bins)
	}
	for _, b := range bins {
		assertStaticArm64(t, b)
	}
	for _, stack := range []string{"TeamDefaults", "TeamExisting"} {
		tmpl, err := cfncheck.Load(filepath.Join(dir, "out", stack+".template.json"))
		if err != nil {
			t.Fatal(err)
		}
		w := cfncheck.Read(tmpl)
		want := cfncheck.Wiring{BucketAdmitsDistribution: true, DataKeyAdmitsDistribution: true, SignerReadsParameters: true,
			ParameterKeyViaSsmOnly: true, SignerConnectsToDatabase: true,
			Parameters: []string{"active-key-id", "active-key-parameter", "distribution-domain", "private-keys/k1"}}
		if !reflect.DeepEqual(w, want) {
			t.Errorf("%s wiring\n got %+v\nwant %+v", stack, w, want)
		}
	}
}

// consumerMain is a team's CDK app.
const consumerMain = `package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/signet"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String("out")})
	env := func(region string) *awscdk.StackProps {
		return &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String(region)}}
	}
	defaults := awscdk.NewStack(app, jsii.String("TeamDefaults"), env("us-east-1"))
	signet.NewSignet(defaults, "Sharing", nil)

	stack := awscdk.NewStack(app, jsii.String("TeamExisting"), env("eu-west-1"))
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	logs := awss3.NewBucket(stack, jsii.String("Logs"), &awss3.BucketProps{EnforceSSL: jsii.Bool(true), ObjectOwnership: awss3.ObjectOwnership_OBJECT_WRITER})
	files := awss3.NewBucket(stack, jsii.String("Files"), &awss3.BucketProps{
		BucketName: jsii.String("team-files-123456789012"), Encryption: awss3.BucketEncryption_KMS, EncryptionKey: key,
		EnforceSSL: jsii.Bool(true), Versioned: jsii.Bool(true), BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
	})
	signet.NewSignet(stack, "Sharing", &signet.SignetProps{
		WebAclArn:   jsii.String("arn:aws:wafv2:us-east-1:123456789012:global/webacl/team/11111111-2222-3333-4444-555555555555"),
		DomainNames: []*string{jsii.String("files.team.example")},
		Certificate: awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"),
			jsii.String("arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000")),
		Vpc: awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{VpcId: jsii.String("vpc-0123456789abcdef0"),
			AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"), PrivateSubnetIds: jsii.Strings("subnet-01", "subnet-02")}),
		VpcSubnets:     &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		UserPool:       awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String("eu-west-1_AbCdEfGhI")),
		UserPoolClient: awscognito.UserPoolClient_FromUserPoolClientId(stack, jsii.String("Client"), jsii.String("1example23456789")),
		Bucket:         files,
		BucketKey:      key,
		LogBucket:      logs,
	})
	app.Synth(nil)
}
`
