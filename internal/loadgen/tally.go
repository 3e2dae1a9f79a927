package loadgen

import "time"

// tally counts the outcomes of one sending goroutine; tallies are merged
// into the report at the end, so counting takes no lock.
type tally struct {
	sent, ok int
	errors   map[string]int        // allocated on the first failure
	first    map[string]firstError // the first failure of each key of errors
	lat      histogram
}

// firstError is the first failure counted under a key: when, and its
// message.
type firstError struct {
	at  time.Time
	msg string
}

// fail counts one failure under key; msg says what happened, and is kept
// if it is the first under key.
func (t *tally) fail(key, msg string) {
	t.add(key, 1)
	if _, seen := t.first[key]; !seen {
		t.keep(key, firstError{at: time.Now(), msg: msg})
	}
}

// add counts n failures under key.
func (t *tally) add(key string, n int) {
	if t.errors == nil {
		t.errors = map[string]int{}
	}
	t.errors[key] += n
}

// keep records f as the first failure under key, unless an earlier one
// is known.
func (t *tally) keep(key string, f firstError) {
	if t.first == nil {
		t.first = map[string]firstError{}
	}
	if cur, seen := t.first[key]; !seen || f.at.Before(cur.at) {
		t.first[key] = f
	}
}

// merge adds o to t.
func (t *tally) merge(o *tally) {
	t.sent += o.sent
	t.ok += o.ok
	for k, n := range o.errors {
		t.add(k, n)
	}
	for k, f := range o.first {
		t.keep(k, f)
	}
	t.lat.merge(&o.lat)
}

// messages returns the message of the first failure of each key, or nil.
func (t *tally) messages() map[string]string {
	if len(t.first) == 0 {
		return nil
	}
	m := make(map[string]string, len(t.first))
	for k, f := range t.first {
		m[k] = f.msg
	}
	return m
}
