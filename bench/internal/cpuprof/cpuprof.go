// Package cpuprof writes a CPU profile of a benchmark server from start to
// shutdown, for the -cpuprofile flag of the servers the suite drives.
package cpuprof

import (
	"os"
	"runtime/pprof"
)

// Start starts a CPU profile into path and returns the function that stops
// it and closes the file. An empty path profiles nothing.
func Start(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
