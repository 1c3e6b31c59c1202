package test

import (
	"math"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/cdn"
	"github.com/signet-cdk/signet/constructs/originverify"
	"github.com/signet-cdk/signet/constructs/signerapi"
	"github.com/signet-cdk/signet/constructs/signet"
	"github.com/signet-cdk/signet/stacks"
)

// Hostile values for the context keys this work added: wrong types, negative, huge
// and fractional numbers, NUL and invalid UTF-8, a key in another case. Each fails
// with the key and the value; none is accepted or silently dropped.
func TestNewContextKeysRefuseHostileValues(t *testing.T) {
	for _, c := range []struct {
		key  string
		val  any
		want string
	}{
		{"signet:maxUploadBytes", -1.0, "signet:maxUploadBytes=-1"},
		{"signet:maxUploadBytes", 1e300, "signet:maxUploadBytes=1e+300"},
		{"signet:maxUploadBytes", 10.5, "signet:maxUploadBytes=10.5"},
		{"signet:maxUploadBytes", "lots", "must be a number"},
		{"signet:allowS3Downloads", "maybe", "must be true or false"},
		{"signet:allowS3Downloads", []any{true}, "must be true or false"},
		{"signet:alarmEmail", "ops\x00@example.com", "signet:alarmEmail="},
		{"signet:alarmEmail", "ops@exa\xffmple.com", "signet:alarmEmail="},
		{"signet:alarmEmail", 42.0, "must be a string"},
		{"signet:maxUploadBytes", "-5", "signet:maxUploadBytes=-5"},
		{"signet:signingKeyMaxAgeDays", 0.0, "signet:signingKeyMaxAgeDays=0"},
		{"signet:signingKeyMaxAgeDays", 366.0, "signet:signingKeyMaxAgeDays=366"},
		{"signet:signingKeyMaxAgeDays", 1.5, "signet:signingKeyMaxAgeDays=1.5"},
		{"signet:databaseMinCapacity", -0.5, "signet:databaseMinCapacity=-0.5"},
		{"signet:databaseMinCapacity", 5.0, "signet:databaseMinCapacity=5"}, // above the max of 4
		{"signet:databaseMinCapacity", 0.25, "signet:databaseMinCapacity=0.25"},
		{"signet:signerProvisionedConcurrency", 21.0, "signet:signerProvisionedConcurrency=21"}, // above the reserved 20
		{"signet:signerProvisionedConcurrency", -3.0, "signet:signerProvisionedConcurrency=-3"},
		{"signet:signerReservedConcurrency", 0.0, "signet:signerReservedConcurrency=0"},
		{"signet:originVerifyGeneration", math.Pi, "signet:originVerifyGeneration=3.14"},
		{"signet:priceClass", "priceclass_all", "signet:priceClass"},
		{"signet:behaviors", 7, "must be a JSON list of behaviours"},
		{"signet:behaviors", `[{"pathPattern":"/public/*","public":true,"public":false}]`, "given twice"},
		{"signet:behaviors", `[{"pathPattern":"/p/\u0000*"}]`, "signet:behaviors[0].pathPattern"},
		{"signet:behaviors", `[{"pathPattern":"/p/\u00e9*"}]`, "signet:behaviors[0].pathPattern"},
		{"signet:behaviors", `[{"pathPattern":"/p/*","caching":"DISABLED"}]`, "signet:behaviors[0].caching"},
		{"signet:MalwareScanning", true, "signet:MalwareScanning"}, // a key in another case is unknown
	} {
		ctx := map[string]any{"signet:region": "eu-west-1", c.key: c.val}
		_, err := stacks.ConfigFromContext(func(k string) any { return ctx[k] })
		if strings.HasPrefix(c.key, "signet:M") {
			if unknown := stacks.UnknownContextKeys(ctx); len(unknown) != 1 || unknown[0] != c.key {
				t.Errorf("%s: not reported as unknown: %v", c.key, unknown)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%v: %v, want an error naming %q", c.key, c.val, err, c.want)
		}
	}
}

// The construct props this work added refuse hostile values, every problem at once.
func TestNewPropsRefuseHostileValues(t *testing.T) {
	err := signerapi.ValidateSignerApiProps(&signerapi.SignerApiProps{
		MaxUploadBytes: jsii.Number(-1), ProvisionedConcurrency: jsii.Number(25), ReservedConcurrency: jsii.Number(20),
	})
	for _, want := range []string{"MaxUploadBytes", "-1", "ProvisionedConcurrency", "25"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("signerapi: %v, want %q", err, want)
		}
	}
	if err := signerapi.ValidateSignerApiProps(&signerapi.SignerApiProps{MaxUploadBytes: jsii.Number(6 << 40)}); err == nil || !strings.Contains(err.Error(), "MaxUploadBytes") {
		t.Errorf("signerapi: 6 TiB accepted: %v", err)
	}
	err = originverify.ValidateOriginVerifyProps(&originverify.OriginVerifyProps{Generation: jsii.Number(0.5), HeaderName: jsii.String("X-Origin\x00")})
	for _, want := range []string{"Generation", "0.5", "HeaderName"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("originverify: %v, want %q", err, want)
		}
	}
	err = signet.ValidateSignetProps(&signet.SignetProps{
		WebAclArn:                      jsii.String("arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/00000000-0000-0000-0000-000000000000"),
		WebAclManagedByFirewallManager: true,
		OriginVerifyGeneration:         jsii.Number(-2),
		ErrorPageHtml:                  jsii.String("<p>x</p>"),
		AdditionalBehaviors: map[string]*cdn.Behavior{
			"/customers/*": {Public: true}, "/api/x/*": {}, "relative/*": {},
		},
	})
	for _, want := range []string{"conflicts with WebAclManagedByFirewallManager", "OriginVerifyGeneration", "-2", "ErrorPageHtml",
		`"/customers/*"`, "not under /public/", `"/api/x/*"`, `"relative/*"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("signet: missing %q in %v", want, err)
		}
	}
}
