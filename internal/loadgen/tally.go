package loadgen

// tally counts the outcomes of one sending goroutine; tallies are merged
// into the report at the end, so counting takes no lock.
type tally struct {
	sent, ok int
	errors   map[string]int // allocated on the first failure
	lat      histogram
}

// fail counts one failure under key.
func (t *tally) fail(key string) {
	t.add(key, 1)
}

// add counts n failures under key.
func (t *tally) add(key string, n int) {
	if t.errors == nil {
		t.errors = map[string]int{}
	}
	t.errors[key] += n
}

// merge adds o to t.
func (t *tally) merge(o *tally) {
	t.sent += o.sent
	t.ok += o.ok
	for k, n := range o.errors {
		t.add(k, n)
	}
	t.lat.merge(&o.lat)
}
