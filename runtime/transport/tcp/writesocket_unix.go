//go:build unix

package tcp

import "golang.org/x/sys/unix"

// writeSocket writes to the non-blocking socket; a full socket buffer
// writes nothing (the rest is queued). It runs under the queue's lock, and
// gnet closes the descriptor only after OnClose, which closes the queue:
// the descriptor cannot have been reused by another connection.
func (c *conn) writeSocket(p []byte) (int, error) {
	for {
		n, err := unix.Write(c.fd, p)
		switch err {
		case nil:
			return n, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, nil
		}
		return 0, err
	}
}
