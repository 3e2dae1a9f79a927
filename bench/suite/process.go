package main

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

// process is a server the suite runs as a child process. Its stdout lines
// (LISTEN, GOSSIP) are kept; its stderr (the logs) is kept to be shown if
// something goes wrong. The child gets SIGKILL if the suite dies.
type process struct {
	name string
	cmd  *exec.Cmd
	logs syncBuffer
	exit chan error // cmd.Wait's result, once

	mu     sync.Mutex
	lines  [][]string
	grew   chan struct{} // closed and replaced when a line arrives or stdout ends
	eof    bool
	waited bool
	err    error // cmd.Wait's result, once waited
}

// startProcess starts bin with args and reads its stdout.
func startProcess(name, bin string, args ...string) (*process, error) {
	p := &process{name: name, exit: make(chan error, 1), grew: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stderr = &p.logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w (make bench builds it)", bin, err)
	}
	go p.read(out)
	return p, nil
}

// pid returns the child's process id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// read collects stdout lines until EOF, then waits for the process.
func (p *process) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		p.add(strings.Fields(sc.Text()), false)
	}
	p.add(nil, true)
	p.exit <- p.cmd.Wait()
}

func (p *process) add(fields []string, eof bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if eof {
		p.eof = true
	} else {
		p.lines = append(p.lines, fields)
	}
	close(p.grew)
	p.grew = make(chan struct{})
}

// awaitWord returns the field after word in the first stdout line that
// starts with word ("LISTEN tcp 127.0.0.1:80" -> "127.0.0.1:80" for word
// "LISTEN", "tcp"), waiting for it at most timeout.
func (p *process) awaitWord(timeout time.Duration, word ...string) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for i := 0; ; {
		p.mu.Lock()
		for ; i < len(p.lines); i++ {
			if l := p.lines[i]; len(l) == len(word)+1 && slices.Equal(l[:len(word)], word) {
				p.mu.Unlock()
				return l[len(word)], nil
			}
		}
		grew, eof := p.grew, p.eof
		p.mu.Unlock()
		what := strings.Join(word, " ")
		if eof {
			return "", fmt.Errorf("%s exited before printing %s: %s", p.name, what, p.tail(5))
		}
		select {
		case <-grew:
		case <-deadline.C:
			return "", fmt.Errorf("%s did not print %s within %v", p.name, what, timeout)
		}
	}
}

// wait waits for the process to exit and returns cmd.Wait's result.
func (p *process) wait(timeout time.Duration) error {
	p.mu.Lock()
	if p.waited {
		defer p.mu.Unlock()
		return p.err
	}
	p.mu.Unlock()
	select {
	case err := <-p.exit:
		p.mu.Lock()
		p.waited, p.err = true, err
		p.mu.Unlock()
		return err
	case <-time.After(timeout):
		return fmt.Errorf("%s still runs after %v", p.name, timeout)
	}
}

// stop sends SIGTERM and waits for a clean exit; after 20 s it kills.
func (p *process) stop() error {
	if p.exited() {
		return p.wait(0)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	if err := p.wait(20 * time.Second); err != nil {
		_ = p.kill()
		return fmt.Errorf("%s on SIGTERM: %w\n%s", p.name, err, p.tail(10))
	}
	return nil
}

// kill sends SIGKILL and reaps the process.
func (p *process) kill() error {
	if p.exited() {
		return nil
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, syscall.ESRCH) && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	_ = p.wait(5 * time.Second) // "signal: killed"
	return nil
}

// exited reports whether the process was reaped.
func (p *process) exited() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waited
}

// tail returns the last n lines of the process's logs.
func (p *process) tail(n int) string {
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

// children is the set of processes a run started, so that every exit path
// can stop them. It is owned by one run.
type children struct {
	mu    sync.Mutex
	procs []*process
}

// start starts a child and records it.
func (c *children) start(name, bin string, args ...string) (*process, error) {
	p, err := startProcess(name, bin, args...)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	return p, nil
}

// stopAll stops every child still running, in reverse start order, and
// returns the first error.
func (c *children) stopAll() error {
	c.mu.Lock()
	procs := slices.Clone(c.procs)
	c.procs = nil
	c.mu.Unlock()
	var first error
	for _, p := range slices.Backward(procs) {
		if err := p.stop(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// killAll kills every child still running (the exit path on errors and
// interrupts).
func (c *children) killAll() {
	c.mu.Lock()
	procs := slices.Clone(c.procs)
	c.procs = nil
	c.mu.Unlock()
	for _, p := range procs {
		_ = p.kill()
	}
}
