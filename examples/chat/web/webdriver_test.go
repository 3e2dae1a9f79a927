//go:build browser

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A minimal W3C WebDriver client for ChromeDriver, over net/http: enough to
// open pages, type, click and read the DOM. No Go module beyond the
// standard library, no Node.

const (
	chromiumPath     = "/usr/bin/chromium"
	chromedriverPath = "/usr/bin/chromedriver"
	// elementKey is the W3C key of an element reference.
	elementKey = "element-6066-11e4-a52e-4f735466cecf"
)

// chromiumArgs are the flags Chromium needs in this sandbox: root without
// a sandbox, no GPU, and no background connections to Google's hosts
// (the closed network refuses them, many at a time).
var chromiumArgs = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
	"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-breakpad", "--disable-crash-reporter", "--window-size=1024,768",
}

// requireChromium skips the test when Chromium or ChromeDriver is missing.
func requireChromium(t *testing.T) {
	t.Helper()
	for _, p := range []string{chromiumPath, chromedriverPath} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("browser test skipped: %s not found. Install Debian's Chromium with "+
				"`apt-get install -y chromium chromium-driver`, or run `make test-browser`, which does.", p)
		}
	}
}

// driver is a running ChromeDriver.
type driver struct {
	t    *testing.T
	url  string
	cmd  *exec.Cmd
	http *http.Client
	log  string
}

// startDriver starts ChromeDriver on a free loopback port and stops it
// (and any browser it started) when the test ends.
func startDriver(t *testing.T) *driver {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	d := &driver{t: t, url: "http://127.0.0.1:" + strconv.Itoa(port), http: &http.Client{Timeout: 90 * time.Second},
		log: filepath.Join(t.TempDir(), "chromedriver.log")}
	d.cmd = exec.Command(chromedriverPath, "--port="+strconv.Itoa(port), "--log-path="+d.log)
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group: Chromium is killed with it
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start chromedriver: %v", err)
	}
	t.Cleanup(d.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var status struct {
			Ready bool `json:"ready"`
		}
		if err := d.call(http.MethodGet, "/status", nil, &status); err == nil && status.Ready {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver not ready within 20s; its log:\n%s", d.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends ChromeDriver's process group: ChromeDriver, and the browsers
// of sessions a failed test did not delete.
func (d *driver) stop() {
	d.http.CloseIdleConnections()
	_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	_ = d.cmd.Wait()
}

// tail returns the end of ChromeDriver's log, for failure messages.
func (d *driver) tail() string {
	b, _ := os.ReadFile(d.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// call sends one WebDriver command and decodes the "value" of its answer
// into out (when not nil).
func (d *driver) call(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, d.url+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var envelope struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(envelope.Value, &e)
		return fmt.Errorf("%s %s: %s: %s", method, path, e.Error, firstLine(e.Message))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(envelope.Value, out)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// session is one browser (its own Chromium process and profile).
type session struct {
	d    *driver
	t    *testing.T
	id   string
	name string // for failure messages
}

// newSession starts a headless Chromium with a fresh profile and deletes
// the session (closing the browser) when the test ends.
func (d *driver) newSession(name string) *session {
	d.t.Helper()
	args := append(append([]string(nil), chromiumArgs...), "--user-data-dir="+d.t.TempDir())
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":        "chrome",
		"pageLoadStrategy":   "normal",
		"goog:chromeOptions": map[string]any{"binary": chromiumPath, "args": args},
		"timeouts":           map[string]int{"pageLoad": 30_000, "script": 10_000, "implicit": 0},
	}}}
	var created struct {
		SessionID string `json:"sessionId"`
	}
	if err := d.call(http.MethodPost, "/session", caps, &created); err != nil {
		d.t.Fatalf("start Chromium: %v; chromedriver log:\n%s", err, d.tail())
	}
	s := &session{d: d, t: d.t, id: created.SessionID, name: name}
	d.t.Cleanup(func() { _ = d.call(http.MethodDelete, "/session/"+s.id, nil, nil) })
	return s
}

func (s *session) do(method, path string, in, out any) {
	s.t.Helper()
	if err := s.d.call(method, "/session/"+s.id+path, in, out); err != nil {
		s.t.Fatalf("%s: %v", s.name, err)
	}
}

// open navigates to url.
func (s *session) open(url string) {
	s.t.Helper()
	s.do(http.MethodPost, "/url", map[string]string{"url": url}, nil)
}

// element finds the element matching a CSS selector.
func (s *session) element(css string) string {
	s.t.Helper()
	var ref map[string]string
	s.do(http.MethodPost, "/element", map[string]string{"using": "css selector", "value": css}, &ref)
	return ref[elementKey]
}

// typeInto replaces the value of an input by typing text into it.
func (s *session) typeInto(css, text string) {
	s.t.Helper()
	el := s.element(css)
	s.do(http.MethodPost, "/element/"+el+"/clear", map[string]any{}, nil)
	s.do(http.MethodPost, "/element/"+el+"/value", map[string]string{"text": text}, nil)
}

// click clicks an element.
func (s *session) click(css string) {
	s.t.Helper()
	s.do(http.MethodPost, "/element/"+s.element(css)+"/click", map[string]any{}, nil)
}

// script runs JavaScript in the page and decodes its result into out.
func (s *session) script(js string, out any, args ...any) {
	s.t.Helper()
	if args == nil {
		args = []any{}
	}
	s.do(http.MethodPost, "/execute/sync", map[string]any{"script": js, "args": args}, out)
}

// textOf returns the textContent of an element.
func (s *session) textOf(css string) string {
	s.t.Helper()
	var text string
	s.script(`const e = document.querySelector(arguments[0]); return e ? e.textContent : null;`, &text, css)
	return text
}

// lines returns the textContent of each li under the element.
func (s *session) lines(css string) []string {
	s.t.Helper()
	var out []string
	s.script(`return [...document.querySelectorAll(arguments[0] + ' > li')].map((li) => li.textContent);`, &out, css)
	return out
}

// waitFor polls cond (it reads the DOM) until it holds, failing the test
// after timeout with what describe says about the page.
func (s *session) waitFor(timeout time.Duration, what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: timed out after %v waiting for %s; #status is %q, #messages %q, #members %q",
				s.name, timeout, what, s.textOf("#status"), s.lines("#messages"), s.lines("#members"))
		}
		time.Sleep(25 * time.Millisecond)
	}
}
