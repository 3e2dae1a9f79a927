package gossip

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-sockaddr"
	"github.com/hashicorp/memberlist"
)

const (
	// maxPacketSize is the largest UDP packet the transport receives whole
	// (memberlist's own limit).
	maxPacketSize = 65536
	// udpRecvBufSize is the socket receive buffer the transport asks for,
	// halved until the kernel accepts it (as memberlist does).
	udpRecvBufSize = 2 << 20
	// acceptRetryMax bounds the pause after a failed accept.
	acceptRetryMax = time.Second
)

// packetTransport is memberlist's transport here: UDP packets and TCP
// streams on one IP address and port, as memberlist's NetTransport, with two
// differences that matter to an idle server. It receives every packet into
// one reused buffer and hands memberlist a copy of the packet's size, in
// one allocation with the Packet and the sender's address (newPacket), where
// NetTransport allocates 64 KiB per packet received: at 50 ProfileFast
// servers that was most of an idle server's garbage, a GC cycle every 3 s.
// And it sends to "ip:port" without resolving the address again.
type packetTransport struct {
	log      *log.Logger
	bindIP   string
	tcp      *net.TCPListener
	udp      *net.UDPConn
	packetCh chan *memberlist.Packet
	streamCh chan net.Conn
	done     chan struct{} // closed by Shutdown
	closing  atomic.Bool
	wg       sync.WaitGroup
}

var _ memberlist.NodeAwareTransport = (*packetTransport)(nil)

// listenPacketTransport binds TCP and UDP on ip:port and starts receiving.
// With port 0, the port is the one the TCP bind got; the UDP bind can lose
// it to another process, and is then retried on a new one.
func listenPacketTransport(ip string, port int, logger *log.Logger) (*packetTransport, error) {
	addr := net.ParseIP(ip)
	if addr == nil {
		return nil, fmt.Errorf("bad gossip bind address %q", ip)
	}
	tries := 1
	if port == 0 {
		tries = bindRetries
	}
	var err error
	for range tries {
		var t *packetTransport
		if t, err = bindPacketTransport(addr, port, logger); err == nil {
			t.bindIP = ip
			t.wg.Add(2)
			go t.receivePackets()
			go t.acceptStreams()
			return t, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	return nil, err
}

// bindPacketTransport binds the two sockets.
func bindPacketTransport(ip net.IP, port int, logger *log.Logger) (*packetTransport, error) {
	tcp, err := net.ListenTCP("tcp", &net.TCPAddr{IP: ip, Port: port})
	if err != nil {
		return nil, fmt.Errorf("gossip TCP listener on %v port %d: %w", ip, port, err)
	}
	port = tcp.Addr().(*net.TCPAddr).Port
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip, Port: port})
	if err != nil {
		_ = tcp.Close()
		return nil, fmt.Errorf("gossip UDP listener on %v port %d: %w", ip, port, err)
	}
	for size := udpRecvBufSize; size > 0; size /= 2 {
		if err = udp.SetReadBuffer(size); err == nil {
			break
		}
	}
	if err != nil {
		_, _ = tcp.Close(), udp.Close()
		return nil, fmt.Errorf("gossip UDP receive buffer: %w", err)
	}
	return &packetTransport{
		log:      logger,
		tcp:      tcp,
		udp:      udp,
		packetCh: make(chan *memberlist.Packet),
		streamCh: make(chan net.Conn),
		done:     make(chan struct{}),
	}, nil
}

// Port returns the bound port (TCP and UDP).
func (t *packetTransport) Port() int { return t.tcp.Addr().(*net.TCPAddr).Port }

// FinalAdvertiseAddr returns the address to advertise: ip and port when ip
// is set; otherwise the bound IP, or for a 0.0.0.0 bind the host's first
// private address (as memberlist's NetTransport does), with the bound port.
func (t *packetTransport) FinalAdvertiseAddr(ip string, port int) (net.IP, int, error) {
	if ip != "" {
		a := net.ParseIP(ip)
		if a == nil {
			return nil, 0, fmt.Errorf("failed to parse advertise address %q", ip)
		}
		if a4 := a.To4(); a4 != nil {
			a = a4
		}
		return a, port, nil
	}
	if t.bindIP != "0.0.0.0" {
		return t.tcp.Addr().(*net.TCPAddr).IP, t.Port(), nil
	}
	private, err := sockaddr.GetPrivateIP()
	if err != nil {
		return nil, 0, fmt.Errorf("failed to get interface addresses: %w", err)
	}
	if private == "" {
		return nil, 0, errors.New("no private IP address found, and explicit IP not provided")
	}
	a := net.ParseIP(private)
	if a == nil {
		return nil, 0, fmt.Errorf("failed to parse advertise address: %q", private)
	}
	return a, t.Port(), nil
}

// WriteTo sends a packet to "ip:port" (or "host:port").
func (t *packetTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return t.WriteToAddress(b, memberlist.Address{Addr: addr})
}

// WriteToAddress sends a packet. memberlist's node addresses are "ip:port"
// and are sent to without an allocation; anything else is resolved.
func (t *packetTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	if ap, err := netip.ParseAddrPort(a.Addr); err == nil {
		// Unmapped, an IPv4 address suits an IPv4 socket, and a dual-stack
		// one maps it again.
		_, err = t.udp.WriteToUDPAddrPort(b, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
		return time.Now(), err
	}
	ua, err := net.ResolveUDPAddr("udp", a.Addr)
	if err != nil {
		return time.Time{}, err
	}
	_, err = t.udp.WriteTo(b, ua)
	return time.Now(), err
}

// PacketCh delivers the packets received.
func (t *packetTransport) PacketCh() <-chan *memberlist.Packet { return t.packetCh }

// DialTimeout opens a stream to "host:port".
func (t *packetTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

// DialAddressTimeout opens a stream to a node.
func (t *packetTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	return d.Dial("tcp", a.Addr)
}

// StreamCh delivers the streams accepted.
func (t *packetTransport) StreamCh() <-chan net.Conn { return t.streamCh }

// Shutdown closes both sockets and waits for the receiving goroutines. It is
// idempotent.
func (t *packetTransport) Shutdown() error {
	if t.closing.Swap(true) {
		return nil
	}
	close(t.done)
	_, _ = t.tcp.Close(), t.udp.Close()
	t.wg.Wait()
	return nil
}

// receivePackets reads packets until Shutdown. The copy handed on is the
// packet's size, allocated with the Packet and its From address
// (newPacket): memberlist may keep parts of it (metadata, user messages).
func (t *packetTransport) receivePackets() {
	defer t.wg.Done()
	buf := make([]byte, maxPacketSize)
	for {
		n, from, err := t.udp.ReadFromUDPAddrPort(buf)
		now := time.Now()
		if err != nil {
			if t.closing.Load() {
				return
			}
			t.log.Printf("[ERR] memberlist: Error reading UDP packet: %v", err)
			continue
		}
		if n < 1 {
			continue
		}
		select {
		case t.packetCh <- newPacket(buf[:n], from, now):
		case <-t.done:
			return
		}
	}
}

// acceptStreams accepts TCP connections until Shutdown, pausing after
// errors (5 ms, doubling up to 1 s) as memberlist does.
func (t *packetTransport) acceptStreams() {
	defer t.wg.Done()
	var pause time.Duration
	for {
		conn, err := t.tcp.AcceptTCP()
		if err != nil {
			if t.closing.Load() {
				return
			}
			pause = min(max(2*pause, 5*time.Millisecond), acceptRetryMax)
			t.log.Printf("[ERR] memberlist: Error accepting TCP connection: %v", err)
			select {
			case <-time.After(pause):
			case <-t.done:
				return
			}
			continue
		}
		pause = 0
		select {
		case t.streamCh <- conn:
		case <-t.done:
			_ = conn.Close()
			return
		}
	}
}
