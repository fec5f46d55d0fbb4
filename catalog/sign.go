package catalog

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts every Standard Webhooks signing secret.
const SecretPrefix = "whsec_"

// SecretOverlap is how long a rotated-out secret keeps signing beside the new
// one, so receivers can switch to the new one without dropping requests.
const SecretOverlap = 24 * time.Hour

// Standard Webhooks recommends keys of 24 to 64 bytes; shorter keys are too
// weak and longer ones are a sign of a mangled secret.
const (
	minSecretKeyLen = 24
	maxSecretKeyLen = 64
	newSecretKeyLen = 32
)

// GenerateSecret returns a new signing secret: "whsec_" + base64(32 random bytes).
func GenerateSecret() string {
	key := make([]byte, newSecretKeyLen)
	// crypto/rand.Read never returns an error; it crashes the program if the
	// system's randomness source fails, which is the only safe outcome here.
	_, _ = rand.Read(key)
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// decodeSecret returns the HMAC key inside a "whsec_" secret.
func decodeSecret(secret string) ([]byte, error) {
	enc, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, fmt.Errorf("secret must start with %q", SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("decode secret: %w", err)
	}
	if len(key) < minSecretKeyLen || len(key) > maxSecretKeyLen {
		return nil, fmt.Errorf("secret key is %d bytes; want %d to %d", len(key), minSecretKeyLen, maxSecretKeyLen)
	}
	return key, nil
}

// Sign returns the Standard Webhooks v1 signature of body:
// "v1," + base64(HMAC-SHA256(key, msgID + "." + unix seconds + "." + body)).
func Sign(secret, msgID string, ts time.Time, body []byte) (string, error) {
	if msgID == "" {
		return "", errors.New("sign: empty message id")
	}
	key, err := decodeSecret(secret)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, ts.Unix(), 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// SignatureHeader returns the webhook-signature value for one or more secrets,
// space separated; during a rotation pass the new secret first, then the old.
func SignatureHeader(secrets []string, msgID string, ts time.Time, body []byte) (string, error) {
	if len(secrets) == 0 {
		return "", errors.New("signature header: no secrets")
	}
	sigs := make([]string, 0, len(secrets))
	for i, s := range secrets {
		sig, err := Sign(s, msgID, ts, body)
		if err != nil {
			return "", fmt.Errorf("signature header: secret %d: %w", i+1, err)
		}
		sigs = append(sigs, sig)
	}
	return strings.Join(sigs, " "), nil
}
