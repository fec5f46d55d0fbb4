package models

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/loadhook/loadhook/forms"
)

func TestNewAPIToken(t *testing.T) {
	row, value := NewAPIToken(7, "CI")
	sum := sha256.Sum256([]byte(value))
	for _, tc := range []struct {
		what      string
		got, want any
	}{
		{"prefix", strings.HasPrefix(value, "lh_"), true},
		{"length", len(value), 3 + 43},
		{"shown part", row.Prefix, value[:8]},
		{"hash", row.Hash, hex.EncodeToString(sum[:])},
		{"owner", row.UserID, int64(7)},
		{"name", row.Name, "CI"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.what, tc.got, tc.want)
		}
	}
	if _, again := NewAPIToken(7, "CI"); again == value {
		t.Error("two tokens are the same")
	}
}

func TestTokenNameColumnFitsTheForm(t *testing.T) {
	field, _ := reflect.TypeOf(APIToken{}).FieldByName("Name")
	if tag, want := field.Tag.Get("gorm"), "size:"+strconv.Itoa(forms.MaxTokenNameLen)+";"; !strings.Contains(tag, want) {
		t.Errorf("APIToken.Name is %q, want %q: the form accepts names of %d characters", tag, want, forms.MaxTokenNameLen)
	}
}
