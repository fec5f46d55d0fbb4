package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"strings"
	"syscall"

	"github.com/loadhook/loadhook/webhook"
)

// Exit codes of every command.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed (database, server, state)
	exitUsage   = 2 // the command line or the input was wrong; nothing was done
)

// commandsUsage lists the commands; `loadhook -h` and `loadhook help` show it.
const commandsUsage = `Usage:
  loadhook [serve] [flags]          run the web app and the delivery engine (the default)
  loadhook migrate [flags]          bring the database up to date, then exit
  loadhook user create --email EMAIL --password-stdin
  loadhook user reset-password --email EMAIL --password-stdin
  loadhook token create --user EMAIL --name NAME
  loadhook emit [--url URL] [--token TOKEN] TYPE [key=value ...]
  loadhook version

"loadhook COMMAND -h" shows a command's flags. Commands that open the
database take serve's -db, -db-max-conns and -secret (or LOADHOOK_DB,
LOADHOOK_DB_MAX_CONNS, LOADHOOK_SECRET) and migrate it first, as serve does.
Exit codes: 0 done, 1 failed, 2 wrong usage or input (nothing was changed).
`

// cliEnv is what a command may touch of the process, so tests can run
// commands in process too.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one subcommand; run gets the arguments after its name.
type command struct {
	name string
	run  func(ctx context.Context, env cliEnv, args []string) error
}

// commands are the top-level subcommands; "user" and "token" have their own.
func commands() []command {
	return []command{
		{"serve", runServe},
		{"migrate", runMigrate},
		{"user", func(ctx context.Context, env cliEnv, args []string) error {
			return runGroup(ctx, env, "user", args, []command{{"create", runUserCreate}, {"reset-password", runUserResetPassword}})
		}},
		{"token", func(ctx context.Context, env cliEnv, args []string) error {
			return runGroup(ctx, env, "token", args, []command{{"create", runTokenCreate}})
		}},
		{"emit", runEmit},
		{"version", runVersion},
	}
}

// usageError is wrong input: the command exits with exitUsage.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error {
	return &usageError{fmt.Errorf(format, a...)}
}

// asUsage marks err (from parsing flags or checking input) as wrong usage.
func asUsage(err error) error {
	var u *usageError
	if err == nil || errors.Is(err, flag.ErrHelp) || errors.As(err, &u) {
		return err
	}
	return &usageError{err}
}

// loggedError is a failure serve has already logged with slog.
type loggedError struct{ err error }

func (e *loggedError) Error() string { return e.err.Error() }

// runCLI runs the command named by args and returns the exit code. With no
// command, or flags first, it serves: `loadhook -addr …` keeps working.
func runCLI(args []string, env cliEnv) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	name, rest := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
	}
	var err error
	switch cmd, ok := findCommand(commands(), name); {
	case name == "help":
		fmt.Fprintf(env.stdout, "loadhook: webhook integration service\n\n%s", commandsUsage)
		return exitOK
	case !ok:
		err = usageErrorf("unknown command %q; use %s (loadhook -h shows them)", name, commandNames(commands()))
	default:
		err = cmd.run(ctx, env, rest)
	}
	return exitCode(env.stderr, name, err)
}

// exitCode reports err on stderr, unless it was logged already, and picks
// the exit code.
func exitCode(stderr io.Writer, name string, err error) int {
	var usage *usageError
	var logged *loggedError
	if sub := (*subcommandError)(nil); errors.As(err, &sub) {
		name = sub.name
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &logged):
		return exitFailure
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "loadhook %s: %v\n", name, err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "loadhook %s: %v\n", name, err)
		return exitFailure
	}
}

// runGroup runs one subcommand of group (user create, token create).
func runGroup(ctx context.Context, env cliEnv, group string, args []string, subs []command) error {
	usage := fmt.Sprintf("loadhook %s COMMAND, where COMMAND is %s (each with -h)", group, commandNames(subs))
	if len(args) == 0 {
		return usageErrorf("say what to do: %s", usage)
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprintf(env.stderr, "Usage: %s\n", usage)
		return flag.ErrHelp
	}
	sub, ok := findCommand(subs, args[0])
	if !ok {
		return usageErrorf("unknown command %q; use %s", group+" "+args[0], usage)
	}
	if err := sub.run(ctx, env, args[1:]); err != nil {
		return &subcommandError{name: group + " " + sub.name, err: err}
	}
	return nil
}

// subcommandError names the subcommand that failed, for the message.
type subcommandError struct {
	name string
	err  error
}

func (e *subcommandError) Error() string { return e.err.Error() }
func (e *subcommandError) Unwrap() error { return e.err }

func findCommand(cmds []command, name string) (command, bool) {
	for _, c := range cmds {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// commandNames lists the names for a message: "a, b or c".
func commandNames(cmds []command) string {
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.name
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// newFlagSet is a subcommand's flag set; its usage line comes first in -h.
func newFlagSet(env cliEnv, name, usage string) *flag.FlagSet {
	fset := flag.NewFlagSet("loadhook "+name, flag.ContinueOnError)
	fset.SetOutput(env.stderr)
	fset.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: loadhook %s\n\n", usage)
		fset.PrintDefaults()
	}
	return fset
}

// parseFlags parses args; a flag error or a left-over argument is wrong
// usage (the flag package has already printed what was wrong with a flag).
func parseFlags(fset *flag.FlagSet, args []string, wantArgs bool) error {
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{fmt.Errorf("%w (%s -h shows the flags)", err, fset.Name())}
	}
	if !wantArgs && fset.NArg() > 0 {
		return usageErrorf("unexpected argument %q; %s takes flags only (-h shows them)", fset.Arg(0), fset.Name())
	}
	return nil
}

func runServe(ctx context.Context, env cliEnv, args []string) error {
	cfg, err := parseConfig(args, env.getenv, env.stderr)
	if err != nil {
		return asUsage(err)
	}
	setGCDefault(env.getenv)
	if err := run(ctx, cfg); err != nil {
		slog.Error("loadhook stopped", "err", err)
		return &loggedError{err}
	}
	return nil
}

func runMigrate(ctx context.Context, env cliEnv, args []string) error {
	fset := newFlagSet(env, "migrate", "migrate [flags]\n\nCreates or updates the tables (the app's and the queue's) and checks the\nsecret, exactly as serve does at start, then exits; serve is not needed.")
	values := defineSettings(fset, env.getenv, dbSettings...)
	if err := parseFlags(fset, args, false); err != nil {
		return err
	}
	d, err := openSettings(ctx, values)
	if err != nil {
		return err
	}
	defer d.close()
	fmt.Fprintln(env.stdout, "The database is up to date.")
	return nil
}

func runVersion(_ context.Context, env cliEnv, args []string) error {
	fset := newFlagSet(env, "version", "version\n\nPrints the version of this binary.")
	if err := parseFlags(fset, args, false); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, "loadhook", version)
	return nil
}

// openMigrated opens the configured database and migrates it the way serve
// does at start, the queue's tables included, without starting the engine.
// openSettings opens and migrates the database the flags and environment
// name; a bad setting is a usage error.
func openSettings(ctx context.Context, values settingValues) (*database, error) {
	cfg, err := values.dbConfig()
	if err != nil {
		return nil, asUsage(err)
	}
	return openMigrated(ctx, cfg)
}

func openMigrated(ctx context.Context, cfg *Config) (*database, error) {
	d, err := openDatabase(cfg)
	if err != nil {
		return nil, err
	}
	if err := d.migrate(ctx, func() error { return webhook.MigrateQueue(ctx, d.store) }); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}
