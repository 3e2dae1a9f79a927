package main

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// protoText renders a message or enum as short proto-like text:
//
//	message chat.v1.JoinRequest {
//	  string room = 1;
//	  string name = 2;
//	}
func protoText(d protoreflect.Descriptor) string {
	var b strings.Builder
	switch d := d.(type) {
	case protoreflect.MessageDescriptor:
		writeMessage(&b, d)
	case protoreflect.EnumDescriptor:
		writeEnum(&b, d)
	default:
		fmt.Fprintf(&b, "// %s", d.FullName())
	}
	return b.String()
}

func writeMessage(b *strings.Builder, md protoreflect.MessageDescriptor) {
	fields := md.Fields()
	if fields.Len() == 0 {
		fmt.Fprintf(b, "message %s {}", md.FullName())
		return
	}
	fmt.Fprintf(b, "message %s {\n", md.FullName())
	for i := range fields.Len() {
		f := fields.Get(i)
		oneof := f.ContainingOneof()
		if oneof == nil || oneof.IsSynthetic() {
			fmt.Fprintf(b, "  %s\n", fieldLine(f))
			continue
		}
		if oneof.Fields().Get(0) == f { // the whole oneof at its first field
			writeOneof(b, oneof)
		}
	}
	b.WriteString("}")
}

func writeOneof(b *strings.Builder, o protoreflect.OneofDescriptor) {
	fmt.Fprintf(b, "  oneof %s {\n", o.Name())
	for i := range o.Fields().Len() {
		fmt.Fprintf(b, "    %s\n", fieldLine(o.Fields().Get(i)))
	}
	b.WriteString("  }\n")
}

func writeEnum(b *strings.Builder, ed protoreflect.EnumDescriptor) {
	fmt.Fprintf(b, "enum %s {\n", ed.FullName())
	values := ed.Values()
	for i := range values.Len() {
		v := values.Get(i)
		fmt.Fprintf(b, "  %s = %d;\n", v.Name(), v.Number())
	}
	b.WriteString("}")
}

// fieldLine is one field: "repeated string members = 1;".
func fieldLine(f protoreflect.FieldDescriptor) string {
	label := ""
	switch {
	case f.IsMap():
	case f.IsList():
		label = "repeated "
	case f.HasOptionalKeyword():
		label = "optional "
	}
	return fmt.Sprintf("%s%s %s = %d;", label, fieldType(f), f.Name(), f.Number())
}

// fieldType is a field's type: a scalar kind, a message or enum name, or
// map<K, V>.
func fieldType(f protoreflect.FieldDescriptor) string {
	switch {
	case f.IsMap():
		return fmt.Sprintf("map<%s, %s>", fieldType(f.MapKey()), fieldType(f.MapValue()))
	case f.Message() != nil:
		return string(f.Message().FullName())
	case f.Enum() != nil:
		return string(f.Enum().FullName())
	}
	return f.Kind().String()
}

// findByShortName returns the messages and enums of files named name.
func findByShortName(files *protoregistry.Files, name string) []protoreflect.Descriptor {
	var found []protoreflect.Descriptor
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		found = appendNamed(found, fd.Messages(), fd.Enums(), name)
		return true
	})
	return found
}

// appendNamed appends the messages and enums named name, nested ones
// included.
func appendNamed(found []protoreflect.Descriptor, msgs protoreflect.MessageDescriptors, enums protoreflect.EnumDescriptors, name string) []protoreflect.Descriptor {
	for i := range enums.Len() {
		if e := enums.Get(i); string(e.Name()) == name {
			found = append(found, e)
		}
	}
	for i := range msgs.Len() {
		m := msgs.Get(i)
		if string(m.Name()) == name {
			found = append(found, m)
		}
		found = appendNamed(found, m.Messages(), m.Enums(), name)
	}
	return found
}
