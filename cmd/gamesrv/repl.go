package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// replHelp is the repl's "help".
const replHelp = `commands:
  routes                     the route table
  describe <route|message>   a route's messages, or a message, as proto-like text
  request <route> [payload]  send a request; the response prints as one JSON line
  notify <route> [payload]   send a notify
  <route> [payload]          request or notify, as the route's kind says
  help                       this help
  quit                       leave (or end of input)
  # ...                      a comment, ignored
payload: JSON ({"room":"lobby"}), or hex:0a0141 for raw bytes; empty means {}.
A route the server does not list is refused, unless the payload is hex:.
Error responses print as: error CODE: message {metadata}.
Pushes print as they arrive: push <route> <json>.`

// runRepl is "gamesrv repl".
func runRepl(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "repl", "", `An interactive client. Reads commands from stdin, one per line ("help"
lists them), and prints responses and pushes on stdout, one line each.
Works with a pipe for scripted sessions; the "> " prompt appears only
when stdin is a terminal.`)
	var cf connFlags
	cf.register(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	c, err := cf.dial(ctx, e.stderr)
	if err != nil {
		return err
	}
	defer c.Close()
	r := &repl{c: c, s: loadSchema(ctx, c, cf.timeout), out: &lineWriter{w: e.stdout}, timeout: cf.timeout}
	c.HandleRawPush(r.push)
	defer r.watch()()
	r.greet(cf.addr)
	return r.loop(ctx, e.stdin)
}

// repl is one interactive session.
type repl struct {
	c       *client.Client
	s       *schema
	out     *lineWriter
	timeout time.Duration
}

// greet prints one comment line about the server.
func (r *repl) greet(addr string) {
	if r.s.described() {
		r.out.printf("# connected to %s: %s (type %s), serializer %s, %d routes; help lists the commands",
			addr, r.s.desc.GetServerId(), r.s.desc.GetServerType(), r.s.ser.Name(), len(r.s.desc.GetRoutes()))
		return
	}
	r.out.printf("# connected to %s, serializer %s; no schema (%v): use hex: payloads", addr, r.s.ser.Name(), r.s.err)
}

// watch prints a line if the server ends the connection; the returned
// function stops watching and waits for the watcher.
func (r *repl) watch() func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-r.c.Done():
			r.out.printf("# connection closed: %v", r.c.Err())
		case <-stop:
		}
	})
	return func() {
		close(stop)
		wg.Wait()
	}
}

// loop executes lines until quit, the end of the input or ctx's end.
func (r *repl) loop(ctx context.Context, in io.Reader) error {
	done := make(chan struct{})
	defer close(done)
	lines, readErr := readLines(in, done)
	interactive := isTerminal(in)
	for {
		if interactive {
			r.out.prompt()
		}
		select {
		case line, ok := <-lines:
			if !ok {
				return readErr()
			}
			if r.exec(ctx, line) {
				return nil
			}
		case <-ctx.Done():
			return nil
		}
	}
}

// readLines sends the lines of in on the returned channel, which is
// closed at the end of the input; the function returned gives the read
// error then. The reading goroutine ends at the end of the input, or
// after its current read once done is closed.
func readLines(in io.Reader, done <-chan struct{}) (<-chan string, func() error) {
	lines := make(chan string)
	var err error
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
		err = sc.Err()
	}()
	return lines, func() error { return err }
}

// isTerminal reports whether in is a terminal (a character device).
func isTerminal(in io.Reader) bool {
	f, ok := in.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// exec runs one line; it reports whether the session should end.
func (r *repl) exec(ctx context.Context, line string) (quit bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return false
	}
	cmd, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	switch cmd {
	case "quit", "exit":
		return true
	case "help":
		r.out.println(replHelp)
	case "routes":
		r.out.println(routeTable(r.s))
	case "describe":
		r.describe(rest)
	case "request", "notify":
		route, payload, _ := strings.Cut(rest, " ")
		r.send(ctx, cmd, route, payload)
	default:
		r.shorthand(ctx, cmd, rest)
	}
	return false
}

func (r *repl) describe(what string) {
	out, err := describe(r.s, what)
	if err != nil {
		r.out.printf("error: %v", err)
		return
	}
	r.out.println(out)
}

// shorthand runs "<route> <payload>" as the route's kind says.
func (r *repl) shorthand(ctx context.Context, route, payload string) {
	if r.s.route(route) == nil && !strings.Contains(route, ".") {
		r.out.printf("error: unknown command %q (help lists the commands)", route)
		return
	}
	r.send(ctx, kindOf(r.s, route), route, payload)
}

// send sends a request or notify and prints the outcome.
func (r *repl) send(ctx context.Context, kind, route, arg string) {
	if route == "" {
		r.out.printf("error: %s needs a route", kind)
		return
	}
	rs := r.s.route(route)
	if rs == nil && r.s.knowsRoutes() && !strings.HasPrefix(strings.TrimSpace(arg), hexPrefix) {
		r.out.printf("error: %v", r.s.unknownRoute(route))
		return
	}
	payload, err := r.s.encode(rs.GetRequestType(), arg)
	if err != nil {
		r.out.printf("error: %v", err)
		return
	}
	switch kind {
	case gamesrv.KindNotify.String():
		if err := r.c.NotifyRaw(ctx, route, payload); err != nil {
			r.out.printf("error: %v", err)
		}
	case gamesrv.KindPush.String():
		r.out.printf("error: %s is a push route: the server sends it", route)
	default:
		r.request(ctx, route, rs.GetResponseType(), payload)
	}
}

func (r *repl) request(ctx context.Context, route, respType string, payload []byte) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	resp, err := r.c.RequestRaw(ctx, route, payload)
	if err != nil {
		r.out.println(errorLine(err))
		return
	}
	r.out.println(r.s.decode(respType, resp))
}

// errorLine renders a failed request: "error GS-404: message {metadata}"
// for an error response, "error: ..." otherwise.
func errorLine(err error) string {
	e, ok := errors.AsType[*gamesrv.Error](err)
	if !ok {
		return "error: " + err.Error()
	}
	line := "error " + e.Error()
	if md := e.Metadata(); len(md) > 0 {
		b, _ := json.Marshal(md) // sorted keys
		line += " " + string(b)
	}
	return line
}

// push prints a push; it runs on the client's push goroutine.
func (r *repl) push(route string, payload []byte) {
	r.out.printf("push %s %s", route, r.s.decode(r.s.route(route).GetRequestType(), payload))
}
