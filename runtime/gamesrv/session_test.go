package gamesrv_test

import (
	"math"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// TestKeyEncodings: values are stored as the strings other servers (and
// other languages) read: decimal integers, "true"/"false"; a stored value
// that does not decode reads as absent, with the zero value.
func TestKeyEncodings(t *testing.T) {
	level, vip := gamesrv.Int64Key("level"), gamesrv.BoolKey("vip")
	tests := []struct {
		name   string
		set    func(s gamesrv.Session)
		key    string
		stored string
	}{
		{"int64 max", func(s gamesrv.Session) { level.Set(s, math.MaxInt64) }, "level", "9223372036854775807"},
		{"int64 min", func(s gamesrv.Session) { level.Set(s, math.MinInt64) }, "level", "-9223372036854775808"},
		{"bool true", func(s gamesrv.Session) { vip.Set(s, true) }, "vip", "true"},
		{"bool false", func(s gamesrv.Session) { vip.Set(s, false) }, "vip", "false"},
		{"string as is", func(s gamesrv.Session) { gamesrv.StringKey("name").Set(s, " ann\n") }, "name", " ann\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &mapSession{data: map[string]string{}}
			tt.set(s)
			if got := s.data[tt.key]; got != tt.stored {
				t.Errorf("stored %q, want %q", got, tt.stored)
			}
		})
	}
	reads := []struct {
		raw     string
		level   int64
		levelOK bool
		vip     bool
		vipOK   bool
	}{
		{"42", 42, true, false, false},
		{"1", 1, true, true, true}, // strconv.ParseBool's forms
		{"t", 0, false, true, true},
		{"FALSE", 0, false, false, true},
		{"", 0, false, false, false},
		{"9223372036854775808", 0, false, false, false}, // overflows
		{"4x", 0, false, false, false},
	}
	for _, r := range reads {
		s := &mapSession{data: map[string]string{"level": r.raw, "vip": r.raw}}
		if v, ok := level.Get(s); v != r.level || ok != r.levelOK {
			t.Errorf("level from %q: %v %v", r.raw, v, ok)
		}
		if v, ok := vip.Get(s); v != r.vip || ok != r.vipOK {
			t.Errorf("vip from %q: %v %v", r.raw, v, ok)
		}
	}
}

// TestNewKeyCodec: an application's key with its own codec.
func TestNewKeyCodec(t *testing.T) {
	ttl := gamesrv.NewKey("ttl", func(d time.Duration) string { return d.String() }, time.ParseDuration)
	s := &mapSession{data: map[string]string{}}
	if _, ok := ttl.Get(s); ok {
		t.Error("an unset key reads as set")
	}
	ttl.Set(s, 90*time.Second)
	if s.data["ttl"] != "1m30s" {
		t.Errorf("stored %q", s.data["ttl"])
	}
	if v, ok := ttl.Get(s); !ok || v != 90*time.Second {
		t.Errorf("read %v %v", v, ok)
	}
	ttl.Delete(s)
	if _, ok := s.data["ttl"]; ok {
		t.Error("Delete left the value")
	}
}
