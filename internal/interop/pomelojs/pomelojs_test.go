package pomelojs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/childproc"
)

// heartbeat is the interval the server announces: the script stays
// connected for 5 of them.
const heartbeat = time.Second

// event is one "EVENT {json}" line of chat.js.
type event struct {
	Event  string          `json:"event"`
	Client string          `json:"client"`
	Step   string          `json:"step"`
	Route  string          `json:"route"`
	Code   int             `json:"code"`
	Body   json.RawMessage `json:"body"`

	SentHeartbeats     int  `json:"sentHeartbeats"`
	ReceivedHeartbeats int  `json:"receivedHeartbeats"`
	LongestSilenceMs   int  `json:"longestSilenceMs"`
	Closed             bool `json:"closed"`

	Message string `json:"message"`
}

// TestPomeloJSClient drives the chat server with pomelo-jsclient-websocket:
// handshake, requests, a notify pushed to a second client, coded errors
// (that client has no error flag: the error payload reaches the request's
// callback, and its code tells it apart), 5 heartbeat intervals answered
// the client's way, and a kick with its reason on a duplicate login.
func TestPomeloJSClient(t *testing.T) {
	node := needNode(t)
	port := startChatServer(t)
	events, stderr := runScript(t, node, port)
	defer func() {
		if t.Failed() {
			t.Logf("node's stderr (the client logs every close there):\n%s", tail(stderr, 40))
		}
	}()

	for _, name := range []string{"ann", "bob", "carol"} {
		if find(events, func(e event) bool { return e.Event == "handshake" && e.Client == name }) == nil {
			t.Errorf("no handshake for %s", name)
		}
	}
	var members struct{ Members []string }
	if decode(t, response(events, "bob joins"), "the answer to bob's join", &members) && strings.Join(members.Members, ",") != "ann,bob" {
		t.Errorf("bob's join answered %v", members.Members)
	}
	var line struct{ From, Text string }
	push := find(events, func(e event) bool { return e.Event == "push" && e.Client == "ann" && e.Route == "onMessage" })
	if decode(t, push, "ann's onMessage push of bob's notify", &line) && (line.From != "bob" || line.Text != "hello from pomelo-jsclient-websocket") {
		t.Errorf("ann's push: %+v", line)
	}
	for step, code := range map[string]string{"join without a room": "CHAT-BAD-ROOM", "unknown route": "GS-404"} {
		var body struct{ Code, Msg string }
		if decode(t, response(events, step), "the answer to "+step, &body) && (body.Code != code || body.Msg == "") {
			t.Errorf("%s: %+v, want code %s and a message", step, body, code)
		}
	}
	for _, name := range []string{"ann", "bob"} {
		e := find(events, func(e event) bool { return e.Event == "heartbeats" && e.Client == name })
		if e == nil {
			t.Errorf("no heartbeat report for %s", name)
			continue
		}
		t.Logf("%s over 5.5 intervals of %v: %d heartbeats sent, %d received, longest silence %d ms",
			name, heartbeat, e.SentHeartbeats, e.ReceivedHeartbeats, e.LongestSilenceMs)
		if e.Closed || e.SentHeartbeats < 2 || e.ReceivedHeartbeats < 4 {
			t.Errorf("%s: closed %v, %d heartbeats sent, %d received", name, e.Closed, e.SentHeartbeats, e.ReceivedHeartbeats)
		}
	}
	if response(events, "members after 5 intervals") == nil {
		t.Error("no answer after 5 heartbeat intervals")
	}
	var kick struct{ Reason string }
	e := find(events, func(e event) bool { return e.Event == "kick" && e.Client == "ann" })
	if decode(t, e, "the first ann's onKick event", &kick) && kick.Reason != "duplicate login" {
		t.Errorf("kick reason %q", kick.Reason)
	}
	for _, e := range events {
		switch {
		case e.Event == "exception", e.Event == "failed", e.Event == "heartbeat timeout", e.Event == "io-error", e.Event == "error",
			e.Event == "close" && e.Client != "ann":
			t.Errorf("unexpected %s event: %+v", e.Event, e)
		}
	}
	if find(events, func(e event) bool { return e.Event == "done" }) == nil {
		t.Error("the script did not finish")
	}
}

// decode unmarshals e's body into v, failing the test (naming what) when
// e is missing or its body is not that JSON.
func decode(t *testing.T, e *event, what string, v any) bool {
	t.Helper()
	if e == nil {
		t.Errorf("no %s", what)
		return false
	}
	if err := json.Unmarshal(e.Body, v); err != nil {
		t.Errorf("%s: body %s: %v", what, e.Body, err)
		return false
	}
	return true
}

// needNode returns node's path, failing with what to do when node or the
// npm packages are missing.
func needNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: this test runs pomelo-jsclient-websocket under Node (apt-get install nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "pomelo-jsclient-websocket", "package.json")); err != nil {
		t.Fatal("internal/interop/pomelojs/node_modules is missing: run `make interop-deps` " +
			"(npm ci in internal/interop/pomelojs; make test does it first)")
	}
	return node
}

// startChatServer builds the chat example server, runs it with the JSON
// serializer on a WebSocket port only, and returns the port.
func startChatServer(t *testing.T) int {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "chat-server")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/gamesrv/gamesrv/examples/chat/server").CombinedOutput(); err != nil {
		t.Fatalf("building the chat server: %v\n%s", err, out)
	}
	p, err := childproc.Start("chat server", bin, "-serializer", "json", "-heartbeat", heartbeat.String(),
		"-tcp", "", "-kcp", "", "-ws", "127.0.0.1:0", "-web", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("chat server: %v\n%s", err, p.Tail(20))
		}
	})
	addr, err := p.AwaitWord(30*time.Second, "LISTEN", "ws")
	if err != nil {
		t.Fatal(err)
	}
	_, portText, _ := strings.Cut(addr, ":")
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatalf("LISTEN ws %q", addr)
	}
	return port
}

// runScript runs chat.js against port and returns its events and stderr.
// A script that fails still has its events checked: they say how far it
// got.
func runScript(t *testing.T, node string, port int) ([]event, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "chat.js", strconv.Itoa(port), strconv.Itoa(int(heartbeat/time.Second)))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var events []event
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "EVENT ")
		if !ok {
			continue // the client's own console.log
		}
		var e event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("bad event line %q: %v", line, err)
		}
		events = append(events, e)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("node chat.js: %v", err)
	}
	if err != nil {
		t.Errorf("node chat.js: %v", err)
	}
	return events, stderr.String()
}

func find(events []event, match func(event) bool) *event {
	for i := range events {
		if match(events[i]) {
			return &events[i]
		}
	}
	return nil
}

func response(events []event, step string) *event {
	return find(events, func(e event) bool { return e.Event == "response" && e.Step == step })
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
