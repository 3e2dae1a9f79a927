package server

import (
	"fmt"
	"testing"
	"time"
)

func TestLogLimiter(t *testing.T) {
	const s = int64(time.Second)
	type step struct {
		key        string
		at         int64
		ok         bool
		suppressed int
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first line goes out", []step{{"a", 0, true, 0}}},
		{"one line per second, the held-back count with the next", []step{
			{"a", 0, true, 0}, {"a", 1, false, 0}, {"a", s / 2, false, 0}, {"a", s - 1, false, 0},
			{"a", s, true, 3}, {"a", s + 1, false, 0}, {"a", 5 * s, true, 1}, {"a", 7 * s, true, 0},
		}},
		{"routes are limited apart", []step{
			{"a", 0, true, 0}, {"b", 1, true, 0}, {"a", 2, false, 0}, {"b", 3, false, 0}, {"b", s + 1, true, 1}, {"a", s + 2, true, 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l logLimiter
			for i, st := range tt.steps {
				ok, n := l.allow(st.key, st.at)
				if ok != st.ok || n != st.suppressed {
					t.Fatalf("step %d: allow(%q, %d) = %v, %d; want %v, %d", i, st.key, st.at, ok, n, st.ok, st.suppressed)
				}
			}
		})
	}
}

// TestLogLimiterBoundsKeys: route names come from clients, so the keys
// are bounded; beyond the bound new routes share one key, until old keys
// expire.
func TestLogLimiterBoundsKeys(t *testing.T) {
	var l logLimiter
	for i := range maxLogKeys {
		if ok, _ := l.allow(fmt.Sprint("route-", i), 0); !ok {
			t.Fatalf("route %d refused", i)
		}
	}
	if ok, _ := l.allow("late-1", 1); !ok {
		t.Fatal("the first route beyond the bound was refused")
	}
	if ok, _ := l.allow("late-2", 2); ok {
		t.Fatal("a second route beyond the bound was not limited with the first")
	}
	if len(l.keys) > maxLogKeys+1 {
		t.Fatalf("%d keys tracked, bound %d", len(l.keys), maxLogKeys)
	}
	if ok, _ := l.allow("late-3", int64(time.Second)); !ok || l.keys["late-3"] == nil {
		t.Fatal("expired keys were not dropped to make room")
	}
	if len(l.keys) > maxLogKeys+1 {
		t.Fatalf("%d keys tracked, bound %d", len(l.keys), maxLogKeys)
	}
}
