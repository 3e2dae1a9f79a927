package opt

import (
	"testing"
	"time"
)

func TestOrDefault(t *testing.T) {
	tests := []struct {
		name    string
		v, want int
	}{
		{"zero takes the default", 0, 7},
		{"negative takes the default", -3, 7},
		{"positive is kept", 2, 2},
	}
	for _, tt := range tests {
		if got := OrDefault(tt.v, 7); got != tt.want {
			t.Errorf("%s: OrDefault(%d, 7) = %d", tt.name, tt.v, got)
		}
	}
	if got := OrDefault(time.Duration(0), time.Second); got != time.Second {
		t.Errorf("duration: %v", got)
	}
	if got := OrDefault(1.5, 2.0); got != 1.5 {
		t.Errorf("float: %v", got)
	}
}
