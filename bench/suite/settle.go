package main

import (
	"fmt"
	"time"

	"github.com/gamesrv/gamesrv/internal/loadgen/procstat"
)

// settle describes how an RSS reading was taken.
type settle struct {
	RSS     int64         // the last reading
	Waited  time.Duration // from the first poll to the reading
	Settled bool          // false: the limit expired before RSS stabilized
}

// settledRSS polls pid's RSS every interval and returns it once the last
// window readings differ by at most tolerance bytes (a quiet period), or
// the last reading when limit expires.
func settledRSS(pid int, interval time.Duration, window int, tolerance int64, limit time.Duration) (settle, error) {
	start := time.Now()
	var recent []int64
	for {
		v, err := procstat.RSS(pid)
		if err != nil {
			return settle{}, err
		}
		recent = append(recent, v)
		if len(recent) > window {
			recent = recent[1:]
		}
		waited := time.Since(start)
		if len(recent) == window && spread(recent) <= tolerance {
			return settle{RSS: v, Waited: waited, Settled: true}, nil
		}
		if waited >= limit {
			return settle{RSS: v, Waited: waited}, nil
		}
		time.Sleep(interval)
	}
}

// text says how the reading was taken, for the details.
func (s settle) text() string {
	if s.Settled {
		return fmt.Sprintf("settled after %v", s.Waited.Round(time.Millisecond))
	}
	return fmt.Sprintf("NOT settled within %v (last reading kept)", s.Waited.Round(time.Millisecond))
}

// spread returns max - min of vs.
func spread(vs []int64) int64 {
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = min(lo, v), max(hi, v)
	}
	return hi - lo
}
