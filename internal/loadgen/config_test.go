package loadgen

import (
	"errors"
	"testing"
)

func TestStepPayload(t *testing.T) {
	tests := []struct {
		name string
		step Step
		conn int
		want string
	}{
		{"no marker", Step{Payload: []byte(`{"room":"r"}`)}, 7, `{"room":"r"}`},
		{"markers", Step{Payload: []byte(`{"room":"r%d","name":"bot-%d"}`)}, 12, `{"room":"r12","name":"bot-12"}`},
		{"empty", Step{}, 3, ``},
		{"func", Step{Payload: []byte("%d"), PayloadFunc: func(c int) ([]byte, error) { return []byte{byte(c)}, nil }}, 5, "\x05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.step.payload(tt.conn)
			if err != nil || string(got) != tt.want {
				t.Errorf("payload(%d) = %q, %v; want %q", tt.conn, got, err, tt.want)
			}
		})
	}
	boom := errors.New("boom")
	s := Step{PayloadFunc: func(int) ([]byte, error) { return nil, boom }}
	if _, err := s.payload(0); !errors.Is(err, boom) {
		t.Errorf("PayloadFunc error: %v", err)
	}
}

func TestConfigDefaults(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"no address", Config{Route: "a.b"}, true},
		{"no route", Config{Addr: "tcp://x:1"}, true},
		{"negative", Config{Addr: "tcp://x:1", Route: "a.b", Conns: -1}, true},
		{"defaults", Config{Addr: "tcp://x:1", Route: "a.b"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.withDefaults()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if err == nil && (got.Conns != 1 || got.Pipeline != 1 || got.Duration != defaultDuration || got.Timeout != defaultTimeout) {
				t.Errorf("defaults: %+v", got)
			}
		})
	}
}
