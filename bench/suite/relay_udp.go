package main

import (
	"errors"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
)

// udpRelay is an in-process lossy UDP relay: clients send to its address,
// it forwards each datagram to the server from one upstream socket per
// client address and sends the server's datagrams back, dropping each
// datagram in either direction with probability loss (seeded, so a run is
// reproducible). It adds no delay.
type udpRelay struct {
	ln       *net.UDPConn
	upstream *net.UDPAddr
	loss     float64

	mu    sync.Mutex
	rng   *rand.Rand
	peers map[string]*net.UDPConn // client address -> upstream socket

	wg                 sync.WaitGroup
	forwarded, dropped atomic.Int64
}

// newUDPRelay listens on 127.0.0.1:0 and relays to upstream.
func newUDPRelay(upstream string, loss float64, seed uint64) (*udpRelay, error) {
	up, err := net.ResolveUDPAddr("udp", upstream)
	if err != nil {
		return nil, err
	}
	ln, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	r := &udpRelay{
		ln: ln, upstream: up, loss: loss,
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), peers: map[string]*net.UDPConn{},
	}
	r.wg.Go(r.fromClients)
	return r, nil
}

// Addr returns the address clients dial.
func (r *udpRelay) Addr() string { return r.ln.LocalAddr().String() }

// drop decides whether the next datagram is lost.
func (r *udpRelay) drop() bool {
	r.mu.Lock()
	lost := r.rng.Float64() < r.loss
	r.mu.Unlock()
	if lost {
		r.dropped.Add(1)
	} else {
		r.forwarded.Add(1)
	}
	return lost
}

// fromClients forwards client datagrams upstream until the relay closes.
func (r *udpRelay) fromClients() {
	buf := make([]byte, 64<<10)
	for {
		n, client, err := r.ln.ReadFromUDP(buf)
		if err != nil {
			return // closed
		}
		up, err := r.peer(client)
		if err != nil || r.drop() {
			continue
		}
		_, _ = up.Write(buf[:n])
	}
}

// peer returns the upstream socket of client, creating it and its return
// path on first use.
func (r *udpRelay) peer(client *net.UDPAddr) (*net.UDPConn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if up, ok := r.peers[client.String()]; ok {
		return up, nil
	}
	if r.peers == nil {
		return nil, errors.New("relay closed")
	}
	up, err := net.DialUDP("udp", nil, r.upstream)
	if err != nil {
		return nil, err
	}
	r.peers[client.String()] = up
	r.wg.Go(func() { r.toClient(up, client) })
	return up, nil
}

// toClient forwards the server's datagrams for one client.
func (r *udpRelay) toClient(up *net.UDPConn, client *net.UDPAddr) {
	buf := make([]byte, 64<<10)
	for {
		n, err := up.Read(buf)
		if err != nil {
			return // closed
		}
		if !r.drop() {
			_, _ = r.ln.WriteToUDP(buf[:n], client)
		}
	}
}

// Close stops the relay and waits for its goroutines.
func (r *udpRelay) Close() error {
	err := r.ln.Close()
	r.mu.Lock()
	for _, up := range r.peers {
		_ = up.Close()
	}
	r.peers = nil
	r.mu.Unlock()
	r.wg.Wait()
	return err
}
