package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-cdk/signet/client"
)

func (a *app) lsCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "ls [folder]",
		Short: "List the files you may read",
		Long: `Ls lists every file you may read under the folder (all of them without one): its size
in bytes, when it was last written, and its path. With --json, a JSON array of
{"path", "contentType", "size", "updatedAt", ...}.`,
		Example: "  signet ls\n  signet ls reports --json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			folder := ""
			if len(args) == 1 {
				folder = args[0]
			}
			return a.ls(c, folder, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func (a *app) ls(c *cobra.Command, folder string, asJSON bool) error {
	if folder != "" {
		if err := remotePath(c, folder, true); err != nil {
			return err
		}
	}
	api, err := a.connect()
	if err != nil {
		return err
	}
	files, err := api.List(c.Context(), folder)
	if err != nil {
		return err
	}
	if asJSON {
		if files == nil {
			files = []client.File{}
		}
		return printJSON(a.out, files)
	}
	for _, f := range files {
		fmt.Fprintf(a.out, "%12d  %s  %s\n", f.Size, f.UpdatedAt.UTC().Format(time.RFC3339), clean(f.Path))
	}
	return nil
}

func (a *app) rmCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "rm <path>",
		Short: "Delete a file",
		Long: `Rm deletes the file at path (it needs the "delete" action on it). Deleting a file that
is already gone is no error: it says so. With --json, {"path", "deleted"}.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return a.rm(c, args[0], asJSON) },
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func (a *app) rm(c *cobra.Command, path string, asJSON bool) error {
	if err := remotePath(c, path, false); err != nil {
		return err
	}
	api, err := a.connect()
	if err != nil {
		return err
	}
	deleted, err := api.Delete(c.Context(), path)
	if err != nil {
		return err
	}
	switch {
	case asJSON:
		return printJSON(a.out, map[string]any{"path": path, "deleted": deleted})
	case deleted:
		fmt.Fprintf(a.out, "deleted %s\n", clean(path))
	default:
		fmt.Fprintf(a.out, "%s: no such file; nothing deleted\n", clean(path))
	}
	return nil
}

// printJSON writes v as indented JSON and a newline.
func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// newTable is a writer of aligned columns; Flush it.
func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }
