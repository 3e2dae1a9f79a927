package main

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// imports gives local identifiers to the symbols a generated file imports
// and writes its import statements. A symbol whose name is taken (by a
// declaration of the file, a global the file uses, or an earlier import)
// is imported under an alias: name$1, name$2... as protoc-gen-es does.
type imports struct {
	taken   map[string]bool
	local   map[symbol]string
	sources []*source // in order of first use
}

// symbol is an exported name of a module.
type symbol struct{ from, name string }

// source is what a file imports from one module.
type source struct {
	from   string
	values map[string]string // name → local identifier
	types  map[string]string
}

// newImports returns the imports of a file that declares the identifiers
// declared and refers to the globals and runtime names reserved (they keep
// their names; a colliding import gets an alias).
func newImports(declared []string, reserved ...string) *imports {
	im := &imports{taken: make(map[string]bool), local: make(map[symbol]string)}
	for _, name := range slices.Concat(declared, reserved) {
		im.taken[name] = true
	}
	return im
}

// value returns the local identifier of name from module from, imported
// as a value.
func (im *imports) value(from, name string) string {
	id := im.use(from, name)
	im.source(from).values[name] = id
	return id
}

// typ returns the local identifier of name from module from, imported as
// a type only.
func (im *imports) typ(from, name string) string {
	id := im.use(from, name)
	im.source(from).types[name] = id
	return id
}

// reservedType returns name from module from, imported as a type under
// its own name: the name was reserved by newImports.
func (im *imports) reservedType(from, name string) string {
	im.local[symbol{from, name}] = name
	im.source(from).types[name] = name
	return name
}

func (im *imports) use(from, name string) string {
	sym := symbol{from, name}
	if id, ok := im.local[sym]; ok {
		return id
	}
	id := name
	for i := 1; im.taken[id]; i++ {
		id = name + "$" + strconv.Itoa(i)
	}
	im.taken[id] = true
	im.local[sym] = id
	return id
}

func (im *imports) source(from string) *source {
	for _, s := range im.sources {
		if s.from == from {
			return s
		}
	}
	s := &source{from: from, values: make(map[string]string), types: make(map[string]string)}
	im.sources = append(im.sources, s)
	return s
}

// statements returns the import statements: per module, in order of first
// use, the value imports then the type-only imports, names sorted. A name
// imported both ways is imported as a value only.
func (im *imports) statements() []string {
	var out []string
	for _, s := range im.sources {
		if len(s.values) > 0 {
			out = append(out, importStatement("import", s.values, nil, s.from))
		}
		if len(s.types) > len(overlap(s.types, s.values)) {
			out = append(out, importStatement("import type", s.types, s.values, s.from))
		}
	}
	return out
}

// importStatement writes `keyword { a, b as b$1 } from "from";`, leaving
// out the names in skip.
func importStatement(keyword string, names, skip map[string]string, from string) string {
	var list []string
	for _, name := range slices.Sorted(maps.Keys(names)) {
		if _, ok := skip[name]; ok {
			continue
		}
		if id := names[name]; id != name {
			name += " as " + id
		}
		list = append(list, name)
	}
	return keyword + " { " + strings.Join(list, ", ") + " } from " + strconv.Quote(from) + ";"
}

// overlap returns the names of a that are in b.
func overlap(a, b map[string]string) []string {
	var both []string
	for name := range a {
		if _, ok := b[name]; ok {
			both = append(both, name)
		}
	}
	return both
}
