package server

import "github.com/gamesrv/gamesrv/runtime/transport"

// Jobs exposes the number of queued or running jobs to the black-box tests.
func (srv *Server) Jobs() int64 { return srv.jobs.Load() }

// Open opens a session on c as a listener of an unnamed transport does,
// for the black-box tests and benchmarks that run without a listener.
func (srv *Server) Open(c transport.Conn) transport.Peer { return srv.open(c, "") }
