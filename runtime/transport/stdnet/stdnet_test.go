package stdnet_test

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/transporttest"
	"github.com/gamesrv/gamesrv/runtime/transport/stdnet"
)

// start starts a listener (TLS when srvTLS is set) with the scripted
// handler and returns a dialer for it.
func start(t *testing.T, cfg transport.Config, srvTLS, cliTLS *tls.Config) (*transporttest.Handler, transporttest.Dialer) {
	t.Helper()
	h := transporttest.NewHandler()
	cfg.Handler, cfg.Logger = h, testkit.Logger(t)
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	l := stdnet.New("127.0.0.1:0", stdnet.Options{TLS: srvTLS})
	if err := l.Start(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return h, func(t testing.TB) net.Conn {
		d := net.Dialer{Timeout: 5 * time.Second}
		if cliTLS == nil {
			nc, err := d.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			return nc
		}
		nc, err := tls.DialWithDialer(&d, "tcp", l.Addr().String(), cliTLS)
		if err != nil {
			t.Fatal(err)
		}
		return nc
	}
}

// TestLingeringClose runs the lossless-close scenarios on ServeConn over
// plain TCP and over TLS (close_notify, then FIN).
func TestLingeringClose(t *testing.T) {
	srvTLS, cliTLS := testkit.TLSConfigs(t)
	for _, tc := range []struct {
		name     string
		srv, cli *tls.Config
	}{{"tcp", nil, nil}, {"tls", srvTLS, cliTLS}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Run("queued answers then EOF", func(t *testing.T) {
				h, dial := start(t, transport.Config{}, tc.srv, tc.cli)
				transporttest.LosslessClose(t, h, dial)
			})
			t.Run("pipelining client", func(t *testing.T) {
				h, dial := start(t, transport.Config{}, tc.srv, tc.cli)
				transporttest.PipelinedClose(t, h, dial)
			})
			t.Run("violation after answers", func(t *testing.T) {
				h, dial := start(t, transport.Config{MaxBody: 1024}, tc.srv, tc.cli)
				transporttest.ViolationAfterAnswers(t, h, dial, 1024)
			})
			t.Run("byte budget", func(t *testing.T) {
				h, dial := start(t, transport.Config{LingerBytes: 4 << 10, LingerTimeout: time.Minute}, tc.srv, tc.cli)
				transporttest.ByteBudget(t, h, dial, 4<<10)
			})
			t.Run("deadline", func(t *testing.T) {
				h, dial := start(t, transport.Config{LingerTimeout: 200 * time.Millisecond}, tc.srv, tc.cli)
				transporttest.Deadline(t, h, dial)
			})
		})
	}
}
