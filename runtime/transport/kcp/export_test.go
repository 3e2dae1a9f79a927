package kcp

// Opened returns the sessions l's KCP layer opened (kcp-go counts them
// process-wide in DefaultSnmp.PassiveOpens), for the tests.
func Opened(l *Listener) uint64 { return l.ln.Opened() }

// Seal encrypts a KCP segment with key as a client does, for the tests.
var Seal = seal
