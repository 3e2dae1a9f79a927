package baseline

import (
	"bufio"
	"encoding/binary"
	"errors"
	"net"
	"sync"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// The forwarding baseline is the ceiling of row 7: the smallest frontend
// and backend with the structure of gamesrv's forwarded path and none of
// its protocol. The frontend's event loop reads the clients' requests and
// queues each one's message on one TCP link; a goroutine writes every
// frame queued until its write starts; a goroutine reads the backend's
// replies and writes each to its client's socket. The backend (ServeLink)
// reads the link and answers every frame of one read in one write. A link
// frame is the client connection's id (uint32, little-endian), the
// length of what follows (uint32) and the bytes: a Pomelo message towards
// the backend, the client's whole response packet back.

// linkHeaderLen is the length of a link frame's header.
const linkHeaderLen = 8

// forwarder is a forwarding frontend's link and its connections.
type forwarder struct {
	link net.Conn

	mu     sync.RWMutex
	conns  map[uint32]*clientConn
	nextID uint32

	qmu     sync.Mutex
	queued  []byte        // frames for the writer
	wake    chan struct{} // the writer has frames (capacity 1)
	stopped chan struct{} // closed by stop
	once    sync.Once
	done    sync.WaitGroup
}

// clientConn is a client connection of a forwarding frontend. Both the
// event loop (handshake and heartbeat answers) and the link's reader
// (responses) write to its socket, each packet whole, under mu.
type clientConn struct {
	id     uint32
	c      gnet.Conn
	fd     int
	mu     sync.Mutex
	closed bool // set before gnet closes fd, which may then be reused
}

// dialBackend connects to a ServeLink backend at addr and starts the
// link's writer and reader.
func dialBackend(addr string) (*forwarder, error) {
	link, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	f := &forwarder{link: link, conns: map[uint32]*clientConn{}, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	f.done.Add(2)
	go f.writeLink()
	go f.readLink()
	return f, nil
}

// stop closes the link and waits for its goroutines.
func (f *forwarder) stop() {
	f.once.Do(func() {
		close(f.stopped)
		_ = f.link.Close()
	})
	f.done.Wait()
}

// open registers a new client connection.
func (f *forwarder) open(c gnet.Conn) {
	cc := &clientConn{c: c, fd: c.Fd()}
	f.mu.Lock()
	f.nextID++
	cc.id = f.nextID
	f.conns[cc.id] = cc
	f.mu.Unlock()
	c.SetContext(cc)
}

// close forgets a client connection; gnet closes its socket after.
func (f *forwarder) close(c gnet.Conn) {
	cc, ok := c.Context().(*clientConn)
	if !ok {
		return
	}
	f.mu.Lock()
	delete(f.conns, cc.id)
	f.mu.Unlock()
	cc.mu.Lock()
	cc.closed = true
	cc.mu.Unlock()
}

// onTraffic answers the handshakes and heartbeats buffered on c and queues
// its requests' messages on the link, in one hand-off to the writer.
func (f *forwarder) onTraffic(s *Server, c gnet.Conn) gnet.Action {
	cc := c.Context().(*clientConn)
	outp, framesp := s.bufs.Get().(*[]byte), s.bufs.Get().(*[]byte)
	frames := (*framesp)[:0]
	out, action := s.drain(c, (*outp)[:0], func(msg []byte) { frames = appendLinkFrame(frames, cc.id, msg) })
	if len(out) > 0 && action == gnet.None && cc.write(out) != nil {
		action = gnet.Close
	}
	if len(frames) > 0 {
		f.queue(frames)
	}
	*outp, *framesp = out, frames
	s.bufs.Put(outp)
	s.bufs.Put(framesp)
	return action
}

// queue hands frames to the link's writer.
func (f *forwarder) queue(frames []byte) {
	f.qmu.Lock()
	f.queued = append(f.queued, frames...)
	f.qmu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// writeLink writes every frame queued until its write starts.
func (f *forwarder) writeLink() {
	defer f.done.Done()
	var buf []byte
	for {
		select {
		case <-f.wake:
		case <-f.stopped:
			return
		}
		f.qmu.Lock()
		buf, f.queued = f.queued, buf[:0]
		f.qmu.Unlock()
		if _, err := f.link.Write(buf); err != nil {
			return
		}
	}
}

// readLink writes each reply to its client, if it is still connected,
// until the link fails or closes; requests in flight then get no answer,
// which the load generator counts as failed.
func (f *forwarder) readLink() {
	defer f.done.Done()
	br := bufio.NewReaderSize(f.link, 64<<10)
	for {
		id, packet, err := readLinkFrame(br)
		if err != nil {
			return
		}
		f.mu.RLock()
		cc := f.conns[id]
		f.mu.RUnlock()
		if cc != nil {
			if err := cc.write(packet); err != nil && !errors.Is(err, net.ErrClosed) {
				_ = cc.c.Close()
			}
		}
		if _, err := br.Discard(linkHeaderLen + len(packet)); err != nil {
			return
		}
	}
}

// write writes p to the client's socket whole. A socket that takes only
// part of it (its buffer full: a client that does not read) is an error:
// the baseline keeps no outbound queue.
func (cc *clientConn) write(p []byte) error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.closed {
		return net.ErrClosed
	}
	for len(p) > 0 {
		n, err := unix.Write(cc.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// appendLinkFrame appends a link frame of id and p to dst.
func appendLinkFrame(dst []byte, id uint32, p []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, id)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(p)))
	return append(dst, p...)
}

// readLinkFrame peeks at the next link frame of br: its id and its bytes,
// valid until the caller discards them (header included).
func readLinkFrame(br *bufio.Reader) (id uint32, p []byte, err error) {
	hdr, err := br.Peek(linkHeaderLen)
	if err != nil {
		return 0, nil, err
	}
	n := int(binary.LittleEndian.Uint32(hdr[4:]))
	if linkHeaderLen+n > br.Size() {
		return 0, nil, errors.New("baseline: link frame longer than the link's read buffer")
	}
	frame, err := br.Peek(linkHeaderLen + n)
	if err != nil {
		return 0, nil, err
	}
	return binary.LittleEndian.Uint32(hdr), frame[linkHeaderLen:], nil
}

// ServeLink is the forwarding baseline's backend: it accepts links from
// frontends (Options.Backend) on ln and answers each frame's request with
// a Response carrying its payload (notifies get none), the answers to
// every frame of one read in one write. Once ln is closed it closes the
// links it accepted, waits for them and returns.
func ServeLink(ln net.Listener) error {
	var (
		mu    sync.Mutex
		links = map[net.Conn]struct{}{}
		wg    sync.WaitGroup
	)
	defer func() {
		mu.Lock()
		for c := range links {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		mu.Lock()
		links[c] = struct{}{}
		mu.Unlock()
		wg.Go(func() {
			serveLink(c)
			mu.Lock()
			delete(links, c)
			mu.Unlock()
		})
	}
}

// serveLink echoes one link's frames until it ends.
func serveLink(c net.Conn) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 64<<10)
	var out, packet []byte
	for {
		id, msg, err := readLinkFrame(br)
		if err != nil {
			return
		}
		if packet, err = echo(packet[:0], msg); err != nil {
			return
		}
		if len(packet) > 0 {
			out = appendLinkFrame(out, id, packet)
		}
		if _, err := br.Discard(linkHeaderLen + len(msg)); err != nil {
			return
		}
		if br.Buffered() == 0 && len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				return
			}
			out = out[:0]
		}
	}
}
