package nodecmd_test

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/examples/cluster/nodecmd"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/flagenv"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// key32 is 32 bytes in base64, as `openssl rand -base64 32` prints them.
const key32 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// options parses args as the servers' flags and converts them.
func options(t *testing.T, args ...string) (cluster.Options, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := nodecmd.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f.ClusterOptions(slog.New(slog.DiscardHandler))
}

func TestClusterFlags(t *testing.T) {
	t.Setenv(nodecmd.EnvGossipKey, "")
	t.Setenv(nodecmd.EnvLinkSecret, "")
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		key      string // want this key (raw), "" none
		secret   string
		insecure bool
		err      string // a word of the error
	}{
		{name: "none", args: nil},
		{name: "flags", args: []string{"-gossip-key", key32, "-link-secret", "s3cret"}, key: "0123456789abcdef0123456789abcdef", secret: "s3cret"},
		{name: "16-byte key", args: []string{"-gossip-key", "MDEyMzQ1Njc4OWFiY2RlZg=="}, key: "0123456789abcdef"},
		{name: "environment", env: map[string]string{nodecmd.EnvGossipKey: key32, nodecmd.EnvLinkSecret: "from env"},
			key: "0123456789abcdef0123456789abcdef", secret: "from env"},
		{name: "flags win over the environment", env: map[string]string{nodecmd.EnvLinkSecret: "from env"},
			args: []string{"-link-secret", "from flag"}, secret: "from flag"},
		{name: "insecure", args: []string{"-insecure"}, insecure: true},
		{name: "hex is not base64", args: []string{"-gossip-key", strings.Repeat("ab", 32)}, err: "48 bytes once decoded"},
		{name: "not base64", args: []string{"-gossip-key", "not a key!"}, err: "not standard base64"},
		{name: "short key", args: []string{"-gossip-key", "c2hvcnQ="}, err: "openssl rand -base64 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			o, err := options(t, tt.args...)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(o.GossipKey) != tt.key || string(o.LinkSecret) != tt.secret || o.Insecure != tt.insecure {
				t.Errorf("got key %q secret %q insecure %v, want %q %q %v", o.GossipKey, o.LinkSecret, o.Insecure, tt.key, tt.secret, tt.insecure)
			}
		})
	}
}

// TestExposedServerNeedsTheKeyFlags: a server started with -gossip or
// -link beyond loopback is refused unless it has -gossip-key and
// -link-secret, or -insecure; the default (loopback) flags need neither.
func TestExposedServerNeedsTheKeyFlags(t *testing.T) {
	t.Setenv(nodecmd.EnvGossipKey, "")
	t.Setenv(nodecmd.EnvLinkSecret, "")
	exposed := []string{"-gossip", "0.0.0.0:0", "-link", "0.0.0.0:0"}
	tests := []struct {
		name    string
		args    []string
		refused bool
	}{
		{"loopback defaults", nil, false},
		{"exposed, no keys", exposed, true},
		{"exposed, key only", append(exposed, "-gossip-key", key32), true},
		{"exposed, keys", append(exposed, "-gossip-key", key32, "-link-secret", "s3cret"), false},
		{"exposed, insecure", append(exposed, "-insecure"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := options(t, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			srv, err := server.New(server.Options{ServerType: "room", Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = cluster.New(srv, o)
			if tt.refused {
				if !errors.Is(err, cluster.ErrInsecure) || !strings.Contains(err.Error(), "-gossip-key") {
					t.Fatalf("got %v, want the refusal naming -gossip-key", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestHelpDoesNotPrintSecrets: secrets from the environment are read when
// the options are built, not as flag defaults that -help would print; -h
// names the variables.
func TestHelpDoesNotPrintSecrets(t *testing.T) {
	t.Setenv(nodecmd.EnvGossipKey, key32)
	t.Setenv(nodecmd.EnvLinkSecret, "do-not-print")
	var out bytes.Buffer
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(&out)
	nodecmd.RegisterFlags(fs)
	if err := flagenv.Parse(fs, []string{"-h"}, flagenv.Options{}); err != flag.ErrHelp {
		t.Fatalf("got %v, want flag.ErrHelp", err)
	}
	s := out.String()
	if strings.Contains(s, key32) || strings.Contains(s, "do-not-print") ||
		!strings.Contains(s, "(env "+nodecmd.EnvGossipKey+")") || !strings.Contains(s, "(env "+nodecmd.EnvLinkSecret+")") {
		t.Errorf("help output:\n%s", s)
	}
}

// TestFlagsFromTheEnvironment: through flagenv, as the commands parse
// them, every cluster flag can come from its GAMESRV_ variable (what the
// Kubernetes manifests and the compose file of deploy/ use).
func TestFlagsFromTheEnvironment(t *testing.T) {
	env := map[string]string{
		"GAMESRV_ID": "room-7", "GAMESRV_GOSSIP": "0.0.0.0:7946", "GAMESRV_LINK": "0.0.0.0:7947",
		"GAMESRV_GOSSIP_ADVERTISE": "10.1.2.3", "GAMESRV_LINK_ADVERTISE": "10.1.2.3:7947",
		"GAMESRV_SEEDS": "gossip.default.svc:7946, 10.1.2.4:7946", "GAMESRV_PROFILE": "fast",
		"GAMESRV_GOSSIP_KEY": key32, "GAMESRV_LINK_SECRET": "s3cret", "GAMESRV_SHUTDOWN_TIMEOUT": "25s",
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := nodecmd.RegisterFlags(fs)
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if err := flagenv.Parse(fs, nil, flagenv.Options{Lookup: lookup}); err != nil {
		t.Fatal(err)
	}
	o, err := f.ClusterOptions(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != "room-7" || o.GossipAddr != "0.0.0.0:7946" || o.LinkAddr != "0.0.0.0:7947" ||
		o.GossipAdvertise != "10.1.2.3" || o.LinkAdvertise != "10.1.2.3:7947" ||
		strings.Join(o.Seeds, " ") != "gossip.default.svc:7946 10.1.2.4:7946" || o.Profile != cluster.ProfileFast ||
		len(o.GossipKey) != 32 || string(o.LinkSecret) != "s3cret" || f.ShutdownTimeout != 25*time.Second {
		t.Errorf("got flags %+v, options %+v", f, o)
	}
}
