package linkwire

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// codecFields lists, per message of cluster.proto the hand codec encodes
// and decodes, every field it handles as "number name kind" (kind as
// protoreflect spells it, "repeated" or "map" in front when the field is
// one). Hello is absent: hello frames go through package proto. A change
// to cluster.proto (or error.proto) must come with a change to codec.go
// and to this list.
var codecFields = map[protoreflect.FullName][]string{
	"gamesrv.v1.Frame": {
		"1 hello message",
		"2 call message",
		"3 reply message",
		"4 cancel message",
	},
	"gamesrv.v1.Call": {
		"1 id uint64",
		"2 route string",
		"3 payload bytes",
		"4 timeout_ms uint32",
		"5 session message",
		"6 serializer string",
		"7 notify bool",
		"8 metadata map string string",
	},
	"gamesrv.v1.SessionSnapshot": {
		"1 id int64",
		"2 uid string",
		"3 frontend_id string",
		"4 data map string string",
		"5 remote_addr string",
	},
	"gamesrv.v1.Reply": {
		"1 id uint64",
		"2 payload bytes",
		"3 error message",
		"4 update message",
	},
	"gamesrv.v1.Error": {
		"1 code string",
		"2 msg string",
		"3 metadata map string string",
	},
	"gamesrv.v1.SessionUpdate": {
		"1 set map string string",
		"2 deleted repeated string",
	},
	"gamesrv.v1.Cancel": {
		"1 id uint64",
	},
}

// protoProcessed are the messages inside a frame that package proto
// encodes and decodes.
var protoProcessed = []protoreflect.FullName{"gamesrv.v1.Hello"}

// describeField spells fd as codecFields does.
func describeField(fd protoreflect.FieldDescriptor) string {
	switch {
	case fd.IsMap():
		return fmt.Sprintf("%d %s map %s %s", fd.Number(), fd.Name(), fd.MapKey().Kind(), fd.MapValue().Kind())
	case fd.IsList():
		return fmt.Sprintf("%d %s repeated %s", fd.Number(), fd.Name(), fd.Kind())
	}
	return fmt.Sprintf("%d %s %s", fd.Number(), fd.Name(), fd.Kind())
}

// TestCodecCoversClusterProto compares the fields of every message a
// frame can carry, as cluster.proto declares them, with the fields the
// hand codec handles.
func TestCodecCoversClusterProto(t *testing.T) {
	for _, problem := range coverage(codecFields) {
		t.Error(problem)
	}
}

// coverage returns what differs between the messages reachable from Frame
// and known, which lists the fields of the messages the hand codec handles.
func coverage(known map[protoreflect.FullName][]string) []string {
	var problems []string
	seen := map[protoreflect.FullName]bool{}
	var walk func(md protoreflect.MessageDescriptor)
	walk = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] || slices.Contains(protoProcessed, md.FullName()) {
			return
		}
		seen[md.FullName()] = true
		list, ok := known[md.FullName()]
		if !ok {
			problems = append(problems, fmt.Sprintf("cluster.proto has message %s inside a frame the hand codec (runtime/cluster/internal/linkwire) does not handle", md.FullName()))
			return
		}
		declared := map[string]bool{}
		fields := md.Fields()
		for i := range fields.Len() {
			fd := fields.Get(i)
			d := describeField(fd)
			declared[d] = true
			if !slices.Contains(list, d) {
				problems = append(problems, fmt.Sprintf("cluster.proto has field %s (%s) the hand codec (runtime/cluster/internal/linkwire) does not handle", fd.FullName(), d))
			}
			if fd.Message() != nil && !fd.IsMap() {
				walk(fd.Message())
			}
		}
		for _, d := range list {
			if !declared[d] {
				problems = append(problems, fmt.Sprintf("the hand codec handles field %q of %s, which cluster.proto no longer declares", d, md.FullName()))
			}
		}
	}
	walk((*gamesrvv1.Frame)(nil).ProtoReflect().Descriptor())
	for name := range known {
		if !seen[name] {
			problems = append(problems, fmt.Sprintf("the hand codec handles message %s, which no frame of cluster.proto carries", name))
		}
	}
	slices.Sort(problems)
	return problems
}

// TestCoverageNoticesChanges checks that coverage fails when the codec's
// list and cluster.proto disagree.
func TestCoverageNoticesChanges(t *testing.T) {
	without := func(name protoreflect.FullName, drop string) map[protoreflect.FullName][]string {
		k := map[protoreflect.FullName][]string{}
		for n, l := range codecFields {
			if n == name {
				l = slices.DeleteFunc(slices.Clone(l), func(s string) bool { return s == drop })
			}
			k[n] = l
		}
		return k
	}
	cases := []struct {
		name  string
		known map[protoreflect.FullName][]string
		want  string
	}{
		{"new field", without("gamesrv.v1.Call", "7 notify bool"),
			"cluster.proto has field gamesrv.v1.Call.notify (7 notify bool) the hand codec (runtime/cluster/internal/linkwire) does not handle"},
		{"new map field", without("gamesrv.v1.Error", "3 metadata map string string"),
			"cluster.proto has field gamesrv.v1.Error.metadata (3 metadata map string string) the hand codec"},
		{"removed field", func() map[protoreflect.FullName][]string {
			k := without("gamesrv.v1.Cancel", "")
			k["gamesrv.v1.Cancel"] = append(slices.Clone(k["gamesrv.v1.Cancel"]), "2 reason string")
			return k
		}(), `the hand codec handles field "2 reason string" of gamesrv.v1.Cancel, which cluster.proto no longer declares`},
		{"changed kind", func() map[protoreflect.FullName][]string {
			k := without("gamesrv.v1.Call", "4 timeout_ms uint32")
			k["gamesrv.v1.Call"] = append(k["gamesrv.v1.Call"], "4 timeout_ms uint64")
			return k
		}(), "cluster.proto has field gamesrv.v1.Call.timeout_ms (4 timeout_ms uint32)"},
		{"new message", func() map[protoreflect.FullName][]string {
			k := without("gamesrv.v1.Cancel", "")
			delete(k, "gamesrv.v1.SessionUpdate")
			return k
		}(), "cluster.proto has message gamesrv.v1.SessionUpdate inside a frame the hand codec"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			problems := coverage(tc.known)
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, tc.want) }) {
				t.Fatalf("coverage = %q, want a problem starting %q", problems, tc.want)
			}
		})
	}
}

// TestCodecRoundTripsEveryField sets every field of every message a frame
// carries, of whatever kind cluster.proto gives it, and checks both
// directions against package proto: a field the hand codec does not
// encode or decode is lost on the way and the messages differ.
func TestCodecRoundTripsEveryField(t *testing.T) {
	body := (*gamesrvv1.Frame)(nil).ProtoReflect().Descriptor().Oneofs().ByName("body")
	for i := range body.Fields().Len() {
		fd := body.Fields().Get(i)
		for variant := range 3 {
			t.Run(fmt.Sprintf("%s/%d", fd.Name(), variant), func(t *testing.T) {
				f := new(gamesrvv1.Frame)
				m := f.ProtoReflect()
				m.Set(fd, protoreflect.ValueOfMessage(populated(t, m.NewField(fd).Message(), variant, 0)))

				ours, err := appendFrame(nil, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(ours) != sizeFrame(f) {
					t.Errorf("sizeFrame %d, appendFrame wrote %d bytes", sizeFrame(f), len(ours))
				}
				var back gamesrvv1.Frame
				if err := proto.Unmarshal(ours, &back); err != nil || !proto.Equal(&back, f) {
					t.Errorf("proto.Unmarshal of the hand encoding lost fields:\n got  %v (%v)\n want %v", &back, err, f)
				}
				theirs, err := proto.Marshal(f)
				if err != nil {
					t.Fatal(err)
				}
				got, err := Decode(theirs, Interner{})
				if err != nil || !proto.Equal(got, f) {
					t.Errorf("Decode of proto.Marshal's encoding lost fields:\n got  %v (%v)\n want %v", got, err, f)
				}
			})
		}
	}
}

// populated sets every field of m to a value that is not its default (the
// values differ by variant); in a oneof, the variant picks the field.

func populated(t *testing.T, m protoreflect.Message, variant, depth int) protoreflect.Message {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() && od.Fields().Get(variant%od.Fields().Len()) != fd {
			continue
		}
		switch {
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			for j := range 2 {
				k := scalar(t, fd.MapKey(), variant, j)
				if fd.MapValue().Message() != nil {
					mp.Set(k.MapKey(), protoreflect.ValueOfMessage(populated(t, mp.NewValue().Message(), variant, depth+1)))
				} else {
					mp.Set(k.MapKey(), scalar(t, fd.MapValue(), variant, j))
				}
			}
		case fd.IsList():
			l := m.Mutable(fd).List()
			for j := range 2 {
				if fd.Message() != nil {
					l.Append(protoreflect.ValueOfMessage(populated(t, l.NewElement().Message(), variant, depth+1)))
				} else {
					l.Append(scalar(t, fd, variant, j))
				}
			}
		case fd.Message() != nil:
			if depth < 4 {
				m.Set(fd, protoreflect.ValueOfMessage(populated(t, m.NewField(fd).Message(), variant, depth+1)))
			}
		default:
			m.Set(fd, scalar(t, fd, variant, 0))
		}
	}
	return m
}

// scalar returns a value of fd's kind other than the default; j tells
// the elements of a list or the keys of a map apart.
func scalar(t *testing.T, fd protoreflect.FieldDescriptor, variant, j int) protoreflect.Value {
	n := int64(variant*1000 + j + 1)
	big := []int64{1, 1 << 40, -(1 << 20)}[variant%3]
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(true)
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		return protoreflect.ValueOfEnum(vals.Get(vals.Len() - 1).Number())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(-n))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(big * n)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(n) | 1<<31)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(n) | 1<<63)
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(n) + 0.5)
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(float64(n) + 0.25)
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(fmt.Sprintf("%s-%d-é", fd.Name(), n))
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte{byte(n), 0, byte(n >> 8), 0xff})
	}
	t.Fatalf("no test value for %s of kind %s: teach scalar the kind", fd.FullName(), fd.Kind())
	return protoreflect.Value{}
}
