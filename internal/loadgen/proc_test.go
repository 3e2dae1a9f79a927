package loadgen

import (
	"os"
	"testing"
)

func TestSampleProc(t *testing.T) {
	s, err := sampleProc(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if s.rss <= 0 || s.cpu < 0 {
		t.Errorf("sample of this process: %+v", s)
	}
	if _, err := sampleProc(1 << 30); err == nil {
		t.Error("a process that does not exist was sampled")
	}
}

func TestSampleCPUs(t *testing.T) {
	tests := []struct {
		name    string
		pids    []int
		want    int
		wantErr bool
	}{
		{"none", nil, 0, false},
		{"this process twice", []int{os.Getpid(), os.Getpid()}, 2, false},
		{"a missing process", []int{os.Getpid(), 1 << 30}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sampleCPUs(tt.pids)
			if (err != nil) != tt.wantErr || len(got) != tt.want {
				t.Errorf("sampleCPUs(%v) = %v, %v", tt.pids, got, err)
			}
		})
	}
}
