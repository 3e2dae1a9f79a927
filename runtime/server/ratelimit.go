package server

// tokenBucket is a session's rate limit. It is used only from the session's
// I/O goroutine (packets of one connection are handled one at a time), so it
// needs no lock.
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
	if elapsed := now - b.last; elapsed > 0 {
		b.tokens = min(b.burst, b.tokens+b.rate*float64(elapsed)/1e9)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
