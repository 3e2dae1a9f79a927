package main

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"github.com/gamesrv/gamesrv/runtime/transport/ws"
)

// startChat runs the chat server on loopback TCP, KCP and WebSocket
// listeners, shuts it down when the test ends, and returns the addresses
// by network: "tcp", "kcp" and "ws".
func startChat(t *testing.T, opts server.Options) map[string]string {
	t.Helper()
	opts.Logger, opts.Heartbeat = testkit.Logger(t), time.Second
	srv, err := server.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chatserver.Register(srv); err != nil {
		t.Fatal(err)
	}
	tl := tcp.New("127.0.0.1:0", tcp.Options{EventLoops: 2})
	kl := kcp.New("127.0.0.1:0", kcp.Options{})
	wl := ws.New("127.0.0.1:0", ws.Options{EventLoops: 2})
	if err := srv.Start(tl, kl, wl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return map[string]string{
		"tcp": "tcp://" + tl.Addr().String(),
		"kcp": "kcp://" + kl.Addr().String(),
		"ws":  "ws://" + wl.Addr().String() + "/",
	}
}

// syncBuffer is an output the test reads while a command writes it.
type syncBuffer struct{ testkit.SyncBuffer }

// lines returns the complete lines written so far.
func (b *syncBuffer) lines() []string {
	s := b.String()
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return strings.Split(s[:i], "\n")
	}
	return nil
}

// runCLI runs the command line in process and returns its exit status
// and outputs.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncBuffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	checkNoLeaks(t)
	return code, out.String(), errOut.String()
}

// checkNoLeaks fails the test if a client, load generator or stdin
// reader goroutine outlives a command.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	testkit.Eventually(t, 5*time.Second, func() bool {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		return !strings.Contains(stacks, "runtime/client.") && !strings.Contains(stacks, "loadgen.(") &&
			!strings.Contains(stacks, "readLines")
	}, "the client goroutines to end")
}

func TestHelpAndVersion(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"no command", nil, exitUsage, "", "Commands:"},
		{"help", []string{"help"}, exitOK, "bench     load-test", ""},
		{"help command", []string{"help", "bench"}, exitOK, "Usage: gamesrv bench [flags]", ""},
		{"command -h", []string{"describe", "-h"}, exitOK, "", "Usage: gamesrv describe [flags] [route | message]"},
		{"version", []string{"version"}, exitOK, "gamesrv 0.1.0 (go", ""},
		{"unknown command", []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{"unknown flag", []string{"routes", "-nope"}, exitUsage, "", "flag provided but not defined: -nope"},
		{"extra argument", []string{"routes", "x"}, exitUsage, "", `unexpected argument "x"`},
		{"bad user", []string{"routes", "-user", "{"}, exitUsage, "", "-user is not valid JSON"},
		{"refused", []string{"routes", "-addr", "tcp://127.0.0.1:1"}, exitFailure, "", "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, %q on stdout, %q on stderr",
					code, out, errOut, tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}
