// Package scaffold writes a new game module: what `gamesrv new` does.
//
// The module is the tree under files/, embedded: a file named X.tmpl is a
// text/template rendered into X with the module's [Config]; a file named
// X.gen is code generated from the module's .proto (by `make generate` in
// a scaffold of [TemplateModule], see the tests), written as X with the
// go_package of its embedded descriptors moved to the new module
// (generated.go); any other file is copied as is. Two more parts come from
// the repository itself: third_party/gamesrv/v1/options.proto and the
// sources of @gamesrv/client (vendor.go).
package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// files is the tree of a new module.
//
//go:embed all:files
var files embed.FS

// TemplateModule is the module path the committed generated files (*.gen)
// were generated for; Write moves them to the new module's path.
const TemplateModule = "example.com/mygame"

// Config says what to write. Module is required; the zero value of the
// other fields gives the defaults written on each.
type Config struct {
	// Module is the new module's path, e.g. "example.com/mygame".
	Module string

	// Replace, if set, points the module at a gamesrv checkout: it is the
	// right side of a replace directive in go.mod (a path relative to the
	// new module, or absolute). Default: none, the module requires the
	// published version.
	Replace string

	// GamesrvVersion is the version of github.com/gamesrv/gamesrv go.mod
	// requires. Default: "v0.0.0" with Replace (any version is replaced),
	// else "v" + the runtime's gamesrv.Version.
	GamesrvVersion string
}

// data is what the templates see.
type data struct {
	Config
	Name           string // the last element of the module path: the README's title
	NPMName        string // Name, as npm accepts it
	GoVersion      string // the go line of go.mod
	RuntimeVersion string // gamesrv.Version
	NPM            npmVersions
	Client         clientInfo
}

// Write writes the new module into dir, which must not exist or be empty,
// and returns the paths it wrote, relative to dir and slash-separated, in
// order. It does not run go mod tidy (go.mod lists only the direct
// requirements and the tools).
func Write(dir string, cfg Config) ([]string, error) {
	if err := CheckModulePath(cfg.Module); err != nil {
		return nil, err
	}
	if cfg.GamesrvVersion == "" {
		cfg.GamesrvVersion = "v" + gamesrv.Version
		if cfg.Replace != "" {
			cfg.GamesrvVersion = "v0.0.0"
		}
	}
	client, err := readClient()
	if err != nil {
		return nil, err
	}
	name := Name(cfg.Module)
	d := data{Config: cfg, Name: name, NPMName: npmName(name), GoVersion: goVersion,
		RuntimeVersion: gamesrv.Version, NPM: npmPins, Client: client}
	out, err := render(d)
	if err != nil {
		return nil, err
	}
	if err := checkEmpty(dir); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, out[name], 0o644); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// render returns every file of the new module by path.
func render(d data) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(files, "files", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		src, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "files/")
		switch {
		case strings.HasSuffix(name, ".tmpl"):
			name = strings.TrimSuffix(name, ".tmpl")
			src, err = execute(name, string(src), d)
		case strings.HasSuffix(name, ".gen"):
			name = strings.TrimSuffix(name, ".gen")
			src, err = retarget(name, src, TemplateModule, d.Module)
		}
		if err != nil {
			return fmt.Errorf("scaffold: %s: %w", name, err)
		}
		out[name] = src
		return nil
	})
	if err != nil {
		return nil, err
	}
	out["third_party/gamesrv/v1/options.proto"] = gamesrvv1.OptionsProto()
	if err := vendorClient(out); err != nil {
		return nil, err
	}
	return out, nil
}

// execute renders one template; Go files come out gofmt'ed.
func execute(name, text string, d data) ([]byte, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return nil, err
	}
	if strings.HasSuffix(name, ".go") {
		return format.Source(b.Bytes())
	}
	return b.Bytes(), nil
}

// checkEmpty fails unless dir is missing or an empty directory.
func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("scaffold: %s is not empty", dir)
	}
	return nil
}

// CheckModulePath reports whether p can be the path of a new module: slash
// separated elements of letters, digits and "-._~", none empty or
// starting or ending with a dot.
func CheckModulePath(p string) error {
	if p == "" {
		return errors.New("scaffold: no module path (e.g. example.com/mygame)")
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == "" || strings.HasPrefix(elem, ".") || strings.HasSuffix(elem, ".") {
			return fmt.Errorf("scaffold: module path %q: empty element, or one that starts or ends with a dot", p)
		}
		for _, r := range elem {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)) {
				return fmt.Errorf("scaffold: module path %q: %q is not allowed (letters, digits and -._~ only)", p, r)
			}
		}
	}
	return nil
}

// Name is the name of the game of module path p: its last element, or the
// one before a major version suffix ("example.com/mygame/v2": "mygame").
// gamesrv new writes into a directory of that name by default.
func Name(p string) string {
	name := path.Base(p)
	if isMajorVersion(name) && strings.Contains(p, "/") {
		name = path.Base(path.Dir(p))
	}
	return name
}

// isMajorVersion reports whether elem is a major version suffix ("v2").
func isMajorVersion(elem string) bool {
	if len(elem) < 2 || elem[0] != 'v' {
		return false
	}
	for _, r := range elem[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// npmName is name as an npm package name: lower case, characters npm
// refuses replaced by "-".
func npmName(name string) string {
	b := []byte(strings.ToLower(name))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			b[i] = '-'
		}
	}
	s := strings.TrimLeft(string(b), "._")
	if s == "" {
		return "game"
	}
	return s
}
