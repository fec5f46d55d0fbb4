package catalog

import "testing"

func TestCheckText(t *testing.T) {
	tests := []struct {
		s, allowed string
		want       TextFault
	}{
		{"", "", TextOK},
		{"Équipe 🚀 <b>", "", TextOK},
		{"\ufffd", "", TextOK},
		{"caf\xe9", "", TextInvalidUTF8},
		{"\xed\xa0\x80", "", TextInvalidUTF8}, // an encoded surrogate
		{"a\x00b", "", TextControl},
		{"a\tb", "", TextControl},
		{"a\tb", "\t", TextOK},
		{"a\nb", "\t", TextControl},
		{"a\x7fb", "", TextControl},
		{"a\u0085b", "", TextControl},
		{"a\u009bb", "\t\n", TextControl},
	}
	for _, tc := range tests {
		if got := CheckText(tc.s, tc.allowed); got != tc.want {
			t.Errorf("CheckText(%q, %q) = %d, want %d", tc.s, tc.allowed, got, tc.want)
		}
	}
}
