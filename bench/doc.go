// Package bench holds gamesrv's benchmark suite: the budgets of
// docs/architecture.md#budgets measured in one run by `make bench`. The
// suite itself is the command bench/suite; bench/cmd holds the servers it
// drives (the gamesrv echo server and the bare gnet baseline) and
// bench/proto the echo service.
package bench
