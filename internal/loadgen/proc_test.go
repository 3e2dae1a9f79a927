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
