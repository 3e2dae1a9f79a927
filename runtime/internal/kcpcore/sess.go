// The MIT License (MIT)
//
// # Copyright (c) 2015 xtaci
//
// Permission is hereby granted, free of charge, to any person obtaining a copy
// of this software and associated documentation files (the "Software"), to deal
// in the Software without restriction, including without limitation the rights
// to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
// copies of the Software, and to permit persons to whom the Software is
// furnished to do so, subject to the following conditions:
//
// The above copyright notice and this permission notice shall be included in all
// copies or substantial portions of the Software.
//
// THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
// IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
// FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
// AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
// LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
// OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
// SOFTWARE.

// [THE GENERALIZED DATA PIPELINE FOR KCP-GO]
//
// Outgoing Data Pipeline:                        Incoming Data Pipeline:

// Package kcpcore is kcp-go v5.6.35 (github.com/xtaci/kcp-go,
// MIT licence, see LICENSE), trimmed so that an idle session holds only its
// ARQ state. Compared with kcp-go's UDPSession, a session here has:
//
//   - no goroutine of its own (but the reader of a dialled session's
//     socket): kcp-go's postProcess goroutine, its channel of
//     2048 datagrams (48 KiB) and its batch of 2048 messages (180 KiB) are
//     gone; a datagram is sealed (FEC, CRC32, encryption) and written with
//     WriteTo as the ARQ outputs it, under the session's lock;
//   - no buffers while idle: the ARQ's queues grow on their first segment
//     and are dropped when empty, its flush buffer comes from a pool, the
//     stream buffer of Read is allocated only for a message larger than the
//     reader's buffer;
//   - one nonce generator per listener instead of one AES cipher per session;
//   - no timer while idle: kcp-go flushes every session at its interval
//     forever; here a session whose ARQ has nothing to send, retransmit or
//     acknowledge leaves the timed scheduler until a datagram arrives or
//     it writes (a flush then would do nothing);
//   - no allocation per datagram beyond the reading of its source address:
//     the read deadline is a channel with one timer per session (kcp-go made
//     a timer in every Read and Write), the listener keys sessions by
//     netip.AddrPort (kcp-go by addr.String()), the buffer pool holds array
//     pointers and the receive buffer is a typed heap (both boxed a value
//     per datagram in kcp-go); BenchmarkKCPRequest in runtime/server went
//     from 82 to 43 allocations per request with kcp-go's client, and to
//     10 with Dial's;
//   - acknowledgements without delay (SetACKNoDelay) travel with the next
//     datagram the session sends within a millisecond, the answer to the
//     request usually, where kcp-go sends each in a datagram of its own:
//     a request and its answer cost the server one datagram, not two (and
//     two in all with Dial's client, not three). For the same reason the
//     ARQ does not flush when only its window slid (KCP.Input).
//
// The wire format, the ARQ (kcp.go, verbatim but for the buffers, the
// receive heap and the ACK policy), FEC (fec.go) and the behaviour of Read, Write, read
// deadlines and Close are kcp-go's, so kcp-go clients talk to it
// unchanged. SetWriteDeadline does nothing, as in kcp-go, which kept the
// write deadline without reading it. Dial opens a client session with the
// same properties, which the Go client (runtime/client) uses. The SNMP
// counters are not kept.
package kcpcore

import (
	"crypto/rand"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/errors"
	kcpgo "github.com/xtaci/kcp-go/v5"
)

const (
	// 16-bytes nonce for each packet
	nonceSize = 16

	// 4-bytes packet checksum
	crcSize = 4

	// overall crypto header size
	cryptHeaderSize = nonceSize + crcSize

	// maximum packet size
	mtuLimit = 1500

	// accept backlog
	acceptBacklog = 128

	// max latency for consecutive FEC encoding, in millisecond
	maxFECEncodeLatency = 500
)

// BlockCrypt is kcp-go's packet cipher.
type BlockCrypt = kcpgo.BlockCrypt

var (
	errTimeout = timeoutError{}
)

// timeoutError implements net.Error
type timeoutError struct{}

func (timeoutError) Error() string   { return "timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// xmitBuf is kcp-go's pool of datagram buffers, shared by the ARQ's
// segments, its flushes, FEC and the sealing of datagrams. It holds array
// pointers where kcp-go's holds slices, whose every Put allocated a slice
// header (24 bytes, two to four times per request); take and give buffers
// with getBuf and putBuf.
var xmitBuf = sync.Pool{New: func() any { return new([mtuLimit]byte) }}

// getBuf returns a buffer of mtuLimit bytes from xmitBuf.
func getBuf() []byte { return xmitBuf.Get().(*[mtuLimit]byte)[:] }

// putBuf gives b, which getBuf returned (resliced from its start), back to
// xmitBuf. A slice of smaller capacity is not one of the pool's and is
// left to the collector.
func putBuf(b []byte) {
	if cap(b) >= mtuLimit {
		xmitBuf.Put((*[mtuLimit]byte)(b[:mtuLimit]))
	}
}

// UDPSession is a KCP session: one a Listener accepted, or one Dial
// opened.
type UDPSession struct {
	conn  net.PacketConn // the listener's packet connection, or the dialled socket
	udp   *net.UDPConn   // the dialled socket, connected to remote; nil for an accepted session
	kcp   *KCP           // KCP ARQ protocol
	l     *Listener      // the listener that accepted it; nil for a dialled session
	nonce *nonce         // the nonces of sealed datagrams: the listener's, or the dialled session's own
	block BlockCrypt     // block encryption object

	// kcp receiving is based on packets; recvbuf turns packets into a
	// stream when the reader's buffer is too small (allocated then)
	recvbuf []byte
	bufptr  []byte

	// FEC codec
	fecDecoder *fecDecoder
	fecEncoder *fecEncoder

	// settings
	remote     net.Addr   // remote peer address
	key        SessionKey // remote (addrKey) and the conversation: the listener's key
	rd         deadline   // the read deadline, Read's and WriteBuffers'
	headerSize int        // the header size additional to a KCP frame
	ackNoDelay bool       // acknowledge within ackWindow (SetACKNoDelay)
	writeDelay bool       // delay kcp.flush() for Write() for bulk transfer

	// notifications
	die          chan struct{} // notify current session has Closed
	dieOnce      sync.Once
	chReadEvent  chan struct{} // notify Read() can be called without blocking
	chWriteEvent chan struct{} // notify Write() can be called without blocking

	// socket error handling
	socketReadError      atomic.Value
	socketWriteError     atomic.Value
	chSocketReadError    chan struct{}
	chSocketWriteError   chan struct{}
	socketReadErrorOnce  sync.Once
	socketWriteErrorOnce sync.Once

	ackWindow time.Duration // ackWindow; tests change it
	ackTimer  *time.Timer   // sends the acknowledgements still due at the end of ackWindow; under mu
	ackArmed  bool          // ackTimer will fire, or its func is about to run; under mu

	updateFn  func() // update, as one func value for the scheduler
	scheduled bool   // an update is pending in the timed scheduler; under mu

	mu sync.Mutex
}

// newUDPSession creates a session that writes to remote on conn; the
// caller sets l or udp.
func newUDPSession(conv uint32, dataShards, parityShards int, conn net.PacketConn, remote net.Addr, block BlockCrypt, nonce *nonce) *UDPSession {
	sess := new(UDPSession)
	sess.die = make(chan struct{})
	sess.chReadEvent = make(chan struct{}, 1)
	sess.chWriteEvent = make(chan struct{}, 1)
	sess.chSocketReadError = make(chan struct{})
	sess.chSocketWriteError = make(chan struct{})
	sess.rd.cancel = make(chan struct{})
	sess.ackWindow = ackWindow
	sess.remote = remote
	sess.conn = conn
	sess.nonce = nonce
	sess.block = block

	// FEC codec initialization
	sess.fecDecoder = newFECDecoder(dataShards, parityShards)
	if sess.block != nil {
		sess.fecEncoder = newFECEncoder(dataShards, parityShards, cryptHeaderSize)
	} else {
		sess.fecEncoder = newFECEncoder(dataShards, parityShards, 0)
	}

	// calculate additional header size introduced by FEC and encryption
	if sess.block != nil {
		sess.headerSize += cryptHeaderSize
	}
	if sess.fecEncoder != nil {
		sess.headerSize += fecHeaderSizePlus2
	}

	sess.kcp = NewKCP(conv, sess.output)

	// start per-session updater
	sess.updateFn = sess.update
	sess.scheduled = true
	kcpgo.SystemTimedSched.Put(sess.updateFn, time.Now())
	return sess
}

// output seals a datagram the ARQ produced and writes it: kcp-go's
// postProcess, done in place. It runs under s.mu (the ARQ's flush).
func (s *UDPSession) output(buf []byte, size int) {
	if size < IKCP_OVERHEAD || s.isClosedForWrite() {
		return
	}
	bts := getBuf()[:size+s.headerSize]
	defer putBuf(bts)
	copy(bts[s.headerSize:], buf[:size])

	// 1. FEC encoding
	var ecc [][]byte
	if s.fecEncoder != nil {
		ecc = s.fecEncoder.encode(bts, maxFECEncodeLatency)
	}

	// 2&3. crc32 & encryption
	if s.block != nil {
		s.seal(bts)
		for k := range ecc {
			s.seal(ecc[k])
		}
	}

	// 4. transmit: the data shard, then the parity shards (owned by the
	// encoder until its next call)
	if !s.write(bts) {
		return
	}
	for k := range ecc {
		if !s.write(ecc[k]) {
			return
		}
	}
}

// isClosedForWrite reports whether a socket write failed before.
func (s *UDPSession) isClosedForWrite() bool {
	select {
	case <-s.chSocketWriteError:
		return true
	default:
		return false
	}
}

// seal fills the nonce and the checksum of b, then encrypts it in place.
func (s *UDPSession) seal(b []byte) {
	s.nonce.fill(b[:nonceSize])
	checksum := crc32.ChecksumIEEE(b[cryptHeaderSize:])
	binary.LittleEndian.PutUint32(b[nonceSize:], checksum)
	s.block.Encrypt(b, b)
}

// write sends one datagram; a failure is reported to Read and Write as
// kcp-go's transmit does.
func (s *UDPSession) write(b []byte) bool {
	var err error
	if s.udp != nil {
		_, err = s.udp.Write(b) // connected: no address to pass
	} else {
		_, err = s.conn.WriteTo(b, s.remote)
	}
	if err != nil {
		s.notifyWriteError(errors.WithStack(err))
		return false
	}
	return true
}

// Read implements net.Conn
func (s *UDPSession) Read(b []byte) (n int, err error) {
	for {
		s.mu.Lock()
		// bufptr points to the current position of recvbuf,
		// if previous 'b' is insufficient to accommodate the data, the
		// remaining data will be stored in bufptr for next read.
		if len(s.bufptr) > 0 {
			n = copy(b, s.bufptr)
			s.bufptr = s.bufptr[n:]
			if len(s.bufptr) == 0 {
				s.recvbuf, s.bufptr = nil, nil // gamesrv: not held while idle
			}
			s.mu.Unlock()
			return n, nil
		}

		if size := s.kcp.PeekSize(); size > 0 { // peek data size from kcp
			// if 'b' is large enough to accommodate the data, read directly
			// from kcp.recv() to 'b', like 'DMA'.
			if len(b) >= size {
				s.kcp.Recv(b)
				s.mu.Unlock()
				return size, nil
			}

			// otherwise, read to recvbuf first, then copy to 'b'.
			if cap(s.recvbuf) < size {
				s.recvbuf = make([]byte, size)
			}

			// resize the length of recvbuf to correspond to data size
			s.recvbuf = s.recvbuf[:size]
			s.kcp.Recv(s.recvbuf)    // read data to recvbuf first
			n = copy(b, s.recvbuf)   // then copy bytes to 'b' as many as possible
			s.bufptr = s.recvbuf[n:] // pointer update

			s.mu.Unlock()
			return n, nil
		}

		s.mu.Unlock()

		// if it runs here, that means we have to block the call, and wait until the
		// next data packet arrives.
		select {
		case <-s.chReadEvent:
		case <-s.rd.wait():
			return 0, errors.WithStack(errTimeout)
		case <-s.chSocketReadError:
			return 0, s.socketReadError.Load().(error)
		case <-s.die:
			return 0, errors.WithStack(io.ErrClosedPipe)
		}
	}
}

// Write implements net.Conn
func (s *UDPSession) Write(b []byte) (n int, err error) { return s.WriteBuffers([][]byte{b}) }

// WriteBuffers write a vector of byte slices to the underlying connection.
// As in kcp-go v5.6.35, it waits for the send window under the read
// deadline.
func (s *UDPSession) WriteBuffers(v [][]byte) (n int, err error) {
	for {
		if err := s.writeFailed(); err != nil {
			return 0, err
		}
		s.mu.Lock()
		if n, ok := s.sendLocked(v); ok {
			s.mu.Unlock()
			return n, nil
		}
		s.mu.Unlock()

		// if it runs here, that means we have to block the call, and wait until the
		// transmit buffer to become available again.
		select {
		case <-s.chWriteEvent:
		case <-s.rd.wait():
			return 0, errors.WithStack(errTimeout)
		case <-s.chSocketWriteError:
			return 0, s.socketWriteError.Load().(error)
		case <-s.die:
			return 0, errors.WithStack(io.ErrClosedPipe)
		}
	}
}

// TryWrite writes b if the send window has room and returns len(b), or
// returns 0 without waiting when a Write would wait for it (the datagrams
// it flushes may wait for room in the socket's send buffer, as every
// flush's do). It fails as Write does on a closed session or after a
// socket error.
func (s *UDPSession) TryWrite(b []byte) (int, error) {
	if err := s.writeFailed(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, _ := s.sendLocked([][]byte{b})
	return n, nil
}

// writeFailed returns why writes fail: the session closed or a socket
// write failed; nil if they do not.
func (s *UDPSession) writeFailed() error {
	select {
	case <-s.chSocketWriteError:
		return s.socketWriteError.Load().(error)
	case <-s.die:
		return errors.WithStack(io.ErrClosedPipe)
	default:
		return nil
	}
}

// sendLocked hands v to the ARQ, in segments of at most its MSS, if the
// send window has room (ok), and flushes unless writes are delayed; s.mu
// is held.
func (s *UDPSession) sendLocked(v [][]byte) (n int, ok bool) {
	// make sure write do not overflow the max sliding window on both side
	if s.kcp.WaitSnd() >= int(s.kcp.snd_wnd) {
		return 0, false
	}
	// transmit all data sequentially, make sure every packet size is within 'mss'
	for _, b := range v {
		n += len(b)
		for len(b) > int(s.kcp.mss) {
			s.kcp.Send(b[:s.kcp.mss])
			b = b[s.kcp.mss:]
		}
		s.kcp.Send(b)
	}
	if s.kcp.WaitSnd() >= int(s.kcp.snd_wnd) || !s.writeDelay {
		// put the packets on wire immediately if the inflight window is full
		// or if we've specified write no delay(NO merging of outgoing bytes)
		// we don't have to wait until the periodical update() procedure uncorks.
		s.kcp.flush(IFLUSH_FULL)
		s.acksSent()
	}
	s.wake()
	return n, true
}

// Close closes the connection, after sending what is queued once (KCP
// retransmits nothing after a close). A dialled session closes its socket.
func (s *UDPSession) Close() error {
	var once bool
	s.dieOnce.Do(func() {
		close(s.die)
		once = true
	})
	if !once {
		return errors.WithStack(io.ErrClosedPipe)
	}
	// try best to send all queued messages
	s.mu.Lock()
	s.kcp.flush(IFLUSH_FULL)
	s.acksSent()
	s.mu.Unlock()
	s.rd.stop() // waiters leave through die
	if s.udp != nil {
		return s.udp.Close() // ends readLoop
	}
	s.l.closeSession(s)
	return nil
}

// LocalAddr returns the local network address.
func (s *UDPSession) LocalAddr() net.Addr { return s.conn.LocalAddr() }

// RemoteAddr returns the remote network address.
func (s *UDPSession) RemoteAddr() net.Addr { return s.remote }

// RemoteAddrPort returns the remote address and port, an IPv4 address
// unmapped: the listener's key of the session, with its conversation.
func (s *UDPSession) RemoteAddrPort() netip.AddrPort { return s.key.Addr }

// Key returns what the listener finds the session by: its peer's address
// (RemoteAddrPort) and its conversation.
func (s *UDPSession) Key() SessionKey { return s.key }

// SetDeadline sets the read deadline; see SetWriteDeadline.
func (s *UDPSession) SetDeadline(t time.Time) error {
	s.rd.set(t)
	return nil
}

// SetReadDeadline implements the Conn SetReadDeadline method. A Read or
// WriteBuffers waiting when it changes waits for the new deadline.
func (s *UDPSession) SetReadDeadline(t time.Time) error {
	s.rd.set(t)
	return nil
}

// SetWriteDeadline implements the Conn SetWriteDeadline method and does
// nothing: WriteBuffers waits for the send window under the read
// deadline, as in kcp-go v5.6.35, which kept the write deadline and never
// read it.
func (s *UDPSession) SetWriteDeadline(time.Time) error { return nil }

// SetWriteDelay delays write for bulk transfer until the next update interval
func (s *UDPSession) SetWriteDelay(delay bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeDelay = delay
}

// SetWindowSize set maximum window size
func (s *UDPSession) SetWindowSize(sndwnd, rcvwnd int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kcp.WndSize(sndwnd, rcvwnd)
}

// SetMtu sets the maximum transmission unit (not including UDP header).
func (s *UDPSession) SetMtu(mtu int) bool {
	if mtu > mtuLimit {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kcp.SetMtu(mtu) == 0
}

// SetACKNoDelay sets when data segments are acknowledged. With nodelay,
// the acknowledgements leave within ackWindow: with the first datagram the
// session sends by then (the answer to a request, usually), or alone at
// its end. kcp-go sends each one at once, in a datagram of its own, which
// doubled the datagrams a request/answer exchange costs the server.
// Without, they wait for the next update, as in kcp-go.
func (s *UDPSession) SetACKNoDelay(nodelay bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ackNoDelay = nodelay
}

// SetNoDelay calls nodelay() of kcp
// https://github.com/skywind3000/kcp/blob/master/README.en.md#protocol-configuration
func (s *UDPSession) SetNoDelay(nodelay, interval, resend, nc int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kcp.NoDelay(nodelay, interval, resend, nc)
}

// update flushes the ARQ at its interval (kcp-go's timed scheduler). A
// session with nothing to send, retransmit or acknowledge gives back the
// memory of its queues and leaves the scheduler until wake.
func (s *UDPSession) update() {
	select {
	case <-s.die:
		return
	default:
	}
	s.mu.Lock()
	interval := s.kcp.flush(IFLUSH_FULL)
	s.acksSent()
	waitsnd := s.kcp.WaitSnd()
	if waitsnd < int(s.kcp.snd_wnd) {
		s.notifyWriteEvent()
	}
	idle := waitsnd == 0 && len(s.kcp.acklist) == 0 && s.kcp.probe == 0
	if idle {
		s.kcp.releaseIdle()
	}
	s.scheduled = !idle
	s.mu.Unlock()
	if !idle {
		// self-synchronized timed scheduling
		kcpgo.SystemTimedSched.Put(s.updateFn, time.Now().Add(time.Duration(interval)*time.Millisecond))
	}
}

// wake puts an idle session back in the scheduler, after a datagram
// arrived or a write. s.mu is held.
func (s *UDPSession) wake() {
	if s.scheduled {
		return
	}
	s.scheduled = true
	kcpgo.SystemTimedSched.Put(s.updateFn, time.Now().Add(time.Duration(s.kcp.interval)*time.Millisecond))
}

// GetConv gets conversation id of a session
func (s *UDPSession) GetConv() uint32 { return s.kcp.conv }

// GetRTO gets current rto of the session
func (s *UDPSession) GetRTO() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kcp.rx_rto
}

func (s *UDPSession) notifyReadEvent() {
	select {
	case s.chReadEvent <- struct{}{}:
	default:
	}
}

func (s *UDPSession) notifyWriteEvent() {
	select {
	case s.chWriteEvent <- struct{}{}:
	default:
	}
}

func (s *UDPSession) notifyReadError(err error) {
	s.socketReadErrorOnce.Do(func() {
		s.socketReadError.Store(err)
		close(s.chSocketReadError)
	})
}

func (s *UDPSession) notifyWriteError(err error) {
	s.socketWriteErrorOnce.Do(func() {
		s.socketWriteError.Store(err)
		close(s.chSocketWriteError)
	})
}

// kcpInput feeds a decrypted datagram to the FEC decoder and the ARQ.
func (s *UDPSession) kcpInput(data []byte) {
	fecFlag := binary.LittleEndian.Uint16(data[4:])
	if fecFlag == typeData || fecFlag == typeParity { // 16bit kcp cmd [81-84] and frg [0-255] will not overlap with FEC type 0x00f1 0x00f2
		if len(data) < fecHeaderSizePlus2 {
			return
		}
		f := fecPacket(data)
		s.mu.Lock()
		// if fecDecoder is not initialized, create one with default parameter
		if s.fecDecoder == nil {
			s.fecDecoder = newFECDecoder(1, 1)
		}

		// FEC decoding
		recovers := s.fecDecoder.decode(f)
		if f.flag() == typeData {
			s.input(data[fecHeaderSizePlus2:], true)
		}

		// If there're some packets recovered from FEC, feed them into kcp
		for _, r := range recovers {
			if len(r) >= 2 { // must be larger than 2bytes
				sz := binary.LittleEndian.Uint16(r)
				if int(sz) <= len(r) && sz >= 2 {
					s.input(r[2:sz], false)
				}
			}
			// recycle the buffer
			putBuf(r)
		}
		s.notifyAfterInput()
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	s.input(data, true)
	s.notifyAfterInput()
	s.mu.Unlock()
}

// ackWindow is how long an acknowledgement may wait for a datagram to
// travel with; see SetACKNoDelay. A kcp-go client's retransmission timeout
// is 30 ms at least.
const ackWindow = time.Millisecond

// input feeds a KCP packet to the ARQ; s.mu is held. With ackNoDelay, the
// acknowledgements it leaves due are sent within ackWindow.
func (s *UDPSession) input(data []byte, regular bool) {
	s.kcp.Input(data, regular)
	if !s.ackNoDelay || s.ackArmed || len(s.kcp.acklist) == 0 {
		return
	}
	if s.ackTimer == nil {
		s.ackTimer = time.AfterFunc(s.ackWindow, s.flushAcks)
	} else {
		s.ackTimer.Reset(s.ackWindow)
	}
	s.ackArmed = true
}

// flushAcks is ackTimer's func: it sends the acknowledgements no datagram
// took along.
func (s *UDPSession) flushAcks() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ackArmed = false
	if len(s.kcp.acklist) > 0 && !isClosed(s.die) {
		s.kcp.flush(IFLUSH_ACKONLY)
	}
}

// acksSent stops ackTimer once a flush took every acknowledgement along;
// s.mu is held. A func already under way finds nothing to send.
func (s *UDPSession) acksSent() {
	if s.ackArmed && len(s.kcp.acklist) == 0 {
		s.ackTimer.Stop()
		s.ackArmed = false
	}
}

// notifyAfterInput puts the session back in the scheduler, wakes the
// reader when data arrived and the writer when the window opened. s.mu is
// held.
func (s *UDPSession) notifyAfterInput() {
	s.wake()
	if n := s.kcp.PeekSize(); n > 0 {
		s.notifyReadEvent()
	}
	if s.kcp.WaitSnd() < int(s.kcp.snd_wnd) {
		s.notifyWriteEvent()
	}
}

// Listener accepts the sessions of one packet connection; it reads it with
// one goroutine (monitor) and hands each datagram to its session.
type Listener struct {
	block        BlockCrypt     // block encryption
	dataShards   int            // FEC data shard
	parityShards int            // FEC parity shard
	conn         net.PacketConn // the underlying packet connection
	nonce        nonce          // the sessions' nonces, when encrypting

	opened atomic.Uint64 // sessions opened (kcp-go counts them in DefaultSnmp.PassiveOpens)

	sessions    map[SessionKey]*UDPSession // all sessions accepted by this Listener
	byAddress   ByAddress[*UDPSession]     // each address's sessions: FEC parity shards carry no conversation
	decrypted   bool                       // conn returns datagrams decrypted (ServeDecrypted)
	sessionLock sync.RWMutex
	chAccepts   chan *UDPSession // Listen() backlog

	die     chan struct{} // notify the listener has closed
	dieOnce sync.Once

	// socket error handling
	socketReadError     atomic.Value
	chSocketReadError   chan struct{}
	socketReadErrorOnce sync.Once
}

// ServeConn serves KCP on conn, which the caller owns and closes after
// the listener.
func ServeConn(block BlockCrypt, dataShards, parityShards int, conn net.PacketConn) (*Listener, error) {
	return serveListener(block, dataShards, parityShards, conn, false)
}

// ServeDecrypted is ServeConn on a conn whose ReadFrom returns datagrams
// already decrypted with block and checked: the nonce and the checksum
// removed, as a gate that reads every datagram's conversation before the
// listener does returns them. The sessions encrypt with block.
func ServeDecrypted(block BlockCrypt, dataShards, parityShards int, conn net.PacketConn) (*Listener, error) {
	return serveListener(block, dataShards, parityShards, conn, true)
}

func serveListener(block BlockCrypt, dataShards, parityShards int, conn net.PacketConn, decrypted bool) (*Listener, error) {
	l, err := newListener(block, dataShards, parityShards, conn)
	if err != nil {
		return nil, err
	}
	l.decrypted = decrypted
	go l.monitor()
	return l, nil
}

// newListener returns a listener that does not read conn yet.
func newListener(block BlockCrypt, dataShards, parityShards int, conn net.PacketConn) (*Listener, error) {
	l := new(Listener)
	l.conn = conn
	l.sessions = make(map[SessionKey]*UDPSession)
	l.chAccepts = make(chan *UDPSession, acceptBacklog)
	l.die = make(chan struct{})
	l.dataShards = dataShards
	l.parityShards = parityShards
	l.block = block
	l.chSocketReadError = make(chan struct{})
	if block != nil {
		if err := l.nonce.init(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// monitor reads the packet connection until it fails.
func (l *Listener) monitor() {
	buf := make([]byte, mtuLimit)
	for {
		n, from, err := l.conn.ReadFrom(buf)
		if err != nil {
			l.notifyReadError(errors.WithStack(err))
			return
		}
		l.packetInput(buf[:n], from)
	}
}

// Open decrypts a datagram in place and checks its checksum, as every
// kcp-go peer does; with no block it returns data as it is. ok is false
// for a datagram to drop.
func Open(block BlockCrypt, data []byte) (kcp []byte, ok bool) {
	if block == nil {
		return data, true
	}
	if len(data) < cryptHeaderSize {
		return nil, false
	}
	block.Decrypt(data, data)
	data = data[nonceSize:]
	if crc32.ChecksumIEEE(data[crcSize:]) != binary.LittleEndian.Uint32(data) {
		return nil, false
	}
	return data[crcSize:], true
}

// SessionKey is what a listener's session is found by: its peer's address
// and its conversation. kcp-go keys sessions by address alone, and a
// datagram of a new conversation (sequence number 0) from an address
// replaces its session. Here a new conversation from an address that has
// a session opens a session of its own beside it: a client that starts
// over from the same address and port (a restarted client bound to its
// port, a NAT that keeps its mapping, a load generator's reused ephemeral
// port) gets its session at once, the old one ends by its own timeouts,
// and a datagram forged with a client's address cannot end the client's
// session.
type SessionKey struct {
	Addr netip.AddrPort
	Conv uint32
}

// Conversation returns the conversation of a decrypted datagram; ok is
// false for one that carries none (an FEC parity shard, or shorter than a
// segment).
func Conversation(data []byte) (conv uint32, ok bool) {
	if len(data) < IKCP_OVERHEAD {
		return 0, false
	}
	switch binary.LittleEndian.Uint16(data[4:]) { // 16-bit cmd and frg [81-84, 0-255] never look like FEC's 0x00f1 and 0x00f2
	case typeParity:
		return 0, false
	case typeData:
		if len(data) < fecHeaderSizePlus2+IKCP_OVERHEAD {
			return 0, false
		}
		return binary.LittleEndian.Uint32(data[fecHeaderSizePlus2:]), true
	}
	return binary.LittleEndian.Uint32(data), true
}

// packetInput decrypts a datagram (unless the conn did, ServeDecrypted)
// and hands it to its session, or opens one for a new conversation. A datagram that carries no conversation
// goes to its address's newest session (ByAddress).
func (l *Listener) packetInput(data []byte, addr net.Addr) {
	if !l.decrypted {
		var ok bool
		if data, ok = Open(l.block, data); !ok {
			return
		}
	}
	from, known := addrKey(addr)
	if !known || len(data) < IKCP_OVERHEAD {
		return
	}
	conv, ok := Conversation(data)
	key := SessionKey{from, conv}
	l.sessionLock.RLock()
	var s *UDPSession
	if ok {
		s = l.sessions[key]
	} else {
		s, _ = l.byAddress.Newest(from)
	}
	l.sessionLock.RUnlock()
	if s != nil {
		s.kcpInput(data)
		return
	}
	if !ok || len(l.chAccepts) == cap(l.chAccepts) { // do not let the new sessions overwhelm accept queue
		return
	}
	s = newUDPSession(conv, l.dataShards, l.parityShards, l.conn, addr, l.block, &l.nonce)
	s.l, s.key = l, key
	l.opened.Add(1)
	s.kcpInput(data)
	l.sessionLock.Lock()
	l.sessions[key] = s
	l.byAddress.Add(from, s)
	l.sessionLock.Unlock()
	l.chAccepts <- s
}

func (l *Listener) notifyReadError(err error) {
	l.socketReadErrorOnce.Do(func() {
		l.socketReadError.Store(err)
		close(l.chSocketReadError)

		// propagate read error to all sessions
		l.sessionLock.RLock()
		for _, s := range l.sessions {
			s.notifyReadError(err)
		}
		l.sessionLock.RUnlock()
	})
}

// AcceptKCP accepts a KCP connection
func (l *Listener) AcceptKCP() (*UDPSession, error) {
	select {
	case c := <-l.chAccepts:
		return c, nil
	case <-l.chSocketReadError:
		return nil, l.socketReadError.Load().(error)
	case <-l.die:
		return nil, errors.WithStack(io.ErrClosedPipe)
	}
}

// Close stops accepting; the packet connection is the caller's to close.
func (l *Listener) Close() error {
	var once bool
	l.dieOnce.Do(func() {
		close(l.die)
		once = true
	})
	if !once {
		return errors.WithStack(io.ErrClosedPipe)
	}
	return nil
}

// closeSession removes s, which closed.
func (l *Listener) closeSession(s *UDPSession) {
	l.sessionLock.Lock()
	defer l.sessionLock.Unlock()
	if l.sessions[s.key] == s {
		delete(l.sessions, s.key)
		l.byAddress.Remove(s.key.Addr, s)
	}
}

// addrKey is the key of addr's session: its address and port, which a
// *net.UDPAddr gives without the allocations of String (four per
// datagram, as kcp-go keys its sessions).
func addrKey(addr net.Addr) (netip.AddrPort, bool) {
	if ua, ok := addr.(*net.UDPAddr); ok {
		ap := ua.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	ap, err := netip.ParseAddrPort(addr.String())
	return ap, err == nil
}

// Opened returns the number of sessions the listener opened.
func (l *Listener) Opened() uint64 { return l.opened.Load() }

// Addr returns the listener's network address.
func (l *Listener) Addr() net.Addr { return l.conn.LocalAddr() }

// nonce is the listener's nonce generator (kcp-go's nonceAES128, one per
// session there), shared by its sessions.
type nonce struct {
	mu sync.Mutex
	n  nonceAES128
}

// init seeds the generator; kcp-go's Init ignores the errors of
// crypto/rand.
func (n *nonce) init() error {
	var probe [1]byte
	if _, err := rand.Read(probe[:]); err != nil {
		return err
	}
	n.n.Init()
	return nil
}

func (n *nonce) fill(b []byte) {
	n.mu.Lock()
	n.n.Fill(b)
	n.mu.Unlock()
}
