package api

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/netip"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/signet-cdk/signet/signing"
	"github.com/signet-cdk/signet/store"
)

// The rules for restrictions a caller asks for. Each is applied exactly or the
// request is refused: never widened, never dropped.

// maxStartSkew is how far in the past a startsAt may lie (clock skew between the
// client and Signet); a start time further back means nothing and is refused.
const maxStartSkew = 5 * time.Minute

// startTime parses startsAt (RFC 3339): from maxStartSkew ago to before expires.
func startTime(s string, now, expires time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, badRequest("startsAt must be an RFC 3339 time such as 2026-01-02T15:04:05Z")
	}
	if t.Before(now.Add(-maxStartSkew)) || !t.Before(expires) {
		return time.Time{}, badRequest("startsAt must be from %s ago to before the expiry %s", maxStartSkew, expires.UTC().Format(time.RFC3339))
	}
	return t, nil
}

// lifetime is lifetimeSeconds (0: the default) checked before any arithmetic, so
// a huge value is refused instead of wrapping to a small one.
func lifetime(seconds int64, cfg Config) (time.Duration, error) {
	if seconds == 0 {
		return cfg.DefaultDownloadLifetime, nil
	}
	maxSec := int64(cfg.MaxDownloadLifetime / time.Second)
	if seconds < 10 || seconds > maxSec {
		return 0, badRequest("lifetimeSeconds must be from 10 to %d", maxSec)
	}
	return time.Duration(seconds) * time.Second, nil
}

// viewerIP is the address of whoever sent req. Directly, that is API Gateway's source
// IP. Behind the edge the source IP is CloudFront's, and the viewer's is the entry of
// X-Forwarded-For just before it: CloudFront appends the viewer's address to whatever
// the viewer sent, and API Gateway appends CloudFront's, so a viewer can only put
// entries in front and cannot choose the one read here. When the last entry is not
// the source IP the chain is not the one described and no address is trusted ("").
func viewerIP(req events.APIGatewayProxyRequest, behindEdge bool) string {
	source := req.RequestContext.Identity.SourceIP
	if !behindEdge {
		return source
	}
	xff, err := header(req, "x-forwarded-for")
	if err != nil {
		return ""
	}
	hops := strings.Split(xff, ",")
	if len(hops) < 2 || strings.TrimSpace(hops[len(hops)-1]) != source {
		return ""
	}
	return strings.TrimSpace(hops[len(hops)-2])
}

// minRestrictionBits: a restriction wider than a /8 restricts nothing worth signing.
const minRestrictionBits = 8

// ipRestriction resolves ipRestriction: "sourceIp" (the caller's address as API
// Gateway saw it) or an IPv4 address or CIDR. CloudFront policies take IPv4 only,
// and a restriction that could never match a viewer on the internet (0.0.0.0/0,
// private, loopback, link-local, shared, multicast, reserved) is refused as
// meaningless. When the caller asked for one and none can be built, the request is
// refused: a URL is never issued without a restriction that was asked for.
func ipRestriction(s, sourceIP string) (netip.Prefix, error) {
	switch s {
	case "":
		return netip.Prefix{}, nil
	case "sourceIp":
		a, err := netip.ParseAddr(sourceIP)
		if err != nil || !a.Is4() && !a.Is4In6() {
			return netip.Prefix{}, badRequest("ipRestriction \"sourceIp\": your address (%s) cannot be used; CloudFront restricts IPv4 addresses only", cmp.Or(sourceIP, "unknown"))
		}
		s = a.Unmap().String()
	}
	p, err := signing.ParseSourceIP(s)
	if err != nil {
		return netip.Prefix{}, badRequest("ipRestriction must be \"sourceIp\" or an IPv4 address or CIDR without host bits, such as 203.0.113.0/24")
	}
	if p.Bits() < minRestrictionBits || !publicIPv4(p.Addr()) {
		return netip.Prefix{}, badRequest("ipRestriction %s can never match a viewer on the internet; give a public IPv4 address or a CIDR of /%d or narrower", p, minRestrictionBits)
	}
	return p, nil
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("240.0.0.0/4"),
}

func publicIPv4(a netip.Addr) bool {
	if a.IsUnspecified() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// contentType: a media type ("type/subtype", optional parameters) of printable ASCII,
// at most store.MaxContentTypeBytes; it is signed into the upload exactly as given.
func contentType(ct string) error {
	if ct == "" || len(ct) > store.MaxContentTypeBytes {
		return badRequest("contentType is required, at most %d bytes", store.MaxContentTypeBytes)
	}
	for i := 0; i < len(ct); i++ {
		if ct[i] < 0x20 || ct[i] > 0x7e {
			return badRequest("contentType must be printable ASCII")
		}
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil || !strings.Contains(ct, "/") {
		return badRequest("contentType must be a media type such as application/pdf")
	}
	return nil
}

// checksumSHA256: the standard (padded) base64 of a SHA-256 digest.
func checksumSHA256(s string) error {
	sum, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(sum) != sha256.Size {
		return badRequest("checksumSha256 must be the base64 of the file's SHA-256 (44 characters)")
	}
	return nil
}

// objectPath checks the path in field; a folder may end in "/".
func objectPath(field, p string, folder bool) error {
	if folder {
		p = strings.TrimSuffix(p, "/")
	}
	if err := signing.CanonicalPath(p); err != nil {
		return badPath(field, err)
	}
	return nil
}
