// Package opt holds the rule the runtime's Options structs share: a zero
// (or negative) field takes its default.
package opt

// OrDefault returns v, or def when v is zero or negative: a numeric
// Options field whose zero value means "the default".
func OrDefault[T ~int | ~int32 | ~int64 | ~float64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
