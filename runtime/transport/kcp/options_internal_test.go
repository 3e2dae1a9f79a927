package kcp

import (
	"testing"
	"time"
)

// TestOptionsDefaults: zero fields take the documented defaults;
// negative limits mean none and are kept.
func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Options
		want Options
	}{
		{"zero", Options{}, Options{MaxHandshakes: 1024, MaxHandshakesPerIP: 16, HandshakeTimeout: 3 * time.Second}},
		{"no limits", Options{MaxHandshakes: -1, MaxHandshakesPerIP: -1}, Options{MaxHandshakes: -1, MaxHandshakesPerIP: -1, HandshakeTimeout: 3 * time.Second}},
		{"values kept", Options{MaxHandshakes: 5, MaxHandshakesPerIP: 2, HandshakeTimeout: time.Second},
			Options{MaxHandshakes: 5, MaxHandshakesPerIP: 2, HandshakeTimeout: time.Second}},
		{"negative timeout", Options{HandshakeTimeout: -time.Second}, Options{MaxHandshakes: 1024, MaxHandshakesPerIP: 16, HandshakeTimeout: 3 * time.Second}},
	}
	for _, tt := range tests {
		got := tt.in.withDefaults()
		if got.MaxHandshakes != tt.want.MaxHandshakes || got.MaxHandshakesPerIP != tt.want.MaxHandshakesPerIP || got.HandshakeTimeout != tt.want.HandshakeTimeout {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if New("127.0.0.1:0", Options{}).opts.MaxHandshakes != DefaultMaxHandshakes {
		t.Error("New does not apply the defaults")
	}
}
