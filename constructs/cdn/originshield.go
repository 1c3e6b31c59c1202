package cdn

// originShieldRegions are the regions where CloudFront runs Origin Shield.
var originShieldRegions = map[string]bool{
	"us-east-1": true, "us-east-2": true, "us-west-2": true,
	"ap-south-1": true, "ap-northeast-1": true, "ap-northeast-2": true,
	"ap-southeast-1": true, "ap-southeast-2": true,
	"eu-central-1": true, "eu-west-1": true, "eu-west-2": true,
	"sa-east-1": true,
}

// nearestOriginShield maps an origin region without Origin Shield to the Origin
// Shield region AWS recommends for it (CloudFront Developer Guide, "Choosing the AWS
// Region for Origin Shield").
var nearestOriginShield = map[string]string{
	"us-west-1":      "us-west-2",
	"ca-central-1":   "us-east-1",
	"eu-west-3":      "eu-west-2",
	"eu-north-1":     "eu-west-2",
	"eu-south-1":     "eu-central-1",
	"eu-central-2":   "eu-central-1",
	"af-south-1":     "eu-west-1",
	"me-south-1":     "ap-south-1",
	"me-central-1":   "ap-south-1",
	"ap-east-1":      "ap-northeast-2",
	"ap-northeast-3": "ap-northeast-1",
	"ap-south-2":     "ap-south-1",
	"ap-southeast-3": "ap-southeast-1",
	"ap-southeast-4": "ap-southeast-2",
	"il-central-1":   "eu-central-1",
}

// OriginShieldRegionFor returns the Origin Shield region for an origin in region, and
// false when Signet does not know one (pass OriginShieldRegion explicitly then).
func OriginShieldRegionFor(region string) (string, bool) {
	if originShieldRegions[region] {
		return region, true
	}
	r, ok := nearestOriginShield[region]
	return r, ok
}
