package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// TestSmoke runs every scenario with tiny sizes against the chat server,
// so that the suite cannot rot: each scenario must be measured, carry its
// correctness checks and have them hold, and the JSON must be well formed.
// The goals are not asserted: quick sizes say nothing about them.
func TestSmoke(t *testing.T) {
	bin := buildChatServer(t)
	out := t.TempDir()
	cfg, err := parseConfig([]string{"-quick", "-out", out, "-server", bin})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stdout, progress bytes.Buffer
	if code := run(ctx, cfg, &stdout, &progress); code != 0 {
		t.Fatalf("exit code %d\n%s\n%s", code, progress.String(), stdout.String())
	}
	res := readResults(t, filepath.Join(out, resultFile))
	checkScenarios(t, res, stdout.String())
}

// buildChatServer builds the chat server into a temporary directory.
func buildChatServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "chat-server")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/gamesrv/gamesrv/examples/chat/server")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build chat server: %v\n%s", err, out)
	}
	return bin
}

func readResults(t *testing.T, path string) *Results {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res Results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if res.Date == "" || res.Go == "" || res.CPUs <= 0 || !res.Quick || res.Elapsed == "" {
		t.Errorf("header: %+v", res)
	}
	return &res
}

// wantScenarios are the scenarios in order, each with the checks it must
// carry and the figures it must report; optional checks may be missing.
var wantScenarios = []struct {
	id       string
	checks   []string
	optional []string
	figures  []string
}{
	{"1", []string{checkProbe, checkPayload, checkAttackServed}, nil,
		[]string{"probe_p99_baseline", "probe_p99_attack", "probe_p99_ratio", "probe_max_attack", "probe_over_100ms_attack", "attack_requests_sent"}},
	{"2", []string{checkSearch, checkHandshakes, checkHeldOpen, checkRSSSettled}, nil,
		[]string{"largest_handshake", "connections", "rss_growth"}},
	{"3", []string{checkProbe, checkFloodSent, checkKCPClient}, nil,
		[]string{"datagrams_sent", "goroutines_growth", "sessions_peak", "probe_p99_ratio"}},
	{"4", []string{checkAgree, checkOtherAddr}, nil,
		[]string{"connections_opened", "connections_held_server", "connections_held_client"}},
	{"5", []string{checkJoined, checkInOrder}, nil,
		[]string{"requests_pipelined", "answers_received", "close_is_reset", "close_is_orderly"}},
	{"6", []string{checkRoomsCounted}, nil,
		[]string{"rooms_created", "joins_refused", "goroutines_growth"}},
	{"7", []string{checkClientsEnded}, []string{checkNewServer},
		[]string{"shutdown", "start_attempts", "rebind"}},
}

// checkScenarios checks that every scenario was measured and printed with
// its figures and checks, and that the checks held.
func checkScenarios(t *testing.T, res *Results, table string) {
	t.Helper()
	if len(res.Scenarios) != len(wantScenarios) {
		t.Fatalf("got %d scenarios, want %d: %+v", len(res.Scenarios), len(wantScenarios), res.Scenarios)
	}
	for i, s := range res.Scenarios {
		want := wantScenarios[i]
		if s.ID != want.id || s.Error != "" {
			t.Errorf("scenario %d is %q (error %q), want %q measured", i, s.ID, s.Error, want.id)
		}
		if s.Name == "" || s.Goal == "" || s.Headline == "" || s.Details == "" {
			t.Errorf("scenario %s incomplete: %+v", s.ID, s)
		}
		if !strings.Contains(table, "| "+s.ID+" | "+s.Name+" | "+s.Headline+" |") {
			t.Errorf("scenario %s missing from the table:\n%s", s.ID, table)
		}
		if s.Pass != (s.GoalMet && s.checksOK()) {
			t.Errorf("scenario %s: pass %v, goal met %v, checks ok %v", s.ID, s.Pass, s.GoalMet, s.checksOK())
		}
		var figures []string
		for _, f := range s.Figures {
			figures = append(figures, f.Name)
			if f.Unit == "" {
				t.Errorf("scenario %s: figure %s has no unit", s.ID, f.Name)
			}
		}
		for _, f := range want.figures {
			if !slices.Contains(figures, f) {
				t.Errorf("scenario %s: no figure %s in %q", s.ID, f, figures)
			}
		}
		checkChecks(t, s, want.checks, want.optional)
	}
}

// checkChecks checks that s carries the checks named (and perhaps the
// optional ones), that each held, and that the details print them.
func checkChecks(t *testing.T, s Scenario, names, optional []string) {
	t.Helper()
	var got []string
	for _, c := range s.Checks {
		if !slices.Contains(optional, c.Name) {
			got = append(got, c.Name)
		}
		if !c.OK {
			t.Errorf("scenario %s: check failed: %s", s.ID, c)
		}
		if !strings.Contains(s.Details, c.String()) {
			t.Errorf("scenario %s: check %q not in the details: %s", s.ID, c.Name, s.Details)
		}
	}
	if !slices.Equal(got, names) {
		t.Errorf("scenario %s carries the checks %q, want %q", s.ID, got, names)
	}
}

// TestFinish checks that a failed check fails the scenario whatever its
// goal, and shows in its details.
func TestFinish(t *testing.T) {
	tests := []struct {
		name     string
		goal     bool
		checks   []Check
		wantPass bool
		want     string
	}{
		{"all held", true, []Check{{Name: "a", OK: true}, {Name: "b", OK: true, Detail: "2/2"}}, true, "checks: a: ok; b: ok (2/2)"},
		{"one failed", true, []Check{{Name: "a", OK: true}, {Name: "b", Detail: "1/2"}}, false, "checks: a: ok; b: FAILED (1/2)"},
		{"goal missed", false, []Check{{Name: "a", OK: true}}, false, "checks: a: ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Scenario{Details: "measured"}
			s.finish(tt.goal, tt.checks...)
			if s.Pass != tt.wantPass || s.GoalMet != tt.goal || s.Details != "measured; "+tt.want || len(s.Checks) != len(tt.checks) {
				t.Errorf("got pass %v, goal %v, details %q; want %v, %v, %q", s.Pass, s.GoalMet, s.Details, tt.wantPass, tt.goal, tt.want)
			}
			if s.checksOK() != !strings.Contains(tt.want, "FAILED") {
				t.Errorf("checksOK %v for %q", s.checksOK(), tt.want)
			}
		})
	}
}

// TestBombPayload checks the inflate attack's payload: about a kilobyte
// that inflates to exactly the size asked and decodes as the request, in
// both serializers.
func TestBombPayload(t *testing.T) {
	for _, ser := range []gamesrv.Serializer{gamesrv.ProtobufSerializer{}, gamesrv.JSONSerializer{}} {
		t.Run(ser.Name(), func(t *testing.T) {
			p, err := bombPayload(ser.Name(), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if len(p) > 1100 {
				t.Errorf("payload is %d bytes, want about 1,050", len(p))
			}
			if c := checkBomb(p, ser, 1<<20); !c.OK {
				t.Errorf("check failed: %s", c)
			}
			if c := checkBomb(p, ser, 1<<20+1); c.OK {
				t.Errorf("check passed for the wrong size: %s", c)
			}
		})
	}
	if _, err := bombPayload(gamesrv.SerializerProtobuf, 1<<10); err == nil {
		t.Error("a 1 KiB protobuf bomb was built with a 3-byte length")
	}
}

// TestKCPSegment checks the flood's datagram is a KCP data segment header.
func TestKCPSegment(t *testing.T) {
	b := kcpSegment(0xdeadbeef)
	if len(b) != 24 {
		t.Fatalf("%d bytes", len(b))
	}
	if conv := binary.LittleEndian.Uint32(b); conv != 0xdeadbeef {
		t.Errorf("conv %#x", conv)
	}
	if b[4] != kcpCmdPush || binary.LittleEndian.Uint16(b[6:]) != 128 {
		t.Errorf("cmd %d, wnd %d", b[4], binary.LittleEndian.Uint16(b[6:]))
	}
	if sn := binary.LittleEndian.Uint32(b[12:]); sn != 0 {
		t.Errorf("sn %d, want 0 (a new session)", sn)
	}
}

// TestHandshakeBody checks the padded handshakes are valid, of exactly the
// size asked.
func TestHandshakeBody(t *testing.T) {
	for _, size := range []int{0, len(minHandshake), 100, 4096, 1 << 20} {
		b := handshakeBody(size)
		if want := max(size, len(minHandshake)); len(b) != want {
			t.Errorf("handshakeBody(%d) is %d bytes, want %d", size, len(b), want)
		}
		if _, err := wire.DecodeHandshakeRequest(b); err != nil {
			t.Errorf("handshakeBody(%d): %v", size, err)
		}
	}
}

// TestLargestHandshake runs the search against a fake server that accepts
// handshake bodies up to a limit and resets larger ones, as the chat
// server does with its maximum body size.
func TestLargestHandshake(t *testing.T) {
	for _, limit := range []int{len(minHandshake), 1000, 5000, 70001} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			addr := fakeHandshakeServer(t, limit)
			got, steps, err := largestHandshake(context.Background(), addr)
			if err != nil {
				t.Fatal(err)
			}
			if got != limit {
				t.Errorf("found %d, want %d (tries: %s)", got, limit, stepsText(steps))
			}
			if c := searchCheck(steps, got); !c.OK {
				t.Errorf("check failed: %s", c)
			}
		})
	}
}

// fakeHandshakeServer serves handshakes on a loopback port: a body up to
// limit bytes gets code 200, a larger one closes the connection unread.
func fakeHandshakeServer(t *testing.T, limit int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ok, err := wire.EncodeHandshakeResponse(&wire.HandshakeResponse{Code: 200, Sys: &wire.HandshakeResponseSys{Heartbeat: 30, Serializer: "protobuf"}})
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := wire.AppendPacket(nil, wire.PacketHandshake, ok)
	done := make(chan struct{})
	t.Cleanup(func() { _ = ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			var hdr [wire.HeaderLen]byte
			if _, err := io.ReadFull(c, hdr[:]); err == nil {
				if _, n, _ := wire.ParseHeader(hdr[:]); n <= limit {
					if _, err := io.ReadFull(c, make([]byte, n)); err == nil {
						_, _ = c.Write(answer)
						_, _ = io.ReadFull(c, hdr[:]) // the ack, or the close
					}
				}
			}
			_ = c.Close()
		}
	}()
	return ln.Addr().String()
}

// TestSummarize checks how probe samples fall into phases: the baseline
// holds the requests answered before the attack, the attack phase every
// request in flight during it.
func TestSummarize(t *testing.T) {
	at := time.Unix(1000, 0)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	samples := []sample{
		{at: at.Add(-ms(10)), rtt: ms(1)},  // before the baseline
		{at: at, rtt: ms(2)},               // baseline
		{at: at.Add(ms(10)), rtt: ms(4)},   // baseline
		{at: at.Add(ms(98)), rtt: ms(150)}, // sent before the attack, answered during it
		{at: at.Add(ms(300)), rtt: ms(5000), timedOut: true},
		{at: at.Add(ms(400)), err: errors.New("boom")}, // a failure
		{at: at.Add(ms(500)), rtt: ms(3)},              // after the attack
	}
	base := baselinePhase(samples, at, at.Add(ms(100)))
	if base.n != 2 || base.p50 != ms(2) || base.p99 != ms(4) || base.max != ms(4) || base.slow != 0 {
		t.Errorf("baseline %+v", base)
	}
	attack := attackPhase(samples, at.Add(ms(100)), at.Add(ms(450)))
	if attack.n != 3 || attack.slow != 2 || attack.timeouts != 1 || attack.max != ms(5000) || attack.errs.total() != 1 {
		t.Errorf("attack %+v", attack)
	}
	if c := probeCheck(base, attack, 2); c.OK {
		t.Errorf("a probe failure passed the check: %s", c)
	}
}

// TestPercentile checks the nearest-rank percentile.
func TestPercentile(t *testing.T) {
	var l []time.Duration
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{0.5: 50, 0.99: 99, 1: 100} {
		if got := percentile(l, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if got := percentile(nil, 0.99); got != 0 {
		t.Errorf("empty: %v", got)
	}
}

// TestEndOf checks how the end of a connection is classified.
func TestEndOf(t *testing.T) {
	op := func(err error) error {
		return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", err)}
	}
	tests := []struct {
		err  error
		want string
	}{
		{io.EOF, endEOF},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), endEOF},
		{op(syscall.ECONNRESET), endReset},
		{op(syscall.EPIPE), endReset},
		{kickError([]byte(`{"reason":"server full"}`)), endKick},
		{os.ErrDeadlineExceeded, endTimeout},
		{errors.New("other"), endOther},
	}
	for _, tt := range tests {
		if got := endOf(tt.err); got != tt.want {
			t.Errorf("endOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestParseConfig checks the scenario selection.
func TestParseConfig(t *testing.T) {
	c, err := parseConfig([]string{"-scenarios", "5, 1,5"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.scenarios, ",") != "1,5" || !c.wants("1") || c.wants("2") || c.inflateRequests != 1000 {
		t.Errorf("config %+v", c)
	}
	for _, bad := range [][]string{{"-scenarios", "8"}, {"-scenarios", ""}, {"extra"}} {
		if _, err := parseConfig(bad); err == nil {
			t.Errorf("parseConfig(%q) accepted", bad)
		}
	}
}
