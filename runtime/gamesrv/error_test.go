package gamesrv_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

func TestCodeOf(t *testing.T) {
	tests := []struct {
		err  error
		want gamesrv.Code
	}{
		{nil, ""},
		{gamesrv.NewError("APP-1", "x"), "APP-1"},
		{fmt.Errorf("wrapped: %w", gamesrv.NewError(gamesrv.CodeNotFound, "x")), gamesrv.CodeNotFound},
		{context.DeadlineExceeded, gamesrv.CodeDeadlineExceeded},
		{fmt.Errorf("call: %w", context.Canceled), gamesrv.CodeUnavailable},
		{io.EOF, gamesrv.CodeInternal},
	}
	for _, tt := range tests {
		if got := gamesrv.CodeOf(tt.err); got != tt.want {
			t.Errorf("CodeOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestAsErrorHidesPlainErrors(t *testing.T) {
	e := gamesrv.AsError(errors.New("db password wrong"))
	if e.Message() != "internal error" || !errors.Is(e, e.Unwrap()) {
		t.Errorf("got %q", e.Message())
	}
	if e.Unwrap().Error() != "db password wrong" {
		t.Errorf("detail lost: %v", e.Unwrap())
	}
}

func TestErrorf(t *testing.T) {
	e := gamesrv.Errorf("APP-2", "room %s: %w", "r1", io.EOF)
	if e.Error() != "APP-2: room r1: EOF" || !errors.Is(e, io.EOF) {
		t.Errorf("got %v", e)
	}
	if gamesrv.NewError("APP-3", "").Error() != "APP-3" {
		t.Error("an error without message prints its code")
	}
}

func TestMetadata(t *testing.T) {
	e := gamesrv.NewError("APP-1", "x").With("a", "1").WithMetadata(map[string]string{"b": "2"})
	if e.Metadata()["a"] != "1" || e.Metadata()["b"] != "2" {
		t.Errorf("got %v", e.Metadata())
	}
}

func TestUnimplemented(t *testing.T) {
	if gamesrv.CodeOf(gamesrv.NewUnimplementedError("a.b.c")) != gamesrv.CodeNotFound {
		t.Error("unimplemented methods answer GS-404")
	}
}
