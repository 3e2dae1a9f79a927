package procstat

import (
	"os"
	"testing"
)

func TestThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	cpu, err := CPU(os.Getpid())
	if err != nil || cpu < 0 {
		t.Errorf("CPU of this process: %v, %v", cpu, err)
	}
	rss, err := RSS(os.Getpid())
	if err != nil || rss <= 0 {
		t.Errorf("RSS of this process: %v, %v", rss, err)
	}
}

func TestMissingProcess(t *testing.T) {
	tests := []struct {
		name string
		read func(int) error
	}{
		{"cpu", func(pid int) error { _, err := CPU(pid); return err }},
		{"rss", func(pid int) error { _, err := RSS(pid); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.read(1 << 30); err == nil {
				t.Error("a process that does not exist was read")
			}
		})
	}
}
