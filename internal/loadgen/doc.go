// Package loadgen is gamesrv's load generator: it opens many client
// connections to a Pomelo/Pitaya-compatible server, prepares each one with
// a few set-up requests (log in, join a room), warms up, and then measures
// one route: throughput, latency percentiles, errors by code and,
// optionally, the server process's CPU time and memory.
//
//	r, err := loadgen.Run(ctx, loadgen.Config{
//		Addr:     "tcp://127.0.0.1:3250",
//		Conns:    50,
//		Duration: 10 * time.Second,
//		Route:    "chat.room.members",
//		Init:     []loadgen.Step{{Route: "chat.room.join", Payload: []byte(`{"room":"r","name":"bot-%d"}`)}},
//	})
//	fmt.Println(r)
//
// Payloads are sent as given: the generator needs no schema and no
// describe route, so it works against any server speaking the protocol
// (the gamesrv CLI converts JSON to the server's serializer before calling
// it).
//
// The measured phase starts when every connection has finished its Init
// steps and its warm-up, so dialing and handshakes are not measured.
// Latencies go into log-bucket histograms (see [Report]), one per sending
// goroutine, merged at the end: recording allocates nothing and takes no
// lock.
//
// With notifies, which have no answer, each connection ends its measured
// phase with one barrier request (see [Config.BarrierRoute]) and the clock
// stops, and the server's CPU time is read, only when every barrier is
// answered: the server answers a connection's messages in order, so by
// then it has handled every notify sent.
package loadgen
