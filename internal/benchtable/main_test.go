package main

import "testing"

// go test's lines become samples: ns/op under the name, each metric under name/unit.
func TestSamplesAdd(t *testing.T) {
	s := samples{}
	s.add([]byte(`goos: linux
BenchmarkAuthorizeAndAudit-2   	    1000	    250000 ns/op	       240.0 p50-us	       900.0 p99-us
BenchmarkDownloadRequest-2   	     500	    400000 ns/op	       310.0 p50-us	       260.0 roundtrip-p50-us	         1.19 ratio-x
BenchmarkPairedRatios-2   	     100	     10000 ns/op	         0.99 canned-x
PASS
`))
	for name, want := range map[string]float64{
		"BenchmarkAuthorizeAndAudit":                250000,
		"BenchmarkAuthorizeAndAudit/p99-us":         900,
		"BenchmarkDownloadRequest/p50-us":           310,
		"BenchmarkDownloadRequest/roundtrip-p50-us": 260,
		"BenchmarkDownloadRequest/ratio-x":          1.19,
		"BenchmarkPairedRatios/canned-x":            0.99,
	} {
		if got, err := s.median(name); err != nil || got != want {
			t.Errorf("%s = %v %v, want %v", name, got, err, want)
		}
	}
	if apiTable(s) != 0 || apiTable(samples{"BenchmarkDownloadRequest/ratio-x": {1.5}}) != 1 {
		t.Error("the 1.3x target is not checked")
	}
	if apiTable(samples{}) != 0 {
		t.Error("a missing api benchmark counted as a miss")
	}
}
