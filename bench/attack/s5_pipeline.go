package main

import (
	"context"
	"fmt"
	"net"
	"time"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
)

// flushedAnswers is the least number of answers a client that floods
// must receive before the close: the server's default QueueSize, the
// requests it has queued when it gives up on the client.
const flushedAnswers = 64

// pipelineWait bounds how long the flooding client reads after its last
// write before it calls the connection still open.
const pipelineWait = 20 * time.Second

// pipeResult is what the flooding client saw.
type pipeResult struct {
	written   int           // requests written whole before a write failed
	writeErr  error         // why writing stopped early, if it did
	answers   int           // answers received
	codes     counts        // answers by code ("ok" for a success)
	inOrder   bool          // every answer's id above the previous one
	lastID    uint32        // the id of the last answer
	end       string        // how the connection ended (endEOF, endReset...), or "open"
	endErr    error         // the read error that ended it
	closedIn  time.Duration // from the first write to the end
	firstWait time.Duration // from the first write to the first answer
}

// runPipeline measures scenario 5: after joining a room, a client writes
// many requests back to back without reading, while it reads in parallel
// what comes back; how many answers arrive before the server closes, and
// how it closes.
func runPipeline(ctx context.Context, e *env, s *Scenario) error {
	srv, err := startChat(e, anyPort)
	if err != nil {
		return err
	}
	c, err := dialRaw(ctx, srv.tcp, net.IPv4(127, 0, 0, 1))
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.handshake(minHandshake, 10*time.Second); err != nil {
		return err
	}
	joined, err := c.call(1, "chat.room.join", &chatv1.JoinRequest{Room: "flood", Name: "flooder"}, 10*time.Second)
	if err != nil {
		return fmt.Errorf("join: %w", err)
	}
	r, err := pipeline(ctx, c, e.cfg.pipelined)
	if err != nil {
		return err
	}
	e.logf("%d written, %d answered (%s), ended: %s after %v", r.written, r.answers, r.codes.String(), r.end, r.closedIn.Round(time.Millisecond))

	s.figure("requests_pipelined", float64(e.cfg.pipelined), "count")
	s.figure("requests_written", float64(r.written), "count")
	s.figure("answers_received", float64(r.answers), "count")
	s.figure("close_is_reset", boolFigure(r.end == endReset), "bool")
	s.figure("close_is_orderly", boolFigure(r.end == endEOF), "bool")
	s.figure("time_to_close", ms(r.closedIn), "ms")
	s.Headline = fmt.Sprintf("%s of %d requests, then %s after %v", plural(r.answers, "answer"), e.cfg.pipelined, endText(r.end), short(r.closedIn))
	if r.writeErr != nil {
		s.Headline += fmt.Sprintf("; writes stopped after %d by %s", r.written, endText(endOf(r.writeErr)))
	}
	writeNote := "all written"
	if r.writeErr != nil {
		writeNote = fmt.Sprintf("writing stopped after %d: %v", r.written, r.writeErr)
	}
	s.Details = fmt.Sprintf("after joining room \"flood\", one TCP client writes %d %s requests back to back (64 KiB writes, no wait for answers) while reading what comes back; "+
		"%s; %d answers (%s), the first after %v; the connection ended by %s after %v (%v)",
		e.cfg.pipelined, probeRoute, writeNote, r.answers, r.codes.String(), short(r.firstWait), endText(r.end), short(r.closedIn), r.endErr)
	goal := r.answers >= flushedAnswers && r.end != endReset && (r.end != "open" || r.answers == e.cfg.pipelined)
	s.finish(goal,
		Check{Name: checkJoined, OK: joined.code == "", Detail: fmt.Sprintf("join answered %q", joined.code)},
		Check{Name: checkInOrder, OK: r.inOrder, Detail: fmt.Sprintf("%d answers, last id %d", r.answers, r.lastID)},
	)
	return nil
}

// pipeline writes n requests (ids 2 to n+1) on c in 64 KiB writes from a
// goroutine and reads answers until the connection ends or stays silent
// for pipelineWait after the last write.
func pipeline(ctx context.Context, c *rawConn, n int) (*pipeResult, error) {
	var pkts []byte
	var ends []int // ends[i]: the end of request i in pkts
	for i := range n {
		p, err := c.request(uint32(i+2), probeRoute, &chatv1.MembersRequest{})
		if err != nil {
			return nil, err
		}
		pkts = append(pkts, p...)
		ends = append(ends, len(pkts))
	}
	r := &pipeResult{inOrder: true, end: "open"}
	type wrote struct {
		written int
		err     error
	}
	done := make(chan wrote, 1)
	start := time.Now()
	go func() {
		off := 0
		var err error
		for off < len(pkts) && err == nil {
			var k int
			_ = c.nc.SetWriteDeadline(time.Now().Add(pipelineWait))
			k, err = c.nc.Write(pkts[off:min(off+64<<10, len(pkts))])
			off += k
		}
		written := 0
		for written < len(ends) && ends[written] <= off {
			written++
		}
		done <- wrote{written, err}
	}()
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetReadDeadline(time.Now()) })
	defer stop()
	var w *wrote
	for ctx.Err() == nil {
		if w == nil {
			select {
			case got := <-done:
				w = &got
			default:
			}
		}
		wait := time.Minute // the writer has yet to finish
		if w != nil {
			wait = pipelineWait
		}
		_ = c.nc.SetReadDeadline(time.Now().Add(wait))
		a, err := c.readAnswer()
		if err != nil {
			r.closedIn, r.endErr = time.Since(start), err
			if end := endOf(err); end != endTimeout {
				r.end = end
			}
			break
		}
		if r.answers == 0 {
			r.firstWait = time.Since(start)
		}
		r.answers++
		r.inOrder = r.inOrder && a.id > r.lastID
		r.lastID = a.id
		code := string(a.code)
		if code == "" {
			code = "ok"
		}
		r.codes.add(code, a.msg)
		if r.answers == n {
			r.closedIn = time.Since(start)
			break
		}
	}
	if w == nil {
		_ = c.nc.SetWriteDeadline(time.Now()) // the server stopped reading: unblock the writer
		got := <-done
		w = &got
	}
	r.written, r.writeErr = w.written, w.err
	return r, ctx.Err()
}

// endText says how a connection ended, for the table.
func endText(end string) string {
	switch end {
	case endEOF:
		return "an orderly close (EOF)"
	case endReset:
		return "a reset (ECONNRESET)"
	case endKick:
		return "a kick"
	case "open":
		return "no close"
	}
	return end
}

// plural prints n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func boolFigure(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
