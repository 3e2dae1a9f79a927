package benchcmd

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSelect checks how a list of rows or scenarios is read.
func TestSelect(t *testing.T) {
	all := []string{"1", "2", "3", "3b"}
	tests := []struct {
		list    string
		want    []string
		wantErr string
	}{
		{"1,2,3,3b", []string{"1", "2", "3", "3b"}, ""},
		{"3b, 1,3b", []string{"1", "3b"}, ""},
		{" 2 ,,", []string{"2"}, ""},
		{"4", nil, `unknown row "4": rows are 1, 2, 3, 3b`},
		{"1,x", nil, `unknown row "x"`},
		{"", nil, "no row selected"},
		{" , ", nil, "no row selected"},
	}
	for _, tt := range tests {
		got, err := Select(tt.list, all, "row")
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("Select(%q): %v", tt.list, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Select(%q) error %v, want one containing %q", tt.list, err, tt.wantErr)
		case !slices.Equal(got, tt.want):
			t.Errorf("Select(%q) = %q, want %q", tt.list, got, tt.want)
		}
	}
}

// TestResultsDir checks where the results go: a quick run never writes
// the committed results unless told to, and says where they went.
func TestResultsDir(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	tests := []struct {
		name      string
		out       string
		quick     bool
		want      string // "" : a new directory in tmp
		wantNotes bool
	}{
		{"full run", "", false, DefaultOut, false},
		{"full run, -out", "x", false, "x", false},
		{"quick run", "", true, "", true},
		{"quick run, -out", DefaultOut, true, DefaultOut, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log strings.Builder
			dir, err := ResultsDir(tt.out, tt.quick, "suite", &log)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				fi, err := os.Stat(dir)
				if filepath.Dir(dir) != tmp || err != nil || !fi.IsDir() || !strings.Contains(filepath.Base(dir), "suite") {
					t.Errorf("quick run writes to %q, want a new directory in %s named after the command", dir, tmp)
				}
			} else if dir != tt.want {
				t.Errorf("results go to %q, want %q", dir, tt.want)
			}
			if noted := strings.Contains(log.String(), dir); noted != tt.wantNotes {
				t.Errorf("log %q: noted %v, want %v", log.String(), noted, tt.wantNotes)
			}
		})
	}
}
