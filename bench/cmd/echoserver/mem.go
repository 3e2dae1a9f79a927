package main

import (
	"encoding/json"
	"net"
	"net/http"
	"runtime"

	"github.com/gamesrv/gamesrv/runtime/server"
)

// Mem is what GET /mem answers: the process's memory after a garbage
// collection, its goroutines and the server's sessions. Row 3b of the
// benchmark suite reads it before and after opening idle KCP sessions.
type Mem struct {
	HeapAlloc  uint64 `json:"heap_alloc"`  // bytes of live heap objects
	HeapInuse  uint64 `json:"heap_inuse"`  // bytes of in-use heap spans
	StackInuse uint64 `json:"stack_inuse"` // bytes of goroutine stacks
	Sys        uint64 `json:"sys"`         // bytes obtained from the OS
	Goroutines int    `json:"goroutines"`
	Sessions   int    `json:"sessions"`
}

// serveMem serves GET /mem on addr; it returns the bound address and the
// function that stops it.
func serveMem(addr string, srv *server.Server) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /mem", func(w http.ResponseWriter, _ *http.Request) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m := Mem{HeapAlloc: ms.HeapAlloc, HeapInuse: ms.HeapInuse, StackInuse: ms.StackInuse, Sys: ms.Sys,
			Goroutines: runtime.NumGoroutine(), Sessions: srv.Sessions()}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(m)
	})
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(ln) }()
	return ln.Addr().String(), func() { _ = hs.Close() }, nil
}
