// Command gamesrv is the command-line tool of gamesrv game servers, and of
// any Pomelo/Pitaya-compatible server: a load generator (bench), an
// interactive client (repl), schema listings (routes, describe) and the
// scaffolding of a new game module (new).
//
//	gamesrv bench -addr tcp://127.0.0.1:3250 -c 50 -d 10s -route chat.room.members \
//	    -init 'chat.room.join={"room":"r%d","name":"bot-%d"}'
//	gamesrv repl -addr kcp://127.0.0.1:3251
//	gamesrv new example.com/mygame
//
// JSON payloads are converted to the server's serializer with the message
// descriptors the server publishes on its describe route
// ("gamesrv.describe"); without it, payloads are given in hexadecimal.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// env is what a command reads and writes.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}

// commands lists the subcommands, in the order help shows them.
func commands() []command {
	return []command{
		{"bench", "load-test one route: throughput, latency percentiles, errors by code", runBench},
		{"repl", "interactive client: requests and notifies in JSON, pushes as they arrive", runRepl},
		{"routes", "print the server's route table", runRoutes},
		{"describe", "print the schema of a route or a message", runDescribe},
		{"new", "write a new game module: .proto, server, bot, tests, TypeScript client, Makefile", runNew},
		{"version", "print the version", runVersion},
	}
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// run runs the command line args (without the program name) and returns
// the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	if name == "help" || name == "-h" || name == "-help" || name == "--help" {
		return help(ctx, e, rest)
	}
	for _, c := range commands() {
		if c.name == name {
			return status(e, name, c.run(ctx, e, rest))
		}
	}
	fmt.Fprintf(stderr, "gamesrv: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

// help prints the general usage, or a command's with "help <command>".
func help(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stdout)
		return exitOK
	}
	return run(ctx, []string{args[0], "-h"}, e.stdin, e.stdout, e.stdout)
}

// usageError is an error in the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// errUsage is a usage error whose explanation was already printed.
var errUsage = &usageError{}

// usagef returns a usage error.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// status maps a command's error to an exit status, printing it.
func status(e *env, name string, err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		if ue.msg != "" {
			fmt.Fprintf(e.stderr, "gamesrv %s: %s (gamesrv %s -h for help)\n", name, ue.msg, name)
		}
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "gamesrv %s: %v\n", name, err)
	return exitFailure
}

// usage prints the general help.
func usage(w io.Writer) {
	fmt.Fprint(w, `gamesrv is the command-line tool of gamesrv game servers, and of any
Pomelo/Pitaya-compatible server.

Usage:
  gamesrv <command> [flags] [arguments]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `  help      this help; "gamesrv help <command>" or "gamesrv <command> -h" for a command's

Addresses: tcp://host:port, kcp://host:port, ws://host:port/path (host:port alone is TCP).
JSON payloads need the server's describe route (gamesrv.describe); raw payloads
(hex) work with any server.
`)
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "version", "", "Prints the version of the gamesrv runtime the tool was built with.")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "gamesrv %s (%s %s/%s)\n", gamesrv.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
