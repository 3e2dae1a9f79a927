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

// TestTuningDefaults: zero fields take the low-latency defaults; Resend
// -1 disables fast resend (0 for kcp-go).
func TestTuningDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Tuning
		want Tuning
	}{
		{"zero", Tuning{}, Tuning{Interval: 10, Resend: 2, SendWindow: 128, RecvWindow: 128, MTU: 1200}},
		{"resend off", Tuning{Resend: -1}, Tuning{Interval: 10, Resend: 0, SendWindow: 128, RecvWindow: 128, MTU: 1200}},
		{"values kept", Tuning{Interval: 40, Resend: 3, SendWindow: 32, RecvWindow: 256, MTU: 500, Normal: true, DelayedACK: true},
			Tuning{Interval: 40, Resend: 3, SendWindow: 32, RecvWindow: 256, MTU: 500, Normal: true, DelayedACK: true}},
		{"negative sizes", Tuning{Interval: -1, SendWindow: -1, RecvWindow: -1, MTU: -1}, Tuning{Interval: 10, Resend: 2, SendWindow: 128, RecvWindow: 128, MTU: 1200}},
	}
	for _, tt := range tests {
		if got := tt.in.withDefaults(); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
