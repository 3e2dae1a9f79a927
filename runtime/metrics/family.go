package metrics

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// labelKey holds the label values of one series in the order of its
// family's label names; the slots a family does not use stay "".
type labelKey [3]string

// OtherValue is the label value that replaces the values of a label set
// beyond a family's series limit (see [PrometheusOptions.MaxSeries]).
const OtherValue = "other"

// family is the set of series of one shape, keyed by their label values.
//
// Finding an existing series takes no lock and allocates nothing: it is one
// lookup in read, an immutable map published through an atomic pointer. A
// label set read lacks goes through the mutex and all, which holds every
// series; all is published as the new read once the misses since the last
// publication reach its size, so the copies cost O(1) per miss amortized
// (the scheme of sync.Map). A new label set is thus found under the mutex
// until the next publication, and a folded one (below) always is.
//
// Past max series a new label set is folded: its first label (route, peer,
// server type or network, the ones a client or a peer can vary) becomes
// [OtherValue], and past 2×max every label does. A family therefore never
// holds more than 2×max+1 series.
type family[S any] struct {
	labels []string            // label names
	max    int                 // series before folding; <= 0: no limit
	make   func(k labelKey) *S // creates the series of a (folded) key
	read   atomic.Pointer[map[labelKey]*S]

	mu     sync.Mutex
	all    map[labelKey]*S // every series; guarded by mu
	misses int             // lookups that missed read since it was published; guarded by mu
}

// newFamily returns an empty family; mk may be nil for series whose zero
// value is ready.
func newFamily[S any](max int, mk func(labelKey) *S, labels ...string) *family[S] {
	if mk == nil {
		mk = func(labelKey) *S { return new(S) }
	}
	f := &family[S]{labels: labels, max: max, make: mk, all: map[labelKey]*S{}}
	f.read.Store(&map[labelKey]*S{})
	return f
}

// get returns the series of k, creating it (or finding the folded one) the
// first time.
func (f *family[S]) get(k labelKey) *S {
	if s := (*f.read.Load())[k]; s != nil {
		return s
	}
	return f.slow(k)
}

// slow finds or creates the series of k under the mutex.
func (f *family[S]) slow(k labelKey) *S {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.all[k]
	if s == nil {
		s = f.create(k)
	}
	if f.misses++; f.misses >= len(f.all) {
		f.misses = 0
		m := maps.Clone(f.all)
		f.read.Store(&m)
	}
	return s
}

// create returns the series k folds into, creating it if needed. f.mu must
// be held.
func (f *family[S]) create(k labelKey) *S {
	k = f.fold(k)
	if s := f.all[k]; s != nil {
		return s
	}
	k = cloneKey(k) // the map outlives the caller's strings
	s := f.make(k)
	f.all[k] = s
	return s
}

// fold returns the key k is counted under. f.mu must be held.
func (f *family[S]) fold(k labelKey) labelKey {
	if f.max <= 0 || len(f.all) < f.max {
		return k
	}
	k[0] = OtherValue
	if _, ok := f.all[k]; ok || len(f.all) < 2*f.max {
		return k
	}
	for i := range f.labels {
		k[i] = OtherValue
	}
	return k
}

func cloneKey(k labelKey) labelKey {
	for i := range k {
		k[i] = strings.Clone(k[i])
	}
	return k
}

// entry is one series of a snapshot.
type entry[S any] struct {
	key labelKey
	s   *S
}

// snapshot returns the family's series sorted by label values.
func (f *family[S]) snapshot() []entry[S] {
	f.mu.Lock()
	out := make([]entry[S], 0, len(f.all))
	for k, s := range f.all {
		out = append(out, entry[S]{key: k, s: s})
	}
	f.mu.Unlock()
	slices.SortFunc(out, func(a, b entry[S]) int { return compareKeys(a.key, b.key) })
	return out
}

func compareKeys(a, b labelKey) int {
	for i := range a {
		if c := cmp.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}
