package stack

import (
	"crypto"
	"log/slog"
	"net/http"
	"time"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/directory"
	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/local/edge"
	"github.com/signet-cdk/signet/local/gateway"
	"github.com/signet-cdk/signet/presign"
	"github.com/signet-cdk/signet/signing"
)

// securityHeaders are what the distribution's response headers policy sends with
// every file (constructs/cdn).
var securityHeaders = map[string]string{
	"Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
	"X-Content-Type-Options":    "nosniff",
	"X-Frame-Options":           "DENY",
	"Referrer-Policy":           "no-referrer",
	"Content-Security-Policy":   "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox",
}

// apiHandler is the REST API: the gateway with the signer's and the admin API's
// routes, behind the regional web ACL's origin-header rule.
func (s *Stack) apiHandler(db *database, signer *signing.Signer, logger *slog.Logger) (http.Handler, error) {
	uploads, err := presign.New(s.S3.Client(nil), presign.Config{Bucket: Bucket, MaxLifetime: time.Hour})
	if err != nil {
		return nil, err
	}
	signerAPI := &api.Handler{Store: db.app, Uploads: uploads, Logger: logger, Config: api.Config{BehindEdge: true},
		Keys: staticKeys{&keysource.Material{Signer: signer, Domain: s.SignedDomain, KeyName: "k1"}}}
	adminAPI := &api.AdminHandler{Store: db.admin, Logger: logger,
		Directory: &directory.Directory{Client: s.Issuer, UserPoolID: UserPoolID}}
	routes := []gateway.Route{
		{Method: http.MethodPost, Resource: "/api/downloads", Handler: signerAPI.Handle},
		{Method: http.MethodPost, Resource: "/api/uploads", Handler: signerAPI.Handle},
		{Method: http.MethodPost, Resource: "/api/uploads/complete", Handler: signerAPI.Handle},
		{Method: http.MethodPost, Resource: "/api/uploads/multipart", Handler: signerAPI.Handle},
		{Method: http.MethodPost, Resource: "/api/uploads/multipart/parts", Handler: signerAPI.Handle},
		{Method: http.MethodGet, Resource: "/api/uploads/multipart/parts", Handler: signerAPI.Handle},
		{Method: http.MethodPost, Resource: "/api/uploads/multipart/complete", Handler: signerAPI.Handle},
		{Method: http.MethodPost, Resource: "/api/uploads/multipart/abort", Handler: signerAPI.Handle},
		{Method: http.MethodGet, Resource: "/api/files", Handler: signerAPI.Handle},
		{Method: http.MethodDelete, Resource: "/api/files", Handler: signerAPI.Handle},
		{Method: "ANY", Resource: "/api/admin/{proxy+}", Handler: adminAPI.Handle},
	}
	gw, err := gateway.New(gateway.Config{Issuer: s.AuthURL, ClientIDs: []string{ClientID}, HTTPClient: s.HTTPClient, Routes: routes, Logger: logger})
	if err != nil {
		return nil, err
	}
	s.originSecret = randomHex(24)
	return requireHeader(gw, originHeader, s.originSecret), nil
}

// requireHeader is the regional web ACL's first rule: without the origin header, 403.
func requireHeader(next http.Handler, name, value string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(name) != value {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"message":"Forbidden"}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// edgeHandler is the distribution: the API under /api/*, files by signature only.
func (s *Stack) edgeHandler(signer *signing.Signer, apiHandler http.Handler, now func() time.Time) (http.Handler, error) {
	return edge.New(edge.Config{
		Domain:          s.SignedDomain,
		TrustedKeys:     map[string]crypto.PublicKey{signer.KeyPairID(): signer.Public()},
		S3:              s.S3.Client(nil),
		Bucket:          Bucket,
		API:             apiHandler,
		OriginHeaders:   map[string]string{originHeader: s.originSecret},
		ResponseHeaders: securityHeaders,
		Now:             now,
	})
}
