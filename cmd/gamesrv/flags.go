package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/runtime/client"
)

// defaultAddr is the chat example's TCP address (make run).
const defaultAddr = "tcp://127.0.0.1:3250"

// newFlagSet returns a flag set whose usage prints "gamesrv name args",
// about, and the flags, on e.stderr.
func newFlagSet(e *env, name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: gamesrv %s\n\n%s\n", strings.TrimSpace(name+" [flags] "+args), about)
		if hasFlags(fs) {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse parses args and checks that at most maxArgs positional arguments
// remain. A bad command line prints the usage and returns errUsage.
func parse(fs *flag.FlagSet, args []string, maxArgs int) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return errUsage // the flag package printed why
	}
	if fs.NArg() > maxArgs {
		return usagef("unexpected argument %q", fs.Arg(maxArgs))
	}
	return nil
}

// connFlags are the connection flags every networked command has.
type connFlags struct {
	addr    string
	user    string
	timeout time.Duration
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", defaultAddr, "server address: tcp://host:port, kcp://host:port or ws://host:port/path")
	fs.StringVar(&c.user, "user", "", "handshake user data, a JSON object (for example '{\"token\":\"x\"}')")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Second, "timeout of each request")
}

// options returns the client options: the user data and a logger that
// writes warnings to stderr.
func (c *connFlags) options(stderr io.Writer) (client.Options, error) {
	opts := client.Options{
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if c.user != "" {
		if !json.Valid([]byte(c.user)) {
			return opts, usagef("-user is not valid JSON: %s", c.user)
		}
		opts.User = json.RawMessage(c.user)
	}
	return opts, nil
}

// dial connects to the server.
func (c *connFlags) dial(ctx context.Context, stderr io.Writer) (*client.Client, error) {
	opts, err := c.options(stderr)
	if err != nil {
		return nil, err
	}
	return client.Dial(ctx, c.addr, opts)
}
