package gamesrv

import (
	"context"
	"errors"
	"fmt"
	"maps"
)

// Error is an error with a [Code], a message and optional metadata, sent to
// the client unchanged as the payload of an error response. Handlers return
// it for application errors:
//
//	return nil, gamesrv.NewError("ROOM-FULL", "the room is full").With("room", id)
//
// Any other error returned by a handler reaches the client as
// [CodeInternal] with a generic message.
type Error struct {
	code     Code
	msg      string
	metadata map[string]string
	cause    error
}

// NewError returns an error with the given code and message.
func NewError(code Code, msg string) *Error {
	return &Error{code: code, msg: msg}
}

// Errorf returns an error with the given code and a formatted message. As
// with [fmt.Errorf], a %w verb (or several) makes the wrapped errors
// available to [errors.Is] and [errors.As]; they never reach the client.
func Errorf(code Code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	e := &Error{code: code, msg: err.Error(), cause: errors.Unwrap(err)}
	if _, ok := err.(interface{ Unwrap() []error }); ok {
		e.cause = err // several %w: fmt's error unwraps to each of them
	}
	return e
}

// WrapError returns an error with the given code whose message is
// err.Error() and which unwraps to err.
func WrapError(code Code, err error) *Error {
	return &Error{code: code, msg: err.Error(), cause: err}
}

// Code returns the error's code.
func (e *Error) Code() Code { return e.code }

// Message returns the error's message.
func (e *Error) Message() string { return e.msg }

// Metadata returns the error's metadata. The caller must not modify it.
func (e *Error) Metadata() map[string]string { return e.metadata }

// With returns a copy of e with one more metadata entry (key set to
// value). e itself is not modified, so a package-level error may be
// shared by goroutines that each add their own metadata:
//
//	var errRoomFull = gamesrv.NewError("ROOM-FULL", "the room is full")
//	return nil, errRoomFull.With("room", id)
//
// The copy unwraps to what e unwraps to.
func (e *Error) With(key, value string) *Error {
	c := e.clone(1)
	c.metadata[key] = value
	return c
}

// WithMetadata returns a copy of e with every entry of md added to its
// metadata (md's values win). e itself is not modified; with an empty md
// it returns e.
func (e *Error) WithMetadata(md map[string]string) *Error {
	if len(md) == 0 {
		return e
	}
	c := e.clone(len(md))
	maps.Copy(c.metadata, md)
	return c
}

// clone returns a copy of e whose metadata map is its own, with room for
// extra more entries.
func (e *Error) clone(extra int) *Error {
	c := *e
	c.metadata = make(map[string]string, len(e.metadata)+extra)
	maps.Copy(c.metadata, e.metadata)
	return &c
}

// Error implements the error interface: "GS-404: no handler for route x".
func (e *Error) Error() string {
	if e.msg == "" {
		return string(e.code)
	}
	return string(e.code) + ": " + e.msg
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.cause }

// CodeOf returns the code of err: the code of the first [*Error] in its
// chain, [CodeDeadlineExceeded] for context.DeadlineExceeded,
// [CodeUnavailable] for context.Canceled, [CodeInternal] for anything else,
// and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	return AsError(err).code
}

// AsError converts err to the [*Error] a client will see. A coded error in
// the chain is returned as is; context errors become [CodeDeadlineExceeded]
// or [CodeUnavailable]; any other error becomes [CodeInternal] with a
// generic message, wrapping err so that the detail stays available to logs.
// AsError(nil) returns nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{code: CodeDeadlineExceeded, msg: "deadline exceeded", cause: err}
	case errors.Is(err, context.Canceled):
		return &Error{code: CodeUnavailable, msg: "canceled", cause: err}
	}
	return &Error{code: CodeInternal, msg: "internal error", cause: err}
}

// NewUnimplementedError is returned by the methods of generated
// Unimplemented handlers.
func NewUnimplementedError(route string) *Error {
	return &Error{code: CodeNotFound, msg: route + " is not implemented"}
}
