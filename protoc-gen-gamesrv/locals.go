package main

import (
	"go/token"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/compiler/protogen"
)

// locals are the names of the parameters, receivers and closure parameters
// of the generated code. A local hides an imported package of the same
// name in the function's body: Handle: func(..., req proto.Message) with
// a body req.(*req.Join) does not compile when the messages' package is
// imported as req. So each local is its usual name unless an import of
// the file could be named so, and then gets a "_" suffix until none can.
type locals struct {
	ctx  string // a context.Context parameter
	s    string // a gamesrv.Session parameter
	req  string // the request message
	msg  string // a pushed message
	h    string // a handler
	c    string // the receiver of client and remote stubs, a connection parameter
	p    string // the receiver of pushers, a gamesrv.Pusher parameter
	r    string // a registrar parameter
	to   string // a push target
	opts string // call options
}

// newLocals picks the locals of the generated file of f.
func newLocals(f *fileSpec) locals {
	imports := importNames(f)
	pick := func(name string) string {
		for mayBeImported(imports, name) {
			name += "_"
		}
		return name
	}
	return locals{
		ctx: pick("ctx"), s: pick("s"), req: pick("req"), msg: pick("msg"), h: pick("h"),
		c: pick("c"), p: pick("p"), r: pick("r"), to: pick("to"), opts: pick("opts"),
	}
}

// importNames returns the base names protogen gives the packages the
// generated file of f may import: the last element of the import path,
// sanitized (the package clause's name plays no part). protogen adds a
// number to a base already taken, so the import of a package whose base
// is req is named req, req1, req2...
func importNames(f *fileSpec) map[string]bool {
	paths := []protogen.GoImportPath{contextPackage, gamesrvPackage, protoPackage}
	for _, s := range f.services {
		for _, m := range s.methods {
			paths = append(paths, m.proto.Input.GoIdent.GoImportPath, m.proto.Output.GoIdent.GoImportPath)
		}
	}
	names := make(map[string]bool)
	for _, p := range paths {
		if p != f.file.GoImportPath {
			names[sanitizedPackageName(path.Base(string(p)))] = true
		}
	}
	return names
}

// mayBeImported reports whether protogen may name an import name: a base
// of imports, or a base followed by digits.
func mayBeImported(imports map[string]bool, name string) bool {
	if imports[name] {
		return true
	}
	for i := len(name) - 1; i > 0 && name[i] >= '0' && name[i] <= '9'; i-- {
		if imports[name[:i]] {
			return true
		}
	}
	return false
}

// sanitizedPackageName turns a path element into a package name as
// protogen does (internal/strs.GoSanitized): characters other than letters
// and digits become "_", and a "_" is prepended to a keyword or a name that
// does not start with a letter.
func sanitizedPackageName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return '_'
	}, s)
	if r, _ := utf8.DecodeRuneInString(s); token.Lookup(s).IsKeyword() || !unicode.IsLetter(r) {
		return "_" + s
	}
	return s
}
