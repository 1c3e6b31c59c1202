package api

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/keysource"
	"github.com/signet-cdk/signet/signing"
	"github.com/signet-cdk/signet/store"
)

// DownloadRequest asks for a signed URL or signed cookies.
type DownloadRequest struct {
	Path string `json:"path"`
	// LifetimeSeconds, optional: from 10 to Config.MaxDownloadLifetime.
	LifetimeSeconds int64 `json:"lifetimeSeconds,omitempty"`
	// StartsAt (RFC 3339), optional: not valid before.
	StartsAt string `json:"startsAt,omitempty"`
	// IPRestriction: "sourceIp" for the caller's own address, or a public IPv4
	// address/CIDR.
	IPRestriction string `json:"ipRestriction,omitempty"`
	// Delivery: "url" (default) or "cookies".
	Delivery string `json:"delivery,omitempty"`
	// Scope: "file" (default) or "folder" (a wildcard over Path as a folder).
	Scope string `json:"scope,omitempty"`
	// Via: "cloudfront" (default), or "s3" for an S3 presigned GET when the
	// deployment allows it (Config.AllowS3Downloads); "s3" is one file as a URL, with
	// no IP restriction or start time (S3 presigned URLs cannot carry them).
	Via string `json:"via,omitempty"`
}

// DownloadResponse is a signed URL, or cookies (also sent as Set-Cookie). For one
// file it carries the stored size and checksum (the SHA-256 of a single upload, the
// CRC-64/NVME of a multipart one) so clients can verify what they get. An S3 URL
// ("via":"s3") has no key pair id; its resource is the URL without its query.
type DownloadResponse struct {
	URL               string            `json:"url,omitempty"`
	Cookies           map[string]string `json:"cookies,omitempty"`
	Resource          string            `json:"resource"`
	ExpiresAt         time.Time         `json:"expiresAt"`
	KeyPairID         string            `json:"keyPairId,omitempty"`
	Size              *int64            `json:"size,omitempty"`
	ChecksumSHA256    string            `json:"checksumSha256,omitempty"`
	ChecksumCRC64NVME string            `json:"checksumCrc64nvme,omitempty"`

	setCookies []string
}

// downloadPlan is a validated download request.
type downloadPlan struct {
	path            string
	folder, cookies bool
	s3              bool           // an S3 presigned GET instead of CloudFront
	life            time.Duration  // the lifetime asked for
	policy          signing.Policy // Resource is filled in once authorized
	ip              netip.Prefix
}

func (h *Handler) planDownload(req events.APIGatewayProxyRequest, in *DownloadRequest) (downloadPlan, error) {
	cfg := h.cfg()
	pl := downloadPlan{path: in.Path}
	switch in.Scope {
	case "", "file":
	case "folder":
		pl.folder = true
	default:
		return pl, badRequest("scope must be \"file\" or \"folder\"")
	}
	switch in.Delivery {
	case "", "url":
	case "cookies":
		pl.cookies = true
	default:
		return pl, badRequest("delivery must be \"url\" or \"cookies\"")
	}
	if pl.folder && !pl.cookies {
		return pl, badRequest("a folder scope is delivered as cookies")
	}
	switch in.Via {
	case "", "cloudfront":
	case "s3":
		if !cfg.AllowS3Downloads {
			return pl, badRequest("s3 downloads are not enabled")
		}
		if pl.folder || pl.cookies {
			return pl, badRequest("an s3 download is one file as a URL (scope \"file\", delivery \"url\")")
		}
		if in.IPRestriction != "" || in.StartsAt != "" {
			return pl, badRequest("an s3 download cannot carry ipRestriction or startsAt; S3 presigned URLs cannot enforce them")
		}
		pl.s3 = true
	default:
		return pl, badRequest("via must be \"cloudfront\" or \"s3\"")
	}
	if err := objectPath("path", in.Path, pl.folder); err != nil {
		return pl, err
	}
	life, err := lifetime(in.LifetimeSeconds, cfg)
	if err != nil {
		return pl, err
	}
	pl.life = life
	now := h.now()
	pl.policy.Expires = signing.RoundUp(now.Add(life), cfg.ExpiryWindow)
	if pl.policy.Start, err = startTime(in.StartsAt, now, pl.policy.Expires); err != nil {
		return pl, err
	}
	pl.ip, err = ipRestriction(in.IPRestriction, viewerIP(req, cfg.BehindEdge))
	pl.policy.SourceIP = pl.ip
	return pl, err
}

func (h *Handler) download(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest, in *DownloadRequest) (any, error) {
	pl, err := h.planDownload(req, in)
	if err != nil {
		return nil, err
	}
	if pl.folder && h.Config.MalwareScanning {
		return nil, errScanningFolders // before any call: a wildcard cannot be checked (scan.go)
	}
	if pl.s3 {
		return h.downloadS3(ctx, p, req, in.Path, pl.life)
	}
	// Keys first: they come from memory (or SSM), and a failure there must not leave
	// an audit row for a URL that was never issued.
	m, err := h.Keys.Get(ctx)
	if err != nil {
		return nil, err
	}
	// One statement decides, checks the file and writes the audit row (with malware
	// scanning, two around the scan check: issueFile).
	audit := store.AuditEntry{ExpiresAt: pl.policy.Expires, RequestID: req.RequestContext.RequestID}
	if pl.ip.IsValid() {
		audit.IPRestriction = pl.ip.String()
	}
	out := &DownloadResponse{ExpiresAt: pl.policy.Expires, KeyPairID: m.Signer.KeyPairID()}
	var key string
	if pl.folder {
		d, err := h.Store.IssueFolder(ctx, p, in.Path, audit)
		if err != nil {
			return nil, err
		}
		key = d.Key
	} else {
		d, f, err := h.issueFile(ctx, p, req, in.Path, audit)
		if err != nil {
			return nil, err
		}
		key, out.Size, out.ChecksumSHA256, out.ChecksumCRC64NVME = d.Key, &f.Size, f.ChecksumSHA256, f.ChecksumCRC64NVME
	}
	if err := h.sign(m, key, pl, out); err != nil {
		return nil, err
	}
	h.countCustomer(ctx, MetricUrlsIssued, p)
	return out, nil
}

// downloadS3 answers "via":"s3": an S3 presigned GET of one available file, audited
// like a CloudFront URL (one statement; two with malware scanning, see issueFile).
// The lifetime is settled first (it fails when the signing credentials are unusable,
// and is shortened to their expiry), so the audit row records the URL's real expiry
// and is never written for a URL that could not be signed.
func (h *Handler) downloadS3(ctx context.Context, p store.Principal, req events.APIGatewayProxyRequest, path string, want time.Duration) (any, error) {
	life, err := h.Uploads.Lifetime(ctx, want)
	if err != nil {
		return nil, err
	}
	d, f, err := h.issueFile(ctx, p, req, path, store.AuditEntry{ExpiresAt: h.now().Add(life), RequestID: req.RequestContext.RequestID, Event: "download.s3"})
	if err != nil {
		return nil, err
	}
	r, err := h.Uploads.Get(ctx, d.Key, life)
	if err != nil {
		return nil, err
	}
	h.countCustomer(ctx, MetricUrlsIssued, p)
	resource, _, _ := strings.Cut(r.URL, "?")
	return &DownloadResponse{URL: r.URL, Resource: resource, ExpiresAt: r.Expires, Size: &f.Size, ChecksumSHA256: f.ChecksumSHA256,
		ChecksumCRC64NVME: f.ChecksumCRC64NVME}, nil
}

// sign fills out with the signed URL or cookies for key under the plan's policy.
func (h *Handler) sign(m *keysource.Material, key string, pl downloadPlan, out *DownloadResponse) error {
	var err error
	if pl.folder {
		out.Resource, err = signing.WildcardResource(m.Domain, key)
	} else {
		out.Resource, err = signing.EncodeURL("https://" + m.Domain + "/" + key)
	}
	if err != nil {
		return err
	}
	policy := pl.policy
	policy.Resource = out.Resource
	if !pl.cookies {
		out.URL, err = m.Signer.SignURL("https://"+m.Domain+"/"+key, signing.URLOptions{Expires: policy.Expires, Start: policy.Start, SourceIP: ipString(pl.ip)})
		return err
	}
	// Host-only unless a wider domain is configured: the API answers on the files'
	// host, so the browser sends the cookies back to that host alone. Lax, so a link
	// from a mail opens the file; Path, so they go with that folder's files only.
	cs, err := m.Signer.SignedCookies(policy, signing.CookieOptions{Domain: h.Config.CookieDomain, Path: cookiePath(key, pl.folder), Now: h.now()})
	if err != nil {
		return err
	}
	out.Cookies = map[string]string{}
	for _, c := range cs {
		out.Cookies[c.Name] = c.Value
		out.setCookies = append(out.setCookies, c.String())
	}
	return nil
}

// cookiePath is the folder the cookies grant: the file's folder, or the folder itself.
func cookiePath(key string, folder bool) string {
	if folder {
		return "/" + key + "/"
	}
	return "/" + key[:strings.LastIndex(key, "/")+1]
}

func ipString(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	return p.String()
}
