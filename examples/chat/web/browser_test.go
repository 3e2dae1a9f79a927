//go:build browser

package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	"github.com/gamesrv/gamesrv/examples/chat/web"
	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/ws"
)

// startChat runs the chat server on a WebSocket listener and the page on
// an httptest server, all on loopback port 0, and returns the page's URL.
func startChat(t *testing.T) string {
	t.Helper()
	srv, err := server.New(server.Options{Logger: testkit.Logger(t), Heartbeat: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chatserver.Register(srv); err != nil {
		t.Fatal(err)
	}
	wsl := ws.New("127.0.0.1:0", ws.Options{EventLoops: 1})
	if err := srv.Start(wsl); err != nil {
		t.Fatal(err)
	}
	h, err := web.Handler(web.Config{WSAddr: wsl.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	page := httptest.NewServer(h)
	t.Cleanup(func() {
		page.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return page.URL + "/"
}

// TestBrowserChat drives the page in two headless Chromium browsers: both
// join one room, a line typed in the first arrives in both.
func TestBrowserChat(t *testing.T) {
	requireChromium(t)
	start := time.Now()
	url := startChat(t)
	d := startDriver(t)
	ann, bob := d.newSession("ann's browser"), d.newSession("bob's browser")
	t.Logf("chromedriver and two Chromium sessions up in %v", time.Since(start).Round(time.Millisecond))

	for _, s := range []*session{ann, bob} {
		s.open(url)
		s.waitFor(10*time.Second, "the page to load its config", func() bool { return s.textOf("#status") == "ready" })
	}
	join := func(s *session, name string) {
		t.Helper()
		s.typeInto("#name", name)
		s.typeInto("#room", "lobby")
		s.click("#join")
		want := "joined lobby as " + name
		s.waitFor(10*time.Second, fmt.Sprintf("status %q", want), func() bool { return s.textOf("#status") == want })
	}
	join(ann, "ann")
	join(bob, "bob")
	ann.waitFor(10*time.Second, "bob in ann's member list", func() bool {
		return slices.Equal(ann.lines("#members"), []string{"ann", "bob"})
	})
	if got := bob.lines("#members"); !slices.Equal(got, []string{"ann", "bob"}) {
		t.Errorf("bob's member list: %q", got)
	}

	text := fmt.Sprintf("hello bob, it is %s", time.Now().Format(time.TimeOnly))
	ann.typeInto("#text", text)
	ann.click("#send")
	for _, s := range []*session{bob, ann} {
		s.waitFor(10*time.Second, "ann's line in #messages", func() bool {
			return slices.Contains(s.lines("#messages"), "ann:"+text)
		})
	}
	if v := ann.textOf("#text"); v != "" {
		t.Errorf("the input still holds %q after sending", v)
	}

	// A line from the second page comes back too, and an application
	// error reaches the page as its code.
	bob.typeInto("#text", "hi ann")
	bob.click("#send")
	ann.waitFor(10*time.Second, "bob's line", func() bool { return slices.Contains(ann.lines("#messages"), "bob:hi ann") })
	bob.typeInto("#name", "  ")
	bob.click("#join")
	bob.waitFor(10*time.Second, "the CHAT-BAD-NAME error", func() bool {
		return strings.Contains(bob.textOf("#status"), string(chatserver.CodeBadName))
	})
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}
