package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

// lineWriter writes whole lines under one mutex, so that pushes printed
// from the client's goroutine never split a response line.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// println writes s and a newline in one write.
func (l *lineWriter) println(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, s+"\n")
}

// printf formats one line; a trailing newline is added.
func (l *lineWriter) printf(format string, args ...any) {
	l.println(fmt.Sprintf(format, args...))
}

// prompt writes the interactive prompt.
func (l *lineWriter) prompt() {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, "> ")
}

// routeTable renders the routes of s, sorted, one per line:
// route, kind, dictionary code, request -> response types.
func routeTable(s *schema) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE\tKIND\tCODE\tTYPES")
	for _, name := range routeNames(s) {
		r := s.route(name)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, orDash(r.GetKind()), code(r), types(r))
	}
	_ = tw.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// routeNames lists the described routes and those of the dictionary.
func routeNames(s *schema) []string {
	names := map[string]bool{}
	for name := range s.dict {
		names[name] = true
	}
	for name := range s.routes {
		names[name] = true
	}
	return slices.Sorted(maps.Keys(names))
}

func code(r *gamesrvv1.RouteSchema) string {
	if r.GetCode() == 0 {
		return "-"
	}
	return strconv.FormatUint(uint64(r.GetCode()), 10)
}

// types is "Request -> Response", "Request" (notify, push) or "-".
func types(r *gamesrvv1.RouteSchema) string {
	switch {
	case r.GetRequestType() == "":
		return "-"
	case r.GetResponseType() == "":
		return r.GetRequestType()
	}
	return r.GetRequestType() + " -> " + r.GetResponseType()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
