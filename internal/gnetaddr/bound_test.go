package gnetaddr

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"
)

// booted is a gnet handler that hands its engine over once it runs.
type booted struct {
	gnet.BuiltinEventEngine
	eng chan gnet.Engine
}

func (b *booted) OnBoot(eng gnet.Engine) gnet.Action {
	b.eng <- eng
	return gnet.None
}

// TestBound checks that Bound gives the port the system chose for a
// listener on port 0, one a client can dial, for IPv4 and IPv6.
func TestBound(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			probe, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
			if err != nil {
				t.Skipf("no %s here: %v", host, err)
			}
			_ = probe.Close()
			h := &booted{eng: make(chan gnet.Engine, 1)}
			ran := make(chan error, 1)
			go func() {
				ran <- gnet.Run(h, "tcp://"+net.JoinHostPort(host, "0"), gnet.WithLogLevel(logging.ErrorLevel))
			}()
			var eng gnet.Engine
			select {
			case eng = <-h.eng:
			case err := <-ran:
				t.Fatalf("gnet.Run: %v", err)
			}
			t.Cleanup(func() {
				if err := eng.Stop(context.Background()); err != nil {
					t.Error(err)
				}
				<-ran
			})
			addr, err := Bound(eng)
			if err != nil {
				t.Fatal(err)
			}
			tcp, ok := addr.(*net.TCPAddr)
			if !ok || tcp.Port == 0 || !tcp.IP.Equal(net.ParseIP(host)) {
				t.Fatalf("Bound = %v, want %s with the chosen port", addr, host)
			}
			c, err := net.DialTimeout("tcp", addr.String(), 10*time.Second)
			if err != nil {
				t.Fatalf("dial %v: %v", addr, err)
			}
			_ = c.Close()
		})
	}
}
