// Command healthcheck probes an HTTP health endpoint and exits 0 when it
// answers 200, 1 otherwise: the health check of deploy/Dockerfile's image,
// which has no shell, curl or wget.
//
//	healthcheck http://127.0.0.1:9090/healthz
//
// The admin listener's /healthz answers 503 once a graceful shutdown has
// begun, so a stopping server is reported unhealthy at once.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: healthcheck http://127.0.0.1:9090/healthz")
		os.Exit(2)
	}
	if err := probe(os.Args[1], 2*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
}

// probe GETs url within timeout and fails unless the answer is 200.
func probe(url string, timeout time.Duration) error {
	c := &http.Client{Timeout: timeout}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}
