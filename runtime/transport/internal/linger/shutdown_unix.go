//go:build unix

package linger

import "golang.org/x/sys/unix"

// shutdownWrite shuts the socket's output down: the FIN follows the last
// byte sent.
func shutdownWrite(fd int) error { return unix.Shutdown(fd, unix.SHUT_WR) }
