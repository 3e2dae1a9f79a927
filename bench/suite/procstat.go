package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// rss returns the resident set size of process pid in bytes (VmRSS).
func rss(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("VmRSS of %d: %w", pid, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

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
		v, err := rss(pid)
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

// spread returns max - min of vs.
func spread(vs []int64) int64 {
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = min(lo, v), max(hi, v)
	}
	return hi - lo
}

// cpuTime returns the user+system CPU time of process pid
// (/proc/<pid>/stat, in clock ticks of 10 ms: USER_HZ is 100 on every
// Linux platform Go supports).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	// The command name is in parentheses and may hold spaces: utime and
	// stime are the 12th and 13th fields after the last ')'.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}
