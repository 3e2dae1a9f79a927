package server

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// TestOptionsDefaults: the zero value of each field gives the default its
// doc states, and the fields derived from others follow them.
func TestOptionsDefaults(t *testing.T) {
	o := Options{}.withDefaults()
	checks := []struct {
		name      string
		got, want any
	}{
		{"Logger", o.Logger, slog.Default()},
		{"Heartbeat", o.Heartbeat, 30 * time.Second},
		{"HandshakeTimeout", o.HandshakeTimeout, 10 * time.Second},
		{"MaxBodySize", o.MaxBodySize, 1 << 20},
		{"MaxInflatedSize", o.MaxInflatedSize, 256 << 10},
		{"MaxInflatedBytesPerSecond", o.MaxInflatedBytesPerSecond, 4 << 20},
		{"MaxHandshakeSize", o.MaxHandshakeSize, 4 << 10},
		{"MaxPendingBytes", o.MaxPendingBytes, 4 << 20},
		{"MaxConnections", o.MaxConnections, 100_000},
		{"MaxConnectionsPerIP", o.MaxConnectionsPerIP, 0},
		{"QueueSize", o.QueueSize, 64},
		{"ShutdownTimeout", o.ShutdownTimeout, 10 * time.Second},
		{"ForwardTimeout", o.ForwardTimeout, 5 * time.Second},
		{"BindWait", o.BindWait, 10 * time.Second},
		{"RequestTimeout", o.RequestTimeout, time.Duration(0)},
		{"Serializer", o.Serializer, gamesrv.Serializer(gamesrv.ProtobufSerializer{})},
		{"Metrics", o.Metrics, metrics.Recorder(metrics.Nop{})},
		{"Compression", o.Compression, Compression{Level: 1}},
		{"RateLimit", o.RateLimit, RateLimit{}},
		{"DuplicateLogin", o.DuplicateLogin, KickOld},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestOptionsAdjusted: values out of range are replaced, derived values
// follow what they derive from, "no limit" values are kept.
func TestOptionsAdjusted(t *testing.T) {
	tests := []struct {
		name  string
		in    Options
		check func(o Options) bool
	}{
		{"heartbeat rounded to seconds", Options{Heartbeat: 2400 * time.Millisecond}, func(o Options) bool { return o.Heartbeat == 2*time.Second }},
		{"heartbeat at least 1 s", Options{Heartbeat: 300 * time.Millisecond}, func(o Options) bool { return o.Heartbeat == time.Second }},
		{"body capped at the protocol's limit", Options{MaxBodySize: wire.MaxBodyLen + 1}, func(o Options) bool { return o.MaxBodySize == wire.MaxBodyLen }},
		{"inflated size bounded by a small body size", Options{MaxBodySize: 1000}, func(o Options) bool { return o.MaxInflatedSize == 1000 }},
		{"inflated size kept", Options{MaxInflatedSize: 1 << 20}, func(o Options) bool { return o.MaxInflatedSize == 1<<20 }},
		{"no inflate budget", Options{MaxInflatedBytesPerSecond: -1}, func(o Options) bool { return o.MaxInflatedBytesPerSecond == -1 }},
		{"no connection limit", Options{MaxConnections: -1}, func(o Options) bool { return o.MaxConnections == -1 }},
		{"burst from the rate", Options{RateLimit: RateLimit{Rate: 2.5}}, func(o Options) bool { return o.RateLimit.Burst == 3 }},
		{"burst at least 1", Options{RateLimit: RateLimit{Rate: 0.2}}, func(o Options) bool { return o.RateLimit.Burst == 1 }},
		{"burst kept", Options{RateLimit: RateLimit{Rate: 10, Burst: 4}}, func(o Options) bool { return o.RateLimit.Burst == 4 }},
		{"no burst without a rate", Options{RateLimit: RateLimit{Burst: 0}}, func(o Options) bool { return o.RateLimit.Burst == 0 }},
		{"compression level defaulted", Options{Compression: Compression{Threshold: 100, Level: -3}}, func(o Options) bool {
			return o.Compression == Compression{Threshold: 100, Level: 1}
		}},
		{"compression level kept", Options{Compression: Compression{Level: 9}}, func(o Options) bool { return o.Compression.Level == 9 }},
		{"negative durations are defaults", Options{HandshakeTimeout: -1, ShutdownTimeout: -1, BindWait: -1, ForwardTimeout: -1}, func(o Options) bool {
			return o.HandshakeTimeout == 10*time.Second && o.ShutdownTimeout == 10*time.Second && o.BindWait == 10*time.Second && o.ForwardTimeout == 5*time.Second
		}},
		{"serializer kept", Options{Serializer: gamesrv.JSONSerializer{}}, func(o Options) bool { return o.Serializer.Name() == gamesrv.SerializerJSON }},
	}
	for _, tt := range tests {
		if o := tt.in.withDefaults(); !tt.check(o) {
			t.Errorf("%s: got %+v", tt.name, o)
		}
	}
}

// TestNewValidatesOptions: New refuses the options it cannot use, with an
// error wrapping ErrInvalidOptions that names each problem, and accepts
// the zero value, valid names and negative limits (defaults or "no limit").
func TestNewValidatesOptions(t *testing.T) {
	validator := func(context.Context, gamesrv.Session, *wire.HandshakeRequest) error { return nil }
	tests := []struct {
		name string
		in   Options
		want []string // in the error; nil: New succeeds
	}{
		{"zero value", Options{}, nil},
		{"valid names", Options{ServerID: "room-1.eu:a_b", ServerType: "room_2-x"}, nil},
		{"negative limits", Options{MaxConnections: -1, MaxInflatedBytesPerSecond: -1, QueueSize: -5, MaxBodySize: -1, Heartbeat: -time.Second}, nil},
		{"rate limit", Options{RateLimit: RateLimit{Rate: 5, Burst: 2, Disconnect: true}}, nil},
		{"validators", Options{HandshakeValidators: []HandshakeValidator{validator}}, nil},
		{"space in the id", Options{ServerID: "room 1"}, []string{"ServerID", `' '`}},
		{"slash in the id", Options{ServerID: "a/b"}, []string{"ServerID", `'/'`}},
		{"long id", Options{ServerID: strings.Repeat("a", 129)}, []string{"ServerID", "longer than 128"}},
		{"dot in the type", Options{ServerType: "chat.room"}, []string{"ServerType", `'.'`}},
		{"NaN rate", Options{RateLimit: RateLimit{Rate: math.NaN()}}, []string{"RateLimit.Rate"}},
		{"negative rate", Options{RateLimit: RateLimit{Rate: -1}}, []string{"RateLimit.Rate"}},
		{"infinite rate", Options{RateLimit: RateLimit{Rate: math.Inf(1)}}, []string{"RateLimit.Rate"}},
		{"burst without a rate", Options{RateLimit: RateLimit{Burst: 10}}, []string{"without a Rate"}},
		{"disconnect without a rate", Options{RateLimit: RateLimit{Disconnect: true}}, []string{"without a Rate"}},
		{"negative threshold", Options{Compression: Compression{Threshold: -1}}, []string{"Compression.Threshold"}},
		{"level over 9", Options{Compression: Compression{Threshold: 100, Level: 12}}, []string{"Compression.Level 12"}},
		{"negative request timeout", Options{RequestTimeout: -time.Second}, []string{"RequestTimeout"}},
		{"unknown duplicate-login policy", Options{DuplicateLogin: 7}, []string{"DuplicateLogin 7"}},
		{"nil validator", Options{HandshakeValidators: []HandshakeValidator{validator, nil}}, []string{"HandshakeValidators[1]"}},
		{"every problem named", Options{ServerID: "a b", RequestTimeout: -1}, []string{"ServerID", "RequestTimeout"}},
	}
	for _, tt := range tests {
		srv, err := New(tt.in)
		if tt.want == nil {
			if err != nil || srv == nil {
				t.Errorf("%s: New = %v, %v; want a server", tt.name, srv, err)
			}
			continue
		}
		if srv != nil || !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%s: New = %v, %v; want ErrInvalidOptions", tt.name, srv, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not mention %q", tt.name, err, w)
			}
		}
	}
}
