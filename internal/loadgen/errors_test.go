package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
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
