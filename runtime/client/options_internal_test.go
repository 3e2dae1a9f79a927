package client

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// TestOptionsDefaults: the zero value of each field gives the default its
// doc states; values set are kept, out-of-range ones replaced.
func TestOptionsDefaults(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	tests := []struct {
		name  string
		in    Options
		check func(t *testing.T, o Options)
	}{
		{"zero value", Options{}, func(t *testing.T, o Options) {
			if o.Logger != slog.Default() || o.DialTimeout != 10*time.Second || o.WriteTimeout != 10*time.Second ||
				o.MaxBodySize != wire.MaxBodyLen || o.PushQueue != 256 {
				t.Errorf("defaults: %+v", o)
			}
			if o.Sys.Platform != "go" || o.Sys.LibVersion != gamesrv.Version {
				t.Errorf("sys %+v, want platform go and the runtime's version", o.Sys)
			}
		}},
		{"values kept", Options{Logger: logger, DialTimeout: time.Second, WriteTimeout: 2 * time.Second, MaxBodySize: 1024, PushQueue: 8},
			func(t *testing.T, o Options) {
				if o.Logger != logger || o.DialTimeout != time.Second || o.WriteTimeout != 2*time.Second || o.MaxBodySize != 1024 || o.PushQueue != 8 {
					t.Errorf("got %+v", o)
				}
			}},
		{"negative values are defaults", Options{DialTimeout: -1, WriteTimeout: -1, MaxBodySize: -1, PushQueue: -1},
			func(t *testing.T, o Options) {
				if o.DialTimeout != 10*time.Second || o.WriteTimeout != 10*time.Second || o.MaxBodySize != wire.MaxBodyLen || o.PushQueue != 256 {
					t.Errorf("got %+v", o)
				}
			}},
		{"body size capped at the protocol's limit", Options{MaxBodySize: wire.MaxBodyLen + 1}, func(t *testing.T, o Options) {
			if o.MaxBodySize != wire.MaxBodyLen {
				t.Errorf("MaxBodySize %d, want %d", o.MaxBodySize, wire.MaxBodyLen)
			}
		}},
		{"sys given is kept", Options{Sys: wire.HandshakeSys{Type: "unity", Version: "1.2"}}, func(t *testing.T, o Options) {
			if o.Sys.Type != "unity" || o.Sys.Version != "1.2" || o.Sys.Platform != "" {
				t.Errorf("sys %+v", o.Sys)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, tt.in.withDefaults()) })
	}
}

// TestSplitAddr: the scheme chooses the transport; no scheme is TCP.
func TestSplitAddr(t *testing.T) {
	tests := []struct {
		addr, scheme, hostport string
		ok                     bool
	}{
		{"127.0.0.1:3250", "tcp", "127.0.0.1:3250", true},
		{"tcp://h:1", "tcp", "h:1", true},
		{"kcp://h:2", "kcp", "h:2", true},
		{"ws://h:3/path", "ws", "h:3/path", true},
		{"tls://[::1]:4", "tls", "[::1]:4", true},
		{"TCP://h:1", "", "", false},
		{"quic://h:5", "", "", false},
		{"://h:6", "", "", false},
	}
	for _, tt := range tests {
		scheme, hostport, err := splitAddr(tt.addr)
		if (err == nil) != tt.ok || scheme != tt.scheme || hostport != tt.hostport {
			t.Errorf("splitAddr(%q) = %q, %q, %v", tt.addr, scheme, hostport, err)
		}
	}
}

// TestKickError: the reason of a Kick packet, whatever its body.
func TestKickError(t *testing.T) {
	tests := []struct {
		body, reason, msg string
	}{
		{`{"reason":"maintenance"}`, "maintenance", "client: kicked by the server: maintenance"},
		{``, "", "client: kicked by the server"}, // Pitaya's empty kick
		{`{}`, "", "client: kicked by the server"},
		{`not json`, "", "client: kicked by the server"},
		{`{"reason":7}`, "", "client: kicked by the server"},
	}
	for _, tt := range tests {
		err := kickError([]byte(tt.body))
		var k *KickError
		if !errors.As(err, &k) || k.Reason != tt.reason || err.Error() != tt.msg {
			t.Errorf("kick %q: %v (reason %q)", tt.body, err, k.Reason)
		}
	}
}
