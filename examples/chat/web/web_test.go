package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
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
		"/":                                  "text/html",
		"/js/app.js":                         "text/javascript",
		"/js/gen/chat/v1/chat_gamesrv.js":    "text/javascript",
		"/js/vendor/gamesrv-client/index.js": "text/javascript",
		"/style.css":                         "text/css",
	} {
		resp := get(t, h, path, "x")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	for _, path := range []string{"/build.mjs", "/src/app.ts", "/js/app.ts", "/tsconfig.json"} {
		if resp := get(t, h, path, "x"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s is served: %d", path, resp.StatusCode)
		}
	}
	body, _ := io.ReadAll(get(t, h, "/", "x").Body)
	for _, id := range []string{"name", "room", "join", "text", "send", "messages", "members", "status"} {
		if !strings.Contains(string(body), `id="`+id+`"`) {
			t.Errorf("the page has no #%s", id)
		}
	}
}

var (
	importMapRe    = regexp.MustCompile(`(?s)<script type="importmap">(.*?)</script>`)
	moduleScriptRe = regexp.MustCompile(`<script type="module" src="([^"]+)">`)
	// importRe matches the static imports and re-exports tsc writes, one
	// statement at the start of a line: import "m"; import {a} from "m";
	// export * from "m"; export {a, b} from "m".
	importRe = regexp.MustCompile(`(?m)^(?:import|export)\s(?:[^;"']*?\sfrom\s*)?["']([^"']+)["'];`)
)

// TestModules loads the page's modules as a browser does: from the module
// script of index.html, following each relative import and each bare one
// through the page's import map. Every module must be served as JavaScript,
// every bare import mapped, and every mapping used (make web builds js/ so).
func TestModules(t *testing.T) {
	h := handler(t, web.Config{WSAddr: "127.0.0.1:3252"})
	page, _ := io.ReadAll(get(t, h, "/", "x").Body)
	m := importMapRe.FindSubmatch(page)
	if m == nil {
		t.Fatal("index.html has no import map")
	}
	var importMap struct{ Imports map[string]string }
	if err := json.Unmarshal(m[1], &importMap); err != nil {
		t.Fatalf("import map: %v", err)
	}
	entry := moduleScriptRe.FindSubmatch(page)
	if entry == nil {
		t.Fatal("index.html has no module script")
	}
	base, _ := url.Parse("http://x/")
	queue := []*url.URL{base.ResolveReference(&url.URL{Path: string(entry[1])})}
	seen := map[string]bool{queue[0].Path: true}
	used := map[string]bool{}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		resp := get(t, h, u.Path, "x")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("%s: %d %s", u.Path, resp.StatusCode, resp.Header.Get("Content-Type"))
			continue
		}
		src, _ := io.ReadAll(resp.Body)
		for _, im := range importRe.FindAllSubmatch(src, -1) {
			spec := string(im[1])
			next := u
			if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
				addr, ok := importMap.Imports[spec]
				if !ok {
					t.Errorf("%s imports %q, which the import map does not map", u.Path, spec)
					continue
				}
				used[spec] = true
				next, spec = base, addr
			}
			ref, err := url.Parse(spec)
			if err != nil {
				t.Errorf("%s imports %q: %v", u.Path, spec, err)
				continue
			}
			if v := next.ResolveReference(ref); !seen[v.Path] {
				seen[v.Path] = true
				queue = append(queue, v)
			}
		}
	}
	for spec := range importMap.Imports {
		if !used[spec] {
			t.Errorf("the import map maps %q, which no module imports", spec)
		}
	}
	t.Logf("%d modules", len(seen))
	for _, want := range []string{"/js/gen/chat/v1/chat_gamesrv.js", "/js/vendor/gamesrv-client/client.js", "/js/vendor/protobuf/wire/index.js"} {
		if !seen[want] {
			t.Errorf("the page does not load %s; it loads %d modules", want, len(seen))
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
