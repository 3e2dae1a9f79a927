package apispec

import (
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Field numbers of FileDescriptorProto whose statements carry the file's
// own comments.
const (
	fileSyntaxField  = 12 // syntax = "proto3";
	fileEditionField = 14 // edition = "2023"; (protocompile; protoc uses 12)
	filePackageField = 2  // package chat.v1;
)

// LeadingComments returns the leading comments of d as written in the
// .proto file (each line keeps its leading space, lines end with "\n"),
// without the lines that are directives to tools (see WithoutDirectives).
// It is empty when d has none or when the request carried no source info.
func LeadingComments(d protoreflect.Descriptor) string {
	loc := d.ParentFile().SourceLocations().ByDescriptor(d)
	return WithoutDirectives(loc.LeadingComments)
}

// SyntaxComments returns the comments above the syntax (or edition)
// statement of f, where a license goes: its detached comment blocks, then
// its leading comments, as LeadingComments formats them, without
// directives and without the blocks left empty. Generators copy them to
// the top of their files, as protoc-gen-go, protoc-gen-go-grpc and
// protoc-gen-es do.
func SyntaxComments(f protoreflect.FileDescriptor) []string {
	if blocks := statementComments(f, fileSyntaxField); len(blocks) > 0 {
		return blocks
	}
	return statementComments(f, fileEditionField)
}

// PackageComments returns the comments above the package statement of f,
// as SyntaxComments does. Generators copy them after their header.
func PackageComments(f protoreflect.FileDescriptor) []string {
	return statementComments(f, filePackageField)
}

// statementComments returns the detached and leading comment blocks of the
// file-level statement of field number field.
func statementComments(f protoreflect.FileDescriptor, field int32) []string {
	loc := f.SourceLocations().ByPath(protoreflect.SourcePath{field})
	var blocks []string
	for _, c := range append(loc.LeadingDetachedComments, loc.LeadingComments) {
		if c = WithoutDirectives(c); strings.TrimSpace(c) != "" {
			blocks = append(blocks, c)
		}
	}
	return blocks
}

// WithoutDirectives drops the lines of proto comments c that are
// directives to tools: "buf:lint:ignore RULE" lines document the .proto
// file, not the generated code, and a "go:generate" line copied into
// generated Go would make go generate run its command once per copy.
func WithoutDirectives(c string) string {
	var kept strings.Builder
	for line := range strings.Lines(c) {
		if !isDirective(strings.TrimSpace(line)) {
			kept.WriteString(line)
		}
	}
	return kept.String()
}

// isDirective reports whether a trimmed comment line is a directive.
func isDirective(line string) bool {
	return strings.HasPrefix(line, "buf:lint:") || strings.HasPrefix(line, "go:generate")
}
