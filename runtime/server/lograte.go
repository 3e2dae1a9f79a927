package server

import (
	"sync"
	"time"
)

// logInterval is the least time between two log lines of one key (a
// route) from a logLimiter.
const logInterval = time.Second

// maxLogKeys bounds the keys a logLimiter tracks: route names come from
// clients in part, so beyond it expired keys are dropped and the rest of
// the routes share one key.
const maxLogKeys = 1024

// logLimiter lets through at most one log line per key per logInterval
// and counts the lines it held back, for the next line of that key to
// report. The zero value is ready to use.
type logLimiter struct {
	mu   sync.Mutex
	keys map[string]*logWindow
}

// logWindow is the state of one key: when its last line went out, and
// how many were held back since.
type logWindow struct {
	at         int64
	suppressed int
}

// allow reports whether a line of key may be logged at now (nanoseconds
// on a monotonic clock) and, if so, how many lines of key it held back
// since the last one.
func (l *logLimiter) allow(key string, now int64) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.keys[key]
	if w == nil {
		key = l.room(key, now)
		w = l.keys[key]
	}
	if w == nil {
		if l.keys == nil {
			l.keys = map[string]*logWindow{}
		}
		l.keys[key] = &logWindow{at: now}
		return true, 0
	}
	if now-w.at < int64(logInterval) {
		w.suppressed++
		return false, 0
	}
	suppressed, w.at, w.suppressed = w.suppressed, now, 0
	return true, suppressed
}

// room returns the key under which a key seen for the first time is
// tracked: itself, or otherLogKey when the limiter holds maxLogKeys keys
// that still matter after dropping the expired ones. The caller holds mu.
func (l *logLimiter) room(key string, now int64) string {
	if len(l.keys) < maxLogKeys {
		return key
	}
	for k, w := range l.keys {
		if now-w.at >= int64(logInterval) && w.suppressed == 0 {
			delete(l.keys, k)
		}
	}
	if len(l.keys) < maxLogKeys {
		return key
	}
	return otherLogKey
}

// otherLogKey is the key of the routes beyond maxLogKeys.
const otherLogKey = "\x00other"
