package test

import (
	"reflect"
	"strings"
	"testing"
)

// The data key, parameter key and logs key: rotating, retained.
func TestKeysRotateAndAreRetained(t *testing.T) {
	kmsKeys := resources(split.mainJSON, "AWS::KMS::Key")
	if len(kmsKeys) != 6 {
		t.Fatalf("want 6 KMS keys (data, parameters, logs, database, API WAF logs, alarm topic), got %v", keys(kmsKeys))
	}
	for id, k := range kmsKeys {
		if !strings.HasPrefix(id, "Keys") {
			if dig(k, "Properties", "EnableKeyRotation") != true || k["DeletionPolicy"] != "Retain" {
				t.Errorf("%s: %s", id, js(k))
			}
			continue
		}
		if dig(k, "Properties", "EnableKeyRotation") != true {
			t.Errorf("%s: rotation off", id)
		}
		if k["DeletionPolicy"] != "Retain" || k["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("%s: not retained: %v/%v", id, k["DeletionPolicy"], k["UpdateReplacePolicy"])
		}
		if dig(k, "Properties", "PendingWindowInDays") != 30.0 {
			t.Errorf("%s: pending window %v", id, dig(k, "Properties", "PendingWindowInDays"))
		}
	}
}

func dataBucket(t *testing.T) (string, map[string]any) {
	t.Helper()
	for id, b := range resources(split.mainJSON, "AWS::S3::Bucket") {
		if strings.HasPrefix(id, "FilesBucket") {
			return id, b
		}
	}
	t.Fatal("no data bucket")
	return "", nil
}

func TestDataBucketIsEncryptedPrivateVersionedAndLogged(t *testing.T) {
	id, b := dataBucket(t)
	p := props(b)
	enc := dig(p, "BucketEncryption", "ServerSideEncryptionConfiguration", 0)
	if dig(enc, "ServerSideEncryptionByDefault", "SSEAlgorithm") != "aws:kms" || dig(enc, "BucketKeyEnabled") != true {
		t.Errorf("encryption: %s", js(enc))
	}
	if !refersTo(dig(enc, "ServerSideEncryptionByDefault", "KMSMasterKeyID"), "KeysDataKey8F3FE3A4") && !strings.Contains(js(enc), "KeysDataKey") {
		t.Errorf("not encrypted with the data key: %s", js(enc))
	}
	want := map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}
	if !reflect.DeepEqual(p["PublicAccessBlockConfiguration"], want) {
		t.Errorf("public access block: %s", js(p["PublicAccessBlockConfiguration"]))
	}
	if dig(p, "VersioningConfiguration", "Status") != "Enabled" {
		t.Errorf("versioning: %s", js(p["VersioningConfiguration"]))
	}
	if dig(p, "OwnershipControls", "Rules", 0, "ObjectOwnership") != "BucketOwnerEnforced" {
		t.Errorf("ownership: %s", js(p["OwnershipControls"]))
	}
	if !strings.Contains(js(dig(p, "LoggingConfiguration", "DestinationBucketName")), "FilesLogs") {
		t.Errorf("server access logs: %s", js(p["LoggingConfiguration"]))
	}
	rule := dig(p, "LifecycleConfiguration", "Rules", 0)
	if dig(rule, "AbortIncompleteMultipartUpload", "DaysAfterInitiation") != 7.0 || dig(rule, "NoncurrentVersionExpiration", "NoncurrentDays") != 90.0 {
		t.Errorf("lifecycle: %s", js(rule))
	}
	if b["DeletionPolicy"] != "Retain" {
		t.Errorf("%s not retained", id)
	}
	if p["CorsConfiguration"] != nil {
		t.Errorf("default app has CORS: %s", js(p["CorsConfiguration"]))
	}
	// The generated name: prefix-hash-account-region, not a hard-coded string.
	name := js(p["BucketName"])
	if !strings.Contains(name, `"Ref":"AWS::AccountId"`) || !strings.Contains(name, "eu-west-1") || !strings.Contains(name, "signet-") {
		t.Errorf("bucket name: %s", name)
	}
}

func TestLogBucketIsHardened(t *testing.T) {
	for id, b := range resources(split.mainJSON, "AWS::S3::Bucket") {
		if !strings.HasPrefix(id, "FilesLogs") {
			continue
		}
		p := props(b)
		if dig(p, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm") != "AES256" {
			t.Errorf("log bucket encryption: %s", js(p["BucketEncryption"]))
		}
		if dig(p, "PublicAccessBlockConfiguration", "BlockPublicAcls") != true || dig(p, "PublicAccessBlockConfiguration", "RestrictPublicBuckets") != true {
			t.Errorf("log bucket public access: %s", js(p["PublicAccessBlockConfiguration"]))
		}
		if dig(p, "LifecycleConfiguration", "Rules", 0, "ExpirationInDays") != 365.0 {
			t.Errorf("log retention: %s", js(p["LifecycleConfiguration"]))
		}
		if b["DeletionPolicy"] != "Retain" {
			t.Errorf("log bucket not retained")
		}
		return
	}
	t.Fatal("no log bucket")
}

// Both buckets deny plain HTTP and TLS older than 1.2.
func TestBucketPoliciesDenyInsecureTransport(t *testing.T) {
	pols := resources(split.mainJSON, "AWS::S3::BucketPolicy")
	if len(pols) != 2 {
		t.Fatalf("want 2 bucket policies, got %v", keys(pols))
	}
	for id, p := range pols {
		var tls, version bool
		for _, s := range statements(dig(p, "Properties", "PolicyDocument")) {
			if s["Effect"] == "Deny" && dig(s, "Condition", "Bool", "aws:SecureTransport") == "false" {
				tls = true
			}
			if s["Effect"] == "Deny" && dig(s, "Condition", "NumericLessThan", "s3:TlsVersion") == 1.2 {
				version = true
			}
		}
		if !tls || !version {
			t.Errorf("%s: SecureTransport deny %v, TLS 1.2 deny %v", id, tls, version)
		}
	}
}

func TestCorsRulesComeFromProps(t *testing.T) {
	for id, b := range resources(single.mainJSON, "AWS::S3::Bucket") {
		if !strings.HasPrefix(id, "FilesBucket") {
			continue
		}
		rule := dig(b, "Properties", "CorsConfiguration", "CorsRules", 0)
		if js(dig(rule, "AllowedOrigins")) != `["https://app.example.com"]` {
			t.Errorf("cors origins: %s", js(rule))
		}
		if !strings.Contains(js(dig(rule, "AllowedMethods")), "PUT") || strings.Contains(js(dig(rule, "AllowedHeaders")), `"*"`) {
			t.Errorf("cors rule: %s", js(rule))
		}
		return
	}
	t.Fatal("no data bucket in single-stack app")
}
