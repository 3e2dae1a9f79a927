package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/internal/loadgen"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// benchFlags are the flags of "gamesrv bench".
type benchFlags struct {
	conn                connFlags
	cfg                 loadgen.Config
	payloadHex, payload string // -payload-hex, -payload-file
	json, output        string
	init                []string
}

func (b *benchFlags) register(fs *flag.FlagSet) {
	b.conn.register(fs)
	fs.IntVar(&b.cfg.Conns, "c", 1, "concurrent connections")
	fs.IntVar(&b.cfg.Requests, "n", 0, "measured requests per connection (0: run for -d)")
	fs.DurationVar(&b.cfg.Duration, "d", 10*time.Second, "length of the measured phase when -n is 0")
	fs.IntVar(&b.cfg.Pipeline, "pipeline", 1, "requests in flight per connection")
	fs.StringVar(&b.cfg.Route, "route", "", "route of the measured requests (required)")
	fs.StringVar(&b.payloadHex, "payload-hex", "", "payload of each request, in hexadecimal")
	fs.StringVar(&b.payload, "payload-file", "", "file holding the serialized payload of each request")
	fs.StringVar(&b.json, "json", "", "payload of each request as JSON, converted with the server's schema")
	fs.BoolVar(&b.cfg.Notify, "notify", false, "send notifies instead of requests; each connection ends with a barrier request, answered once the server has handled its notifies, so throughput and CPU are the server's, not the writer's (notifies the server drops on a full queue still count: see its metrics)")
	fs.StringVar(&b.cfg.BarrierRoute, "barrier-route", "", "with -notify, the route of the barrier request sent at the end by each connection; any answer, an error too, ends the wait (default: -route itself)")
	fs.DurationVar(&b.cfg.Warmup, "warmup", 0, "per connection, traffic sent and not counted before measuring")
	fs.Func("init", "`route=payload` sent once per connection before measuring, repeatable; payload is JSON or hex:..., %d in it becomes the connection index", func(v string) error {
		if !strings.Contains(v, "=") {
			return errors.New("want route=payload")
		}
		b.init = append(b.init, v)
		return nil
	})
	fs.IntVar(&b.cfg.ServerPID, "pid", 0, "server process to measure (CPU time, RSS; Linux)")
	fs.IntVar(&b.cfg.DialRate, "dial-rate", 0, "maximum dials per second (0: unlimited)")
	fs.StringVar(&b.output, "o", "text", "output: text or json")
}

// runBench is "gamesrv bench".
func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "bench", "", `Opens -c connections, sends the -init steps on each, warms up, then sends
-route requests (-n per connection, or for -d) and reports throughput,
latency percentiles and errors by code, each with its first message.
Exits 1 if any request failed or none succeeded. With -notify, each
connection ends with one barrier request (-barrier-route) and the clock
stops when the server has answered them all, i.e. handled every notify
sent. Raw payloads (-payload-hex, -payload-file,
hex: init steps) work with any Pomelo/Pitaya server; JSON needs the
describe route.

Example (the chat example server):
  gamesrv bench -addr tcp://127.0.0.1:3250 -c 50 -d 10s -route chat.room.members \
      -init 'chat.room.join={"room":"r%d","name":"bot-%d"}'`)
	var b benchFlags
	b.register(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	cfg, err := b.config(ctx, e)
	if err != nil {
		return err
	}
	rep, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if err := printReport(e, rep, b.output); err != nil {
		return err
	}
	return benchOutcome(rep)
}

// config checks the flags and builds the load generator's configuration,
// converting JSON payloads with the server's schema.
func (b *benchFlags) config(ctx context.Context, e *env) (loadgen.Config, error) {
	cfg := b.cfg
	if err := b.check(); err != nil {
		return cfg, err
	}
	opts, err := b.conn.options(e.stderr)
	if err != nil {
		return cfg, err
	}
	cfg.Addr, cfg.Timeout, cfg.Client = b.conn.addr, b.conn.timeout, opts
	s, err := b.schemaIfNeeded(ctx, e)
	if err != nil {
		return cfg, err
	}
	if cfg.Payload, err = b.measuredPayload(s); err != nil {
		return cfg, err
	}
	cfg.Init, err = b.steps(s)
	return cfg, err
}

// check rejects inconsistent flags.
func (b *benchFlags) check() error {
	set := 0
	for _, v := range []string{b.payloadHex, b.payload, b.json} {
		if v != "" {
			set++
		}
	}
	switch {
	case b.cfg.Route == "":
		return usagef("-route is required")
	case set > 1:
		return usagef("give one of -payload-hex, -payload-file and -json")
	case b.output != "text" && b.output != "json":
		return usagef("-o must be text or json")
	case b.cfg.Conns < 1 || b.cfg.Pipeline < 1 || b.cfg.Requests < 0:
		return usagef("-c and -pipeline must be at least 1, -n at least 0")
	case b.cfg.BarrierRoute != "" && !b.cfg.Notify:
		return usagef("-barrier-route needs -notify")
	}
	return nil
}

// schemaIfNeeded fetches the schema over a first connection when a
// payload is JSON; raw payloads need no describe route.
func (b *benchFlags) schemaIfNeeded(ctx context.Context, e *env) (*schema, error) {
	need := b.json != ""
	for _, v := range b.init {
		_, payload, _ := strings.Cut(v, "=")
		need = need || !strings.HasPrefix(strings.TrimSpace(payload), hexPrefix)
	}
	if !need {
		return nil, nil
	}
	return fetchSchema(ctx, e, &b.conn)
}

// measuredPayload is the payload of the measured requests.
func (b *benchFlags) measuredPayload(s *schema) ([]byte, error) {
	switch {
	case b.payloadHex != "":
		return hex.DecodeString(strings.TrimPrefix(b.payloadHex, hexPrefix))
	case b.payload != "":
		return os.ReadFile(b.payload)
	case b.json != "":
		return s.encode(s.route(b.cfg.Route).GetRequestType(), b.json)
	}
	return nil, nil
}

// steps converts the -init flags.
func (b *benchFlags) steps(s *schema) ([]loadgen.Step, error) {
	steps := make([]loadgen.Step, 0, len(b.init))
	for _, v := range b.init {
		route, payload, _ := strings.Cut(v, "=")
		st, err := initStep(s, strings.TrimSpace(route), payload)
		if err != nil {
			return nil, fmt.Errorf("-init %s: %w", route, err)
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// initStep builds one Init step: a notify if the schema (nil when no
// payload needed one) says so, else a request. A hex payload is sent as is, with no
// "%d" expansion (it is binary). In a JSON payload "%d" becomes the
// connection index: the load generator expands it in JSON sent to a JSON
// server; for protobuf, each connection's JSON is converted.
func initStep(s *schema, route, payload string) (loadgen.Step, error) {
	st := loadgen.Step{Route: route, Notify: s != nil && kindOf(s, route) == gamesrv.KindNotify.String()}
	if h, ok := strings.CutPrefix(strings.TrimSpace(payload), hexPrefix); ok {
		b, err := hex.DecodeString(h)
		st.PayloadFunc = constant(b)
		return st, err
	}
	typ := s.route(route).GetRequestType()
	first, err := s.encode(typ, strings.ReplaceAll(payload, "%d", "0")) // checked once, up front
	switch {
	case err != nil:
		return st, err
	case s.ser.Name() == gamesrv.SerializerJSON:
		st.Payload = []byte(payload)
	case strings.Contains(payload, "%d"):
		st.PayloadFunc = func(conn int) ([]byte, error) {
			return s.encode(typ, strings.ReplaceAll(payload, "%d", strconv.Itoa(conn)))
		}
	default:
		st.PayloadFunc = constant(first)
	}
	return st, nil
}

// constant is a PayloadFunc for a binary payload, which must not go
// through the generator's "%d" expansion.
func constant(b []byte) func(int) ([]byte, error) {
	return func(int) ([]byte, error) { return b, nil }
}

// printReport writes the report as text or JSON.
func printReport(e *env, rep *loadgen.Report, output string) error {
	if output == "text" {
		_, err := fmt.Fprintln(e.stdout, rep)
		return err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(append(b, '\n'))
	return err
}

// benchOutcome is bench's error: some requests failed, or none was OK.
func benchOutcome(rep *loadgen.Report) error {
	failed := 0
	for _, n := range rep.Errors {
		failed += n
	}
	switch {
	case failed > 0:
		return fmt.Errorf("%d failures (%s)", failed, errorList(rep.Errors))
	case rep.OK == 0:
		return errors.New("no request succeeded")
	}
	return nil
}

// errorList is "CODE n, CODE n" in a stable order.
func errorList(errs map[string]int) string {
	var b bytes.Buffer
	for i, k := range sortedKeys(errs) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", k, errs[k])
	}
	return b.String()
}
