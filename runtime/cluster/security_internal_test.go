package cluster

import "testing"

func TestIsLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:7946", true},
		{"127.0.0.2:0", true},
		{"[::1]:0", true},
		{"localhost:0", true},
		{"LOCALHOST:7946", true},
		{"[fe80::1%lo]:0", false},
		{"[::1%lo]:0", true},
		{":0", false},
		{"0.0.0.0:7946", false},
		{"[::]:0", false},
		{"10.0.0.5:7946", false},
		{"example.com:7946", false},
		{"", false},
		{"127.0.0.1", true}, // no port: the host alone
	}
	for _, tt := range tests {
		if got := isLoopback(tt.addr); got != tt.want {
			t.Errorf("isLoopback(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}
