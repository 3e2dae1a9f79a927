package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"slices"
	"strings"

	benchv1 "github.com/gamesrv/gamesrv/bench/gen/bench/v1"
)

// peerConfig is an external server, speaking the wire protocol, that rows
// 1 and 2 measure beside gamesrv and bare gnet, in the same alternating
// rounds: a Pitaya or Pomelo server, say, answering one route.
type peerConfig struct {
	addr       string // -peer: "tcp://host:port" (any loadgen address); empty: no peer
	pid        int    // -peer-pid: its process, for its CPU time (/proc); 0: CPU not measured
	route      string // -peer-route; default the echo route of gamesrv's echo server
	payloadHex string // -peer-payload-hex; default the echo request gamesrv's echo server gets
	name       string // -peer-name: its name in the table
}

// peerSchemes are the addresses the load generator dials.
var peerSchemes = []string{"tcp://", "ws://", "kcp://"}

// flags registers the peer's flags on fs.
func (p *peerConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&p.addr, "peer", "", "an external server speaking the wire protocol (tcp://host:port) measured beside gamesrv and bare gnet in rows 1 and 2, in the same rounds: your Pitaya or Pomelo server")
	fs.IntVar(&p.pid, "peer-pid", 0, "the peer's process id: its CPU time per request is read from /proc/<pid> (rows 1 and 1b); without it only its throughput is measured")
	fs.StringVar(&p.route, "peer-route", "", "the route the peer answers (default "+benchv1.EchoServiceEchoRoute+")")
	fs.StringVar(&p.payloadHex, "peer-payload-hex", "", "the payload of each request to the peer, in hex, sent as is (JSON for a Pitaya server with its default serializer; default: the echo server's protobuf EchoRequest)")
	fs.StringVar(&p.name, "peer-name", "peer", "the peer's name in the table and the results")
}

// check validates the peer's flags.
func (p *peerConfig) check() error {
	if p.addr == "" {
		if p.pid != 0 || p.route != "" || p.payloadHex != "" {
			return fmt.Errorf("-peer-pid, -peer-route and -peer-payload-hex need -peer")
		}
		return nil
	}
	if !slices.ContainsFunc(peerSchemes, func(s string) bool { return strings.HasPrefix(p.addr, s) }) {
		return fmt.Errorf("-peer %q: want tcp://host:port (or ws://, kcp://)", p.addr)
	}
	if p.pid < 0 {
		return fmt.Errorf("-peer-pid %d: want a process id", p.pid)
	}
	if _, err := hex.DecodeString(p.payloadHex); err != nil {
		return fmt.Errorf("-peer-payload-hex: %w", err)
	}
	if p.name == "" || p.name == "gamesrv" || p.name == "bare gnet" {
		return fmt.Errorf("-peer-name %q: want a name of its own", p.name)
	}
	return nil
}

// target returns the peer as the load generator drives it; echo is the
// payload gamesrv's echo server gets, the default.
func (p *peerConfig) target(echo []byte) target {
	t := target{name: p.name, addr: p.addr, pid: p.pid, route: p.route, payload: echo}
	if t.route == "" {
		t.route = benchv1.EchoServiceEchoRoute
	}
	if p.payloadHex != "" {
		t.payload, _ = hex.DecodeString(p.payloadHex) // checked by check
	}
	return t
}

// withPeer attaches the peer's figure to row and adds it to the details.
func withPeer(row Row, p *Peer) Row {
	if p == nil {
		return row
	}
	if row.Measured > 0 && p.Value > 0 {
		p.VsMeasured = p.Value / row.Measured
	}
	row.Peer = p
	if p.Value > 0 {
		row.Details += fmt.Sprintf("; peer %s (%s, route %s): %s, %.2f× gamesrv's (rounds: %s)",
			p.Name, p.Addr, p.Route, formatValue(p.Value, row.Unit), p.VsMeasured, joinFloats(p.Rounds))
	}
	if p.Note != "" {
		row.Details += fmt.Sprintf("; peer %s: %s", p.Name, p.Note)
	}
	return row
}

// peerCPU is the peer's figure in a CPU row.
func peerCPU(t target, s series) *Peer {
	p := &Peer{Name: t.name, Addr: t.addr, Route: t.route}
	if t.pid <= 0 {
		p.Note = "CPU not measured (no -peer-pid)"
		return p
	}
	p.Value = us(s.medianCPU())
	p.Rounds = durationsUS(s.cpuPerRequest())
	p.Note = fmt.Sprintf("process %d's utime+stime over each measured phase / requests answered, median of %d rounds", t.pid, len(s))
	return p
}

// peerThroughput is the peer's figure in a throughput row.
func peerThroughput(t target, s series) *Peer {
	return &Peer{Name: t.name, Addr: t.addr, Route: t.route, Value: s.median().Throughput, Rounds: s.throughputValues(),
		Note: fmt.Sprintf("median throughput of %d rounds, alternating with gamesrv and bare gnet", len(s))}
}

// joinFloats prints values for the details.
func joinFloats(v []float64) string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = fmt.Sprintf("%.4g", f)
	}
	return strings.Join(parts, ", ")
}
