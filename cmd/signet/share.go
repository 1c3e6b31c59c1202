package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-cdk/signet/client"
)

const shareLong = `Share prints a signed URL for one file: anyone with it can fetch the file until it
expires (--ttl), optionally not before --starts-at, and only from the address or IPv4
range of --ip ("sourceIp" is the address this request comes from). --via s3 asks for an
S3 presigned URL instead of a CloudFront one, where the deployment allows it.

With --folder it prints the signed cookies that open every file under the folder (you
must be allowed to read all of it): a Cookie header line and the resource they cover, or
with --json {"resource", "cookies": {name: value}, "expiresAt"}.`

const shareExample = `  signet share reports/q3.pdf --ttl 1h
  signet share reports/q3.pdf --ip sourceIp --json
  signet share reports/q3.pdf --starts-at 2030-01-01T09:00:00Z --ttl 24h --ip 203.0.113.0/24
  signet share reports --folder --json`

// shareFlags are the flags of `signet share`.
type shareFlags struct {
	ttl            time.Duration
	startsAt, ip   string
	via            string
	folder, asJSON bool
	startsAtTime   time.Time // --starts-at parsed
}

func (a *app) shareCmd() *cobra.Command {
	var f shareFlags
	c := &cobra.Command{
		Use:     "share <path>",
		Aliases: []string{"url"},
		Short:   "Print a signed URL for a file, or signed cookies for a folder",
		Long:    shareLong,
		Example: shareExample,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := f.check(c); err != nil {
				return err
			}
			if err := remotePath(c, args[0], f.folder); err != nil {
				return err
			}
			if f.folder {
				return a.shareFolder(c.Context(), args[0], f)
			}
			return a.shareFile(c.Context(), args[0], f)
		},
	}
	fl := c.Flags()
	fl.DurationVar(&f.ttl, "ttl", 5*time.Minute, "how long the URL or cookies work")
	fl.StringVar(&f.startsAt, "starts-at", "", "when the URL starts to work (RFC 3339, e.g. 2030-01-01T09:00:00Z)")
	fl.StringVar(&f.ip, "ip", "", "only from this IPv4 address or CIDR, or \"sourceIp\" for this caller's address")
	fl.StringVar(&f.via, "via", "cloudfront", "cloudfront, or s3 for an S3 presigned URL (where allowed)")
	fl.BoolVar(&f.folder, "folder", false, "signed cookies for everything under the folder")
	fl.BoolVar(&f.asJSON, "json", false, "print JSON")
	return c
}

// check refuses values the API would refuse anyway, and flags that do not apply.
func (f *shareFlags) check(c *cobra.Command) error {
	var fileOnly []string // flags given that apply to a file's URL only
	for _, name := range []string{"starts-at", "ip", "via"} {
		if c.Flags().Changed(name) {
			fileOnly = append(fileOnly, "--"+name)
		}
	}
	switch {
	case f.ttl <= 0:
		return usagef(c, "--ttl must be positive, such as 10m or 24h")
	case f.folder && len(fileOnly) > 0:
		return usagef(c, "%s: only for a file's URL, not for --folder cookies", strings.Join(fileOnly, ", "))
	case !slices.Contains([]string{"cloudfront", "s3"}, f.via):
		return usagef(c, "--via must be cloudfront or s3")
	}
	if f.startsAt != "" {
		t, err := time.Parse(time.RFC3339, f.startsAt)
		if err != nil {
			return usagef(c, "--starts-at must be an RFC 3339 time such as 2030-01-01T09:00:00Z")
		}
		f.startsAtTime = t
	}
	return nil
}

func (a *app) shareFile(ctx context.Context, path string, f shareFlags) error {
	api, err := a.connect()
	if err != nil {
		return err
	}
	u, expires, err := api.ShareURL(ctx, path, client.ShareOptions{Lifetime: f.ttl, StartsAt: f.startsAtTime, IPRestriction: f.ip, Via: via(f.via)})
	if err != nil {
		return err
	}
	if f.asJSON {
		return printJSON(a.out, map[string]any{"url": u, "expiresAt": expires.UTC()})
	}
	_, err = fmt.Fprintln(a.out, u)
	return err
}

func (a *app) shareFolder(ctx context.Context, folder string, f shareFlags) error {
	api, err := a.connect()
	if err != nil {
		return err
	}
	cookies, resource, err := api.FolderCookies(ctx, folder, f.ttl)
	if err != nil {
		return err
	}
	pairs, header := map[string]string{}, []string{}
	var expires time.Time
	for _, ck := range cookies {
		pairs[ck.Name] = ck.Value
		header = append(header, ck.Name+"="+ck.Value)
		expires = ck.Expires
	}
	if f.asJSON {
		return printJSON(a.out, map[string]any{"resource": resource, "cookies": pairs, "expiresAt": expires.UTC()})
	}
	slices.Sort(header)
	_, err = fmt.Fprintf(a.out, "Cookie: %s\n# resource %s, expires %s\n", strings.Join(header, "; "), resource, stamp(expires))
	return err
}

// via is the API's "via": none for CloudFront, its default (an API not yet knowing the
// field still answers).
func via(v string) string {
	if v == "cloudfront" {
		return ""
	}
	return v
}
