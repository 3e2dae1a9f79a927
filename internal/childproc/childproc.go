// Package childproc runs servers as child processes for the demos and the
// benchmark suite: it keeps their stdout lines (LISTEN, GOSSIP...) to wait
// on, keeps their logs (stderr) to show when something goes wrong, and
// stops them with SIGTERM or SIGKILL. A child gets SIGKILL if its parent
// dies.
package childproc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopTimeout is how long Stop waits after SIGTERM before it kills.
const stopTimeout = 20 * time.Second

// killTimeout is how long Kill waits for the process to be reaped after
// SIGKILL.
const killTimeout = 5 * time.Second

// Process is a running child.
type Process struct {
	// Name names the child in errors.
	Name string

	cmd  *exec.Cmd
	logs syncBuffer

	// done is closed once the process is reaped, after err is set: every
	// Wait, Stop, Kill and Exited reads the one result, however many run
	// at once.
	done chan struct{}
	err  error // cmd.Wait's result; read only after done is closed

	mu    sync.Mutex
	lines []Line
	grew  chan struct{} // closed and replaced when a line arrives or stdout ends
	eof   bool
}

// Line is a stdout line of a child, split into fields, and when it was
// read.
type Line struct {
	Fields []string
	At     time.Time
}

// Start starts bin with args and reads its stdout.
func Start(name, bin string, args ...string) (*Process, error) {
	p := &Process{Name: name, done: make(chan struct{}), grew: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stderr = &p.logs
	p.cmd.SysProcAttr = DieWithParent()
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w (its make target builds it)", bin, err)
	}
	go p.read(out)
	return p, nil
}

// PID returns the child's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// read collects stdout lines until EOF, then waits for the process (the
// only cmd.Wait) and publishes its result by closing done. The end is
// reported after the wait, which finishes copying stderr: an Await that
// fails on it shows the child's last logs.
func (p *Process) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		p.add(Line{Fields: strings.Fields(sc.Text()), At: time.Now()}, false)
	}
	p.err = p.cmd.Wait()
	close(p.done)
	p.add(Line{}, true)
}

func (p *Process) add(l Line, eof bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if eof {
		p.eof = true
	} else {
		p.lines = append(p.lines, l)
	}
	close(p.grew)
	p.grew = make(chan struct{})
}

// Await returns the first stdout line that matches, waiting for it at
// most timeout; what names the line in the error.
func (p *Process) Await(what string, timeout time.Duration, match func(Line) bool) (Line, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for i := 0; ; {
		p.mu.Lock()
		for ; i < len(p.lines); i++ {
			if match(p.lines[i]) {
				l := p.lines[i]
				p.mu.Unlock()
				return l, nil
			}
		}
		grew, eof := p.grew, p.eof
		p.mu.Unlock()
		if eof {
			return Line{}, fmt.Errorf("%s exited before printing %s: %s", p.Name, what, p.Tail(5))
		}
		select {
		case <-grew:
		case <-deadline.C:
			return Line{}, fmt.Errorf("%s did not print %s within %v", p.Name, what, timeout)
		}
	}
}

// AwaitWord returns the field after word in the first stdout line made of
// word and one more field ("LISTEN tcp 127.0.0.1:80" -> "127.0.0.1:80"
// for word "LISTEN", "tcp"), waiting for it at most timeout.
func (p *Process) AwaitWord(timeout time.Duration, word ...string) (string, error) {
	l, err := p.Await(strings.Join(word, " "), timeout, func(l Line) bool {
		return len(l.Fields) == len(word)+1 && slices.Equal(l.Fields[:len(word)], word)
	})
	if err != nil {
		return "", err
	}
	return l.Fields[len(word)], nil
}

// Wait waits at most timeout for the process to exit and returns
// cmd.Wait's result. Any number of goroutines may wait at once, and with
// Stop and Kill: each sees the same result.
func (p *Process) Wait(timeout time.Duration) error {
	if p.Exited() {
		return p.err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
		return p.err
	case <-t.C:
		return fmt.Errorf("%s still runs after %v", p.Name, timeout)
	}
}

// Stop sends SIGTERM and waits for a clean exit; after 20 s it kills. On a
// process that already exited it returns the exit's error, if any. Where
// SIGTERM cannot be sent (Windows) it kills at once.
func (p *Process) Stop() error {
	if p.Exited() {
		if p.err != nil {
			return fmt.Errorf("%s exited: %w\n%s", p.Name, p.err, p.Tail(10))
		}
		return nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) && !errors.Is(err, os.ErrProcessDone) {
		return errors.Join(fmt.Errorf("%s: SIGTERM: %w", p.Name, err), p.Kill())
	}
	if err := p.Wait(stopTimeout); err != nil {
		_ = p.Kill()
		return fmt.Errorf("%s on SIGTERM: %w\n%s", p.Name, err, p.Tail(10))
	}
	return nil
}

// Kill sends SIGKILL and reaps the process.
func (p *Process) Kill() error {
	if p.Exited() {
		return nil
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, syscall.ESRCH) && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	_ = p.Wait(killTimeout) // "signal: killed"
	return nil
}

// Exited reports whether the process was reaped (it exited, and Wait
// returns its result at once).
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Logs returns what the process wrote to stderr (the last 512 KiB to
// 1 MiB of it).
func (p *Process) Logs() string { return p.logs.String() }

// Tail returns the last n lines of the process's logs.
func (p *Process) Tail(n int) string {
	lines := strings.Split(strings.TrimRight(p.logs.String(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// syncBuffer is a bytes.Buffer safe for the process's writer and our
// reads. It keeps at most the last 1 MiB.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 1<<20 {
		b.buf.Next(b.buf.Len() - 1<<19)
	}
	return b.buf.Write(p)
}

// String returns what was kept.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Group is the set of children a run started, so that every exit path can
// stop them.
type Group struct {
	mu    sync.Mutex
	procs []*Process
}

// Start starts a child and records it.
func (g *Group) Start(name, bin string, args ...string) (*Process, error) {
	p, err := Start(name, bin, args...)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.procs = append(g.procs, p)
	g.mu.Unlock()
	return p, nil
}

// take empties the group.
func (g *Group) take() []*Process {
	g.mu.Lock()
	defer g.mu.Unlock()
	procs := g.procs
	g.procs = nil
	return procs
}

// StopAll stops every child still running, in reverse start order, and
// returns the first error.
func (g *Group) StopAll() error {
	var first error
	for _, p := range slices.Backward(g.take()) {
		if err := p.Stop(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// KillAll kills every child still running (the exit path on errors and
// interrupts).
func (g *Group) KillAll() {
	for _, p := range g.take() {
		_ = p.Kill()
	}
}
