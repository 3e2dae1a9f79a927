// Package gnetaddr reads the address a gnet engine's listener is bound to:
// gnet keeps only the address it was asked for, so a listener on port 0
// learns its port here. The transports' engines (runtime/transport) and
// the bare gnet baseline of the benchmarks (bench/internal/baseline)
// share it.
package gnetaddr
