package testkit

import (
	"fmt"
	"os"
	"strings"
)

// Lingering reports whether an IPv4 TCP socket bound to local port port is
// in TIME_WAIT or FIN_WAIT_2: the side of a connection that closed first,
// which keeps the port busy for a minute for listeners without
// SO_REUSEADDR. It reads Linux's /proc/net/tcp and reports true where that
// file is missing, so a test's precondition check passes on other systems.
func Lingering(port int) bool {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return true
	}
	want := fmt.Sprintf(":%04X", port)
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 3 && strings.HasSuffix(f[1], want) && (f[3] == "05" || f[3] == "06") {
			return true
		}
	}
	return false
}
