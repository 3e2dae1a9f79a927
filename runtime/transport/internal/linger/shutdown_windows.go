package linger

import "golang.org/x/sys/windows"

// shutdownWrite shuts the socket's output down: the FIN follows the last
// byte sent.
func shutdownWrite(fd int) error { return windows.Shutdown(windows.Handle(fd), windows.SHUT_WR) }
