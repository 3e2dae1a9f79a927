package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/scaffold"
	"github.com/gamesrv/gamesrv/internal/scaffold/scaffoldtest"
)

var updateScaffold = flag.Bool("update", false, "TestNew: rewrite internal/scaffold/files/**/*.gen from the new module's make generate")

// generatedDirs hold the new module's generated code.
var generatedDirs = []string{"gen", "client/src/gen"}

// TestNew is what a user does: gamesrv new into an empty directory (go.mod
// pointing at this checkout), then the new module's own commands: make
// generate must reproduce the committed generated code byte for byte,
// make lint and make test (go vet, the handler test with -race, the
// TypeScript build) must pass, and the server it builds must serve the Go
// bot over TCP, KCP and WebSocket and the Node client over TCP, take its
// configuration from GAMESRV_ variables, list them in -h and stop
// gracefully on SIGTERM. npm install is replaced by links to the
// repository's node_modules (the same pinned versions; no network).
func TestNew(t *testing.T) {
	if testing.Short() {
		t.Skip("scaffolds, generates, builds and tests a module (about a minute)")
	}
	root := scaffoldtest.RepoRoot(t, "cmd/gamesrv")
	module := "example.org/studio/mygame" // not TemplateModule: the generated code is moved to it
	if *updateScaffold {
		module = scaffold.TemplateModule
	}
	dir := filepath.Join(t.TempDir(), "mygame")
	code, stdout, stderr := runCLI(t, "new", "-gamesrv", root, module, dir)
	if code != 0 || !strings.Contains(stdout, "make run") {
		t.Fatalf("gamesrv new: exit %d\n%s\n%s", code, stdout, stderr)
	}
	scaffoldtest.LinkNodeModules(t, root, dir)

	written := readTree(t, dir, generatedDirs...)
	scaffoldtest.Run(t, dir, nil, 5*time.Minute, "make", "generate")
	generated := readTree(t, dir, generatedDirs...)
	if *updateScaffold {
		writeGen(t, filepath.Join(root, "internal", "scaffold", "files"), generated)
	} else {
		compareTrees(t, written, generated)
	}
	scaffoldtest.Run(t, dir, nil, 2*time.Minute, "make", "lint")
	out := scaffoldtest.Run(t, dir, nil, 10*time.Minute, "make", "test")
	if !strings.Contains(out, "ok  \t"+module+"/game") {
		t.Fatalf("make test did not run the game's tests:\n%s", out)
	}
	scaffoldtest.Run(t, dir, nil, 5*time.Minute, "make", "build")
	server, bot := filepath.Join(dir, "bin", "server"), filepath.Join(dir, "bin", "bot")

	t.Run("clients", func(t *testing.T) {
		s := startServer(t, server, nil, []string{"admin", "tcp", "kcp", "ws"}, "-tcp", "127.0.0.1:0", "-kcp", "127.0.0.1:0", "-ws", "127.0.0.1:0", "-admin", "127.0.0.1:0")
		resp, err := http.Get("http://" + s.addrs["admin"] + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/healthz: %s", resp.Status)
		}
		for i, addr := range []string{"tcp://" + s.addrs["tcp"], "kcp://" + s.addrs["kcp"], "ws://" + s.addrs["ws"] + "/"} {
			out := scaffoldtest.Run(t, dir, nil, time.Minute, bot, "-addr", addr, "-bots", "3", "-moves", "5", "-room", fmt.Sprint("r", i))
			if !strings.Contains(out, "3 saw all their moves") {
				t.Errorf("bot over %s:\n%s", addr, out)
			}
		}
		out := scaffoldtest.Run(t, dir, nil, time.Minute, "node", "client/build/main.js", "-addr", "tcp://"+s.addrs["tcp"], "-name", "ann", "-moves", "3")
		if !strings.Contains(out, "ann moved to (3, 6) in lobby") || !strings.Contains(out, "ann: all 3 moves came back") {
			t.Errorf("node client:\n%s", out)
		}
		s.stop(t)
	})

	t.Run("environment", func(t *testing.T) {
		// GAMESRV_KCP and GAMESRV_WS set but empty turn those listeners off.
		s := startServer(t, server, []string{"GAMESRV_TCP=127.0.0.1:0", "GAMESRV_KCP=", "GAMESRV_WS=", "GAMESRV_SHUTDOWN_TIMEOUT=3s"},
			[]string{"tcp"})
		s.stop(t)
		if len(s.addrs) != 1 {
			t.Errorf("listeners %v, want tcp only", s.addrs)
		}
		if !strings.Contains(s.stderr.String(), "timeout=3s") {
			t.Errorf("GAMESRV_SHUTDOWN_TIMEOUT=3s not applied:\n%s", s.stderr.String())
		}
	})

	t.Run("help", func(t *testing.T) {
		out := scaffoldtest.Run(t, dir, nil, time.Minute, server, "-h")
		for _, f := range []string{"tcp", "kcp", "ws", "admin", "heartbeat", "max-connections", "max-conns-per-ip", "shutdown-timeout", "v"} {
			want := fmt.Sprintf("(env GAMESRV_%s)", strings.ToUpper(strings.ReplaceAll(f, "-", "_")))
			if !strings.Contains(out, "-"+f+" ") && !strings.Contains(out, "-"+f+"\t") || !strings.Contains(out, want) {
				t.Errorf("-h lacks -%s or %s:\n%s", f, want, out)
			}
		}
	})
}

// readTree reads the files under dirs of root, by slash path.
func readTree(t *testing.T, root string, dirs ...string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Join(root, d), func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			files[filepath.ToSlash(rel)] = b
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// compareTrees fails unless gamesrv new wrote exactly what make generate
// writes.
func compareTrees(t *testing.T, written, generated map[string][]byte) {
	t.Helper()
	for p, want := range generated {
		got, ok := written[p]
		switch {
		case !ok:
			t.Errorf("make generate writes %s, which gamesrv new does not", p)
		case !bytes.Equal(got, want):
			t.Errorf("gamesrv new's %s differs from make generate's at line %d", p, firstDiff(got, want))
		}
	}
	for p := range written {
		if _, ok := generated[p]; !ok {
			t.Errorf("gamesrv new writes %s, which make generate does not", p)
		}
	}
	if t.Failed() {
		t.Fatal("the committed generated code of the scaffold is stale: go test ./cmd/gamesrv -run TestNew -update, and review the diff of internal/scaffold/files")
	}
}

func firstDiff(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// writeGen replaces the *.gen files of the scaffold's tree by generated.
func writeGen(t *testing.T, files string, generated map[string][]byte) {
	t.Helper()
	for _, d := range generatedDirs {
		_ = os.RemoveAll(filepath.Join(files, d))
	}
	for p, b := range generated {
		dst := filepath.Join(files, filepath.FromSlash(p)+".gen")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("rewrote %d generated files under %s", len(generated), files)
}

// process is a server started by startServer.
type process struct {
	cmd    *exec.Cmd
	addrs  map[string]string // by network, from its LISTEN lines
	lines  chan string       // its stdout, closed at EOF
	stderr *bytes.Buffer
	done   chan error
}

// startServer runs the server binary with args (env added to the
// environment) and waits for the LISTEN lines of the networks in want.
// The test's cleanup kills it if it still runs.
func startServer(t *testing.T, bin string, env, want []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	p := &process{cmd: cmd, addrs: map[string]string{}, lines: make(chan string, 64), stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		_, _ = io.Copy(io.Discard, stdout)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		for range p.lines {
		}
		<-p.done
	})
	timeout := time.After(30 * time.Second)
	for !p.has(want) {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("the server exited before listening:\n%s", p.stderr.String())
			}
			p.add(l)
		case <-timeout:
			t.Fatalf("no LISTEN line for each of %v within 30 s:\n%s", want, p.stderr.String())
		}
	}
	return p
}

func (p *process) add(line string) {
	if f := strings.Fields(line); len(f) == 3 && f[0] == "LISTEN" {
		p.addrs[f[1]] = f[2]
	}
}

func (p *process) has(networks []string) bool {
	for _, n := range networks {
		if p.addrs[n] == "" {
			return false
		}
	}
	return true
}

// stop sends SIGTERM, waits for a clean exit and reads the rest of the
// server's stdout.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-p.lines:
			if ok {
				p.add(l)
				continue
			}
			err := <-p.done
			p.done <- err // for the cleanup
			if err != nil {
				t.Errorf("server exited with %v after SIGTERM:\n%s", err, p.stderr.String())
			}
			return
		case <-timeout:
			t.Fatalf("server still running 30 s after SIGTERM")
		}
	}
}

func TestNewUsage(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no module", []string{"new"}, exitUsage, "a module path is required"},
		{"bad module", []string{"new", "example.com/my game"}, exitUsage, "is not allowed"},
		{"too many arguments", []string{"new", "example.com/a", "a", "b"}, exitUsage, "unexpected argument"},
		{"not a checkout", []string{"new", "-gamesrv", dir, "example.com/a", filepath.Join(dir, "a")}, exitFailure, "not a gamesrv checkout"},
		{"directory not empty", []string{"new", "-tidy=false", "example.com/a", dir}, exitFailure, "is not empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
}

func TestReplacePath(t *testing.T) {
	root := t.TempDir()
	checkout := filepath.Join(root, "src", "gamesrv")
	if err := os.MkdirAll(checkout, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(checkout, "go.mod"), []byte("module github.com/gamesrv/gamesrv\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ dir, want string }{
		{filepath.Join(root, "src", "mygame"), "../gamesrv"},
		{filepath.Join(root, "games", "mygame"), "../../src/gamesrv"},
		{filepath.Join(checkout, "examples", "mine"), "../.."},
		{filepath.Join(root, "a", "b", "c", "mygame"), checkout}, // three levels up: absolute
		{root, "./src/gamesrv"},
		{"/mygame", checkout}, // only the root in common: absolute
	}
	for _, tt := range tests {
		got, err := replacePath(tt.dir, checkout)
		if err != nil || got != tt.want {
			t.Errorf("replacePath(%s) = %q, %v; want %q", tt.dir, got, err, tt.want)
		}
	}
}
