package deploy_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// server is a binary started by TestComposeConfigurationRuns.
type server struct {
	name   string
	cmd    *exec.Cmd
	lines  chan string
	stderr *bytes.Buffer
	done   chan error
}

func start(t *testing.T, name string, b *binary, env map[string]string) *server {
	t.Helper()
	cmd := exec.Command(b.path)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	s := &server{name: name, cmd: cmd, lines: make(chan string, 256), stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		for range s.lines {
		}
	})
	return s
}

// await reads s's stdout until a line starts with prefix, and returns it.
func (s *server) await(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("%s exited before printing %q:\n%s", s.name, prefix, s.stderr.String())
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-timeout:
			t.Fatalf("%s printed no %q within 30 s:\n%s", s.name, prefix, s.stderr.String())
		}
	}
}

// TestComposeConfigurationRuns starts the compose file's three servers as
// processes with its environment (the image's ENV, then the service's),
// moved to loopback: every address on port 0 of 127.0.0.1, advertised on
// 127.0.0.1, the seeds pointing at the connector's real gossip address. It
// checks that the variables alone configure them (ids, key and secret,
// seeds), that they form one cluster of three, and that SIGTERM shuts
// each down gracefully (the others see it leave, not die).
func TestComposeConfigurationRuns(t *testing.T) {
	needBinaries(t)
	df, err := parseDockerfile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	image := df.stages[len(df.stages)-1].env
	c := readCompose(t)
	env := func(service string) map[string]string {
		e := merge(image, c.Services[service].Environment)
		for k, v := range e {
			if strings.HasPrefix(v, "0.0.0.0:") {
				e[k] = "127.0.0.1:0"
			}
		}
		e["GAMESRV_GOSSIP_ADVERTISE"] = "127.0.0.1"
		e["GAMESRV_GOSSIP_KEY"] = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
		e["GAMESRV_LINK_SECRET"] = "s3cret"
		return e
	}
	conn := env("connector")
	delete(conn, "GAMESRV_SEEDS") // the first server starts the cluster
	connector := start(t, "connector", bins["connector"], conn)
	gossip := strings.Fields(connector.await(t, "GOSSIP "))[1]
	var rooms []*server
	for _, name := range []string{"room-1", "room-2"} {
		e := env(name)
		e["GAMESRV_SEEDS"] = gossip
		rooms = append(rooms, start(t, name, bins["room"], e))
	}
	for _, r := range rooms {
		r.await(t, "GOSSIP ")
	}
	members := connector.await(t, "MEMBERS 3 ")
	if want := "MEMBERS 3 connector-1,room-1,room-2"; members != want {
		t.Errorf("got %q, want %q (GAMESRV_ID)", members, want)
	}
	for _, r := range rooms {
		if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if l := connector.await(t, "LEFT "+r.name); l != "LEFT "+r.name+" graceful" {
			t.Errorf("%s: %q, want a graceful leave", r.name, l)
		}
		if err := <-r.done; err != nil {
			t.Errorf("%s exited with %v:\n%s", r.name, err, r.stderr.String())
		}
	}
	if err := connector.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range connector.lines {
	}
	if err := <-connector.done; err != nil {
		t.Errorf("connector exited with %v:\n%s", err, connector.stderr.String())
	}
}

// TestHealthcheck: the image's health check passes against a ready
// server's admin listener and fails against a port nothing serves.
func TestHealthcheck(t *testing.T) {
	needBinaries(t)
	room := start(t, "room", bins["room"], map[string]string{"GAMESRV_ADMIN": "127.0.0.1:0"})
	admin := strings.Fields(room.await(t, "ADMIN "))[1]
	room.await(t, "GOSSIP ") // started and joined: ready (the admin listener comes first, and answers 503 until then)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bins["healthcheck"].path, "http://"+admin+"/healthz").CombinedOutput(); err != nil {
		t.Errorf("healthy server: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	if out, err := exec.CommandContext(ctx, bins["healthcheck"].path, "http://"+closed+"/healthz").CombinedOutput(); err == nil {
		t.Errorf("nothing listening, yet the check passed:\n%s", out)
	}
	_ = room.cmd.Process.Signal(syscall.SIGTERM)
	for range room.lines {
	}
	if err := <-room.done; err != nil {
		t.Errorf("room exited with %v:\n%s", err, room.stderr.String())
	}
}
