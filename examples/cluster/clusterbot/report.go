package clusterbot

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// BotReport is what one bot saw.
type BotReport struct {
	Name string `json:"name"`
	Addr string `json:"addr"` // the connector it dialed
	Room string `json:"room"`
	// First is the room server of the bot's first Join, Before the one it
	// was on at Fleet.Mark, After the one it was on at the end.
	First  string `json:"first"`
	Before string `json:"before"`
	After  string `json:"after"`
	// OK counts the requests (Join and Ping) answered.
	OK int `json:"ok"`
	// Errors counts the failed requests by code: the code the server sent
	// ("GS-503"...), "timeout" when the bot's RequestTimeout expired, or
	// "local" for other client-side errors.
	Errors map[string]int `json:"errors,omitempty"`
	// FirstError is when the first request failed.
	FirstError time.Time `json:"first_error,omitzero"`
	// LastError is the text of the last error.
	LastError string `json:"last_error,omitempty"`
	// MaxTimeToFail is the longest time from sending a request to its
	// failure.
	MaxTimeToFail time.Duration `json:"max_time_to_fail_ns"`
	// Rejoins counts the successful joins after an error; RejoinedAt is
	// when the last one was answered.
	Rejoins    int       `json:"rejoins"`
	RejoinedAt time.Time `json:"rejoined_at,omitzero"`
	// PingsAfterRejoin counts the Pings answered after the first re-join.
	PingsAfterRejoin int `json:"pings_after_rejoin"`
	// Pushes counts the lines pushed to the bot, PushesAfter those that
	// arrived after the mark.
	Pushes      int64 `json:"pushes"`
	PushesAfter int64 `json:"pushes_after"`
	// Latency and LatencyAfter are the Ping latencies, sent before and
	// after the mark.
	Latency      []time.Duration `json:"-"`
	LatencyAfter []time.Duration `json:"-"`
	// AnsweredAfter counts, by room server, the requests sent after the
	// mark that were answered.
	AnsweredAfter map[string]int `json:"answered_after,omitempty"`
	// Failure says why the bot could not play (dial, login, first join,
	// lost connection).
	Failure string `json:"failure,omitempty"`
}

// ErrorCount is the number of failed requests.
func (b *BotReport) ErrorCount() int {
	n := 0
	for _, c := range b.Errors {
		n += c
	}
	return n
}

// Report is what a fleet saw.
type Report struct {
	Bots    []BotReport   `json:"bots"`
	Mark    time.Time     `json:"mark,omitzero"` // zero if Mark was not called
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Latencies returns the sorted Ping latencies of every bot, before or
// after the mark.
func (r *Report) Latencies(after bool) []time.Duration {
	var out []time.Duration
	for i := range r.Bots {
		if after {
			out = append(out, r.Bots[i].LatencyAfter...)
		} else {
			out = append(out, r.Bots[i].Latency...)
		}
	}
	slices.Sort(out)
	return out
}

// Percentile returns the p-quantile of sorted durations (0 if empty).
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// CountBy counts the bots by the room server key returns (Before, After...).
func (r *Report) CountBy(key func(*BotReport) string) map[string]int {
	out := map[string]int{}
	for i := range r.Bots {
		out[key(&r.Bots[i])]++
	}
	return out
}

// String describes one bot on a line.
func (b *BotReport) String() string {
	var errs []string
	for _, code := range slices.Sorted(maps.Keys(b.Errors)) {
		errs = append(errs, fmt.Sprintf("%s×%d", code, b.Errors[code]))
	}
	s := fmt.Sprintf("%-12s %-6s %s -> %s  ok %d  errors [%s] max time-to-fail %v  rejoins %d  pushes %d (%d after)",
		b.Name, scheme(b.Addr), b.Before, b.After, b.OK, strings.Join(errs, " "),
		b.MaxTimeToFail.Round(time.Microsecond), b.Rejoins, b.Pushes, b.PushesAfter)
	if b.Failure != "" {
		s += "  FAILURE " + b.Failure
	}
	return s
}

func scheme(addr string) string {
	s, _, _ := strings.Cut(addr, "://")
	return s
}
