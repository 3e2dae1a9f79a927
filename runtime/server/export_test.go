package server

// Jobs exposes the number of queued or running jobs to the black-box tests.
func (srv *Server) Jobs() int64 { return srv.jobs.Load() }
