// Package deploy_test checks deploy/ against the binaries it runs, without
// Docker or Kubernetes (neither runs on this project's machines): the
// Dockerfile's build step is run as is, and every flag, GAMESRV_ variable,
// port, probe, Secret and shutdown bound the Dockerfile, compose.yaml and
// k8s/*.yaml use is checked against what the built binaries print with
// -h. Then the compose file's configuration, moved to loopback, starts a
// connector and two rooms that form one cluster and shut down gracefully.
package deploy_test

import (
	"debug/elf"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bins are the binaries the Dockerfile builds, by name, with what their
// -h says; built once by TestMain.
var bins map[string]*binary

// binary is a built program and its command line.
type binary struct {
	path  string
	flags map[string]bool // flag names, without the dash
	envs  map[string]bool // GAMESRV_ variables
}

func TestMain(m *testing.M) {
	code, err := buildAndRun(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

// buildAndRun builds the binaries with the Dockerfile's own go build
// command, reads their -h, and runs the tests.
func buildAndRun(m *testing.M) (int, error) {
	flag.Parse()
	if testing.Short() {
		return m.Run(), nil // the tests that need binaries skip
	}
	df, err := parseDockerfile("Dockerfile")
	if err != nil {
		return 0, err
	}
	out, err := os.MkdirTemp("", "deploy-bins-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(out)
	env, args, err := df.goBuild(out + "/")
	if err != nil {
		return 0, err
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("the Dockerfile's go build: %v\n%s", err, b)
	}
	bins = map[string]*binary{}
	entries, err := os.ReadDir(out)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		b := &binary{path: filepath.Join(out, e.Name())}
		if e.Name() != "healthcheck" {
			if err := b.readHelp(); err != nil {
				return 0, err
			}
		}
		bins[e.Name()] = b
	}
	return m.Run(), nil
}

var (
	flagLine = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)
	envName  = regexp.MustCompile(`\(env (GAMESRV_[A-Z0-9_]+)\)`)
)

// readHelp runs the binary with -h and records its flags and variables.
func (b *binary) readHelp() error {
	out, err := exec.Command(b.path, "-h").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s -h: %v\n%s", b.path, err, out)
	}
	b.flags, b.envs = map[string]bool{}, map[string]bool{}
	for _, m := range flagLine.FindAllStringSubmatch(string(out), -1) {
		b.flags[m[1]] = true
	}
	for _, m := range envName.FindAllStringSubmatch(string(out), -1) {
		b.envs[m[1]] = true
	}
	if len(b.flags) == 0 || len(b.flags) != len(b.envs) {
		return fmt.Errorf("%s -h: %d flags, %d variables:\n%s", b.path, len(b.flags), len(b.envs), out)
	}
	return nil
}

func needBinaries(t *testing.T) {
	t.Helper()
	if testing.Short() || bins == nil {
		t.Skip("builds the Dockerfile's binaries")
	}
}

// binaryOf returns the binary a container runs (the image's path).
func binaryOf(t *testing.T, command []string) *binary {
	t.Helper()
	if len(command) == 0 {
		t.Fatal("no command")
	}
	dir, name := filepath.Split(command[0])
	b := bins[name]
	if b == nil || dir != "/usr/local/bin/" {
		t.Fatalf("command %v: the image has /usr/local/bin/{%s}", command, strings.Join(names(bins), ","))
	}
	return b
}

func names[V any](m map[string]V) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// port is a listening port and its protocol.
type port struct {
	n     int
	proto string // "TCP" or "UDP"
}

// listeners returns the ports a binary configured by env listens on: the
// variables of the listener flags it has.
func listeners(t *testing.T, b *binary, env map[string]string) map[port]string {
	t.Helper()
	out := map[port]string{}
	for v, protos := range map[string][]string{
		"GAMESRV_TCP": {"TCP"}, "GAMESRV_KCP": {"UDP"}, "GAMESRV_GOSSIP": {"TCP", "UDP"}, "GAMESRV_LINK": {"TCP"}, "GAMESRV_ADMIN": {"TCP"},
	} {
		addr, ok := env[v]
		if !ok || addr == "" || !b.envs[v] {
			continue
		}
		_, p, err := net.SplitHostPort(addr)
		n, err2 := strconv.Atoi(p)
		if err != nil || err2 != nil || n == 0 {
			t.Errorf("%s=%q: want host:port with a fixed port", v, addr)
			continue
		}
		for _, proto := range protos {
			out[port{n, proto}] = v
		}
	}
	return out
}

// checkServer checks what every container of a server must have: known
// variables, listeners beyond loopback only with the key, the secret and
// an advertised address, and the admin listener.
func checkServer(t *testing.T, b *binary, env map[string]string, containerEnv []string) map[port]string {
	t.Helper()
	for _, v := range containerEnv {
		if strings.HasPrefix(v, "GAMESRV_") && !b.envs[v] {
			t.Errorf("%s is not a variable of %s (-h lists %v)", v, filepath.Base(b.path), names(b.envs))
		}
	}
	for _, v := range []string{"GAMESRV_GOSSIP_KEY", "GAMESRV_LINK_SECRET", "GAMESRV_GOSSIP_ADVERTISE", "GAMESRV_ADMIN", "GAMESRV_SHUTDOWN_TIMEOUT"} {
		if _, ok := env[v]; !ok {
			t.Errorf("%s is not set: %s", v, why[v])
		}
	}
	ls := listeners(t, b, env)
	if b.envs["GAMESRV_TCP"] && !slices.Contains(mapValues(ls), "GAMESRV_TCP") {
		t.Errorf("the connector has no TCP listener beyond loopback")
	}
	return ls
}

var why = map[string]string{
	"GAMESRV_GOSSIP_KEY":       "the servers refuse to gossip beyond loopback without it",
	"GAMESRV_LINK_SECRET":      "the servers refuse links beyond loopback without it",
	"GAMESRV_GOSSIP_ADVERTISE": "bound to 0.0.0.0, a server would advertise 127.0.0.1 for its links",
	"GAMESRV_ADMIN":            "no /healthz for the probes",
	"GAMESRV_SHUTDOWN_TIMEOUT": "the stop grace period is matched to it",
}

func mapValues[K comparable, V any](m map[K]V) []V {
	var s []V
	for _, v := range m {
		s = append(s, v)
	}
	return s
}

func duration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("duration %q: %v", s, err)
	}
	return d
}

func TestStaticBinaries(t *testing.T) {
	needBinaries(t)
	for name, b := range bins {
		f, err := elf.Open(b.path)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked: the distroless static image has no libc", name)
			}
		}
		f.Close()
	}
	for _, want := range []string{"connector", "room", "healthcheck"} {
		if bins[want] == nil {
			t.Errorf("the Dockerfile does not build %s", want)
		}
	}
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func filterPrefix(s []string, prefix string) []string {
	var out []string
	for _, v := range s {
		if strings.HasPrefix(v, prefix) {
			out = append(out, v)
		}
	}
	return out
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("port %q: %v", s, err)
	}
	return n
}
