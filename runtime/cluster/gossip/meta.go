package gossip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/hashicorp/memberlist"
)

// MaxMetaSize is the largest gossip metadata memberlist accepts: 512 bytes
// (memberlist's MetaMaxSize). Larger metadata makes memberlist panic, so a
// [Membership] checks the encoded size of its [Member] before handing it
// over. The encoding takes about 10 bytes more than ID, Type, LinkAddr,
// Version and BootID (16 bytes when generated) together.
const MaxMetaSize = memberlist.MetaMaxSize // 512 bytes

// Gossip metadata layout (all integers are unsigned varints):
//
//	byte 0   format version, metaVersion
//	byte 1   flags: bit 0 Frontend, bit 1 Leaving; other bits are reserved and ignored
//	varint   Weight
//	5 × (varint length, bytes)  ID, Type, LinkAddr, Version, BootID
//	...      fields added later are appended; readers ignore what follows
//
// A new field that old readers may ignore is appended without changing the
// version; the version byte changes only for an incompatible layout, which
// old readers then reject. GossipAddr is not encoded: it is the memberlist
// node's address.
const (
	metaVersion  byte = 1
	flagFrontend byte = 1 << 0
	flagLeaving  byte = 1 << 1
)

// encodeMeta encodes a member's gossip metadata.
func encodeMeta(m Member) ([]byte, error) {
	if m.Weight < 0 || m.Weight > math.MaxInt32 {
		return nil, fmt.Errorf("cluster: weight of server %q is %d, want 0 to %d", m.ID, m.Weight, math.MaxInt32)
	}
	var flags byte
	if m.Frontend {
		flags |= flagFrontend
	}
	if m.Leaving {
		flags |= flagLeaving
	}
	b := make([]byte, 0, 16+len(m.ID)+len(m.Type)+len(m.LinkAddr)+len(m.Version)+len(m.BootID))
	b = append(b, metaVersion, flags)
	b = binary.AppendUvarint(b, uint64(m.Weight))
	for _, s := range [...]string{m.ID, m.Type, m.LinkAddr, m.Version, m.BootID} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	if len(b) > MaxMetaSize {
		return nil, fmt.Errorf("cluster: metadata of server %q is %d bytes, over memberlist's %d-byte limit", m.ID, len(b), MaxMetaSize)
	}
	return b, nil
}

// errMetaTruncated reports metadata that ends inside a field.
var errMetaTruncated = errors.New("cluster: metadata is truncated")

// decodeMeta decodes gossip metadata written by encodeMeta. The result has
// no GossipAddr.
func decodeMeta(b []byte) (Member, error) {
	if len(b) < 2 {
		return Member{}, errMetaTruncated
	}
	if b[0] != metaVersion {
		return Member{}, fmt.Errorf("cluster: metadata format version %d is not supported (want %d)", b[0], metaVersion)
	}
	m := Member{Frontend: b[1]&flagFrontend != 0, Leaving: b[1]&flagLeaving != 0}
	r := metaReader{b: b[2:]}
	w := r.uvarint()
	if w > math.MaxInt32 {
		return Member{}, fmt.Errorf("cluster: metadata weight %d is out of range", w)
	}
	m.Weight = int(w)
	for _, s := range [...]*string{&m.ID, &m.Type, &m.LinkAddr, &m.Version, &m.BootID} {
		*s = r.string()
	}
	if r.err != nil {
		return Member{}, r.err
	}
	if m.ID == "" || m.Type == "" {
		return Member{}, errors.New("cluster: metadata has no server id or type")
	}
	return m, nil
}

// metaReader reads varints and strings, remembering the first error.
type metaReader struct {
	b   []byte
	err error
}

func (r *metaReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errMetaTruncated
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *metaReader) string() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.err = errMetaTruncated
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
