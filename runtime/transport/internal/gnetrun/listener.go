package gnetrun

import (
	"context"
	"fmt"
	"net"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/panjf2000/gnet/v2"
)

// Listener is what a gnet listener (TCP, WebSocket) holds besides its
// options: its network name, the address to bind, the configuration the
// server started it with, its engine and the address it bound. The
// transport's Listener keeps one and forwards Network, Addr and Close to
// it; its event handler calls OnBoot.
type Listener struct {
	// Cfg is the configuration of Start; the event handler reads it.
	Cfg     transport.Config
	network string
	addr    string
	engine  *Engine
	bound   net.Addr
}

// NewListener returns the state of a listener of network ("tcp", "ws")
// for addr; nothing is bound until Start.
func NewListener(network, addr string) Listener {
	return Listener{network: network, addr: addr, engine: New()}
}

// Network returns the network name given to NewListener.
func (l *Listener) Network() string { return l.network }

// Addr returns the bound address, or nil before Start.
func (l *Listener) Addr() net.Addr { return l.bound }

// Start records cfg, then binds the address and runs h on the event loops
// with the options opts returns (called once cfg is recorded).
func (l *Listener) Start(cfg transport.Config, h gnet.EventHandler, opts func() []gnet.Option) error {
	l.Cfg = cfg
	addr, err := l.engine.Run(h, l.addr, opts()...)
	if err != nil {
		return fmt.Errorf("%s: listen %s: %w", l.network, l.addr, err)
	}
	l.bound = addr
	return nil
}

// OnBoot records the running engine; the event handler's OnBoot calls it.
func (l *Listener) OnBoot(eng gnet.Engine) gnet.Action {
	l.engine.Booted(eng)
	return gnet.None
}

// Close stops the event loops, closing every connection, and waits for
// them to end or for ctx.
func (l *Listener) Close(ctx context.Context) error { return l.engine.Stop(ctx) }
