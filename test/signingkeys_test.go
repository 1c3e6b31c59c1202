package test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestKeyGroupTrustsGeneratedPublicKeys(t *testing.T) {
	pks := resources(single.mainJSON, "AWS::CloudFront::PublicKey")
	if len(pks) != 2 {
		t.Fatalf("want 2 public keys (k1, k2), got %v", keys(pks))
	}
	_, kg := only(t, single.mainJSON, "AWS::CloudFront::KeyGroup")
	for id, pk := range pks {
		if !refersTo(dig(kg, "Properties", "KeyGroupConfig", "Items"), id) {
			t.Errorf("key group does not trust %s", id)
		}
		// The encoded key comes from the custom resource, never from the template.
		enc := js(dig(pk, "Properties", "PublicKeyConfig", "EncodedKey"))
		if !strings.Contains(enc, "PublicKeyPem") {
			t.Errorf("%s encoded key: %s", id, enc)
		}
	}
	crs := resources(single.mainJSON, "Custom::SignetSigningKey")
	algs := map[string]bool{}
	for _, cr := range crs {
		algs[dig(cr, "Properties", "Algorithm").(string)] = true
		if !strings.Contains(js(dig(cr, "Properties", "ParameterName")), "/private-keys/") {
			t.Errorf("parameter name: %s", js(props(cr)))
		}
	}
	if !algs["RSA_2048"] || !algs["ECDSA_P256"] {
		t.Errorf("algorithms %v", algs)
	}
}

func TestSsmParametersNameActiveKeyAndDomain(t *testing.T) {
	params := resources(single.mainJSON, "AWS::SSM::Parameter")
	byName := map[string]map[string]any{}
	for _, p := range params {
		byName[dig(p, "Properties", "Name").(string)] = p
	}
	var prefix string
	for n := range byName {
		if strings.HasSuffix(n, "/active-key-id") {
			prefix = strings.TrimSuffix(n, "/active-key-id")
		}
	}
	if !regexp.MustCompile(`^/signet/[0-9a-f]{10}$`).MatchString(prefix) {
		t.Fatalf("parameter names %v", keys(byName))
	}
	active := byName[prefix+"/active-key-id"]
	pkIDs := keys(resources(single.mainJSON, "AWS::CloudFront::PublicKey"))
	var k2 string
	for _, id := range pkIDs {
		if strings.Contains(id, "k2") {
			k2 = id
		}
	}
	if !refersTo(dig(active, "Properties", "Value"), k2) {
		t.Errorf("active key id %s, want a reference to %s", js(dig(active, "Properties", "Value")), k2)
	}
	if v := dig(byName[prefix+"/active-key-parameter"], "Properties", "Value"); v != prefix+"/private-keys/k2" {
		t.Errorf("active key parameter %v", v)
	}
	// With a custom domain, URLs are signed for it.
	if v := dig(byName[prefix+"/distribution-domain"], "Properties", "Value"); v != "files.example.com" {
		t.Errorf("domain parameter with a custom domain: %v", v)
	}
	// Without one, for the distribution's own name.
	distID, _ := only(t, split.mainJSON, "AWS::CloudFront::Distribution")
	var found bool
	for _, p := range resources(split.mainJSON, "AWS::SSM::Parameter") {
		if strings.HasSuffix(fmt.Sprint(dig(p, "Properties", "Name")), "/distribution-domain") {
			found = refersTo(dig(p, "Properties", "Value"), distID)
		}
	}
	if !found {
		t.Error("domain parameter does not reference the distribution")
	}
}

func TestKeygenLambdaIsArm64Al2023WithLeastPrivilege(t *testing.T) {
	hasProps(t, split.main, "AWS::Lambda::Function", map[string]any{
		"Runtime": "provided.al2023", "Architectures": []any{"arm64"}, "Handler": "bootstrap",
		"TracingConfig": map[string]any{"Mode": "Active"},
	})
	// The keygen function's role, by logical id (map order is random: pick it by name).
	var roleID string
	for id, f := range resources(split.mainJSON, "AWS::Lambda::Function") {
		if strings.HasPrefix(id, "SigningKeysKeygenFunction") {
			roleID, _ = dig(f, "Properties", "Role", "Fn::GetAtt", 0).(string)
		}
	}
	if !strings.HasPrefix(roleID, "SigningKeysKeygenRole") {
		t.Fatalf("keygen role %q", roleID)
	}
	policies := 0
	for id, p := range resources(split.mainJSON, "AWS::IAM::Policy") {
		if !refersTo(dig(p, "Properties", "Roles"), roleID) {
			continue
		}
		policies++
		for _, s := range statements(dig(p, "Properties", "PolicyDocument")) {
			for _, a := range actions(s) {
				if strings.HasPrefix(a, "ssm:") && !strings.Contains(js(s["Resource"]), "/private-keys/*") {
					t.Errorf("%s: %s on %s", id, a, js(s["Resource"]))
				}
				if strings.HasPrefix(a, "kms:") {
					t.Errorf("%s: kms permission in the role policy (must come from the key policy, via SSM): %s", id, js(s))
				}
			}
		}
	}
	if policies != 1 {
		t.Fatalf("keygen role has %d policies", policies)
	}
	// The parameter key admits the keygen role only via SSM, for its parameters.
	for id, k := range resources(split.mainJSON, "AWS::KMS::Key") {
		if !strings.HasPrefix(id, "KeysParameterKey") {
			continue
		}
		var found bool
		for _, s := range statements(dig(k, "Properties", "KeyPolicy")) {
			if s["Sid"] != "AllowKeygenViaSsm" {
				continue
			}
			found = true
			if dig(s, "Condition", "StringEquals", "kms:ViaService") != "ssm.eu-west-1.amazonaws.com" ||
				!strings.Contains(js(dig(s, "Condition", "ArnLike", "kms:EncryptionContext:PARAMETER_ARN")), "/private-keys/*") {
				t.Errorf("keygen key statement: %s", js(s))
			}
		}
		if !found {
			t.Error("parameter key has no keygen statement")
		}
	}
}

// No private key material anywhere in the cloud assembly.
func TestNoPrivateKeyMaterialInCloudAssembly(t *testing.T) {
	for _, s := range []*synthesized{split, single} {
		assertNoKeyMaterial(t, s.outdir)
	}
}
