package views

import (
	"strings"

	"github.com/loadhook/loadhook/catalog"
)

// VerifyProps are the props of the signature verification snippets.
type VerifyProps struct {
	// Secret is the endpoint's signing secret once revealed; "" fills the
	// snippets with a placeholder and says where the secret is.
	Secret string
}

// secretPlaceholder stands for the secret in snippets shown before Reveal.
const secretPlaceholder = catalog.SecretPrefix + "…your endpoint's secret…"

func (p VerifyProps) secret() string {
	if p.Secret == "" {
		return secretPlaceholder
	}
	return p.Secret
}

// Snippet is one language's verification code.
type Snippet struct {
	// ID names the snippet in element ids: "go", "node", "python".
	ID       string
	Language string
	Code     string
	// Install adds the language's Standard Webhooks library.
	Install string
}

// secretMark is where the secret goes in the snippets below.
const secretMark = "{{SECRET}}"

// snippets are the receivers' verification code, with the secret filled
// in. Each follows the README's "by hand" recipe: HMAC-SHA256 keyed with the
// base64-decoded part after whsec_, over id.timestamp.body, compared with
// every v1 value of webhook-signature, and a timestamp within 5 minutes.
func (p VerifyProps) snippets() []Snippet {
	fill := func(code string) string { return strings.ReplaceAll(code, secretMark, p.secret()) }
	return []Snippet{
		{ID: "go", Language: "Go", Code: fill(goSnippet), Install: "go get github.com/standard-webhooks/standard-webhooks/libraries"},
		{ID: "node", Language: "Node.js", Code: fill(nodeSnippet), Install: "npm install standardwebhooks"},
		{ID: "python", Language: "Python", Code: fill(pythonSnippet), Install: "pip install standardwebhooks"},
	}
}

const goSnippet = `package receiver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const secret = "{{SECRET}}"

// Verify reports whether loadhook signed body, sent with these headers.
func Verify(h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	sent, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sent, 0)).Abs() > 5*time.Minute {
		return false // too old: a replay
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}

func Handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil || !Verify(r.Header, body) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	// Deduplicate on webhook-id, queue the work, and answer at once.
	w.WriteHeader(http.StatusNoContent)
}
`

const nodeSnippet = `const crypto = require("node:crypto");

const secret = "{{SECRET}}";

// verify reports whether loadhook signed body (a Buffer of the raw bytes).
function verify(headers, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const id = headers["webhook-id"], ts = headers["webhook-timestamp"];
  if (!/^\d+$/.test(ts || "") || Math.abs(Date.now() / 1000 - Number(ts)) > 5 * 60) {
    return false; // too old: a replay
  }
  const mac = crypto.createHmac("sha256", key).update(id + "." + ts + ".").update(body);
  const want = Buffer.from("v1," + mac.digest("base64"));
  return (headers["webhook-signature"] || "").split(" ").some((sig) => {
    const got = Buffer.from(sig);
    return got.length === want.length && crypto.timingSafeEqual(got, want);
  });
}

module.exports = { verify };
`

const pythonSnippet = `import base64, hashlib, hmac, time

SECRET = "{{SECRET}}"

def verify(headers, body: bytes) -> bool:
    """Whether loadhook signed body (the raw bytes) sent with headers."""
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    msg_id, ts = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not ts.isdigit() or abs(time.time() - int(ts)) > 5 * 60:
        return False  # too old: a replay
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256)
    want = "v1," + base64.b64encode(mac.digest()).decode()
    return any(hmac.compare_digest(sig, want) for sig in headers.get("webhook-signature", "").split())
`
