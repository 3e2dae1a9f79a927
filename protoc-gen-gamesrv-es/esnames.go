package main

// This file computes what protoc-gen-es (protobuf-es v2, target=ts) names
// and where it writes things, so that the stubs import the exact exported
// names of the _pb files. It follows @bufbuild/protoplugin's names.ts,
// safe-identifier.ts and import-path.ts, and @bufbuild/protobuf's
// codegenv2/symbols.ts (the well-known types), version 2.17.0.

import (
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// esName is what protoc-gen-es exports for a message.
type esName struct {
	shape  string // the message type: JoinRequest
	schema string // the message schema: JoinRequestSchema
}

// esNames returns protoc-gen-es's exported names of the messages of f,
// by full name. Like protoc-gen-es it first gives names to the types
// (messages and enums), then to the descriptors (the file, then messages,
// enums, services and extensions), in declaration order, adding "$", "$1",
// "$2"... to a name already taken and "$" to a reserved word.
func esNames(f protoreflect.FileDescriptor) map[protoreflect.FullName]esName {
	taken := make(map[string]bool)
	claim := func(base string) string {
		for i := 0; ; i++ {
			name := safeIdentifier(base + salt(i))
			if !taken[name] {
				taken[name] = true
				return name
			}
		}
	}
	descs := nestedTypes(f)
	names := make(map[protoreflect.FullName]esName)
	for _, d := range descs {
		switch d.(type) {
		case protoreflect.MessageDescriptor, protoreflect.EnumDescriptor:
			names[d.FullName()] = esName{shape: claim(esIdentifier(d))}
		}
	}
	claim("file_" + nonIdentifierChars.ReplaceAllString(strings.TrimSuffix(f.Path(), ".proto"), "_"))
	for _, d := range descs {
		switch d.(type) {
		case protoreflect.MessageDescriptor, protoreflect.EnumDescriptor:
			n := names[d.FullName()]
			n.schema = claim(esIdentifier(d) + "Schema")
			names[d.FullName()] = n
		default:
			claim(esIdentifier(d))
		}
	}
	return names
}

// nonIdentifierChars are replaced by "_" in the name of a file's
// descriptor (file_chat_v1_chat).
var nonIdentifierChars = regexp.MustCompile(`[^a-zA-Z0-9_]+`)

// salt is what protoc-gen-es appends to the i-th candidate of a name.
func salt(i int) string {
	switch i {
	case 0:
		return ""
	case 1:
		return "$"
	}
	return "$" + strconv.Itoa(i-1)
}

// esIdentifier is protoc-gen-es's base name of a descriptor: its full
// name without the package, with "_" for the dots of nested names
// (Outer_Inner).
func esIdentifier(d protoreflect.Descriptor) string {
	name := string(d.FullName())
	if pkg := d.ParentFile().Package(); pkg != "" {
		name = strings.TrimPrefix(name, string(pkg)+".")
	}
	return strings.ReplaceAll(name, ".", "_")
}

// nestedTypes lists the types of f in protobuf-es's order: each message
// followed by its nested types, then the enums, services and extensions of
// the file. Map entries are left out, as protobuf-es leaves them out.
func nestedTypes(f protoreflect.FileDescriptor) []protoreflect.Descriptor {
	var out []protoreflect.Descriptor
	out = appendMessages(out, f.Messages())
	for i := range f.Enums().Len() {
		out = append(out, f.Enums().Get(i))
	}
	for i := range f.Services().Len() {
		out = append(out, f.Services().Get(i))
	}
	for i := range f.Extensions().Len() {
		out = append(out, f.Extensions().Get(i))
	}
	return out
}

func appendMessages(out []protoreflect.Descriptor, messages protoreflect.MessageDescriptors) []protoreflect.Descriptor {
	for i := range messages.Len() {
		m := messages.Get(i)
		if m.IsMapEntry() {
			continue
		}
		out = append(out, m)
		out = appendMessages(out, m.Messages())
		for j := range m.Enums().Len() {
			out = append(out, m.Enums().Get(j))
		}
		for j := range m.Extensions().Len() {
			out = append(out, m.Extensions().Get(j))
		}
	}
	return out
}

// safeIdentifier appends "$" to the words protoc-gen-es does not use as
// identifiers (ECMAScript keywords, TypeScript type keywords and the
// runtime's names).
func safeIdentifier(name string) string {
	switch name {
	case "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
		"do", "else", "export", "extends", "false", "finally", "for", "function", "if", "import",
		"in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true",
		"try", "typeof", "var", "void", "while", "with", "yield",
		"enum", "implements", "interface", "let", "package", "private", "protected", "public", "static",
		"Object",
		"bigint", "number", "boolean", "string", "object",
		"globalThis", "Uint8Array", "Partial":
		return name + "$"
	}
	return name
}

// memberName is the name of a method in the generated routes, client and
// push handler: protobuf-es's localName (first letter lower-cased, "$"
// after the names of Object.prototype's built-in properties), with "$"
// also after "conn" (the client's connection field) and "__proto__" (which
// an object literal cannot define).
func memberName(m protoreflect.MethodDescriptor) string {
	name := string(m.Name())
	name = strings.ToLower(name[:1]) + name[1:]
	switch name {
	case "constructor", "toString", "toJSON", "valueOf", "conn", "__proto__":
		return name + "$"
	}
	return name
}

// wellKnownImport returns the module protoc-gen-es imports a well-known
// type file from, when it does not generate the file itself.
func wellKnownImport(path string) (string, bool) {
	const barrel = "@bufbuild/protobuf/wkt"
	switch path {
	case "google/protobuf/compiler/plugin.proto", "google/protobuf/any.proto",
		"google/protobuf/descriptor.proto", "google/protobuf/duration.proto",
		"google/protobuf/empty.proto", "google/protobuf/field_mask.proto",
		"google/protobuf/struct.proto", "google/protobuf/timestamp.proto",
		"google/protobuf/wrappers.proto":
		return barrel, true
	case "google/protobuf/api.proto", "google/protobuf/c_sharp_features.proto",
		"google/protobuf/cpp_features.proto", "google/protobuf/cpp_file_options.proto",
		"google/protobuf/cpp_options.proto", "google/protobuf/go_features.proto",
		"google/protobuf/java_features.proto", "google/protobuf/json_enumvalue_options.proto",
		"google/protobuf/json_options.proto", "google/protobuf/source_context.proto",
		"google/protobuf/type.proto":
		return barrel + "/" + strings.TrimSuffix(path, ".proto") + "_pb.js", true
	}
	return "", false
}

// pbImport returns the module specifier by which the generated file
// importer (a path in the output directory) imports the _pb file of f:
// a relative path, or the well-known types' module.
func pbImport(importer string, f protoreflect.FileDescriptor, generated map[string]bool, ext string) string {
	if wkt, ok := wellKnownImport(f.Path()); ok && !generated[f.Path()] {
		return wkt
	}
	return relativeImport(importer, strings.TrimSuffix(f.Path(), ".proto")+"_pb.js", ext)
}

// relativeImport returns the specifier by which importer imports target,
// both paths in the output directory, with the .js extension of target
// replaced by ext ("js", "ts", or "" for none).
func relativeImport(importer, target string, ext string) string {
	from := strings.Split(importer, "/")
	from = from[:len(from)-1]
	to := strings.Split(target, "/")
	common := 0
	for common < len(from) && common < len(to)-1 && from[common] == to[common] {
		common++
	}
	parts := make([]string, 0, len(from)-common+len(to)-common)
	for range from[common:] {
		parts = append(parts, "..")
	}
	parts = append(parts, to[common:]...)
	spec := strings.Join(parts, "/")
	if !strings.HasPrefix(spec, "../") {
		spec = "./" + spec
	}
	return withExtension(spec, ext)
}

// withExtension replaces the .js extension of a relative specifier as
// protoc-gen-es's import_extension does.
func withExtension(spec, ext string) string {
	if !strings.HasSuffix(spec, ".js") {
		return spec
	}
	spec = strings.TrimSuffix(spec, ".js")
	if ext == "" {
		return spec
	}
	return spec + "." + ext
}
