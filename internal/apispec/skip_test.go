package apispec_test

import (
	"slices"
	"testing"

	"github.com/gamesrv/gamesrv/internal/apispec"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/pluginpb"
)

// mixedSources is a module with a gRPC service (streaming, no gamesrv
// options) beside a gamesrv service, and a file with gRPC services only.
var mixedSources = map[string]string{
	"game/v1/game.proto": `syntax = "proto3";
package game.v1;
import "gamesrv/v1/options.proto";
message Empty {}
service HealthService {
  rpc Check(Empty) returns (Empty);
  rpc Watch(Empty) returns (stream Empty);
}
service RoomService {
  option (gamesrv.v1.service) = {server_type: "room"};
  rpc Join(Empty) returns (Empty);
}
service AdminService { rpc Join(Empty) returns (stream Empty); }
`,
	"game/v1/grpc.proto": `syntax = "proto3";
package game.v1;
import "game/v1/game.proto";
service ReflectionService { rpc Info(stream Empty) returns (stream Empty); }
`,
}

// TestParseSkipsServicesWithoutOption: services without the gamesrv
// service option are left out, streaming or not, and so is a file that has
// nothing else; with Strict they are errors.
func TestParseSkipsServicesWithoutOption(t *testing.T) {
	files, err := parse(t, mixedSources, "game/v1/game.proto", "game/v1/grpc.proto")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		for _, s := range f.Services {
			got = append(got, f.Desc.Path()+": "+string(s.Desc.FullName()))
		}
	}
	if want := []string{"game/v1/game.proto: game.v1.RoomService"}; !slices.Equal(got, want) {
		t.Errorf("Parse kept %q, want %q", got, want)
	}
	_, err = parseWith(t, apispec.Options{Strict: true}, mixedSources, "game/v1/game.proto", "game/v1/grpc.proto")
	if want := `game.v1.HealthService: option (gamesrv.v1.service) = {server_type: "..."} is required`; err == nil || err.Error() != want {
		t.Errorf("Strict: err = %v, want %s", err, want)
	}
	files, err = parse(t, mixedSources, "game/v1/grpc.proto")
	if err != nil || len(files) != 0 {
		t.Errorf("a file of gRPC services: %d files, %v; want none and no error", len(files), err)
	}
}

func TestFileDeprecated(t *testing.T) {
	srcs := map[string]string{"old/v1/old.proto": `syntax = "proto3";
package old.v1;
import "gamesrv/v1/options.proto";
option deprecated = true;
message Empty {}
service OldService {
  option (gamesrv.v1.service) = {server_type: "old"};
  rpc Get(Empty) returns (Empty);
}
`}
	files, err := parse(t, srcs, "old/v1/old.proto")
	if err != nil {
		t.Fatal(err)
	}
	if !files[0].Deprecated {
		t.Error("File.Deprecated is false for a file with option deprecated = true")
	}
	files, err = parse(t, gameSources, "game/v1/game.proto")
	if err != nil || files[0].Deprecated {
		t.Errorf("File.Deprecated of game.proto = %v (err %v), want false", files[0].Deprecated, err)
	}
}

// TestFileComments: the license above syntax or edition and the comments
// above package are kept, block by block, without directives.
func TestFileComments(t *testing.T) {
	const body = `
// Package comment, detached.

//go:generate echo package
// Package comment, attached.
package c.v1;
import "gamesrv/v1/options.proto";
message Empty {}
service S {
  option (gamesrv.v1.service) = {server_type: "c"};
  rpc Get(Empty) returns (Empty);
}
`
	const license = `// Copyright 2026 The Game Authors.
// SPDX-License-Identifier: Apache-2.0

// buf:lint:ignore PACKAGE_VERSION_SUFFIX
//go:generate echo license

// Attached to the syntax statement.
`
	wantSyntax := []string{
		" Copyright 2026 The Game Authors.\n SPDX-License-Identifier: Apache-2.0\n",
		" Attached to the syntax statement.\n",
	}
	wantPackage := []string{" Package comment, detached.\n", " Package comment, attached.\n"}
	for _, statement := range []string{`syntax = "proto3";`, `edition = "2023";`} {
		srcs := map[string]string{"c/v1/c.proto": license + statement + "\n" + body}
		files, err := parse(t, srcs, "c/v1/c.proto")
		if err != nil {
			t.Fatal(err)
		}
		if got := apispec.SyntaxComments(files[0].Desc); !slices.Equal(got, wantSyntax) {
			t.Errorf("%s: SyntaxComments = %q, want %q", statement, got, wantSyntax)
		}
		if got := apispec.PackageComments(files[0].Desc); !slices.Equal(got, wantPackage) {
			t.Errorf("%s: PackageComments = %q, want %q", statement, got, wantPackage)
		}
	}
	files, err := parse(t, gameSources, "game/v1/game.proto")
	if err != nil {
		t.Fatal(err)
	}
	if got := apispec.SyntaxComments(files[0].Desc); len(got) != 0 {
		t.Errorf("SyntaxComments of a file without = %q", got)
	}
}

func TestCompilerVersion(t *testing.T) {
	tests := []struct {
		v    *pluginpb.Version
		want string
	}{
		{nil, "(unknown)"},
		{&pluginpb.Version{Major: proto.Int32(5), Minor: proto.Int32(29), Patch: proto.Int32(3)}, "v5.29.3"},
		{&pluginpb.Version{Major: proto.Int32(6), Minor: proto.Int32(30), Patch: proto.Int32(0), Suffix: proto.String("rc1")}, "v6.30.0-rc1"},
	}
	for _, tt := range tests {
		if got := apispec.CompilerVersion(tt.v); got != tt.want {
			t.Errorf("CompilerVersion(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
