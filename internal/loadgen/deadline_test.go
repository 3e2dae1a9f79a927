package loadgen

import (
	"context"
	"errors"
	"testing"
	"time"
)

// waitDone fails the test unless ctx is done within timeout.
func waitDone(t *testing.T, ctx context.Context, timeout time.Duration) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(timeout):
		t.Fatal("the context is not done")
	}
}

func TestRequestCtxTimesOutAndIsReused(t *testing.T) {
	rc := newRequestCtx(context.Background(), 20*time.Millisecond)
	defer rc.close()

	ctx := rc.arm()
	waitDone(t, ctx, 5*time.Second)
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("err %v, want a deadline", ctx.Err())
	}
	rc.disarm()

	ctx = rc.arm() // a fresh request after a timeout
	if ctx.Err() != nil {
		t.Fatalf("re-armed context is already done: %v", ctx.Err())
	}
	if _, ok := ctx.Deadline(); !ok {
		t.Error("an armed context has no deadline")
	}
	rc.disarm()
	if _, ok := ctx.Deadline(); ok {
		t.Error("a disarmed context has a deadline")
	}
}

func TestRequestCtxDisarmedNeverFires(t *testing.T) {
	rc := newRequestCtx(context.Background(), 50*time.Millisecond)
	defer rc.close()
	for range 200 { // late firings of earlier requests must be ignored
		ctx := rc.arm()
		if ctx.Err() != nil {
			t.Fatalf("context done right after arm: %v", ctx.Err())
		}
		rc.disarm()
	}
	deadline := time.Now().Add(100 * time.Millisecond)
	for time.Now().Before(deadline) {
		if rc.Err() != nil {
			t.Fatalf("a disarmed context expired: %v", rc.Err())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRequestCtxFollowsParent(t *testing.T) {
	tests := []struct {
		name         string
		timeoutFirst bool
	}{
		{"armed", false},
		{"after a timeout", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent, cancel := context.WithCancel(context.Background())
			rc := newRequestCtx(parent, 10*time.Millisecond)
			defer rc.close()
			if tt.timeoutFirst {
				waitDone(t, rc.arm(), 5*time.Second)
			} else {
				rc.timeout = time.Hour
			}
			ctx := rc.arm()
			cancel()
			waitDone(t, ctx, 5*time.Second)
			if !errors.Is(ctx.Err(), context.Canceled) {
				t.Errorf("err %v, want the parent's", ctx.Err())
			}
			if rc.arm().Err() == nil {
				t.Error("arm after the parent ended gives a live context")
			}
		})
	}
}

func BenchmarkRequestCtx(b *testing.B) {
	rc := newRequestCtx(context.Background(), time.Second)
	defer rc.close()
	b.ReportAllocs()
	for range b.N {
		_ = rc.arm().Done()
		rc.disarm()
	}
}
