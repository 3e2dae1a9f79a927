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
	"strings"
	"testing"
	"time"
)

// TestSmoke runs every row of the suite with tiny sizes, so that the
// benchmarks cannot rot: each row must produce a positive measurement and
// a baseline, and the JSON and SVG files must be well formed.
func TestSmoke(t *testing.T) {
	bins := buildServers(t)
	out := t.TempDir()
	cfg, err := parseConfig([]string{"-quick", "-out", out, "-server", bins["echoserver"], "-gnet", bins["gnetecho"]})
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

// buildServers builds the two server binaries into a temporary directory.
func buildServers(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	bins := map[string]string{}
	for _, name := range []string{"echoserver", "gnetecho"} {
		bin := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", bin, "github.com/gamesrv/gamesrv/bench/cmd/"+name)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, out)
		}
		bins[name] = bin
	}
	return bins
}

func readResults(t *testing.T, path string) *Results {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res Results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if res.Date == "" || res.Go == "" || res.CPUs <= 0 || !res.Quick {
		t.Errorf("header: %+v", res)
	}
	return &res
}

// checkRows checks that every row of DESIGN.md §7 was measured and printed.
func checkRows(t *testing.T, res *Results, table string) {
	t.Helper()
	want := []string{"1", "2a", "2b", "3", "4", "5", "6", "7"}
	if len(res.Rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(res.Rows), len(want), res.Rows)
	}
	for i, row := range res.Rows {
		if row.ID != want[i] {
			t.Errorf("row %d is %q, want %q", i, row.ID, want[i])
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

// TestParseConfig checks the row selection.
func TestParseConfig(t *testing.T) {
	c, err := parseConfig([]string{"-rows", "5, 1,5"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.rows, ",") != "1,5" || !c.wants("1") || c.wants("2") {
		t.Errorf("rows %v", c.rows)
	}
	for _, bad := range [][]string{{"-rows", "8"}, {"-rows", ""}, {"extra"}} {
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
