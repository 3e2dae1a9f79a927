// Package tsclient embeds the sources of @gamesrv/client, the npm package
// of this directory, so that `gamesrv new` can vendor them into a new game
// module (internal/scaffold) until the package is published on npm. It
// holds no Go code of its own.
package tsclient

import "embed"

// Files holds package.json, tsconfig.json and src/*.ts of @gamesrv/client.
//
//go:embed package.json tsconfig.json src/*.ts
var Files embed.FS
