package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// build compiles the server into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the chat server")
	}
	bin := filepath.Join(t.TempDir(), "chat-server")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestHelpNamesEveryVariable: -h lists every flag with its GAMESRV_
// variable (runtime/flagenv).
func TestHelpNamesEveryVariable(t *testing.T) {
	bin := build(t)
	out, err := exec.Command(bin, "-h").CombinedOutput()
	if err != nil {
		t.Fatalf("-h: %v\n%s", err, out)
	}
	flags := regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllStringSubmatch(string(out), -1)
	if len(flags) < 10 {
		t.Fatalf("-h lists %d flags:\n%s", len(flags), out)
	}
	for _, f := range flags {
		want := "(env GAMESRV_" + strings.ToUpper(strings.ReplaceAll(f[1], "-", "_")) + ")"
		if !strings.Contains(string(out), want) {
			t.Errorf("-h does not name %s for -%s", want, f[1])
		}
	}
}

// TestConfiguredByTheEnvironment: the variables alone choose the
// listeners; set but empty turns one off. The HTTP listener's LISTEN line
// comes last, so once it is read every listener has been printed.
func TestConfiguredByTheEnvironment(t *testing.T) {
	bin := build(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "GAMESRV_TCP=", "GAMESRV_KCP=", "GAMESRV_WS=127.0.0.1:0", "GAMESRV_WEB=127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	defer func() {
		_ = cmd.Process.Kill()
		for range lines {
		}
		_ = cmd.Wait()
	}()
	var networks []string
	timeout := time.After(30 * time.Second)
	for len(networks) == 0 || networks[len(networks)-1] != "http" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the server exited; listeners %q", networks)
			}
			if f := strings.Fields(l); len(f) == 3 && f[0] == "LISTEN" {
				networks = append(networks, f[1])
			}
		case <-timeout:
			t.Fatalf("listeners %q within 30 s, and no http", networks)
		}
	}
	if strings.Join(networks, " ") != "ws http" {
		t.Errorf("listeners %q, want ws and http only", networks)
	}
}

// TestStoppedAsSoonAsItListens: a SIGTERM sent the moment the first
// LISTEN line is read (a supervisor that stops a server right after it
// started) shuts the server down gracefully: it exits 0, not killed by
// the signal, because it catches signals before it starts listening.
func TestStoppedAsSoonAsItListens(t *testing.T) {
	bin := build(t)
	cmd := exec.Command(bin, "-tcp", "127.0.0.1:0", "-kcp", "127.0.0.1:0", "-ws", "127.0.0.1:0", "-web", "")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		first := true
		for sc.Scan() {
			if first && strings.HasPrefix(sc.Text(), "LISTEN ") {
				close(listening)
				first = false
			}
		}
	}()
	select {
	case <-listening:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal("no LISTEN line within 30 s")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the server did not exit cleanly on SIGTERM: %v", err)
	}
}
