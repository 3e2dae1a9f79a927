package loadgen

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTicks is sysconf(_SC_CLK_TCK): 100 on every Linux platform Go
// supports (the kernel's USER_HZ), so it is assumed rather than queried.
const clockTicks = 100

// procSample is what /proc says about a process at one moment.
type procSample struct {
	cpu time.Duration // utime + stime
	rss int64         // bytes
}

// sampleProc reads the CPU time and resident set size of process pid.
func sampleProc(pid int) (procSample, error) {
	cpu, err := procCPU(pid)
	if err != nil {
		return procSample{}, err
	}
	rss, err := procRSS(pid)
	return procSample{cpu: cpu, rss: rss}, err
}

// procCPU returns utime+stime from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("loadgen: server cpu: %w", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// fields are counted from the last ')'. utime and stime are fields
	// 14 and 15, the 12th and 13th after it.
	end := bytes.LastIndexByte(b, ')')
	fields := bytes.Fields(b[end+1:])
	if end < 0 || len(fields) < 13 {
		return 0, fmt.Errorf("loadgen: server cpu: malformed /proc/%d/stat", pid)
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("loadgen: server cpu: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// procRSS returns VmRSS from /proc/<pid>/status, in bytes.
func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("loadgen: server rss: %w", err)
	}
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest) // "12345", "kB"
		if len(f) == 0 {
			break
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("loadgen: server rss: %w", err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("loadgen: server rss: no VmRSS in /proc/%d/status", pid)
}
