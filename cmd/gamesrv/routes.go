package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

// runRoutes is "gamesrv routes": the route table.
func runRoutes(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "routes", "", `Prints the server's routes: route, kind (request, notify, push), dictionary
code, and request -> response types. Routes come from the handshake
dictionary; kinds, types and push routes need the describe route.`)
	var cf connFlags
	cf.register(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	s, err := fetchSchema(ctx, e, &cf)
	if err != nil {
		return err
	}
	if !s.described() {
		fmt.Fprintf(e.stderr, "note: %v\n", s.noSchema())
	}
	fmt.Fprintln(e.stdout, routeTable(s))
	return nil
}

// runDescribe is "gamesrv describe": message schemas.
func runDescribe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "describe", "[route | message]", `Prints message schemas as proto-like text: a route's request and response
messages, one message or enum (full name, or short name if unique), or,
without an argument, every message the routes use. Needs the describe route.`)
	var cf connFlags
	cf.register(fs)
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	s, err := fetchSchema(ctx, e, &cf)
	if err != nil {
		return err
	}
	out, err := describe(s, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, out)
	return nil
}

// fetchSchema connects, loads the schema and disconnects.
func fetchSchema(ctx context.Context, e *env, cf *connFlags) (*schema, error) {
	c, err := cf.dial(ctx, e.stderr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return loadSchema(ctx, c, cf.timeout), nil
}

// describe renders what "describe <what>" asks for; the repl shares it.
func describe(s *schema, what string) (string, error) {
	if !s.described() {
		return "", s.noSchema()
	}
	if what == "" {
		return describeAll(s), nil
	}
	if r := s.route(what); r != nil {
		return describeRoute(s, r), nil
	}
	d, err := s.descriptor(what)
	if err != nil {
		return "", err
	}
	return protoText(d), nil
}

// describeRoute is a route's header line and its messages.
func describeRoute(s *schema, r *gamesrvv1.RouteSchema) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s, code %s", r.GetRoute(), orDash(r.GetKind()), code(r))
	for _, name := range []string{r.GetRequestType(), r.GetResponseType()} {
		writeMessageOf(&b, s, name)
	}
	return b.String()
}

// describeAll lists every message the routes use, once, in route order.
func describeAll(s *schema) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// server %s (type %s), serializer %s", s.desc.GetServerId(), s.desc.GetServerType(), s.desc.GetSerializer())
	seen := map[string]bool{}
	for _, r := range s.desc.GetRoutes() {
		for _, name := range []string{r.GetRequestType(), r.GetResponseType()} {
			if !seen[name] {
				seen[name] = true
				writeMessageOf(&b, s, name)
			}
		}
	}
	return b.String()
}

// writeMessageOf appends a blank line and the message named name, if any.
func writeMessageOf(w io.StringWriter, s *schema, name string) {
	if name == "" {
		return
	}
	md, err := s.message(name)
	if err != nil {
		_, _ = w.WriteString("\n\n// " + err.Error())
		return
	}
	_, _ = w.WriteString("\n\n" + protoText(md))
}
