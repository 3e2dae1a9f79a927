package loadgen

import (
	"fmt"
	"time"

	"github.com/gamesrv/gamesrv/internal/loadgen/procstat"
)

// procSample is what /proc says about a process at one moment.
type procSample struct {
	cpu time.Duration // utime + stime
	rss int64         // bytes
}

// sampleProc reads the CPU time and resident set size of process pid.
func sampleProc(pid int) (procSample, error) {
	cpu, err := procstat.CPU(pid)
	if err != nil {
		return procSample{}, fmt.Errorf("loadgen: server cpu: %w", err)
	}
	rss, err := procstat.RSS(pid)
	if err != nil {
		return procSample{}, fmt.Errorf("loadgen: server rss: %w", err)
	}
	return procSample{cpu: cpu, rss: rss}, nil
}

// sampleCPUs reads the CPU time of each process of pids.
func sampleCPUs(pids []int) ([]time.Duration, error) {
	if len(pids) == 0 {
		return nil, nil
	}
	out := make([]time.Duration, len(pids))
	for i, pid := range pids {
		cpu, err := procstat.CPU(pid)
		if err != nil {
			return nil, fmt.Errorf("loadgen: cpu of extra process %d: %w", pid, err)
		}
		out[i] = cpu
	}
	return out, nil
}
