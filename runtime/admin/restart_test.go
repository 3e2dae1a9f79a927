package admin_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/admin"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// TestRestartOnTheSameAddress: an admin listener closed while a client
// kept a connection alive (Close ends it, so the listener's side lingers
// in TIME_WAIT) binds the same address again at once: net.Listen sets
// SO_REUSEADDR.
func TestRestartOnTheSameAddress(t *testing.T) {
	srv, err := server.New(server.Options{Logger: testkit.Logger(t)})
	mustOK(t, err)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	get := func(addr string) {
		t.Helper()
		resp, err := hc.Get("http://" + addr + "/healthz")
		mustOK(t, err)
		_, _ = io.Copy(io.Discard, resp.Body) // read to EOF: the client keeps the connection
		_ = resp.Body.Close()                 // (503: the server is not started; the listener answered)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	a := admin.New(admin.Options{Server: srv, Logger: testkit.Logger(t)})
	mustOK(t, a.Start())
	addr := a.Addr().String()
	get(addr) // the connection stays open (keep-alive)
	mustOK(t, a.Close(ctx))
	tr.CloseIdleConnections()
	port := a.Addr().(*net.TCPAddr).Port
	testkit.Eventually(t, 10*time.Second, func() bool { return testkit.Lingering(port) },
		"the listener's side of the kept-alive connection to linger in TIME_WAIT or FIN_WAIT_2")
	again := admin.New(admin.Options{Server: srv, Addr: addr, Logger: testkit.Logger(t)})
	mustOK(t, again.Start())
	defer again.Close(ctx)
	get(addr)
}
