package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/results"
	"github.com/gamesrv/gamesrv/internal/loadgen"
)

// TestSmoke runs every row of the suite with tiny sizes, so that the
// benchmarks cannot rot: each row must produce a positive measurement and
// a baseline, and the JSON and SVG files must be well formed.
func TestSmoke(t *testing.T) {
	bins := buildServers(t)
	out := t.TempDir()
	cfg, err := parseConfig([]string{"-quick", "-out", out, "-server", bins["echoserver"], "-gnet", bins["gnetecho"],
		"-clusterscale", bins["clusterscale"], "-clusternode", bins["clusternode"]})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, progress bytes.Buffer
	if code := run(ctx, cfg, &stdout, &progress); code != 0 {
		t.Fatalf("exit code %d\n%s\n%s", code, progress.String(), stdout.String())
	}
	res := readResults(t, filepath.Join(out, "latest.json"))
	checkRows(t, res, stdout.String())
	checkSVG(t, filepath.Join(out, "latest.svg"), len(res.Rows))
}

// buildServers builds the server binaries, and row 8's harness, into a
// temporary directory.
func buildServers(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	bins := map[string]string{}
	for _, pkg := range []string{"cmd/echoserver", "cmd/gnetecho", "cmd/clusternode", "clusterscale"} {
		name := filepath.Base(pkg)
		bin := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", bin, "github.com/gamesrv/gamesrv/bench/"+pkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, out)
		}
		bins[name] = bin
	}
	return bins
}

func readResults(t *testing.T, path string) *results.File {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res results.File
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if res.Date == "" || res.Go == "" || res.CPUs <= 0 || !res.Quick {
		t.Errorf("header: %+v", res)
	}
	return &res
}

// wantChecks are the rows of docs/architecture.md#budgets in order, each with the
// correctness checks it must carry.
var wantChecks = []struct {
	id     string
	checks []string
}{
	{"1", []string{checkAnswered}},
	{"1b", []string{checkAnswered}},
	{"2a", []string{checkAnswered}},
	{"2b", []string{checkAnswered}},
	{"3", []string{checkProbedOpen, checkRSSSettled}},
	{"3b", []string{checkSessions, checkRSSSettled}},
	{"4", []string{checkNoAllocs}},
	{"5", []string{checkSessions, checkDelivered, checkEncodedOnce}},
	{"6", []string{checkLossApplied}},
	{"7", []string{checkAnswered}},
	{"8a", []string{checkConverged, checkNoFalseLeft}},
	{"8b", []string{checkAllGone, checkNoFalseLeft}},
}

// checkRows checks that every row of docs/architecture.md#budgets was measured and
// printed, and that each carries its correctness checks and they held.
func checkRows(t *testing.T, res *results.File, table string) {
	t.Helper()
	if len(res.Rows) != len(wantChecks) {
		t.Fatalf("got %d rows, want %d: %+v", len(res.Rows), len(wantChecks), res.Rows)
	}
	for i, row := range res.Rows {
		if row.ID != wantChecks[i].id {
			t.Errorf("row %d is %q, want %q", i, row.ID, wantChecks[i].id)
		}
		if row.Measured <= 0 || row.Baseline <= 0 || row.Ratio <= 0 {
			t.Errorf("row %s not measured: %+v", row.ID, row)
		}
		if row.Name == "" || row.Unit == "" || row.Budget == "" || row.BaselineName == "" || row.Details == "" {
			t.Errorf("row %s incomplete: %+v", row.ID, row)
		}
		if !strings.Contains(table, "| "+row.ID+" | "+row.Name+" |") {
			t.Errorf("row %s missing from the table:\n%s", row.ID, table)
		}
		checkChecks(t, row, wantChecks[i].checks)
	}
}

// checkChecks checks that row carries exactly the checks named, that each
// held, and that the details print them.
func checkChecks(t *testing.T, row Row, names []string) {
	t.Helper()
	got := make([]string, len(row.Checks))
	for i, c := range row.Checks {
		got[i] = c.Name
		if !c.OK {
			t.Errorf("row %s: check failed: %s", row.ID, checkText(c))
		}
		if !strings.Contains(row.Details, checkText(c)) {
			t.Errorf("row %s: check %q not in the details: %s", row.ID, c.Name, row.Details)
		}
	}
	if !slices.Equal(got, names) {
		t.Errorf("row %s carries the checks %q, want %q", row.ID, got, names)
	}
}

// TestWithChecks checks that a failed check fails the row and shows in its
// details.
func TestWithChecks(t *testing.T) {
	tests := []struct {
		name     string
		pass     bool
		checks   []Check
		wantPass bool
		want     string
	}{
		{"all held", true, []Check{{Name: "a", OK: true}, {Name: "b", OK: true, Detail: "2/2"}}, true, "checks: a: ok; b: ok (2/2)"},
		{"one failed", true, []Check{{Name: "a", OK: true}, {Name: "b", Detail: "1/2"}}, false, "checks: a: ok; b: FAILED (1/2)"},
		{"budget missed", false, []Check{{Name: "a", OK: true}}, false, "checks: a: ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := withChecks(Row{Pass: tt.pass, Details: "measured"}, tt.checks...)
			if row.Pass != tt.wantPass || row.Details != "measured; "+tt.want || len(row.Checks) != len(tt.checks) {
				t.Errorf("got pass %v, details %q; want %v, %q", row.Pass, row.Details, tt.wantPass, tt.want)
			}
		})
	}
}

// TestSettledCheck checks that an RSS reading that never settled fails
// row 3's check and says so in the details.
func TestSettledCheck(t *testing.T) {
	settled := settle{RSS: 1 << 20, Waited: time.Second, Settled: true}
	unsettled := settle{RSS: 1 << 20, Waited: 20 * time.Second} // within the budget: only the check fails
	ok := idleResult{n: 10, before: settled, after: settled, alive: 5, probed: 5}
	late := ok
	late.after = unsettled
	tests := []struct {
		name   string
		g, b   idleResult
		wantOK bool
		want   string
	}{
		{"settled", ok, ok, true, "after settled after 1s"},
		{"gamesrv after never settled", late, ok, false, "after NOT settled within 20s (last reading kept)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := memoryRow(tt.g, tt.b, 10, "")
			var c Check
			for _, c = range row.Checks {
				if c.Name == checkRSSSettled {
					break
				}
			}
			if c.Name != checkRSSSettled || c.OK != tt.wantOK || row.Pass != tt.wantOK || !strings.Contains(row.Details, tt.want) {
				t.Errorf("check %+v, pass %v, details:\n%s\nwant ok %v and %q", c, row.Pass, row.Details, tt.wantOK, tt.want)
			}
		})
	}
}

// checkSVG checks that the chart is well-formed XML with one group per row.
func checkSVG(t *testing.T, path string, rows int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	groups, root := 0, ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s is not well-formed: %v", path, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			if se.Name.Local == "g" {
				groups++
			}
		}
	}
	if root != "svg" || groups != rows {
		t.Errorf("%s: root %q, %d groups, want svg and %d", path, root, groups, rows)
	}
}

// TestForwardRowCPU checks that row 7's CPU figures are medians over the
// rounds of CPU read within each measured phase, the backend's included,
// for gamesrv's pair and the bare forwarding pair.
func TestForwardRowCPU(t *testing.T) {
	round := func(front, back time.Duration) *loadgen.Report {
		return &loadgen.Report{OK: 1000, Throughput: 1000, CPUPerRequest: front / 1000, ServerCPU: front, ExtraCPU: []time.Duration{back}}
	}
	fwd := series{round(30*time.Millisecond, 10*time.Millisecond), round(10*time.Millisecond, 30*time.Millisecond), round(20*time.Millisecond, 20*time.Millisecond)}
	single := series{round(5*time.Millisecond, 0), round(5*time.Millisecond, 0), round(5*time.Millisecond, 0)}
	bare := series{round(8*time.Millisecond, 3*time.Millisecond), round(9*time.Millisecond, 4*time.Millisecond), round(7*time.Millisecond, 2*time.Millisecond)}
	row := forwardRow(&config{fwdConns: 4}, fwd, single, bare)
	for _, want := range []string{
		"frontend 20.00 µs per forwarded request (rounds: 30.00, 10.00, 20.00)",
		"backend 20.00 µs (rounds: 10.00, 30.00, 20.00)",
		"single process 5.00 µs",
		"bare forwarding (the ceiling",
		"frontend 8.00 µs, backend 3.00 µs per request",
	} {
		if !strings.Contains(row.Details, want) {
			t.Errorf("no %q in the details: %s", want, row.Details)
		}
	}
}

// TestCPURowIDs checks the ids of the CPU rows: the budgets' row 1, then
// 1b for the second connection count.
func TestCPURowIDs(t *testing.T) {
	for i, want := range []string{"1", "1b", "1c"} {
		if got := cpuRowID(i); got != want {
			t.Errorf("cpuRowID(%d) = %q, want %q", i, got, want)
		}
	}
}

// TestParseConfig checks the row selection.
func TestParseConfig(t *testing.T) {
	c, err := parseConfig([]string{"-rows", "5, 1,5"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.rows, ",") != "1,5" || !c.wants("1") || c.wants("2") {
		t.Errorf("rows %v", c.rows)
	}
	for _, bad := range [][]string{{"-rows", "9"}, {"-rows", ""}, {"extra"}} {
		if _, err := parseConfig(bad); err == nil {
			t.Errorf("parseConfig(%q) accepted", bad)
		}
	}
}

// TestPercentile checks the nearest-rank percentile.
func TestPercentile(t *testing.T) {
	var l latencies
	for i := 1; i <= 100; i++ {
		l.rtts = append(l.rtts, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{0.5: 50, 0.99: 99, 1: 100} {
		if got := l.percentile(p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
}
