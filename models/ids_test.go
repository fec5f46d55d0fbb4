package models

import (
	"strings"
	"testing"
	"time"
)

func TestNewIDShape(t *testing.T) {
	id := NewID(MessageIDPrefix)
	if !strings.HasPrefix(id, "msg_") || len(id) != 4+26 {
		t.Fatalf("NewID = %q, want msg_ and 26 digits", id)
	}
	if !IsID(id, MessageIDPrefix) {
		t.Errorf("IsID(%q) = false", id)
	}
}

func TestNewIDAtSortsByTime(t *testing.T) {
	t0 := time.Date(2025, 7, 3, 14, 30, 0, 0, time.UTC)
	earlier, later := NewIDAt(EventIDPrefix, t0), NewIDAt(EventIDPrefix, t0.Add(time.Millisecond))
	if earlier >= later {
		t.Errorf("%s does not sort before %s", earlier, later)
	}
}

func TestIsID(t *testing.T) {
	valid := "msg_01jz6q4p3f8w2x9y7v5t0r1s2m"
	for _, tc := range []struct {
		in     string
		prefix string
		want   bool
	}{
		{valid, MessageIDPrefix, true},
		{valid, EventIDPrefix, false},
		{"msg_01jz6q4p3f8w2x9y7v5t0r1s2", MessageIDPrefix, false},   // 25 digits
		{"msg_01jz6q4p3f8w2x9y7v5t0r1s2mm", MessageIDPrefix, false}, // 27 digits
		{"msg_01JZ6Q4P3F8W2X9Y7V5T0R1S2M", MessageIDPrefix, false},  // upper case
		{"msg_01jz6q4p3f8w2x9y7v5t0r1s2u", MessageIDPrefix, false},  // u is not a Crockford digit
		{"msg_01jz6q4p3f8w2x9y7v5t0r1s2l", MessageIDPrefix, false},  // nor is l
		{"", MessageIDPrefix, false},
	} {
		if got := IsID(tc.in, tc.prefix); got != tc.want {
			t.Errorf("IsID(%q, %q) = %v, want %v", tc.in, tc.prefix, got, tc.want)
		}
	}
}
