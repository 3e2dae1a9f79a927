package main

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/encoding/protowire"
)

// bombRoute is the route the inflate attack calls: the chat server
// answers it (CHAT-NOT-IN-ROOM, the attacker joined no room) once it has
// inflated and decoded the payload.
const bombRoute = "chat.room.members"

// padField is the protobuf field number that carries the padding of an
// attack payload: unknown to chat.v1.MembersRequest, so the payload
// decodes (unknown fields are kept) and the handler runs.
const padField = 1000

// bombPayload returns a zlib-compressed payload that inflates to exactly
// size bytes and decodes as a chat.v1.MembersRequest in the serializer
// called ser: one unknown bytes field of zeros (protobuf), or a "pad"
// string of zeros (JSON, whose decoder discards unknown fields).
func bombPayload(ser string, size int) ([]byte, error) {
	var raw []byte
	if ser == gamesrv.SerializerJSON {
		const prefix, suffix = `{"pad":"`, `"}`
		raw = append(append([]byte(prefix), bytes.Repeat([]byte{'0'}, size-len(prefix)-len(suffix))...), suffix...)
	} else {
		n := size - protowire.SizeTag(padField) - 3 // a 3-byte length covers 16 KiB to 2 MiB
		if n < 1<<14 || n >= 1<<21 {
			return nil, fmt.Errorf("inflated size %d outside 16 KiB..2 MiB", size)
		}
		raw = protowire.AppendTag(nil, padField, protowire.BytesType)
		raw = protowire.AppendVarint(raw, uint64(n))
		raw = append(raw, make([]byte, n)...)
	}
	var b bytes.Buffer
	w, err := zlib.NewWriterLevel(&b, zlib.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// checkBomb inflates the payload as the server would and decodes it, so
// that the scenario knows it attacks with what it claims.
func checkBomb(payload []byte, ser gamesrv.Serializer, size int) Check {
	c := Check{Name: checkPayload}
	zr, err := zlib.NewReader(bytes.NewReader(payload))
	if err != nil {
		c.Detail = err.Error()
		return c
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		c.Detail = err.Error()
		return c
	}
	err = ser.Unmarshal(raw, &chatv1.MembersRequest{})
	c.OK = len(raw) == size && err == nil
	c.Detail = fmt.Sprintf("%d compressed bytes inflate to %d (want %d), decode as chat.v1.MembersRequest in %s: %v", len(payload), len(raw), size, ser.Name(), err)
	return c
}

// bombStats is what the attacker connections saw.
type bombStats struct {
	sent, answered int64
	lost           int64  // sent on a connection the server closed before answering
	cut            int64  // in flight when the attack's time limit expired
	codes          counts // answers by code ("ok" for a success)
	ends           counts // connections the server ended, by how
	dials          int64
	dialErrs       counts
	packet         int // bytes of one attack packet
	took           time.Duration
}

// runInflate measures scenario 1: a probe's latency before and while
// attacker connections send requests whose payload inflates from about
// 1 KiB to 1 MiB, each connection keeping a window of them in flight.
func runInflate(ctx context.Context, e *env, s *Scenario) error {
	cfg := e.cfg
	srv, err := startChat(e, anyPort)
	if err != nil {
		return err
	}
	// The attacker announces nothing: it builds the payload for the
	// serializer a first connection is told about.
	first, err := dialRaw(ctx, srv.tcp, sourceIP(0))
	if err != nil {
		return err
	}
	err = first.handshake(minHandshake, 10*time.Second)
	ser := first.ser
	_ = first.Close()
	if err != nil {
		return fmt.Errorf("attacker handshake: %w", err)
	}
	payload, err := bombPayload(ser.Name(), cfg.inflateSize)
	if err != nil {
		return err
	}
	payloadCheck := checkBomb(payload, ser, cfg.inflateSize)

	p, err := startProbe(ctx, cfg, srv.tcp)
	if err != nil {
		return err
	}
	sleepCtx(ctx, cfg.warmup)
	t0 := time.Now()
	sleepCtx(ctx, cfg.baseline)
	t1 := time.Now()
	e.logf("baseline done; attacking with %d requests over %d connections, %d in flight each", cfg.inflateRequests, cfg.inflateConns, cfg.inflateWindow)
	st := bombard(ctx, cfg, srv.tcp, payload)
	t2 := time.Now()
	samples := p.finish()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	base, attack := baselinePhase(samples, t0, t1), attackPhase(samples, t1, t2)
	e.logf("baseline: %s", base.text())
	e.logf("attack: %s", attack.text())

	ratio := probeFigures(s, base, attack)
	s.figure("attack_requests_sent", float64(st.sent), "count")
	s.figure("attack_requests_answered", float64(st.answered), "count")
	s.figure("attack_requests_lost_to_close", float64(st.lost), "count")
	s.figure("attack_requests_cut_by_time_limit", float64(st.cut), "count")
	s.figure("attack_connections_closed_by_server", float64(st.ends.total()), "count")
	s.figure("attack_packet_bytes", float64(st.packet), "B")
	s.figure("attack_duration", st.took.Seconds(), "s")
	s.Headline = probeHeadline(base, attack, ratio)
	s.Details = fmt.Sprintf("a probe client (TCP, own connection, joined room \"probe\") sends %s one at a time, pausing %v between requests; "+
		"baseline phase %v, then the attack phase: %d connections from their own loopback addresses each keep %d requests in flight "+
		"(%s with a %d-byte packet, zlib payload inflating to %d bytes), %d in all paced evenly over %v (the issue's attack rate), until all are answered (at most %v; a connection the server closes is redialled); "+
		"the attack phase counts every probe request in flight at some time during the attack, the baseline those answered before it; "+
		"baseline: %s; attack: %s; attack: %d sent, %d answered, %d lost to a close, %d in flight at the time limit, answers by code: %s; connections ended by the server: %s; %d dials (failures: %s) in %v",
		probeRoute, cfg.probeEvery, cfg.baseline, cfg.inflateConns, cfg.inflateWindow, bombRoute, st.packet, cfg.inflateSize,
		cfg.inflateRequests, cfg.baseline, cfg.attackLimit, base.text(), attack.text(), st.sent, st.answered, st.lost, st.cut, st.codes.String(),
		st.ends.String(), st.dials, st.dialErrs.String(), st.took.Round(time.Millisecond))
	served := Check{
		Name: checkAttackServed,
		OK:   st.sent > 0 && st.sent == st.answered+st.lost+st.cut && st.ends.n[endTimeout] == 0,
		Detail: fmt.Sprintf("%d sent = %d answered + %d lost to a close + %d in flight at the time limit; %d connections waited 30 s for an answer",
			st.sent, st.answered, st.lost, st.cut, st.ends.n[endTimeout]),
	}
	s.finish(ratio < 3 && attack.slow == 0, probeCheck(base, attack, 10), payloadCheck, served)
	return nil
}

// bombard runs the attacker connections until cfg.inflateRequests are
// sent and answered (or lost to a close), or cfg.attackLimit. The requests
// are paced evenly over cfg.baseline: 1,000 in 3 s is the rate the attack
// of issue 9 ran at (the old server spent 3.3 ms of its event loop on
// each, so 1,000 took about 3.3 s), and the probe then has about as many
// samples in the attack as in the baseline. (Unpaced, a server that
// refuses the bombs at once turns the attack into a plain request flood
// that saturates both cores, which measures a different thing.)
func bombard(ctx context.Context, cfg *config, addr string, payload []byte) *bombStats {
	ctx, cancel := context.WithTimeout(ctx, cfg.attackLimit)
	defer cancel()
	var budget atomic.Int64
	budget.Store(int64(cfg.inflateRequests))
	st := &bombStats{}
	pace := pacer{start: time.Now(), every: cfg.baseline / time.Duration(max(1, cfg.inflateRequests)), total: int64(cfg.inflateRequests)}
	pkt, _ := wire.AppendDataPacket(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Route: bombRoute, Zlib: true}, payload)
	st.packet = len(pkt)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := range cfg.inflateConns {
		wg.Go(func() {
			var own bombStats
			for budget.Load() > 0 && ctx.Err() == nil {
				own.dials++
				c, err := dialRaw(ctx, addr, sourceIP(1+i))
				if err == nil {
					if err = c.handshake(minHandshake, 10*time.Second); err != nil && ctx.Err() == nil {
						own.dialErrs.add(endOf(err), err.Error())
					} else if err == nil {
						err = bombConn(ctx, c, &budget, &pace, cfg.inflateWindow, payload, &own)
					}
					_ = c.Close()
				} else if ctx.Err() == nil {
					own.dialErrs.add(endOf(err), err.Error())
				}
				// A server that refuses at once is not hammered in a busy loop.
				if err != nil && !sleepCtx(ctx, 10*time.Millisecond) {
					break
				}
			}
			mu.Lock()
			st.sent += own.sent
			st.answered += own.answered
			st.lost += own.lost
			st.cut += own.cut
			st.dials += own.dials
			st.codes.merge(&own.codes)
			st.ends.merge(&own.ends)
			st.dialErrs.merge(&own.dialErrs)
			mu.Unlock()
		})
	}
	wg.Wait()
	st.took = time.Since(start)
	return st
}

// bombConn sends attack requests on c, keeping window in flight, while
// the budget lasts, and reads their answers. It returns nil when its
// requests are all answered and the budget is spent, or the error that
// ended the connection (counted in st.ends, its unanswered requests in
// st.lost).
func bombConn(ctx context.Context, c *rawConn, budget *atomic.Int64, pace *pacer, window int, payload []byte, st *bombStats) error {
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Now()) })
	defer stop()
	var id uint32
	inflight := 0
	send := func() error {
		left := budget.Add(-1)
		if left < 0 {
			budget.Add(1)
			return errNoBudget
		}
		if !sleepCtx(ctx, pace.wait(left)) {
			return ctx.Err()
		}
		id++
		pkt, err := wire.AppendDataPacket(nil, &wire.Header{Type: wire.MessageRequest, ID: id, Route: bombRoute, Zlib: true}, payload)
		if err != nil {
			return err
		}
		st.sent++
		inflight++
		_ = c.nc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		_, err = c.nc.Write(pkt)
		return err
	}
	fail := func(err error) error {
		if ctx.Err() != nil {
			st.cut += int64(inflight)
			return err
		}
		st.lost += int64(inflight)
		st.ends.add(endOf(err), err.Error())
		return err
	}
	for range window {
		if err := send(); errors.Is(err, errNoBudget) {
			break
		} else if err != nil {
			return fail(err)
		}
	}
	for inflight > 0 {
		_ = c.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
		a, err := c.readAnswer()
		if err != nil {
			return fail(err)
		}
		inflight--
		st.answered++
		code := string(a.code)
		if code == "" {
			code = "ok"
		}
		st.codes.add(code, a.msg)
		if err := send(); err != nil && !errors.Is(err, errNoBudget) {
			return fail(err)
		}
	}
	return nil
}

// pacer spreads total requests evenly from start, one every every.
type pacer struct {
	start time.Time
	every time.Duration
	total int64
}

// wait returns how long to wait before sending the request that leaves
// left requests of the budget.
func (p *pacer) wait(left int64) time.Duration {
	return time.Until(p.start.Add(time.Duration(p.total-left-1) * p.every))
}

// errNoBudget says every attack request of the run is sent.
var errNoBudget = errors.New("attack budget spent")
