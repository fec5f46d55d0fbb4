package catalog

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The Standard Webhooks published test vector, as in the reference
// libraries' own tests (e.g. libraries/go/webhook_test.go TestWebhookSign).
// Note "/tmIK": a copy with "/tMIK" circulates and is a typo.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignStandardWebhooksVector(t *testing.T) {
	got, err := Sign(vectorSecret, vectorMsgID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorSignature {
		t.Fatalf("Sign = %s, want %s", got, vectorSignature)
	}
	// Only unix seconds are signed, whatever the zone or fraction.
	ts := time.Unix(vectorTimestamp, 999_999_999).In(time.FixedZone("X", 5*3600))
	if got, _ := Sign(vectorSecret, vectorMsgID, ts, []byte(vectorBody)); got != vectorSignature {
		t.Fatalf("Sign with fraction and zone = %s, want %s", got, vectorSignature)
	}
	wh, err := standardwebhooks.NewWebhook(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	if lib, _ := wh.Sign(vectorMsgID, time.Unix(vectorTimestamp, 0), []byte(vectorBody)); lib != got {
		t.Fatalf("library signs %s, we sign %s", lib, got)
	}
	header, err := SignatureHeader([]string{vectorSecret}, vectorMsgID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	if err != nil || header != vectorSignature {
		t.Fatalf("SignatureHeader = %q, %v; want %s", header, err, vectorSignature)
	}
}

// signedHeaders builds the three Standard Webhooks headers the sender would send.
func signedHeaders(msgID string, ts time.Time, signature string) http.Header {
	h := http.Header{}
	h.Set(standardwebhooks.HeaderWebhookID, msgID)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(standardwebhooks.HeaderWebhookSignature, signature)
	return h
}

func TestSignVerifiedByStandardWebhooksLibrary(t *testing.T) {
	secret := GenerateSecret()
	body, err := BuildPayload("", mustSample(t, "TEST_FINISH"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sig, err := Sign(secret, "msg_roundtrip", now, body)
	if err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(body, signedHeaders("msg_roundtrip", now, sig)); err != nil {
		t.Fatalf("library rejects our signature: %v", err)
	}
	tampered := append([]byte{}, body...)
	tampered[len(tampered)-2] = 'X'
	if err := wh.Verify(tampered, signedHeaders("msg_roundtrip", now, sig)); err == nil {
		t.Fatal("library accepts a signature over a different body")
	}
	if err := wh.Verify(body, signedHeaders("msg_other", now, sig)); err == nil {
		t.Fatal("library accepts a signature for a different message id")
	}
}

func TestSignRotationHeader(t *testing.T) {
	newSecret, oldSecret := GenerateSecret(), GenerateSecret()
	body := []byte(`{"type":"notification"}`)
	now := time.Now()
	header, err := SignatureHeader([]string{newSecret, oldSecret}, "msg_rotation", now, body)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(header, " ")
	if len(parts) != 2 {
		t.Fatalf("header %q: want two space-separated signatures", header)
	}
	wantNew, _ := Sign(newSecret, "msg_rotation", now, body)
	wantOld, _ := Sign(oldSecret, "msg_rotation", now, body)
	if parts[0] != wantNew || parts[1] != wantOld {
		t.Fatalf("header %q: want new signature first, then old", header)
	}
	for name, secret := range map[string]string{"new": newSecret, "old": oldSecret} {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, signedHeaders("msg_rotation", now, header)); err != nil {
			t.Errorf("%s secret does not verify the rotation header: %v", name, err)
		}
	}
	other, _ := standardwebhooks.NewWebhook(GenerateSecret())
	if err := other.Verify(body, signedHeaders("msg_rotation", now, header)); err == nil {
		t.Error("an unrelated secret verifies the rotation header")
	}
}

func TestSignRejectsBadInput(t *testing.T) {
	ts := time.Unix(vectorTimestamp, 0)
	body := []byte(vectorBody)
	short := "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 16))
	long := "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 65))
	cases := []struct{ name, secret, msgID, want string }{
		{"no prefix", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", vectorMsgID, "whsec_"},
		{"not base64", "whsec_not base64!", vectorMsgID, "decode secret"},
		{"empty key", "whsec_", vectorMsgID, "0 bytes"},
		{"short key", short, vectorMsgID, "16 bytes"},
		{"long key", long, vectorMsgID, "65 bytes"},
		{"empty message id", vectorSecret, "", "message id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sig, err := Sign(c.secret, c.msgID, ts, body)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Sign = %q, %v; want error containing %q", sig, err, c.want)
			}
			if _, err := SignatureHeader([]string{vectorSecret, c.secret}, c.msgID, ts, body); err == nil {
				t.Fatal("SignatureHeader accepts a bad secret or id")
			}
		})
	}
	if _, err := SignatureHeader(nil, vectorMsgID, ts, body); err == nil {
		t.Fatal("SignatureHeader accepts no secrets")
	}
}

func TestGenerateSecret(t *testing.T) {
	a, b := GenerateSecret(), GenerateSecret()
	for _, s := range []string{a, b} {
		enc, ok := strings.CutPrefix(s, "whsec_")
		if !ok {
			t.Fatalf("secret %q lacks whsec_ prefix", s)
		}
		key, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			t.Fatalf("secret %q: %v", s, err)
		}
		if len(key) != 32 {
			t.Fatalf("secret %q decodes to %d bytes, want 32", s, len(key))
		}
		if _, err := Sign(s, "msg_x", time.Now(), nil); err != nil {
			t.Fatalf("generated secret cannot sign: %v", err)
		}
	}
	if a == b {
		t.Fatal("two generated secrets are equal")
	}
}
