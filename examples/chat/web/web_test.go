package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gamesrv/gamesrv/examples/chat/web"
)

func get(t *testing.T, h http.Handler, path, host string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = host
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestConfig(t *testing.T) {
	cases := []struct{ wsAddr, host, want string }{
		{"127.0.0.1:3252", "127.0.0.1:8080", "ws://127.0.0.1:3252/"},
		{"0.0.0.0:3252", "game.example:8080", "ws://game.example:3252/"},
		{":3252", "game.example", "ws://game.example:3252/"},
		{"[::]:3252", "[::1]:8080", "ws://[::1]:3252/"},
	}
	for _, tc := range cases {
		resp := get(t, handler(t, web.Config{WSAddr: tc.wsAddr}), "/config.json", tc.host)
		var cfg struct{ WS string }
		if err := json.NewDecoder(resp.Body).Decode(&cfg); err != nil || cfg.WS != tc.want {
			t.Errorf("%s from %s: got %q (%v), want %q", tc.wsAddr, tc.host, cfg.WS, err, tc.want)
		}
	}
	resp := get(t, handler(t, web.Config{WSAddr: "127.0.0.1:3252", WSPath: "/ws"}), "/config.json", "x")
	if b, _ := io.ReadAll(resp.Body); !strings.Contains(string(b), `"ws://127.0.0.1:3252/ws"`) {
		t.Errorf("with a path: %s", b)
	}
}

func TestFiles(t *testing.T) {
	h := handler(t, web.Config{WSAddr: "127.0.0.1:3252"})
	for path, want := range map[string]string{
		"/":          "text/html",
		"/app.js":    "text/javascript",
		"/pomelo.js": "text/javascript",
		"/proto.js":  "text/javascript",
		"/style.css": "text/css",
	} {
		resp := get(t, h, path, "x")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if resp := get(t, h, "/codec_test.mjs", "x"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the tests are served: %d", resp.StatusCode)
	}
	body, _ := io.ReadAll(get(t, h, "/", "x").Body)
	for _, id := range []string{"name", "room", "join", "text", "send", "messages", "members", "status"} {
		if !strings.Contains(string(body), `id="`+id+`"`) {
			t.Errorf("the page has no #%s", id)
		}
	}
}

// handler returns the page's handler for cfg.
func handler(t *testing.T, cfg web.Config) http.Handler {
	t.Helper()
	h, err := web.Handler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
