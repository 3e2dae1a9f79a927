package kcpconf

import (
	"strings"
	"testing"
)

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
		if got := tt.in.WithDefaults(); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestBlockCrypt: AES-128, -192 or -256, or none for an empty key.
func TestBlockCrypt(t *testing.T) {
	for _, tt := range []struct {
		size   int
		cipher bool
		ok     bool
	}{{0, false, true}, {16, true, true}, {24, true, true}, {32, true, true}, {8, false, false}, {17, false, false}, {64, false, false}} {
		b, err := BlockCrypt(make([]byte, tt.size))
		if (err == nil) != tt.ok || (b != nil) != tt.cipher {
			t.Errorf("%d-byte key: cipher %v, %v", tt.size, b != nil, err)
		}
		if err != nil && !strings.Contains(err.Error(), "16, 24 or 32") {
			t.Errorf("%d-byte key: %q does not say what is allowed", tt.size, err)
		}
	}
}
