package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a server of the demo running as a child process. Its stdout
// lines (LISTEN, GOSSIP, MEMBERS) are kept with their arrival time; its
// stderr (the logs) is kept to be shown if something goes wrong.
type process struct {
	name string
	cmd  *exec.Cmd
	logs syncBuffer
	exit chan error // cmd.Wait's result, once

	mu     sync.Mutex
	lines  []line
	grew   chan struct{} // closed and replaced when a line arrives or stdout ends
	eof    bool
	waited bool
	err    error // cmd.Wait's result, once waited
}

// line is a stdout line and when the demo read it.
type line struct {
	fields []string
	at     time.Time
}

// startProcess starts bin with args and reads its stdout.
func startProcess(name, bin string, args ...string) (*process, error) {
	p := &process{name: name, exit: make(chan error, 1), grew: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stderr = &p.logs
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w (make cluster-demo builds it)", bin, err)
	}
	go p.read(out)
	return p, nil
}

// read collects stdout lines until EOF, then waits for the process.
func (p *process) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		p.add(line{fields: strings.Fields(sc.Text()), at: time.Now()}, false)
	}
	p.add(line{}, true)
	p.exit <- p.cmd.Wait()
}

func (p *process) add(l line, eof bool) {
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

// await returns the first stdout line that matches, waiting for it at
// most timeout.
func (p *process) await(what string, timeout time.Duration, match func(line) bool) (line, error) {
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
			return line{}, fmt.Errorf("%s exited before printing %s", p.name, what)
		}
		select {
		case <-grew:
		case <-deadline.C:
			return line{}, fmt.Errorf("%s did not print %s within %v", p.name, what, timeout)
		}
	}
}

// awaitWord returns the second field of the first line whose first field
// is word ("GOSSIP 127.0.0.1:7946" -> "127.0.0.1:7946").
func (p *process) awaitWord(timeout time.Duration, word ...string) (string, error) {
	l, err := p.await(strings.Join(word, " "), timeout, func(l line) bool {
		return len(l.fields) == len(word)+1 && slices.Equal(l.fields[:len(word)], word)
	})
	if err != nil {
		return "", err
	}
	return l.fields[len(word)], nil
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

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	if err := p.wait(15 * time.Second); err != nil {
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("%s on SIGTERM: %w", p.name, err)
	}
	return nil
}

// kill sends SIGKILL and reaps the process.
func (p *process) kill() error {
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, syscall.ESRCH) {
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

// syncBuffer is a bytes.Buffer safe for the process's writer and our reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
