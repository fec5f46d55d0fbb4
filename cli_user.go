package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/internal/password"
	"github.com/loadhook/loadhook/models"
)

// maxPasswordInput bounds the line read from standard input: a password
// the sign-up form allows fits in it (forms.MaxPasswordLen characters of at
// most 4 bytes, and a line break).
const maxPasswordInput = forms.MaxPasswordLen*4 + 2

// passwordFlagUsage explains why there is no -password flag.
const passwordFlagUsage = "read the password from the first line of standard input (required: a password in the arguments would show in ps and the shell history)"

// accountFlags are the flags of user create and user reset-password.
type accountFlags struct {
	email         *string
	passwordStdin *bool
	db            settingValues
}

func defineAccountFlags(fset *flag.FlagSet, env cliEnv) accountFlags {
	return accountFlags{
		email:         fset.String("email", "", "the account's email address (required)"),
		passwordStdin: fset.Bool("password-stdin", false, passwordFlagUsage),
		db:            defineSettings(fset, env.getenv, dbSettings...),
	}
}

// parse checks the flags and reads the password: everything about the
// input is checked before the database is opened. Only the password rules
// of the sign-up form apply here; the email is checked by the caller.
func (f accountFlags) parse(fset *flag.FlagSet, args []string, stdin io.Reader) (cfg *Config, form forms.AuthForm, err error) {
	if err := parseFlags(fset, args, false); err != nil {
		return nil, form, err
	}
	if strings.TrimSpace(*f.email) == "" {
		return nil, form, usageErrorf("give the account's email with --email")
	}
	if !*f.passwordStdin {
		return nil, form, usageErrorf("give the password on standard input with --password-stdin, e.g. printf '%%s\\n' \"$PASSWORD\" | %s --email %s --password-stdin", fset.Name(), *f.email)
	}
	if cfg, err = f.db.dbConfig(); err != nil {
		return nil, form, asUsage(err)
	}
	pw, err := readPassword(stdin)
	if err != nil {
		return nil, form, err
	}
	form = forms.AuthForm{Email: forms.NormalizeEmail(*f.email), Password: pw}
	if msg := form.ValidateSignUp().Password; msg != "" {
		return nil, form, usageErrorf("the password on standard input: %s", msg)
	}
	return cfg, form, nil
}

// readPassword reads the first line of r, without its line break.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, maxPasswordInput)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	if errors.Is(err, io.EOF) && len(line) == maxPasswordInput {
		return "", usageErrorf("the password on standard input: Use at most %d characters.", forms.MaxPasswordLen)
	}
	line = strings.TrimSuffix(line, "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

func runUserCreate(ctx context.Context, env cliEnv, args []string) error {
	fset := newFlagSet(env, "user create", "user create --email EMAIL --password-stdin [flags]\n\n"+
		"Creates an account that can log in, as signing up does (the same rules for\n"+
		"the email and the password, the same argon2id hash).")
	flags := defineAccountFlags(fset, env)
	cfg, form, err := flags.parse(fset, args, env.stdin)
	if err != nil {
		return err
	}
	if msg := form.ValidateSignUp().Email; msg != "" {
		return usageErrorf("--email %q: %s", form.Email, msg)
	}
	d, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.close()
	user, err := d.store.CreateUser(ctx, form.Email, password.Hash(form.Password))
	if errors.Is(err, models.ErrEmailTaken) {
		return fmt.Errorf("an account with the email %s already exists; to change its password, use loadhook user reset-password", form.Email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Created user %d (%s); it can log in now.\n", user.ID, user.Email)
	return nil
}

func runUserResetPassword(ctx context.Context, env cliEnv, args []string) error {
	fset := newFlagSet(env, "user reset-password", "user reset-password --email EMAIL --password-stdin [flags]\n\n"+
		"Sets a new password (the sign-up rules apply) and ends every session of\n"+
		"the account, so it is signed out everywhere.")
	flags := defineAccountFlags(fset, env)
	cfg, form, err := flags.parse(fset, args, env.stdin)
	if err != nil {
		return err
	}
	d, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.close()
	user, err := userByEmail(ctx, d.store, form.Email)
	if err != nil {
		return err
	}
	ended, err := d.store.ResetPassword(ctx, user.ID, password.Hash(form.Password))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Changed the password of %s and ended %d session(s).\n", user.Email, ended)
	return nil
}

// userByEmail finds the account an operator named, saying how to create
// one when there is none.
func userByEmail(ctx context.Context, store *models.Store, email string) (*models.User, error) {
	email = forms.NormalizeEmail(email)
	user, err := store.UserByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		return nil, fmt.Errorf("no account has the email %s; create it with loadhook user create", email)
	}
	return user, err
}

func runTokenCreate(ctx context.Context, env cliEnv, args []string) error {
	fset := newFlagSet(env, "token create", "token create --user EMAIL --name NAME [--scope SCOPE] [flags]\n\n"+
		"Creates an API token for the account, as the profile page does, and prints\n"+
		"it on standard output. It is shown only this once: only its hash is kept.")
	email := fset.String("user", "", "email of the account the token belongs to (required)")
	name := fset.String("name", "", "what the token is for, as the profile page lists it (required)")
	scope := fset.String("scope", catalog.ScopeEvents, "what the token may do: "+catalog.TokenScopeValues()+" ("+
		catalog.ScopeManage+" adds the management API)")
	dbFlags := defineSettings(fset, env.getenv, dbSettings...)
	if err := parseFlags(fset, args, false); err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return usageErrorf("give the account's email with --user")
	}
	form := forms.TokenForm{Name: strings.TrimSpace(*name), Scope: strings.TrimSpace(*scope)}
	errs := form.Validate()
	if errs.Name != "" {
		return usageErrorf("--name: %s", errs.Name)
	}
	if errs.Scope != "" {
		return usageErrorf("--scope: %s", errs.Scope)
	}
	d, err := openSettings(ctx, dbFlags)
	if err != nil {
		return err
	}
	defer d.close()
	user, err := userByEmail(ctx, d.store, *email)
	if err != nil {
		return err
	}
	row, value := models.NewAPIToken(user.ID, form.Name)
	row.Scope = form.ChosenScope()
	if err := d.store.CreateAPIToken(ctx, row); err != nil {
		return fmt.Errorf("create token for %s: %w", user.Email, err)
	}
	// The token alone on stdout, so TOKEN=$(loadhook token create …) works.
	fmt.Fprintln(env.stdout, value)
	fmt.Fprintf(env.stderr, "Created token %q (%s…, scope %s) for %s. It is shown only this once: keep it now.\n", row.Name, row.Prefix, row.Scope, user.Email)
	return nil
}
