package wire

import (
	"fmt"
	"math"
)

// maxVarintLen is the longest message ID varint accepted: 5 bytes hold a uint32.
const maxVarintLen = 5

// appendVarint appends v as an unsigned base-128 varint, least significant
// group first (the protobuf encoding).
func appendVarint(dst []byte, v uint32) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// varintLen returns the number of bytes appendVarint writes for v.
func varintLen(v uint32) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// readVarint decodes a varint of at most 5 bytes holding a uint32 from the
// start of b. It returns the value and the number of bytes read. Redundant
// (non-minimal) encodings are accepted.
func readVarint(b []byte) (uint32, int, error) {
	var v uint64
	for i := 0; i < maxVarintLen; i++ {
		if i >= len(b) {
			return 0, 0, truncated("message ID")
		}
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return checkVarint(v, i+1)
		}
	}
	return 0, 0, fmt.Errorf("%w: varint longer than %d bytes", ErrInvalidID, maxVarintLen)
}

// checkVarint rejects a decoded varint value that does not fit in a uint32.
func checkVarint(v uint64, n int) (uint32, int, error) {
	if v > math.MaxUint32 {
		return 0, 0, fmt.Errorf("%w: %d overflows uint32", ErrInvalidID, v)
	}
	return uint32(v), n, nil
}
