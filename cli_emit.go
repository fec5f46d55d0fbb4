package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/paths"
)

// envToken is where emit finds the API token when --token is not given; an
// environment variable keeps the token out of ps and the shell history.
const envToken = "LOADHOOK_TOKEN"

// emitTimeout bounds one emit request: the server answers once the event is
// stored, which takes milliseconds unless it is in trouble.
const emitTimeout = 30 * time.Second

// maxAnswerShown is how much of a server's answer emit prints.
const maxAnswerShown = 64 << 10

func runEmit(ctx context.Context, env cliEnv, args []string) error {
	fset := newFlagSet(env, "emit", "emit [--url URL] [--token TOKEN] TYPE [key=value ...]\n\n"+
		"Sends one event to a running server's POST "+paths.Events+", as the platform does,\n"+
		"and prints the server's 202 answer. TYPE is an event type (TEST_STARTED, PROJECT_CREATED, …).\n"+
		"Each key=value is a metadata key of the type, or one of "+strings.Join(eventOverrides(), ", ")+".\n"+
		"Flags go before TYPE. Example:\n\n"+
		"  LOADHOOK_TOKEN=lh_… loadhook emit PROJECT_CREATED projectName='E-commerce Platform'")
	serverURL := fset.String("url", defaultServerURL(env.getenv), "the server's base URL (default: LOADHOOK_BASE_URL, else http://LOADHOOK_ADDR)")
	// No default shown: -h would print the token from the environment.
	tokenFlag := fset.String("token", "", "an API token (lh_…) from the profile page or loadhook token create (default: env "+envToken+")")
	if err := parseFlags(fset, args, true); err != nil {
		return err
	}
	base, err := checkServerURL(*serverURL)
	if err != nil {
		return err
	}
	token := strings.TrimSpace(*tokenFlag)
	if token == "" {
		token = strings.TrimSpace(env.getenv(envToken))
	}
	if token == "" {
		return usageErrorf("give an API token with --token or %s; create one with loadhook token create or on the profile page", envToken)
	}
	if fset.NArg() == 0 {
		return usageErrorf("name the event type first, e.g. loadhook emit PROJECT_CREATED projectName=Shop")
	}
	body, err := eventBody(fset.Arg(0), fset.Args()[1:])
	if err != nil {
		return err
	}
	answer, err := postEvent(ctx, base+paths.Events, token, body)
	if err != nil {
		return err
	}
	env.stdout.Write(answer)
	if !bytes.HasSuffix(answer, []byte("\n")) {
		fmt.Fprintln(env.stdout)
	}
	return nil
}

// defaultServerURL is the server this machine's serve settings describe.
func defaultServerURL(getenv func(string) string) string {
	if base := settingDefault(lookupSetting("base-url"), getenv); base != "" {
		return strings.TrimRight(base, "/")
	}
	return baseURLFor(settingDefault(lookupSetting("addr"), getenv))
}

// checkServerURL accepts an http(s) URL with a host, and returns it without
// a trailing slash.
func checkServerURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageErrorf("--url %q: want the server's base URL, such as http://127.0.0.1:8080", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// eventOverrides are the top-level fields a key=value may set besides
// metadata: projectName, title, message, severity, timestamp.
func eventOverrides() []string {
	return slices.DeleteFunc(catalog.RequestFields(), func(f string) bool { return f == "eventType" || f == "metadata" })
}

// eventBody builds the JSON of an event API request. A key is a metadata
// key when the type lists it (TEST_BUILDER_* events have a projectName key),
// else a top-level override when it names one, else metadata, where the
// server names the keys that do not belong. Values are sent as strings,
// which the event API takes for every field.
func eventBody(eventType string, pairs []string) ([]byte, error) {
	known, _ := catalog.LookupEventType(eventType)
	overrides := eventOverrides()
	req := map[string]any{"eventType": eventType}
	metadata := map[string]string{}
	seen := map[string]bool{}
	for _, pair := range pairs {
		key, value, ok := strings.Cut(pair, "=")
		switch {
		case !ok || key == "":
			return nil, usageErrorf("%q: want key=value, e.g. testRunId=42", pair)
		case seen[key]:
			return nil, usageErrorf("%s is given twice", key)
		case key == "eventType" || key == "metadata":
			return nil, usageErrorf("%q: the event type is the first argument, and metadata keys are given one by one as key=value", pair)
		}
		seen[key] = true
		if slices.Contains(overrides, key) && !slices.Contains(known.MetadataKeys, key) {
			req[key] = value
		} else {
			metadata[key] = value
		}
	}
	if len(metadata) > 0 {
		req["metadata"] = metadata
	}
	return json.Marshal(req)
}

// eventAnswer is the event API's JSON error.
type eventAnswer struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields"`
}

// postEvent sends body and returns the 202 answer; any other answer is an
// error that quotes the server's message and fields.
func postEvent(ctx context.Context, endpoint, token string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, emitTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("post the event to %s (is the server running there? --url names it): %w", endpoint, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerShown))
	if err != nil {
		return nil, fmt.Errorf("read the answer of %s: %w", endpoint, err)
	}
	if resp.StatusCode == http.StatusAccepted {
		return answer, nil
	}
	return nil, refusal(resp, answer)
}

// refusal describes a non-202 answer: the status, the server's message,
// and each field's problem on its own line.
func refusal(resp *http.Response, answer []byte) error {
	var msg strings.Builder
	fmt.Fprintf(&msg, "the server answered %s", resp.Status)
	var parsed eventAnswer
	if json.Unmarshal(answer, &parsed) != nil || parsed.Error == "" {
		if text := strings.TrimSpace(string(answer)); text != "" {
			fmt.Fprintf(&msg, ": %s", text)
		}
		return errors.New(msg.String())
	}
	fmt.Fprintf(&msg, ": %s", parsed.Error)
	fields := make([]string, 0, len(parsed.Fields))
	for f := range parsed.Fields {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		fmt.Fprintf(&msg, "\n  %s: %s", f, parsed.Fields[f])
	}
	if after := resp.Header.Get("Retry-After"); after != "" {
		fmt.Fprintf(&msg, "\n  (try again in %s s)", after)
	}
	return errors.New(msg.String())
}
