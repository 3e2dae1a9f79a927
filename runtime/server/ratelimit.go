package server

// tokenBucket is a session's rate limit, or its budget of inflated bytes.
// The rate limit is used only from the session's I/O goroutine (packets of
// one connection are handled one at a time), the budget only from its
// worker, so neither needs a lock.
type tokenBucket struct {
	tokens float64
	last   int64 // server clock at the last refill
	rate   float64
	burst  float64
}

func newTokenBucket(rl RateLimit, now int64) *tokenBucket {
	return &tokenBucket{tokens: float64(rl.Burst), last: now, rate: rl.Rate, burst: float64(rl.Burst)}
}

// allow takes a token if there is one.
func (b *tokenBucket) allow(now int64) bool {
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// ready reports whether the bucket holds anything: a cost known only once
// paid (inflated bytes) is allowed while the bucket is not empty, then
// spent, so the bucket may go into debt by one cost.
func (b *tokenBucket) ready(now int64) bool {
	b.refill(now)
	return b.tokens > 0
}

// spend takes n tokens, possibly more than the bucket holds.
func (b *tokenBucket) spend(n float64) { b.tokens -= n }

func (b *tokenBucket) refill(now int64) {
	if elapsed := now - b.last; elapsed > 0 {
		b.tokens = min(b.burst, b.tokens+b.rate*float64(elapsed)/1e9)
		b.last = now
	}
}
