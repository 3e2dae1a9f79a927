package flagenv_test

import (
	"bytes"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/flagenv"
)

func TestName(t *testing.T) {
	tests := []struct{ prefix, flag, want string }{
		{"GAMESRV_", "tcp", "GAMESRV_TCP"},
		{"GAMESRV_", "gossip-key", "GAMESRV_GOSSIP_KEY"},
		{"GAMESRV_", "compress-push-routes", "GAMESRV_COMPRESS_PUSH_ROUTES"},
		{"GAMESRV_", "v", "GAMESRV_V"},
		{"GAMESRV_", "tls.cert", "GAMESRV_TLS_CERT"},
		{"GAMESRV_", "maxConns2", "GAMESRV_MAXCONNS2"},
		{"MYGAME_", "héllo", "MYGAME_H_LLO"},
	}
	for _, tt := range tests {
		if got := flagenv.Name(tt.prefix, tt.flag); got != tt.want {
			t.Errorf("Name(%q, %q) = %q, want %q", tt.prefix, tt.flag, got, tt.want)
		}
	}
}

// set is the flag set of a small server.
type set struct {
	fs        *flag.FlagSet
	tcp, kcp  *string
	heartbeat *time.Duration
	verbose   *bool
	queue     *int
}

func newSet() *set {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &set{
		fs:        fs,
		tcp:       fs.String("tcp", "127.0.0.1:3250", "TCP listen address (empty: none)"),
		kcp:       fs.String("kcp", "127.0.0.1:3251", "KCP listen address (empty: none)"),
		heartbeat: fs.Duration("heartbeat", 30*time.Second, "heartbeat interval"),
		verbose:   fs.Bool("v", false, "debug logging"),
		queue:     fs.Int("queue-size", 0, "queue size"),
	}
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		args      []string
		tcp, kcp  string
		heartbeat time.Duration
		verbose   bool
		queue     int
		err       string // a part of the error
	}{
		{name: "defaults", tcp: "127.0.0.1:3250", kcp: "127.0.0.1:3251", heartbeat: 30 * time.Second},
		{name: "environment", env: map[string]string{"GAMESRV_TCP": "0.0.0.0:4000", "GAMESRV_HEARTBEAT": "5s",
			"GAMESRV_V": "true", "GAMESRV_QUEUE_SIZE": "128"},
			tcp: "0.0.0.0:4000", kcp: "127.0.0.1:3251", heartbeat: 5 * time.Second, verbose: true, queue: 128},
		{name: "the command line wins", env: map[string]string{"GAMESRV_TCP": "0.0.0.0:4000", "GAMESRV_V": "true"},
			args: []string{"-tcp", ":5000", "-v=false"}, tcp: ":5000", kcp: "127.0.0.1:3251", heartbeat: 30 * time.Second},
		{name: "set but empty counts", env: map[string]string{"GAMESRV_KCP": ""},
			tcp: "127.0.0.1:3250", kcp: "", heartbeat: 30 * time.Second},
		{name: "unknown variables are ignored", env: map[string]string{"GAMESRV_NOPE": "1", "GAMESRV_GOSSIP_PORT": "tcp://10.0.0.1:7946"},
			tcp: "127.0.0.1:3250", kcp: "127.0.0.1:3251", heartbeat: 30 * time.Second},
		{name: "a bad value names the variable", env: map[string]string{"GAMESRV_HEARTBEAT": "soon"},
			err: "environment variable GAMESRV_HEARTBEAT (flag -heartbeat)"},
		{name: "bad values are all reported", env: map[string]string{"GAMESRV_HEARTBEAT": "soon", "GAMESRV_QUEUE_SIZE": "many"},
			err: "GAMESRV_QUEUE_SIZE"},
		{name: "a bad flag is the flag package's error", args: []string{"-nope"}, err: "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSet()
			err := flagenv.Parse(s.fs, tt.args, flagenv.Options{Lookup: lookup(tt.env)})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *s.tcp != tt.tcp || *s.kcp != tt.kcp || *s.heartbeat != tt.heartbeat || *s.verbose != tt.verbose || *s.queue != tt.queue {
				t.Errorf("got tcp %q kcp %q heartbeat %v v %v queue %d, want %q %q %v %v %d",
					*s.tcp, *s.kcp, *s.heartbeat, *s.verbose, *s.queue, tt.tcp, tt.kcp, tt.heartbeat, tt.verbose, tt.queue)
			}
		})
	}
}

func TestPrefix(t *testing.T) {
	s := newSet()
	env := map[string]string{"MYGAME_TCP": ":1", "GAMESRV_KCP": ":2"}
	if err := flagenv.Parse(s.fs, nil, flagenv.Options{Prefix: "MYGAME_", Lookup: lookup(env)}); err != nil {
		t.Fatal(err)
	}
	if *s.tcp != ":1" || *s.kcp != "127.0.0.1:3251" {
		t.Errorf("got tcp %q kcp %q: only MYGAME_ variables should count", *s.tcp, *s.kcp)
	}
}

// TestHelp: -h lists every flag with its variable and explains the
// mapping, and prints the flags' defaults, not the environment's values.
func TestHelp(t *testing.T) {
	s := newSet()
	var out bytes.Buffer
	s.fs.SetOutput(&out)
	env := map[string]string{"GAMESRV_TCP": "secret-address"}
	err := flagenv.Parse(s.fs, []string{"-h"}, flagenv.Options{Lookup: lookup(env)})
	if err != flag.ErrHelp {
		t.Fatalf("got %v, want flag.ErrHelp", err)
	}
	help := out.String()
	for _, want := range []string{
		"Usage of server:",
		"TCP listen address (empty: none) (env GAMESRV_TCP) (default \"127.0.0.1:3250\")",
		"(env GAMESRV_QUEUE_SIZE)", "(env GAMESRV_V)", "(env GAMESRV_HEARTBEAT)",
		"Every flag can also be set by an environment variable", "-gossip-key: GAMESRV_GOSSIP_KEY",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	if strings.Contains(help, "secret-address") {
		t.Errorf("help shows a value from the environment:\n%s", help)
	}
}

// TestAnnotateTwice: a second Annotate (or Parse) adds nothing.
func TestAnnotateTwice(t *testing.T) {
	s := newSet()
	var out bytes.Buffer
	s.fs.SetOutput(&out)
	flagenv.Annotate(s.fs, "")
	flagenv.Annotate(s.fs, "")
	s.fs.Usage()
	help := out.String()
	if n := strings.Count(help, "(env GAMESRV_TCP)"); n != 1 {
		t.Errorf("(env GAMESRV_TCP) appears %d times:\n%s", n, help)
	}
	if n := strings.Count(help, "Every flag can also be set"); n != 1 {
		t.Errorf("the paragraph appears %d times:\n%s", n, help)
	}
}

// TestCustomUsage: a flag set's own usage function still runs, followed by
// the paragraph.
func TestCustomUsage(t *testing.T) {
	s := newSet()
	var out bytes.Buffer
	s.fs.SetOutput(&out)
	s.fs.Usage = func() { io.WriteString(s.fs.Output(), "usage: server [flags]\n"); s.fs.PrintDefaults() }
	flagenv.Annotate(s.fs, "")
	s.fs.Usage()
	help := out.String()
	if !strings.HasPrefix(help, "usage: server [flags]\n") || !strings.Contains(help, "(env GAMESRV_KCP)") ||
		!strings.HasSuffix(help, "A flag on the command line wins over its variable.\n") {
		t.Errorf("help:\n%s", help)
	}
}
