package metrics

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ContentType is the media type of the Prometheus text exposition format
// version 0.0.4, which [Prometheus.WriteTo] writes.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// The metric types of the TYPE lines.
const (
	typeCounter   = "counter"
	typeGauge     = "gauge"
	typeHistogram = "histogram"
)

// expo appends the text exposition format to a buffer.
type expo struct {
	b       []byte
	konst   []labelPair // constant labels, sorted by name
	scratch []byte      // rendered labels of the current series
}

// labelPair is a label name and value.
type labelPair struct{ name, value string }

// header writes the HELP and TYPE lines of a family.
func (e *expo) header(name, help, typ string) {
	e.b = append(e.b, "# HELP "...)
	e.b = append(e.b, name...)
	e.b = append(e.b, ' ')
	e.b = appendEscaped(e.b, help, false)
	e.b = append(e.b, "\n# TYPE "...)
	e.b = append(e.b, name...)
	e.b = append(e.b, ' ')
	e.b = append(e.b, typ...)
	e.b = append(e.b, '\n')
}

// labels renders, without braces, the labels of a series (names and
// values, then the constant labels it does not have) into a scratch buffer
// valid until the next call.
func (e *expo) labels(names, values []string) []byte {
	b := e.scratch[:0]
	for i, n := range names {
		b = appendLabel(b, n, values[i])
		b = append(b, ',')
	}
	for _, c := range e.konst {
		if !slices.Contains(names, c.name) {
			b = appendLabel(b, c.name, c.value)
			b = append(b, ',')
		}
	}
	if len(b) > 0 {
		b = b[:len(b)-1]
	}
	e.scratch = b
	return b
}

// sample writes "name{labels,le} " from rendered labels; le is left out
// when empty. The caller ends the line with uint or float.
func (e *expo) sample(name string, labels []byte, le string) {
	e.b = append(e.b, name...)
	if len(labels) > 0 || le != "" {
		e.b = append(e.b, '{')
		e.b = append(e.b, labels...)
		if le != "" {
			if len(labels) > 0 {
				e.b = append(e.b, ',')
			}
			e.b = appendLabel(e.b, "le", le)
		}
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, ' ')
}

// uint ends a sample line with an integer value.
func (e *expo) uint(v uint64) {
	e.b = strconv.AppendUint(e.b, v, 10)
	e.b = append(e.b, '\n')
}

// float ends a sample line with a float value.
func (e *expo) float(v float64) {
	e.b = appendFloat(e.b, v)
	e.b = append(e.b, '\n')
}

func appendLabel(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, '=', '"')
	b = appendEscaped(b, value, true)
	return append(b, '"')
}

// appendEscaped escapes a label value (backslash, double quote and
// newline) or a HELP text (backslash and newline), replacing invalid UTF-8.
func appendEscaped(b []byte, s string, quote bool) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendFloat formats v as the format wants: Go's shortest representation,
// with +Inf, -Inf and NaN spelled that way.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// formatFloat is appendFloat to a string.
func formatFloat(v float64) string { return string(appendFloat(nil, v)) }

// validName reports whether s is a valid metric name
// ([a-zA-Z_:][a-zA-Z0-9_:]*); labels additionally exclude ':' (see
// validLabelName).
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || c == ':' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// validLabelName reports whether s is a valid label name that is not
// reserved ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__", not "le").
func validLabelName(s string) bool {
	return validName(s) && !strings.Contains(s, ":") && !strings.HasPrefix(s, "__") && s != "le"
}
