// Package web serves the chat example's browser client, embedded in the
// binary: index.html, whose import map resolves the packages the page
// imports, and static/js, plain ES modules (no bundler) that make web
// compiles from src/app.ts and the stubs generated from chat.proto, with
// the modules of @gamesrv/client and @bufbuild/protobuf they import. The
// page speaks the Pomelo protocol with protobuf payloads over the chat
// server's WebSocket listener; /config.json tells it where that listener
// is. static/js is committed, so building the server needs no npm.
package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// Config says where the page finds the WebSocket listener.
type Config struct {
	// WSAddr is the WebSocket listener's address ("127.0.0.1:3252"). When
	// its host is unspecified ("", "0.0.0.0", "::"), the page uses the host
	// it was loaded from.
	WSAddr string
	// WSPath is the WebSocket request path. Default "/".
	WSPath string
}

// Handler serves the page and its modules, and /config.json:
// {"ws":"ws://host:port/"}. The page also takes the address from a
// ?ws=ws://... query parameter. It fails only when the embedded files
// cannot be opened.
func Handler(cfg Config) (http.Handler, error) {
	files, err := fs.Sub(static, "static")
	if err != nil {
		return nil, fmt.Errorf("web: embedded files: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]string{"ws": cfg.url(r)})
	})
	mux.Handle("GET /", http.FileServerFS(files))
	return headers(mux), nil
}

// url returns the WebSocket URL for a page loaded by r.
func (cfg Config) url(r *http.Request) string {
	host, port, err := net.SplitHostPort(cfg.WSAddr)
	if err != nil {
		host, port = cfg.WSAddr, "80"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = r.Host
		if h, _, err := net.SplitHostPort(r.Host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
	}
	path := cfg.WSPath
	if path == "" {
		path = "/"
	}
	return "ws://" + net.JoinHostPort(host, port) + path
}

// headers adds the headers every response gets.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}
