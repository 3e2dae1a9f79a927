package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		connErr error
		want    string
	}{
		{"error response", gamesrv.NewError("ROOM-FULL", "full"), nil, "ROOM-FULL"},
		{"wrapped response", fmt.Errorf("init: %w", gamesrv.NewError(gamesrv.CodeUnavailable, "")), nil, "GS-503"},
		{"timeout", context.DeadlineExceeded, nil, FailTimeout},
		{"canceled", context.Canceled, nil, FailCanceled},
		{"kicked", &client.KickError{}, &client.KickError{}, FailClosed},
		{"closed", io.EOF, io.EOF, FailClosed},
		{"other", errors.New("client: undecodable error response"), nil, FailOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err, tt.connErr); got != tt.want {
				t.Errorf("classify(%v, %v) = %q, want %q", tt.err, tt.connErr, got, tt.want)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	kick := &client.KickError{Reason: "duplicate login"}
	tests := []struct {
		name         string
		err, connErr error
		want         string
	}{
		{"error response: the server's message", gamesrv.NewError("ROOM-FULL", "the room is full"), nil, "the room is full"},
		{"wrapped response", fmt.Errorf("init: %w", gamesrv.NewError(gamesrv.CodeUnavailable, "shutting down")), nil, "shutting down"},
		{"closed: the connection's error", io.EOF, kick, "client: kicked by the server: duplicate login"},
		{"timeout", context.DeadlineExceeded, nil, "context deadline exceeded"},
		{"other", errors.New("client: undecodable error response"), nil, "client: undecodable error response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(tt.err, tt.connErr); got != tt.want {
				t.Errorf("describe(%v, %v) = %q, want %q", tt.err, tt.connErr, got, tt.want)
			}
		})
	}
}

// TestFirstMessages: a report keeps, for each key, the message of the
// failure that came first, whichever sender counted it.
func TestFirstMessages(t *testing.T) {
	var a, b, total tally
	b.fail("GS-404", "first")
	a.fail("GS-404", "second")
	a.fail("GS-404", "third")
	a.fail("timeout", "context deadline exceeded")
	total.merge(&a)
	total.merge(&b)
	want := map[string]string{"GS-404": "first", "timeout": "context deadline exceeded"}
	if got := total.messages(); !maps.Equal(got, want) || total.errors["GS-404"] != 3 {
		t.Errorf("messages %q, counts %v; want %q", got, total.errors, want)
	}
}

func TestReportErrorLines(t *testing.T) {
	r := &Report{
		Errors:   map[string]int{"GS-404": 12, "timeout": 3, "APP-1": 1},
		Messages: map[string]string{"GS-404": `no handler for route "a.b"`, "timeout": "context deadline exceeded", "APP-1": "two\nlines"},
	}
	got := r.String()
	for _, want := range []string{
		"errors (count, first message):\n",
		"  APP-1 1    \"two\\nlines\"\n",
		"  GS-404 12  no handler for route \"a.b\"\n",
		"  timeout 3  context deadline exceeded",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}
