package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"time"
)

// config is one profile of the configuration file (profiles.go), written by `signet
// configure` from the stack's outputs:
//
//	{"apiUrl": "https://d111111abcdef8.cloudfront.net/api/",
//	 "authDomain": "https://files.auth.eu-west-1.amazoncognito.com",
//	 "clientId": "...", "userPoolId": "eu-west-1_...", "region": "eu-west-1",
//	 "distributionDomain": "d111111abcdef8.cloudfront.net", "stack": "Signet"}
//
// The environment variables SIGNET_API_URL, SIGNET_AUTH_DOMAIN and SIGNET_CLIENT_ID,
// when set, override its values.
type config struct {
	APIURL             string `json:"apiUrl"`
	AuthDomain         string `json:"authDomain"`
	ClientID           string `json:"clientId"`
	UserPoolID         string `json:"userPoolId,omitempty"`
	Region             string `json:"region,omitempty"`
	DistributionDomain string `json:"distributionDomain,omitempty"`
	Stack              string `json:"stack,omitempty"`
	// CAFile is a PEM file of certificate authorities trusted besides the system's: the
	// local demo's own CA (`signet configure --local`).
	CAFile string `json:"caFile,omitempty"`
}

// httpClient is the HTTP client for the API and sign-in: the tests' when set, else
// one trusting CAFile too when the configuration names one, else the default.
func (c config) httpClient() (*http.Client, error) {
	if httpClient != nil || c.CAFile == "" {
		return httpClient, nil
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("signet: read the CA file %s: %v (is the local stack running? run `signet configure` again)", c.CAFile, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("signet: %s holds no PEM certificate", c.CAFile)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	t.ResponseHeaderTimeout = 30 * time.Second // as the client's own default transport
	return &http.Client{Transport: t}, nil
}

var (
	clientIDRE   = regexp.MustCompile(`^[\w+]{1,128}$`)
	userPoolIDRE = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	regionRE     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	hostRE       = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:[0-9]{1,5})?$`)
)

// httpsURL checks an https URL with a host and no credentials, query or fragment;
// bare says it must have no path either.
func httpsURL(s string, bare bool) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && u.RawQuery == "" && u.Fragment == "" &&
		!u.ForceQuery && (!bare || u.Path == "" || u.Path == "/")
}

// validate checks the values present.
func (c config) validate() error {
	switch {
	case c.APIURL != "" && !httpsURL(c.APIURL, false):
		return fmt.Errorf("api url %q must be an https URL such as https://files.example.com/api/", c.APIURL)
	case c.AuthDomain != "" && !httpsURL(c.AuthDomain, true):
		return fmt.Errorf("auth domain %q must be an https URL such as https://<prefix>.auth.<region>.amazoncognito.com", c.AuthDomain)
	case c.ClientID != "" && !clientIDRE.MatchString(c.ClientID):
		return fmt.Errorf("client id %q must be the app client's id (1-128 letters, digits, _ or +)", c.ClientID)
	case c.UserPoolID != "" && (len(c.UserPoolID) > 55 || !userPoolIDRE.MatchString(c.UserPoolID)):
		return fmt.Errorf("user pool id %q is not a user pool id such as eu-west-1_AbC123", c.UserPoolID)
	case c.Region != "" && !regionRE.MatchString(c.Region):
		return fmt.Errorf("region %q is not an AWS region such as eu-west-1", c.Region)
	case c.DistributionDomain != "" && !hostRE.MatchString(c.DistributionDomain):
		return fmt.Errorf("distribution domain %q must be a host name such as d111111abcdef8.cloudfront.net", c.DistributionDomain)
	}
	return nil
}
