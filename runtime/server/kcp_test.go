package server_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestKCPEncryption(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef") // AES-256
	srv, err := server.New(server.Options{Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterService(&echoDesc, newEchoHandler()); err != nil {
		t.Fatal(err)
	}
	l := kcp.New("127.0.0.1:0", kcp.Options{Key: key})
	if err := srv.Start(l); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	addr := "kcp://" + l.Addr().String()

	const dialDeadline = time.Second
	tests := []struct {
		name string
		key  []byte
		ok   bool
	}{
		{"matching key", key, true},
		{"wrong key", []byte("fedcba9876543210fedcba9876543210"), false},
		{"wrong key length", key[:16], false},
		{"no key", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), dialDeadline)
			defer cancel()
			start := time.Now()
			c, err := client.Dial(ctx, addr, client.Options{Logger: quietLogger(t), KCP: client.KCPOptions{Key: tt.key}})
			if !tt.ok {
				if err == nil {
					c.Close()
					t.Fatal("the handshake succeeded without the server's key")
				}
				if ne := net.Error(nil); !errors.As(err, &ne) || !ne.Timeout() {
					t.Errorf("Dial: %v, want a timeout (the server drops what it cannot decrypt)", err)
				}
				if d := time.Since(start); d > dialDeadline+2*time.Second {
					t.Errorf("Dial failed after %v, want about the %v deadline", d, dialDeadline)
				}
				return
			}
			if err != nil {
				t.Fatalf("Dial with the server's key: %v", err)
			}
			defer c.Close()
			resp := new(wrapperspb.StringValue)
			if err := c.Request(ctx, echoRoute, wrapperspb.String("encrypted"), resp); err != nil || resp.GetValue() != "encrypted" {
				t.Fatalf("Request: %v %v", resp, err)
			}
		})
	}
}
