package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// kcpSegmentLen is the size of a KCP segment header, and of each flood
// datagram: conv, cmd, frg, wnd, ts, sn, una, len.
const kcpSegmentLen = 24

// kcpCmdPush is KCP's data command (IKCP_CMD_PUSH).
const kcpCmdPush = 81

// kcpSegment returns a 24-byte KCP data segment with no payload, as a
// client's first datagram looks: conversation conv, sequence number 0, a
// 128-segment window.
func kcpSegment(conv uint32) []byte {
	b := make([]byte, kcpSegmentLen)
	binary.LittleEndian.PutUint32(b[0:], conv)
	b[4] = kcpCmdPush
	binary.LittleEndian.PutUint16(b[6:], 128) // wnd; frg, ts, sn, una and len stay 0
	return b
}

// floodPoll is the peak of the server's counts while the flood lasts.
type floodPoll struct {
	peakGoroutines, peakSessions int
	polls                        int
	errs                         int
}

// runKCPFlood measures scenario 3: 24-byte datagrams shaped like a new
// KCP client's first segment, each with a fresh conversation id, from a
// few source ports; the server's goroutine growth and a TCP probe's
// latency before and after.
func runKCPFlood(ctx context.Context, e *env, s *Scenario) error {
	cfg := e.cfg
	srv, err := startChat(e, anyPort)
	if err != nil {
		return err
	}
	p, err := startProbe(ctx, cfg, srv.tcp)
	if err != nil {
		return err
	}
	socks, err := floodSockets(srv.kcp, cfg.datagrams)
	if err != nil {
		_ = p.finish()
		return err
	}
	defer closeSockets(socks)
	sleepCtx(ctx, cfg.warmup)
	g0, err := srv.settledGoroutines(ctx)
	if err != nil {
		_ = p.finish()
		return err
	}
	t0 := time.Now()
	sleepCtx(ctx, cfg.baseline)
	t1 := time.Now()
	hold := floodTime(cfg.datagrams) + cfg.floodHold
	polled := make(chan floodPoll, 1)
	go func() { polled <- pollPeak(ctx, srv, t1.Add(hold)) }()
	sent, sendErr := flood(ctx, socks, cfg.datagrams)
	floodTook := time.Since(t1)
	poll := <-polled
	t2 := time.Now()
	samples := p.finish()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	g1, _ := srv.goroutines(ctx)
	kcpOK, kcpHow := kcpClientWorks(ctx, srv.kcp)
	base, attack := baselinePhase(samples, t0, t1), attackPhase(samples, t1, t2)
	growth := poll.peakGoroutines - g0
	e.logf("goroutines %d -> peak %d (+%d), %d at the end; peak sessions %d; baseline: %s; flood: %s", g0, poll.peakGoroutines, growth, g1, poll.peakSessions, base.text(), attack.text())

	ratio := probeFigures(s, base, attack)
	s.figure("datagrams_sent", float64(sent), "count")
	s.figure("goroutines_before", float64(g0), "count")
	s.figure("goroutines_peak", float64(poll.peakGoroutines), "count")
	s.figure("goroutines_growth", float64(growth), "count")
	s.figure("goroutines_end", float64(g1), "count")
	s.figure("sessions_peak", float64(poll.peakSessions), "count")
	s.Headline = fmt.Sprintf("goroutines +%d (%d server sessions at the peak); probe p99 %v → %v (%.1f×), max %v", growth, poll.peakSessions, short(base.p99), short(attack.p99), ratio, short(attack.max))
	s.Details = fmt.Sprintf("%d datagrams of %d bytes (a KCP data segment: fresh random conv id, sn 0, no payload, no encryption), each from its own UDP source port of 127.0.0.1, to the KCP listener, "+
		"%d every %v (a burst at full speed loses most of them to kcp-go's 128-session accept backlog, and its figures vary from run to run; from 4 source ports kcp-go replaces a port's session on each new conv id, so sessions do not pile up), in %v; "+
		"server goroutines (pprof) settled before the flood: %d, peak while polling every 100 ms for %v from the flood's start: %d (+%d), at the end: %d; peak server sessions (admin): %d (%d polls, %d failed); "+
		"a TCP probe (joined room \"probe\") sends %s one at a time, %v apart; baseline %v: %s; requests in flight at some time during the %v from the flood's start: %s",
		sent, kcpSegmentLen, floodBatch, floodPause, floodTook.Round(time.Millisecond), g0, hold, poll.peakGoroutines, growth, g1,
		poll.peakSessions, poll.polls, poll.errs, probeRoute, cfg.probeEvery, cfg.baseline, base.text(), hold, attack.text())
	floodDetail := fmt.Sprintf("%d of %d", sent, cfg.datagrams)
	if sendErr != nil {
		floodDetail += ": " + sendErr.Error()
	}
	s.finish(growth < 300 && ratio < 3,
		probeCheck(base, attack, 10),
		Check{Name: checkFloodSent, OK: sent == cfg.datagrams && poll.polls > 0 && poll.errs == 0, Detail: floodDetail},
		Check{Name: checkKCPClient, OK: kcpOK, Detail: kcpHow},
	)
	return nil
}

// The flood's pace: floodBatch datagrams, then a pause of floodPause
// (1,000 datagrams per second). A burst at full speed loses most of its
// datagrams to kcp-go's accept backlog (128 sessions not yet accepted:
// beyond it a new session is dropped), which makes it weaker and its
// figures vary from run to run.
const (
	floodBatch = 10
	floodPause = 10 * time.Millisecond
)

// floodSockets opens n UDP sockets to addr: n source ports.
func floodSockets(addr string, n int) ([]*net.UDPConn, error) {
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	socks := make([]*net.UDPConn, 0, n)
	for range n {
		c, err := net.DialUDP("udp", nil, raddr)
		if err != nil {
			closeSockets(socks)
			return nil, err
		}
		socks = append(socks, c)
	}
	return socks, nil
}

func closeSockets(socks []*net.UDPConn) {
	for _, c := range socks {
		_ = c.Close()
	}
}

// flood sends n KCP segments with random conversation ids, round-robin
// over socks, at the flood's pace.
func flood(ctx context.Context, socks []*net.UDPConn, n int) (int, error) {
	sent := 0
	for i := range n {
		if _, err := socks[i%len(socks)].Write(kcpSegment(rand.Uint32() | 1)); err != nil {
			return sent, err
		}
		sent++
		if sent%floodBatch == 0 && !sleepCtx(ctx, floodPause) {
			return sent, ctx.Err()
		}
	}
	return sent, nil
}

// floodTime is how long flooding n datagrams takes at the flood's pace.
func floodTime(n int) time.Duration { return time.Duration(n/floodBatch) * floodPause }

// pollPeak polls the server's goroutine and session counts every 100 ms
// until the deadline and returns their peaks.
func pollPeak(ctx context.Context, srv *chatServer, until time.Time) floodPoll {
	var p floodPoll
	for ctx.Err() == nil {
		p.polls++
		g, err := srv.goroutines(ctx)
		st, err2 := srv.stats(ctx)
		if err != nil || err2 != nil {
			p.errs++
		}
		p.peakGoroutines, p.peakSessions = max(p.peakGoroutines, g), max(p.peakSessions, st.Server.Sessions)
		if d := time.Until(until); d <= 0 || !sleepCtx(ctx, min(d, 100*time.Millisecond)) {
			break
		}
	}
	return p
}

// kcpClientWorks checks that a genuine KCP client connects after the flood
// and gets an answer, trying for up to 15 s (the flood's sessions may hold
// a bound until their handshake deadline).
func kcpClientWorks(ctx context.Context, addr string) (bool, string) {
	start := time.Now()
	var last error
	for attempt := 1; time.Since(start) < 15*time.Second && ctx.Err() == nil; attempt++ {
		last = kcpCall(ctx, addr)
		if last == nil {
			return true, fmt.Sprintf("answered after %v, attempt %d", time.Since(start).Round(time.Millisecond), attempt)
		}
		sleepCtx(ctx, 200*time.Millisecond)
	}
	return false, fmt.Sprintf("no answer in %v: %v", time.Since(start).Round(time.Millisecond), last)
}

// kcpCall dials over KCP and sends one request; a coded error is an
// answer.
func kcpCall(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := dialClient(ctx, "kcp://"+addr, 3*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	err = c.Request(ctx, probeRoute, &chatv1.MembersRequest{}, &chatv1.MembersResponse{})
	var ge *gamesrv.Error
	if errors.As(err, &ge) {
		return nil
	}
	return err
}
