package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signet-cdk/signet/signing"
)

const rootLong = `signet shares files through Signet: sign in, upload, list, download, share signed
links or folder cookies, delete, and (for administrators) manage customers, rules, users
and the audit trails.

Start with 'signet configure' (once per deployment), then 'signet login'. Every command
reads the profile chosen with --profile, else $SIGNET_PROFILE, else the configuration's
default; $SIGNET_API_URL, $SIGNET_AUTH_DOMAIN and $SIGNET_CLIENT_ID override its values and
$SIGNET_ID_TOKEN skips sign-in (automation). Errors are one line on stderr; the exit code
says what kind ('signet help exit-codes').`

// newRoot is the command tree of one run.
func newRoot(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "signet",
		Short:         "Secure file sharing on AWS, from the command line",
		Long:          rootLong,
		SilenceErrors: true, // execute prints the one line
		SilenceUsage:  true,
	}
	root.SetOut(a.out)
	root.SetErr(a.err)
	root.PersistentFlags().StringVar(&a.profile, "profile", "", "the configuration profile (default $SIGNET_PROFILE, else the configuration's default)")
	root.AddGroup(
		&cobra.Group{ID: "files", Title: "Files:"},
		&cobra.Group{ID: "account", Title: "Configuration and sign-in:"},
		&cobra.Group{ID: "admin", Title: "Administration:"},
		&cobra.Group{ID: "other", Title: "Other commands:"},
	)
	in := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			root.AddCommand(c)
		}
	}
	in("files", a.lsCmd(), a.uploadCmd(), a.downloadCmd(), a.shareCmd(), a.rmCmd())
	in("account", a.configureCmd(), a.loginCmd(), a.logoutCmd(), a.whoamiCmd())
	in("admin", a.adminCmd())
	root.AddCommand(exitCodesTopic(), docsCmd())
	root.SetHelpCommand(helpCmd())
	root.SetHelpCommandGroupID("other")
	root.SetCompletionCommandGroupID("other")
	root.InitDefaultCompletionCmd()
	root.SetFlagErrorFunc(flagError)
	// A group runs only to refuse an unknown command (strict): its usage is its commands.
	root.SetUsageTemplate(strings.Replace(root.UsageTemplate(), "Usage:{{if .Runnable}}", "Usage:{{if and .Runnable (not .HasAvailableSubCommands)}}", 1))
	strict(root)
	return root
}

// exitCodesTopic is `signet help exit-codes`.
func exitCodesTopic() *cobra.Command {
	return &cobra.Command{Use: "exit-codes", Short: "The exit codes and what they mean", Long: exitCodesHelp}
}

// helpCmd is `signet help [command]`; an unknown topic is a usage error.
func helpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return usagef(c, "no help topic %q", strings.Join(args, " "))
			}
			cmd.InitDefaultHelpFlag()
			return cmd.Help()
		},
		ValidArgsFunction: func(c *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
					names = append(names, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
	}
}

// strict makes every mistake in the command line a usage error (exit 2, one line): a
// command group given an unknown command, and the argument checks of the others.
func strict(c *cobra.Command) {
	switch {
	case c.HasSubCommands():
		c.Args, c.SuggestionsMinimumDistance = groupArgs, 2
		if !c.Runnable() {
			c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
		}
	case c.Args != nil:
		check := c.Args
		c.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return usagef(c, "%v", err)
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		strict(sub)
	}
}

// groupArgs refuses an unknown command of a group, suggesting the near ones.
func groupArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		return usagef(c, "unknown command %q; did you mean %q?", args[0], s[0])
	}
	return usagef(c, "unknown command %q", args[0])
}

// usageError is a mistake in the command line.
type usageError struct{ line string }

func (e *usageError) Error() string { return e.line }

// usagef is a usage error of c, with its usage line or, for a group, where to look.
// remotePath refuses, before any request, a path the API would refuse: the object
// path rule of package signing (letters, digits, ! - _ . ' ( ) and "/" between names;
// no empty, "." or ".." segment; at most 1024 bytes). A folder may end in "/". Checked
// here because encoding/json would turn bytes that are not UTF-8 into U+FFFD, and
// the API would then name a path the user never typed.
func remotePath(c *cobra.Command, p string, folder bool) error {
	q := p
	if folder {
		q = strings.TrimSuffix(p, "/")
	}
	var pe *signing.PathError
	if err := signing.CanonicalPath(q); errors.As(err, &pe) {
		return usagef(c, "path %q %s", p, pe.Reason)
	}
	return nil
}

func usagef(c *cobra.Command, format string, args ...any) error {
	line := c.CommandPath() + ": " + fmt.Sprintf(format, args...)
	switch {
	case c.Name() == "help":
		return &usageError{fmt.Sprintf("%s (see '%s --help')", line, c.Root().CommandPath())}
	case c.HasSubCommands():
		return &usageError{fmt.Sprintf("%s (see '%s --help')", line, c.CommandPath())}
	}
	return &usageError{fmt.Sprintf("%s (usage: %s)", line, c.UseLine())}
}

// flagError makes a flag the command does not take, or a bad value, a usage error. A
// long flag with one dash (the old syntax, -ttl) is pointed to its two-dash form.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	if _, arg, ok := strings.Cut(msg, "unknown shorthand flag: "); ok {
		if _, word, ok := strings.Cut(arg, " in -"); ok {
			name, _, _ := strings.Cut(word, "=")
			if c.Flags().Lookup(name) != nil {
				return usagef(c, "flags take two dashes: --%s, not -%s", name, name)
			}
		}
	}
	return usagef(c, "%s", msg)
}
