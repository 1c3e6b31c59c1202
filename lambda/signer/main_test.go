package main

import (
	"bytes"
	"encoding/json"
	"go/build"
	"strings"
	"testing"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/keysource"
)

func TestConfigFromEnvironment(t *testing.T) {
	for _, c := range []struct {
		max, s3, scan string
		wantMax       int64
		wantS3        bool
		wantScan      bool
		wantFail      bool
	}{
		{"", "", "", 0, false, false, false},
		{"5497558138880", "true", "", 5 << 40, true, false, false},
		{"1073741824", "false", "false", 1 << 30, false, false, false},
		{"", "", "true", 0, false, true, false},
		{"", "true", "true", 0, true, true, false},
		{"5497558138881", "", "", 0, false, false, true},
		{"0", "", "", 0, false, false, true},
		{"-1", "", "", 0, false, false, true},
		{"1e9", "", "", 0, false, false, true},
		{"+5", "", "", 0, false, false, true},
		{"01", "", "", 0, false, false, true},
		{"", "TRUE", "", 0, false, false, true},
		{"", "yes", "", 0, false, false, true},
		{"", "", "1", 0, false, false, true},
		{"", "", "True", 0, false, false, true},
		{"", "", " true", 0, false, false, true},
	} {
		t.Setenv("SIGNET_MAX_UPLOAD_BYTES", c.max)
		t.Setenv("SIGNET_ALLOW_S3_DOWNLOADS", c.s3)
		t.Setenv("SIGNET_MALWARE_SCANNING", c.scan)
		got, err := config()
		if (err != nil) != c.wantFail || err == nil && (got.MaxUploadBytes != c.wantMax || got.AllowS3Downloads != c.wantS3 || got.MalwareScanning != c.wantScan) {
			t.Errorf("%q %q %q: %+v %v", c.max, c.s3, c.scan, got, err)
		}
	}
}

// The metrics go out as EMF lines in namespace Signet; the key age among them.
func TestMetricsAreEMFInNamespaceSignet(t *testing.T) {
	var out bytes.Buffer
	m := newMetrics(&out)
	if err := m.Count(api.MetricUrlsIssued, map[string]string{api.DimensionCustomer: "acme"}, 1); err != nil {
		t.Fatal(err)
	}
	var line struct {
		AWS struct {
			CloudWatchMetrics []struct{ Namespace string }
		} `json:"_aws"`
		Customer   string
		UrlsIssued float64
	}
	if err := json.Unmarshal(out.Bytes(), &line); err != nil || len(line.AWS.CloudWatchMetrics) != 1 ||
		line.AWS.CloudWatchMetrics[0].Namespace != "Signet" || line.Customer != "acme" || line.UrlsIssued != 1 {
		t.Fatalf("%s %v", out.String(), err)
	}
	out.Reset()
	var k keysource.Material
	k.KeyModifiedAt = k.KeyModifiedAt.AddDate(2000, 0, 0)
	api.ReportKeyAge(m, nil)(&k)
	if !strings.Contains(out.String(), `"SigningKeyAgeDays":`) {
		t.Fatalf("%s", out.String())
	}
}

// The Lambda links nothing of CDK or the constructs.
func TestImportsNoCDK(t *testing.T) {
	seen := map[string]bool{}
	var walk func(path string)
	walk = func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		if strings.HasPrefix(path, "github.com/signet-cdk/signet/constructs") || strings.Contains(path, "aws-cdk-go") || strings.Contains(path, "jsii") {
			t.Errorf("the signer imports %s", path)
			return
		}
		if !strings.HasPrefix(path, "github.com/signet-cdk/signet") {
			return
		}
		pkg, err := build.Import(path, ".", 0)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, imp := range pkg.Imports {
			walk(imp)
		}
	}
	walk("github.com/signet-cdk/signet/lambda/signer")
	if !seen["github.com/signet-cdk/signet/emf"] {
		t.Error("emf not linked")
	}
}
