package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signet-cdk/signet/client"
)

// defaultJobs is how many parts or ranges move at once unless -j says otherwise.
const defaultJobs = 4

// transferFlags are the flags of upload and download.
type transferFlags struct {
	jobs        int
	partSize    string // upload
	contentType string // upload
	force       bool   // download
	quiet       bool
}

func (f *transferFlags) bind(c *cobra.Command) {
	c.Flags().IntVarP(&f.jobs, "jobs", "j", defaultJobs, "how many parts or byte ranges move at once (1-64)")
	c.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar")
}

func (f *transferFlags) checkJobs(c *cobra.Command) error {
	if f.jobs < 1 || f.jobs > 64 {
		return usagef(c, "-j must be from 1 to 64")
	}
	return nil
}

const uploadLong = `Upload sends a local file to path (a path ending in / takes the file's name). A file
of 64 MiB or more goes up as a multipart upload: parts of --part-size, -j at a time,
each with its own checksum, and the whole file's checksum checked by the storage at
the end; a smaller one in a single request, checked the same way. If a multipart upload
is interrupted (Ctrl-C, a crash, the network), run the same command again: it resumes
with the parts not yet sent (its state is kept beside the token cache, and a changed
local file starts over). A progress bar is drawn when stderr is a terminal, unless
--quiet.`

func (a *app) uploadCmd() *cobra.Command {
	var f transferFlags
	c := &cobra.Command{
		Use:     "upload <file> <path>",
		Short:   "Upload a file (in parallel parts, resumable, when large)",
		Long:    uploadLong,
		Example: "  signet upload q3.pdf reports/q3.pdf\n  signet upload disk.img backups/ -j 8 --part-size 128MiB",
		Args:    cobra.ExactArgs(2),
		RunE:    func(c *cobra.Command, args []string) error { return a.upload(c, args[0], args[1], f) },
	}
	f.bind(c)
	c.Flags().StringVar(&f.partSize, "part-size", "", "the `SIZE` of each part, 5MiB to 5GiB, e.g. 64MiB (default: the server's choice)")
	c.Flags().StringVar(&f.contentType, "content-type", "", "the file's media `TYPE` (default: from its extension)")
	return c
}

func (a *app) upload(c *cobra.Command, file, dest string, f transferFlags) error {
	if err := f.checkJobs(c); err != nil {
		return err
	}
	partSize, err := parseSize(f.partSize)
	if err != nil || partSize != 0 && (partSize < 5<<20 || partSize > 5<<30) {
		return usagef(c, "--part-size must be from 5MiB to 5GiB, such as 64MiB")
	}
	if st, err := os.Stat(file); err != nil {
		return fmt.Errorf("signet: %v", err)
	} else if st.IsDir() {
		return fmt.Errorf("signet: %s is a folder; upload takes one file", file)
	}
	if strings.HasSuffix(dest, "/") {
		dest += filepath.Base(file)
	}
	if err := remotePath(c, dest, false); err != nil {
		return err
	}
	api, p, err := a.session()
	if err != nil {
		return err
	}
	state, err := uploadStateDir(p.name)
	if err != nil {
		return err
	}
	ctype := f.contentType
	if ctype == "" {
		ctype = mime.TypeByExtension(filepath.Ext(file))
	}
	m := a.meter("upload "+clean(dest), f.quiet)
	err = api.UploadFile(c.Context(), file, dest, client.UploadOptions{
		ContentType: ctype, Concurrency: f.jobs, PartSize: partSize, StateDir: state, Progress: m.progress(),
	})
	m.finish(err)
	return transferError(c.Context(), err, "the upload")
}

// uploadStateDir is where the profile's interrupted uploads are recorded.
func uploadStateDir(profile string) (string, error) {
	dir, err := signetDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "uploads", profile), nil
}

const downloadLong = `Download fetches the file at path to a local file (default: its name, in the current
folder; into a folder when given one), or to stdout with "-". The bytes go to a
temporary file beside it, which takes the file's name only once its size and checksum
match what was uploaded: a failed or refused download never leaves an empty or
truncated file. A large file is fetched as -j parallel byte ranges. If it is
interrupted, run the same command again: it resumes where it stopped. An existing file
is not replaced unless --force. A progress bar is drawn when stderr is a terminal,
unless --quiet.`

func (a *app) downloadCmd() *cobra.Command {
	var f transferFlags
	c := &cobra.Command{
		Use:     "download <path> [file|-]",
		Short:   "Download a file (checked, resumable, in parallel ranges when large)",
		Long:    downloadLong,
		Example: "  signet download reports/q3.pdf\n  signet download backups/disk.img /data/ -j 8\n  signet download reports/q3.csv - | head",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(c *cobra.Command, args []string) error {
			return a.download(c, args[0], append(args[1:], "")[0], f)
		},
	}
	f.bind(c)
	c.Flags().BoolVarP(&f.force, "force", "f", false, "replace the local file if it exists")
	return c
}

func (a *app) download(c *cobra.Command, src, dest string, f transferFlags) error {
	if err := f.checkJobs(c); err != nil {
		return err
	}
	name := path.Base(src)
	if strings.HasSuffix(src, "/") || name == "." || name == "/" {
		return usagef(c, "%q is a folder; download takes a file's path", src)
	}
	if err := remotePath(c, src, false); err != nil {
		return err
	}
	api, _, err := a.session()
	if err != nil {
		return err
	}
	if dest == "-" {
		_, err := api.Download(c.Context(), src, a.out)
		return transferError(c.Context(), err, "")
	}
	local, err := localTarget(dest, name, f.force)
	if err != nil {
		return err
	}
	m := a.meter("download "+clean(src), f.quiet)
	_, err = api.DownloadFile(c.Context(), src, local, client.DownloadOptions{Concurrency: f.jobs, Progress: m.progress()})
	m.finish(err)
	return transferError(c.Context(), err, "the download")
}

// localTarget is the file to download to: dest, name in dest when it is a folder, or
// name. An existing file is refused unless force.
func localTarget(dest, name string, force bool) (string, error) {
	local := dest
	if local == "" {
		local = name
	} else if st, err := os.Stat(local); err == nil && st.IsDir() {
		local = filepath.Join(local, name)
	}
	st, err := os.Stat(local)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return local, nil
	case err != nil:
		return "", fmt.Errorf("signet: %v", err)
	case st.IsDir():
		return "", fmt.Errorf("signet: %s is a folder", local)
	case !force:
		return "", fmt.Errorf("signet: %s exists; give --force to replace it", local)
	}
	return local, nil
}

// transferError is err, said to be resumable by running the command again when it was
// interrupted.
func transferError(ctx context.Context, err error, what string) error {
	if err != nil && ctx.Err() != nil && what != "" {
		return &interruptedError{what: what, err: err}
	}
	return err
}

// parseSize parses a size in bytes: a whole number with an optional unit, K, M, G or T
// (binary: KiB, MiB...; KB, MB... are taken as binary too, as S3 tools do). "" is 0.
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	shift := 0
	if i := strings.IndexAny(t, "KMGT"); i >= 0 && i == len(t)-1 {
		shift = 10 * (1 + strings.IndexByte("KMGT", t[i]))
		t = t[:i]
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("signet: %q is not a size such as 64MiB", s)
	}
	return n << shift, nil
}
