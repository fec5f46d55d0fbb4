package views

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadhook/loadhook/catalog"
)

// TestVerifySnippetsRun runs each snippet, filled with a secret, against a
// delivery signed the way the sender signs one (catalog.SignatureHeader),
// and against the same delivery with a changed body: the code users paste
// must accept the first and refuse the second. A language whose tool is
// not installed is skipped.
func TestVerifySnippetsRun(t *testing.T) {
	secret := catalog.GenerateSecret()
	old := catalog.GenerateSecret()
	body := []byte(`{"type":"notification","eventType":"TEST_STARTED"}`)
	id := "msg_01jzsnippettest0000000000"
	ts := time.Now()
	sig, err := catalog.SignatureHeader([]string{old, secret}, id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	snippets := map[string]Snippet{}
	for _, s := range (VerifyProps{Secret: secret}).snippets() {
		if !strings.Contains(s.Code, secret) || strings.Contains(s.Code, secretMark) {
			t.Fatalf("%s snippet is not filled with the secret", s.Language)
		}
		snippets[s.ID] = s
	}
	check := func(t *testing.T, tool string, args ...string) {
		t.Helper()
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
		out, err := exec.Command(tool, args...).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "true false" {
			t.Errorf("%s: %s (%v), want \"true false\"", tool, out, err)
		}
	}
	tampered := strings.Replace(string(body), "STARTED", "FAILED", 1)

	t.Run("go", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "go.mod"), "module receiver\n\ngo 1.22\n")
		write(t, filepath.Join(dir, "receiver.go"), snippets["go"].Code)
		write(t, filepath.Join(dir, "receiver_test.go"), fmt.Sprintf(`package receiver
import ("fmt"; "net/http"; "testing")
func TestVerify(t *testing.T) {
	h := http.Header{}
	h.Set("webhook-id", %q); h.Set("webhook-timestamp", %q); h.Set("webhook-signature", %q)
	fmt.Println(Verify(h, []byte(%q)), Verify(h, []byte(%q)))
}`, id, stamp, sig, body, tampered))
		gobin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		if _, err := os.Stat(gobin); err != nil {
			gobin = "go"
		}
		if _, err := exec.LookPath(gobin); err != nil {
			t.Skip("go not installed")
		}
		cmd := exec.Command(gobin, "test", "-count=1", "-v", "-run", "TestVerify", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "\ntrue false\n") {
			t.Errorf("go test of the snippet: %s (%v)", out, err)
		}
	})
	t.Run("node", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "verify.js")
		write(t, file, snippets["node"].Code+fmt.Sprintf(`
const h = {"webhook-id": %q, "webhook-timestamp": %q, "webhook-signature": %q};
console.log(verify(h, Buffer.from(%q)), verify(h, Buffer.from(%q)));
`, id, stamp, sig, body, tampered))
		check(t, "node", file)
	})
	t.Run("python", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "verify.py")
		write(t, file, snippets["python"].Code+fmt.Sprintf(`
h = {"webhook-id": %q, "webhook-timestamp": %q, "webhook-signature": %q}
print(str(verify(h, %q.encode())).lower(), str(verify(h, %q.encode())).lower())
`, id, stamp, sig, body, tampered))
		check(t, "python3", file)
	})
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVerifySnippetsPlaceholder: before Reveal the snippets hold a
// placeholder and the section says how to fill it in.
func TestVerifySnippetsPlaceholder(t *testing.T) {
	doc := render(t, VerifySnippets(VerifyProps{}))
	code := byTestID(doc, "snippet-code-go").Text()
	if !strings.Contains(code, secretPlaceholder) || !strings.Contains(byTestID(doc, "verify-snippets").Text(), "Reveal the secret") {
		t.Errorf("placeholder snippet: %q", code)
	}
	for _, id := range []string{"snippet-go", "snippet-node", "snippet-python"} {
		if byTestID(doc, id).Length() != 1 {
			t.Errorf("no %s", id)
		}
	}
}
