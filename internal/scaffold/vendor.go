package scaffold

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"

	tsclient "github.com/gamesrv/gamesrv/clients/ts"
)

// vendorDir is where the new module keeps its copy of @gamesrv/client.
const vendorDir = "client/vendor/gamesrv-client/"

// clientInfo describes the embedded @gamesrv/client.
type clientInfo struct {
	Version  string // of the package
	Protobuf string // the @bufbuild/protobuf version it depends on
}

// readClient reads the embedded package.json of @gamesrv/client.
func readClient() (clientInfo, error) {
	b, err := tsclient.Files.ReadFile("package.json")
	if err != nil {
		return clientInfo{}, err
	}
	var pkg struct {
		Version      string            `json:"version"`
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return clientInfo{}, fmt.Errorf("scaffold: @gamesrv/client's package.json: %w", err)
	}
	info := clientInfo{Version: pkg.Version, Protobuf: pkg.Dependencies["@bufbuild/protobuf"]}
	if info.Version == "" || info.Protobuf == "" {
		return clientInfo{}, fmt.Errorf("scaffold: @gamesrv/client's package.json lacks its version or @bufbuild/protobuf")
	}
	return info, nil
}

// vendorClient adds the sources of @gamesrv/client (src/*.ts, unchanged)
// and its tsconfig.json to out, under vendorDir; its package.json is a
// template of files/.
func vendorClient(out map[string][]byte) error {
	return fs.WalkDir(tsclient.Files, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || p == "package.json" {
			return err
		}
		if !strings.HasPrefix(p, "src/") && p != "tsconfig.json" {
			return nil
		}
		b, err := tsclient.Files.ReadFile(p)
		if err != nil {
			return err
		}
		out[vendorDir+p] = b
		return nil
	})
}
