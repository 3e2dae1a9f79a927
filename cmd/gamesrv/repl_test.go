package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"google.golang.org/protobuf/proto"
)

// replSession is a repl running in process on a pipe.
type replSession struct {
	t    *testing.T
	in   *io.PipeWriter
	out  syncBuffer
	errs syncBuffer
	code chan int
}

// startRepl runs "gamesrv repl -addr addr"; the session ends with quit or
// when the test ends.
func startRepl(t *testing.T, addr string) *replSession {
	t.Helper()
	pr, pw := io.Pipe()
	s := &replSession{t: t, in: pw, code: make(chan int, 1)}
	go func() {
		s.code <- run(context.Background(), []string{"repl", "-addr", addr}, pr, &s.out, &s.errs)
	}()
	t.Cleanup(func() {
		_ = pw.Close()
		s.exit()
	})
	s.expect("the greeting", func(l string) bool { return strings.HasPrefix(l, "# connected to "+addr) })
	return s
}

// send writes one line to the repl.
func (s *replSession) send(line string) {
	s.t.Helper()
	if _, err := fmt.Fprintln(s.in, line); err != nil {
		s.t.Fatalf("write %q: %v", line, err)
	}
}

// expect waits for an output line that match accepts and returns it.
func (s *replSession) expect(what string, match func(line string) bool) string {
	s.t.Helper()
	var found string
	deadline := time.Now().Add(5 * time.Second)
	for found == "" {
		if i := slices.IndexFunc(s.out.lines(), match); i >= 0 {
			found = s.out.lines()[i]
		} else if time.Now().After(deadline) {
			s.t.Fatalf("no line with %s in the output:\n%s\nstderr:\n%s", what, s.out.String(), s.errs.String())
		} else {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return found
}

// expectPrefix waits for a line starting with prefix and returns the rest.
func (s *replSession) expectPrefix(prefix string) string {
	s.t.Helper()
	return strings.TrimPrefix(s.expect(fmt.Sprintf("prefix %q", prefix), func(l string) bool {
		return strings.HasPrefix(l, prefix)
	}), prefix)
}

// exit waits for the repl to return and gives its exit status.
func (s *replSession) exit() int {
	s.t.Helper()
	select {
	case code := <-s.code:
		s.code <- code // for a second call
		return code
	case <-time.After(5 * time.Second):
		s.t.Fatal("the repl did not return")
		return -1
	}
}

// chatMessage matches a "push onMessage" line from who saying text.
func chatMessage(from, text string) func(string) bool {
	return func(l string) bool {
		payload, ok := strings.CutPrefix(l, "push onMessage ")
		var m struct{ Room, From, Text string }
		return ok && json.Unmarshal([]byte(payload), &m) == nil && m.Room == "lobby" && m.From == from && m.Text == text
	}
}

// members matches a response line listing exactly these members.
func members(names ...string) func(string) bool {
	return func(l string) bool {
		var resp struct{ Members []string }
		return strings.HasPrefix(l, "{") && json.Unmarshal([]byte(l), &resp) == nil && slices.Equal(resp.Members, names)
	}
}

func TestReplChatSession(t *testing.T) {
	for _, network := range []string{"tcp", "ws"} {
		t.Run(network, func(t *testing.T) {
			replChatSession(t, startChat(t, server.Options{})[network])
		})
	}
}

// replChatSession runs a chat session in the repl against addr: routes, a
// join, lines from another player and its own, errors, describe, quit.
func replChatSession(t *testing.T, addr string) {
	ann := startRepl(t, addr)

	ann.send("routes")
	ann.expectPrefix("chat.room.join ")

	ann.send(`chat.room.join {"room":"lobby","name":"ann"}`) // shorthand: a request route
	ann.expect(`{"members":["ann"]}`, members("ann"))
	ann.expectPrefix("push onMembers ")

	bobConn, bob := dialBob(t, addr)
	if err := bob.Say(context.Background(), &chatv1.SayRequest{Text: "hi ann"}); err != nil {
		t.Fatal(err)
	}
	ann.expect("bob's line", chatMessage("bob", "hi ann"))

	ann.send(`notify chat.room.say {"text":"hi"}`)
	ann.expect("her own line", chatMessage("ann", "hi"))

	ann.send(`request chat.room.join {"room":"lobby","name":""}`)
	if got := ann.expectPrefix("error CHAT-BAD-NAME: "); !strings.Contains(got, "name must be") {
		t.Errorf("error line: %q", got)
	}
	ann.send("chat.room.nope hex:")
	ann.expectPrefix("error GS-404: ")
	for _, tt := range []struct{ line, want string }{
		{`chat.room.joinn {"room":"lobby"}`, `error: unknown route "chat.room.joinn": the server does not list it (did you mean chat.room.join? "routes" lists them`},
		{`request room.members`, `error: unknown route "room.members": the server does not list it (did you mean chat.room.members?`},
		{`chat.room.roomstats {}`, `error: unknown route "chat.room.roomstats"`}, // internal: clients cannot call it
		{`notify nothing.like.it {}`, `error: unknown route "nothing.like.it": the server does not list it ("routes" lists them`},
	} {
		ann.send(tt.line)
		ann.expectPrefix(tt.want)
	}
	ann.send(`chat.room.members {"nope":1}`)
	ann.expect("a conversion error", func(l string) bool { return strings.HasPrefix(l, "error: ") && strings.Contains(l, "nope") })
	ann.send("describe JoinRequest")
	ann.expectPrefix("  string name = 2;")
	ann.send("frobnicate")
	ann.expectPrefix(`error: unknown command "frobnicate"`)

	ann.send("quit")
	if code := ann.exit(); code != exitOK {
		t.Errorf("exit %d: %s", code, ann.errs.String())
	}
	for _, l := range ann.out.lines() {
		if strings.Index(l, "push on") > 0 || strings.HasPrefix(l, "> ") {
			t.Errorf("interleaved or prompted line: %q", l)
		}
	}
	_ = ann.in.Close()
	_ = bobConn.Close()
	checkNoLeaks(t)
}

// dialBob joins the lobby as bob with the generated client.
func dialBob(t *testing.T, addr string) (*client.Client, chatv1.RoomServiceClient) {
	t.Helper()
	c, err := client.Dial(context.Background(), addr, client.Options{Logger: testkit.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	rooms := chatv1.NewRoomServiceClient(c)
	if _, err := rooms.Join(context.Background(), &chatv1.JoinRequest{Room: "lobby", Name: "bob"}); err != nil {
		t.Fatal(err)
	}
	return c, rooms
}

func TestReplWithoutSchema(t *testing.T) {
	addr := startChat(t, server.Options{DisableDescribe: true})["kcp"]
	s := startRepl(t, addr)
	if !strings.Contains(s.out.String(), "no schema") {
		t.Errorf("greeting: %q", s.out.String())
	}
	s.send("routes")
	s.expectPrefix("chat.room.say ")
	s.send(`chat.room.join {"room":"lobby","name":"ann"}`)
	s.expect("a request for hex", func(l string) bool { return strings.HasPrefix(l, "error: ") && strings.Contains(l, "hex:") })
	s.send(`chat.room.jion {"room":"lobby","name":"ann"}`) // the handshake dictionary lists the routes
	s.expectPrefix(`error: unknown route "chat.room.jion": the server does not list it (did you mean chat.room.join?`)

	join, err := proto.Marshal(&chatv1.JoinRequest{Room: "lobby", Name: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := proto.Marshal(&chatv1.JoinResponse{Members: []string{"ann"}})
	if err != nil {
		t.Fatal(err)
	}
	s.send("request chat.room.join hex:" + hex.EncodeToString(join))
	s.expectPrefix("hex:" + hex.EncodeToString(resp))
	s.expectPrefix("push onMembers hex:")

	_ = s.in.Close() // end of input
	if code := s.exit(); code != exitOK {
		t.Errorf("exit %d: %s", code, s.errs.String())
	}
	checkNoLeaks(t)
}

func TestClosestRoute(t *testing.T) {
	routes := []string{"chat.room.join", "chat.room.leave", "chat.room.members", "chat.room.say", "gamesrv.describe", "onMessage"}
	tests := []struct{ typed, want string }{
		{"chat.room.joinn", "chat.room.join"},
		{"chat.room.jion", "chat.room.join"},
		{"chat.rom.say", "chat.room.say"},
		{"room.members", "chat.room.members"}, // the server type left out
		{"members", "chat.room.members"},
		{"onmessage", "onMessage"},
		{"lobby.match.find", ""},
		{"x.y", ""},
	}
	for _, tt := range tests {
		if got := closestRoute(tt.typed, routes); got != tt.want {
			t.Errorf("closestRoute(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}

func TestReplJSONServer(t *testing.T) {
	addr := startChat(t, server.Options{Serializer: gamesrv.JSONSerializer{}})["tcp"]
	s := startRepl(t, addr)
	s.send(`chat.room.join {"room":"lobby","name":"ann"}`)
	s.expect(`{"members":["ann"]}`, members("ann"))
	s.send(`chat.room.say {"text":"hello"}`) // shorthand: a notify route
	s.expect("her line", chatMessage("ann", "hello"))
	s.send("quit")
	if code := s.exit(); code != exitOK {
		t.Errorf("exit %d: %s", code, s.errs.String())
	}
	_ = s.in.Close()
	checkNoLeaks(t)
}
