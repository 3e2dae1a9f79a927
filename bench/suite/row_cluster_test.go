package main

import "testing"

// TestClusterRows: rows 8a and 8b pass only within their budgets and when
// their checks hold; the ratio is the big cluster's figure over the small
// one's.
func TestClusterRows(t *testing.T) {
	c := clusterSizes(false)
	run := func(servers int, converge, gone float64, kills []float64, falseLeaves int) clusterRun {
		return clusterRun{servers: servers, kills: 3, Converged: true, ConvergeMs: converge, KillToGoneMs: gone, KillsToGoneMs: kills, FalseLeavesIdle: falseLeaves}
	}
	three := []float64{1000, 1500, 2000}
	tests := []struct {
		name             string
		big              clusterRun
		wantConv, wantKo bool
	}{
		{"within both budgets", run(50, 164, 2671, three, 0), true, true},
		{"slow convergence", run(50, 2500, 2671, three, 0), false, true},
		{"slow kill to gone", run(50, 164, 3100, three, 0), true, false},
		{"a kill never gone", run(50, 164, 2000, three[:2], 0), true, false},
		{"a false leave", run(50, 164, 2000, three, 1), false, false},
	}
	for _, tt := range tests {
		rows := clusterRows(c, tt.big, run(10, 53, 2400, three, 0))
		if len(rows) != 2 || rows[0].ID != "8a" || rows[1].ID != "8b" {
			t.Fatalf("%s: rows %+v", tt.name, rows)
		}
		if rows[0].Pass != tt.wantConv || rows[1].Pass != tt.wantKo {
			t.Errorf("%s: pass 8a %v 8b %v, want %v %v", tt.name, rows[0].Pass, rows[1].Pass, tt.wantConv, tt.wantKo)
		}
		if want := tt.big.ConvergeMs / 53; rows[0].Ratio != want || rows[0].Name != "cluster convergence, 50 server processes (ProfileFast)" {
			t.Errorf("%s: 8a %q ratio %v, want %v", tt.name, rows[0].Name, rows[0].Ratio, want)
		}
	}
}
