package gamesrv_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"sync"
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

// TestErrorConstructors: each constructor's code, message, printed form
// and the chain errors.Is follows.
func TestErrorConstructors(t *testing.T) {
	tests := []struct {
		name      string
		err       *gamesrv.Error
		code      gamesrv.Code
		msg, text string
		is        []error // reachable with errors.Is
		unwrapNil bool
	}{
		{"NewError", gamesrv.NewError("ROOM-FULL", "the room is full"), "ROOM-FULL", "the room is full", "ROOM-FULL: the room is full", nil, true},
		{"Errorf without %w", gamesrv.Errorf("APP-1", "room %d", 7), "APP-1", "room 7", "APP-1: room 7", nil, true},
		{"Errorf with %w", gamesrv.Errorf("APP-2", "load: %w", io.EOF), "APP-2", "load: EOF", "APP-2: load: EOF", []error{io.EOF}, false},
		{"Errorf with two %w", gamesrv.Errorf("APP-3", "%w then %w", io.EOF, os.ErrNotExist), "APP-3", "EOF then file does not exist",
			"APP-3: EOF then file does not exist", []error{io.EOF, os.ErrNotExist}, false},
		{"WrapError", gamesrv.WrapError("APP-4", fmt.Errorf("db: %w", os.ErrDeadlineExceeded)), "APP-4", "db: i/o timeout",
			"APP-4: db: i/o timeout", []error{os.ErrDeadlineExceeded}, false},
		{"unimplemented", gamesrv.NewUnimplementedError("chat.room.join"), gamesrv.CodeNotFound, "chat.room.join is not implemented",
			"GS-404: chat.room.join is not implemented", nil, true},
		{"empty message", gamesrv.NewError("APP-5", ""), "APP-5", "", "APP-5", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.err
			if e.Code() != tt.code || e.Message() != tt.msg || e.Error() != tt.text {
				t.Errorf("got code %q msg %q text %q", e.Code(), e.Message(), e.Error())
			}
			if (e.Unwrap() == nil) != tt.unwrapNil {
				t.Errorf("Unwrap() = %v", e.Unwrap())
			}
			for _, target := range tt.is {
				if !errors.Is(e, target) {
					t.Errorf("errors.Is(%v, %v) = false", e, target)
				}
			}
			if e.Metadata() != nil {
				t.Errorf("a new error has metadata %v", e.Metadata())
			}
		})
	}
}

// TestAsError: what a client sees of each kind of error a handler may
// return. A coded error anywhere in the chain wins over a context error.
func TestAsError(t *testing.T) {
	coded := gamesrv.NewError("APP-1", "coded")
	plain := errors.New("db password wrong")
	tests := []struct {
		name string
		err  error
		same *gamesrv.Error // the error returned as is, if any
		code gamesrv.Code
		msg  string
	}{
		{"coded", coded, coded, "APP-1", "coded"},
		{"wrapped coded", fmt.Errorf("handler: %w", coded), coded, "APP-1", "coded"},
		{"joined coded", errors.Join(plain, coded), coded, "APP-1", "coded"},
		{"coded over a deadline", gamesrv.WrapError("APP-2", context.DeadlineExceeded), nil, "APP-2", "context deadline exceeded"},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), nil, gamesrv.CodeDeadlineExceeded, "deadline exceeded"},
		{"canceled", context.Canceled, nil, gamesrv.CodeUnavailable, "canceled"},
		{"plain", plain, nil, gamesrv.CodeInternal, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := gamesrv.AsError(tt.err)
			if tt.same != nil && e != tt.same {
				t.Errorf("got a new error %v, want the coded one as is", e)
			}
			if e.Code() != tt.code || e.Message() != tt.msg {
				t.Errorf("got %q %q, want %q %q", e.Code(), e.Message(), tt.code, tt.msg)
			}
			if !errors.Is(e, tt.err) && tt.same == nil {
				t.Errorf("%v does not keep %v for the logs", e, tt.err)
			}
			if gamesrv.CodeOf(tt.err) != tt.code {
				t.Errorf("CodeOf = %q, want %q", gamesrv.CodeOf(tt.err), tt.code)
			}
		})
	}
	if gamesrv.AsError(nil) != nil {
		t.Error("AsError(nil) is not nil")
	}
}

// TestMetadataMerges: With and WithMetadata add entries, a later value
// of a key replacing the earlier one; empty metadata adds nothing.
func TestMetadataMerges(t *testing.T) {
	tests := []struct {
		name string
		err  *gamesrv.Error
		want map[string]string
	}{
		{"none", gamesrv.NewError("A", "x").WithMetadata(nil).WithMetadata(map[string]string{}), nil},
		{"one", gamesrv.NewError("A", "x").With("room", "7"), map[string]string{"room": "7"}},
		{"later wins", gamesrv.NewError("A", "x").With("k", "1").WithMetadata(map[string]string{"k": "2", "j": "3"}).With("j", "4"),
			map[string]string{"k": "2", "j": "4"}},
	}
	for _, tt := range tests {
		if got := tt.err.Metadata(); !maps.Equal(got, tt.want) || (tt.want == nil) != (got == nil) {
			t.Errorf("%s: metadata %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestFrameworkCodes: the codes are the protocol's (PROTOCOL.md §5):
// clients compare them as strings.
func TestFrameworkCodes(t *testing.T) {
	for code, want := range map[gamesrv.Code]string{
		gamesrv.CodeBadRequest: "GS-400", gamesrv.CodeUnauthenticated: "GS-401", gamesrv.CodeNotFound: "GS-404",
		gamesrv.CodeRateLimited: "GS-429", gamesrv.CodeInternal: "GS-500", gamesrv.CodeUnavailable: "GS-503",
		gamesrv.CodeDeadlineExceeded: "GS-504",
	} {
		if code.String() != want {
			t.Errorf("%q.String() = %q", want, code.String())
		}
	}
}

// TestWithCopies: With and WithMetadata leave their receiver as it was,
// so a shared package-level error takes per-call metadata safely (run
// with -race: goroutines add metadata to one error at once).
func TestWithCopies(t *testing.T) {
	base := gamesrv.NewError("ROOM-FULL", "the room is full").With("shard", "eu")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				id := fmt.Sprint(i, "-", j)
				e := base.With("room", id).WithMetadata(map[string]string{"try": id})
				if md := e.Metadata(); md["room"] != id || md["try"] != id || md["shard"] != "eu" || len(md) != 3 {
					t.Errorf("metadata %v, want room and try %s, shard eu", md, id)
					return
				}
				if e.Code() != base.Code() || e.Message() != base.Message() {
					t.Errorf("copy %v of %v", e, base)
					return
				}
			}
		})
	}
	wg.Wait()
	if md := base.Metadata(); len(md) != 1 || md["shard"] != "eu" {
		t.Errorf("the shared error's metadata changed: %v", md)
	}
	cause := errors.New("cause")
	wrapped := gamesrv.WrapError("A", cause)
	if w := wrapped.With("k", "v"); !errors.Is(w, cause) || len(wrapped.Metadata()) != 0 {
		t.Errorf("the copy does not unwrap to the cause, or the original changed: %v", wrapped.Metadata())
	}
	if e := gamesrv.NewError("A", "x"); e.WithMetadata(nil) != e {
		t.Error("WithMetadata(nil) should return its receiver")
	}
}
