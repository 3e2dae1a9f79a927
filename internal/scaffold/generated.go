package scaffold

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// The committed generated files of a new module differ from those of
// TemplateModule in one place: the go_package option inside the file
// descriptors that protoc-gen-go (the rawDesc constant of a .pb.go) and
// protoc-gen-es (the fileDesc("...") of a _pb.ts) embed. retarget rewrites
// it there, so that what Write produces is byte for byte what buf generate
// produces in the new module (the tests compare the two).

// retarget returns the generated file name (src) with every embedded
// descriptor whose go_package is under module from moved under module to.
func retarget(name string, src []byte, from, to string) ([]byte, error) {
	if from == to {
		return src, nil
	}
	switch {
	case strings.HasSuffix(name, ".pb.go"):
		return retargetGo(src, from, to)
	case strings.HasSuffix(name, "_pb.ts"):
		return retargetTS(src, from, to)
	}
	return src, nil
}

// retargetGo rewrites the rawDesc constants of a protoc-gen-go file, in the
// layout protoc-gen-go (1.36) writes them: "" followed by one quoted piece
// per line, each piece ending after a 0x0a byte.
func retargetGo(src []byte, from, to string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST || len(gd.Specs) != 1 {
			continue
		}
		vs := gd.Specs[0].(*ast.ValueSpec)
		if len(vs.Names) != 1 || !strings.HasSuffix(vs.Names[0].Name, "_rawDesc") || len(vs.Values) != 1 {
			continue
		}
		desc, err := constString(vs.Values[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", vs.Names[0].Name, err)
		}
		moved, changed, err := retargetDescriptor([]byte(desc), from, to)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", vs.Names[0].Name, err)
		}
		if !changed {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "const %s = \"\"", vs.Names[0].Name)
		for _, line := range bytes.SplitAfter(moved, []byte{'\n'}) {
			fmt.Fprintf(&b, " +\n\t%q", line)
		}
		edits = append(edits, edit{fset.Position(gd.Pos()).Offset, fset.Position(gd.End()).Offset, b.String()})
	}
	out := []byte{}
	last := 0
	for _, e := range edits {
		out = append(out, src[last:e.start]...)
		out = append(out, e.text...)
		last = e.end
	}
	return append(out, src[last:]...), nil
}

// constString evaluates a constant expression of string literals joined
// by +.
func constString(e ast.Expr) (string, error) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", fmt.Errorf("not a string literal")
		}
		return strconv.Unquote(e.Value)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", fmt.Errorf("not a + of string literals")
		}
		x, err := constString(e.X)
		if err != nil {
			return "", err
		}
		y, err := constString(e.Y)
		return x + y, err
	case *ast.ParenExpr:
		return constString(e.X)
	}
	return "", fmt.Errorf("not a string constant")
}

// fileDesc matches the embedded descriptors of a protoc-gen-es file.
var fileDesc = regexp.MustCompile(`fileDesc\("([A-Za-z0-9+/=]*)"`)

// retargetTS rewrites the base64 descriptors given to fileDesc in a
// protoc-gen-es file; a descriptor whose go_package is not under from (the
// gamesrv options' own) stays as it is.
func retargetTS(src []byte, from, to string) ([]byte, error) {
	var err error
	out := fileDesc.ReplaceAllFunc(src, func(m []byte) []byte {
		b64 := string(fileDesc.FindSubmatch(m)[1])
		enc := base64.RawStdEncoding // protobuf-es's "std_raw": no padding
		if strings.HasSuffix(b64, "=") {
			enc = base64.StdEncoding
		}
		desc, derr := enc.DecodeString(b64)
		if derr != nil {
			err = derr
			return m
		}
		moved, changed, derr := retargetDescriptor(desc, from, to)
		if derr != nil {
			err = derr
			return m
		}
		if !changed {
			return m
		}
		return []byte(`fileDesc("` + enc.EncodeToString(moved) + `"`)
	})
	return out, err
}

// Field numbers of google.protobuf.FileDescriptorProto.options and
// FileOptions.go_package.
const (
	fieldFileOptions = 8
	fieldGoPackage   = 11
)

// retargetDescriptor rewrites the go_package of a serialized
// FileDescriptorProto from module from (or a package under it) to module
// to, keeping every other byte as it is. It reports whether it changed
// anything.
func retargetDescriptor(desc []byte, from, to string) ([]byte, bool, error) {
	return rewriteField(desc, fieldFileOptions, func(opts []byte) ([]byte, bool, error) {
		return rewriteField(opts, fieldGoPackage, func(v []byte) ([]byte, bool, error) {
			s := string(v)
			if s != from && !strings.HasPrefix(s, from+"/") && !strings.HasPrefix(s, from+";") {
				return v, false, nil
			}
			return []byte(to + strings.TrimPrefix(s, from)), true, nil
		})
	})
}

// rewriteField rewrites the length-delimited fields number num of the
// message msg with fn.
func rewriteField(msg []byte, num protowire.Number, fn func([]byte) ([]byte, bool, error)) ([]byte, bool, error) {
	out := make([]byte, 0, len(msg)+64)
	changed := false
	for len(msg) > 0 {
		n, typ, tagLen := protowire.ConsumeTag(msg)
		if tagLen < 0 {
			return nil, false, protowire.ParseError(tagLen)
		}
		valLen := protowire.ConsumeFieldValue(n, typ, msg[tagLen:])
		if valLen < 0 {
			return nil, false, protowire.ParseError(valLen)
		}
		if n != num || typ != protowire.BytesType {
			out = append(out, msg[:tagLen+valLen]...)
			msg = msg[tagLen+valLen:]
			continue
		}
		v, _ := protowire.ConsumeBytes(msg[tagLen:])
		nv, ch, err := fn(v)
		if err != nil {
			return nil, false, err
		}
		changed = changed || ch
		out = protowire.AppendTag(out, n, protowire.BytesType)
		out = protowire.AppendBytes(out, nv)
		msg = msg[tagLen+valLen:]
	}
	return out, changed, nil
}
