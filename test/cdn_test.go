package test

import (
	"reflect"
	"strings"
	"testing"
)

// distributionArn is the expression CDK renders for the distribution's ARN.
func distributionArn(t *testing.T, tmpl map[string]any) (string, any) {
	t.Helper()
	id, _ := only(t, tmpl, "AWS::CloudFront::Distribution")
	return id, map[string]any{"Fn::Join": []any{"", []any{
		"arn:aws:cloudfront::", map[string]any{"Ref": "AWS::AccountId"}, ":distribution/", map[string]any{"Ref": id},
	}}}
}

// cloudFrontStatements are the statements anywhere in tmpl that name the CloudFront
// service principal.
func cloudFrontStatements(tmpl map[string]any) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		var doc any
		switch r.(map[string]any)["Type"] {
		case "AWS::S3::BucketPolicy":
			doc = dig(r, "Properties", "PolicyDocument")
		case "AWS::KMS::Key":
			doc = dig(r, "Properties", "KeyPolicy")
		default:
			continue
		}
		for _, s := range statements(doc) {
			if servicePrincipal(s, "cloudfront.amazonaws.com") {
				out[id] = append(out[id], s)
			}
		}
	}
	return out
}

// The bucket policy and the data key's policy admit CloudFront only for this
// distribution's exact ARN, read-only: no ArnLike, no wildcard, no write actions.
func TestOriginAccessIsExactAndReadOnly(t *testing.T) {
	for name, s := range map[string]*synthesized{"split": split, "single": single} {
		_, arn := distributionArn(t, s.mainJSON)
		wantCond := map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": arn}}
		found := cloudFrontStatements(s.mainJSON)
		var bucketStmt, keyStmt bool
		for id, stmts := range found {
			if len(stmts) != 1 {
				t.Errorf("%s/%s: %d CloudFront statements, want 1", name, id, len(stmts))
			}
			st := stmts[0]
			if !reflect.DeepEqual(st["Condition"], wantCond) {
				t.Errorf("%s/%s: condition %s, want %s", name, id, js(st["Condition"]), js(wantCond))
			}
			if strings.Contains(js(st), "ArnLike") || strings.Contains(js(st), "distribution/*") {
				t.Errorf("%s/%s: wildcard distribution condition: %s", name, id, js(st))
			}
			switch {
			case strings.HasPrefix(id, "FilesBucketPolicy"):
				bucketStmt = true
				if !reflect.DeepEqual(actions(st), []string{"s3:GetObject"}) {
					t.Errorf("%s: bucket actions %v", name, actions(st))
				}
				if !strings.Contains(js(st["Resource"]), `"/*"`) {
					t.Errorf("%s: bucket resource %s", name, js(st["Resource"]))
				}
			case strings.HasPrefix(id, "KeysDataKey"):
				keyStmt = true
				if !reflect.DeepEqual(actions(st), []string{"kms:Decrypt"}) {
					t.Errorf("%s: key actions %v", name, actions(st))
				}
			default:
				t.Errorf("%s: unexpected CloudFront statement on %s", name, id)
			}
		}
		if !bucketStmt || !keyStmt {
			t.Errorf("%s: bucket statement %v, data key statement %v", name, bucketStmt, keyStmt)
		}
	}
}

// The distribution reaches the bucket by its generated name, not by a reference: that
// is what lets the key policy name the distribution without a cycle.
func TestDistributionDoesNotReferenceTheBucketResource(t *testing.T) {
	bucketID, _ := dataBucket(t)
	_, d := only(t, split.mainJSON, "AWS::CloudFront::Distribution")
	origin := dig(d, "Properties", "DistributionConfig", "Origins", 0).(map[string]any)
	if refersTo(origin, bucketID) || strings.Contains(js(d["DependsOn"]), bucketID) {
		t.Errorf("origin references the bucket: %s", js(origin))
	}
	if !strings.Contains(js(origin["DomainName"]), ".s3.eu-west-1.") {
		t.Errorf("origin domain: %s", js(origin["DomainName"]))
	}
}

func TestDistributionSettings(t *testing.T) {
	_, d := only(t, split.mainJSON, "AWS::CloudFront::Distribution")
	c := dig(d, "Properties", "DistributionConfig").(map[string]any)
	oacID, _ := only(t, split.mainJSON, "AWS::CloudFront::OriginAccessControl")
	kgID, _ := only(t, split.mainJSON, "AWS::CloudFront::KeyGroup")
	rhpID, _ := only(t, split.mainJSON, "AWS::CloudFront::ResponseHeadersPolicy")
	beh := c["DefaultCacheBehavior"]
	origin := dig(c, "Origins", 0)
	for what, ok := range map[string]bool{
		"https-only viewers":      dig(beh, "ViewerProtocolPolicy") == "https-only",
		"GET/HEAD only":           js(dig(beh, "AllowedMethods")) == `["GET","HEAD"]`,
		"trusted key group":       refersTo(dig(beh, "TrustedKeyGroups"), kgID),
		"response headers policy": refersTo(dig(beh, "ResponseHeadersPolicyId"), rhpID),
		"managed cache policy":    dig(beh, "CachePolicyId") == "658327ea-f89d-4fab-a63d-7e88639e58f6",
		"HTTP/2 and HTTP/3":       c["HttpVersion"] == "http2and3",
		"IPv6 off":                c["IPV6Enabled"] == false,
		"access logging":          strings.Contains(js(dig(c, "Logging", "Bucket")), "FilesLogs") && dig(c, "Logging", "Prefix") == "cloudfront/",
		"origin access control":   refersTo(dig(origin, "OriginAccessControlId"), oacID),
		"S3 origin, no OAI":       dig(origin, "S3OriginConfig", "OriginAccessIdentity") == "",
		"origin shield":           dig(origin, "OriginShield", "Enabled") == true && dig(origin, "OriginShield", "OriginShieldRegion") == "eu-west-1",
		"web ACL from edge stack": strings.Contains(js(c["WebACLId"]), `"Region":"us-east-1"`) && strings.Contains(js(c["WebACLId"]), "Signet-Edge"),
		"no default root object":  c["DefaultRootObject"] == nil,
	} {
		if !ok {
			t.Errorf("%s: %s", what, js(c))
		}
	}
	hasProps(t, split.main, "AWS::CloudFront::OriginAccessControl", map[string]any{
		"OriginAccessControlConfig": map[string]any{
			"OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4",
		},
	})
}

func TestResponseHeadersPolicyEnforcesSecureHeaders(t *testing.T) {
	_, p := only(t, split.mainJSON, "AWS::CloudFront::ResponseHeadersPolicy")
	sh := dig(p, "Properties", "ResponseHeadersPolicyConfig", "SecurityHeadersConfig")
	for what, ok := range map[string]bool{
		"hsts":     dig(sh, "StrictTransportSecurity", "AccessControlMaxAgeSec") == 63072000.0 && dig(sh, "StrictTransportSecurity", "Preload") == true && dig(sh, "StrictTransportSecurity", "IncludeSubdomains") == true,
		"nosniff":  dig(sh, "ContentTypeOptions", "Override") == true,
		"frame":    dig(sh, "FrameOptions", "FrameOption") == "DENY",
		"referrer": dig(sh, "ReferrerPolicy", "ReferrerPolicy") == "no-referrer",
		"csp":      strings.Contains(js(dig(sh, "ContentSecurityPolicy", "ContentSecurityPolicy")), "default-src 'none'") && strings.Contains(js(dig(sh, "ContentSecurityPolicy", "ContentSecurityPolicy")), "sandbox"),
	} {
		if !ok {
			t.Errorf("%s: %s", what, js(sh))
		}
	}
	if !strings.Contains(js(dig(p, "Properties", "ResponseHeadersPolicyConfig", "RemoveHeadersConfig")), "x-amz-server-side-encryption-aws-kms-key-id") {
		t.Error("kms key id header not removed")
	}
}

// With a custom domain: aliases, an SNI certificate from us-east-1, TLSv1.2_2021.
func TestCustomDomainUsesCertificateAndModernTLS(t *testing.T) {
	_, d := only(t, single.mainJSON, "AWS::CloudFront::Distribution")
	c := dig(d, "Properties", "DistributionConfig")
	certID, _ := only(t, single.mainJSON, "AWS::CertificateManager::Certificate")
	if js(dig(c, "Aliases")) != `["files.example.com"]` ||
		!refersTo(dig(c, "ViewerCertificate", "AcmCertificateArn"), certID) ||
		dig(c, "ViewerCertificate", "MinimumProtocolVersion") != "TLSv1.2_2021" ||
		dig(c, "ViewerCertificate", "SslSupportMethod") != "sni-only" {
		t.Errorf("viewer certificate: %s", js(dig(c, "ViewerCertificate")))
	}
	hasProps(t, single.main, "AWS::CertificateManager::Certificate", map[string]any{
		"DomainName": "files.example.com", "ValidationMethod": "DNS",
	})
}
