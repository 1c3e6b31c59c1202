package main

import "testing"

func TestConfigFromEnvironment(t *testing.T) {
	for _, c := range []struct {
		max, s3  string
		wantMax  int64
		wantS3   bool
		wantFail bool
	}{
		{"", "", 0, false, false},
		{"5497558138880", "true", 5 << 40, true, false},
		{"1073741824", "false", 1 << 30, false, false},
		{"5497558138881", "", 0, false, true},
		{"0", "", 0, false, true},
		{"-1", "", 0, false, true},
		{"1e9", "", 0, false, true},
		{"+5", "", 0, false, true},
		{"01", "", 0, false, true},
		{"", "TRUE", 0, false, true},
		{"", "yes", 0, false, true},
	} {
		t.Setenv("SIGNET_MAX_UPLOAD_BYTES", c.max)
		t.Setenv("SIGNET_ALLOW_S3_DOWNLOADS", c.s3)
		got, err := config()
		if (err != nil) != c.wantFail || err == nil && (got.MaxUploadBytes != c.wantMax || got.AllowS3Downloads != c.wantS3) {
			t.Errorf("%q %q: %+v %v", c.max, c.s3, got, err)
		}
	}
}
