// Package rlimit raises the open-file limit of the benchmark's processes,
// which hold tens of thousands of sockets.
package rlimit

import (
	"fmt"
	"syscall"
)

// RaiseNoFile raises RLIMIT_NOFILE towards n and returns the soft limit in
// force afterwards. Raising the hard limit needs CAP_SYS_RESOURCE; without
// it the soft limit is raised to the hard limit, which is not an error: the
// caller compares the result with what it needs.
func RaiseNoFile(n uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if lim.Cur >= n {
		return lim.Cur, nil
	}
	want := syscall.Rlimit{Cur: n, Max: max(lim.Max, n)}
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) == nil {
		return n, nil
	}
	if lim.Cur >= lim.Max {
		return lim.Cur, nil
	}
	want = syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		return lim.Cur, fmt.Errorf("setrlimit NOFILE %d: %w", lim.Max, err)
	}
	return lim.Max, nil
}
