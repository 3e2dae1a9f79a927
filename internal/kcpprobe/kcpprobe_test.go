package kcpprobe

import (
	"bytes"
	"net"
	"testing"
	"time"

	kcpgo "github.com/xtaci/kcp-go/v5"
)

// TestExchange: a Session talks to a kcp-go listener that echoes; after
// Idle it refuses to exchange.
func TestExchange(t *testing.T) {
	ln, err := kcpgo.ListenWithOptions("127.0.0.1:0", nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// The server keeps its session until the exchange is over: KCP has no
	// reliable close, and a session closed right after its Write sends the
	// echo (and its ACK of the request) once, never again if it is lost.
	served, release := make(chan error, 1), make(chan struct{})
	defer close(release)
	go func() {
		s, err := ln.AcceptKCP()
		if err != nil {
			served <- err
			return
		}
		defer s.Close()
		buf := make([]byte, 64)
		_ = s.SetDeadline(time.Now().Add(10 * time.Second))
		n, err := s.Read(buf)
		if err == nil {
			_, err = s.Write(buf[:n])
		}
		served <- err
		<-release
	}()
	s, err := Dial(ln.Addr().(*net.UDPAddr), net.IPv4(127, 0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Exchange([]byte("hello"), func(got []byte) (int, bool) { return 5, len(got) >= 5 }, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, []byte("hello")) {
		t.Errorf("echo %q", got)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	s.Idle()
	if _, err := s.Exchange([]byte("x"), nil, time.Second); err == nil {
		t.Error("an idle session exchanged")
	}
}

// TestExchangeTimeout: nobody answers, Exchange gives up at its timeout.
func TestExchangeTimeout(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // reads nothing
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s, err := Dial(pc.LocalAddr().(*net.UDPAddr), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Exchange([]byte("hello"), nil, 100*time.Millisecond); err == nil {
		t.Error("no error without an answer")
	}
}
