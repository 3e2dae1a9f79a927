package metrics_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// sample is one parsed sample line.
type sample struct {
	name   string
	labels map[string]string
	order  []string // label names in written order
	value  float64
}

// exposition is a parsed scrape.
type exposition struct {
	help, typ map[string]string // by family
	samples   []sample
	byKey     map[string]float64 // "name{a=\"x\",b=\"y\"}" as written -> value
}

// parseExposition parses the text format strictly: every line is a HELP,
// a TYPE or a sample; HELP and TYPE come once per family, before its
// samples; a family's samples are contiguous.
func parseExposition(t testing.TB, text string) *exposition {
	t.Helper()
	ex := &exposition{help: map[string]string{}, typ: map[string]string{}, byKey: map[string]float64{}}
	if text != "" && !strings.HasSuffix(text, "\n") {
		t.Fatalf("exposition does not end with a newline")
	}
	done := map[string]bool{} // families whose samples are over
	current := ""
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if line == "" && text == "" {
			continue
		}
		fam, err := ex.parseLine(line)
		if err != nil {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
		if fam != current {
			if done[fam] {
				t.Fatalf("line %d: family %s is not contiguous", i+1, fam)
			}
			done[current], current = true, fam
		}
	}
	return ex
}

func (ex *exposition) parseLine(line string) (family string, err error) {
	for _, kw := range []string{"# HELP ", "# TYPE "} {
		if rest, ok := strings.CutPrefix(line, kw); ok {
			return ex.parseMeta(kw, rest)
		}
	}
	if strings.HasPrefix(line, "#") {
		return "", fmt.Errorf("unexpected comment")
	}
	s, key, err := parseSample(line)
	if err != nil {
		return "", err
	}
	fam := familyOf(s.name, ex.typ)
	if ex.typ[fam] == "" {
		return "", fmt.Errorf("sample before the TYPE of %s", fam)
	}
	if _, dup := ex.byKey[key]; dup {
		return "", fmt.Errorf("duplicate series %s", key)
	}
	ex.samples = append(ex.samples, s)
	ex.byKey[key] = s.value
	return fam, nil
}

func (ex *exposition) parseMeta(kw, rest string) (string, error) {
	name, text, ok := strings.Cut(rest, " ")
	if !ok || !validMetricName(name) {
		return "", fmt.Errorf("bad metadata line")
	}
	m := ex.help
	if kw == "# TYPE " {
		m = ex.typ
		switch text {
		case "counter", "gauge", "histogram":
		default:
			return "", fmt.Errorf("unknown type %q", text)
		}
		if ex.help[name] == "" {
			return "", fmt.Errorf("TYPE before HELP")
		}
	}
	if _, dup := m[name]; dup {
		return "", fmt.Errorf("second %s for %s", strings.TrimSpace(kw), name)
	}
	m[name] = text
	return name, nil
}

// familyOf maps a histogram sample name to its family.
func familyOf(name string, typ map[string]string) string {
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suf); ok && typ[base] == "histogram" {
			return base
		}
	}
	return name
}

// parseSample parses `name{labels} value` and returns the sample and its
// key (the line without the value).
func parseSample(line string) (sample, string, error) {
	sp := strings.LastIndexByte(line, ' ')
	if sp < 0 {
		return sample{}, "", fmt.Errorf("no value")
	}
	key, val := line[:sp], line[sp+1:]
	v, err := parseValue(val)
	if err != nil {
		return sample{}, "", err
	}
	s := sample{value: v, labels: map[string]string{}}
	name, labels, hasLabels := strings.Cut(key, "{")
	if !validMetricName(name) {
		return sample{}, "", fmt.Errorf("bad metric name %q", name)
	}
	s.name = name
	if hasLabels {
		if !strings.HasSuffix(labels, "}") {
			return sample{}, "", fmt.Errorf("unterminated labels")
		}
		if err := s.parseLabels(strings.TrimSuffix(labels, "}")); err != nil {
			return sample{}, "", err
		}
	}
	return s, key, nil
}

func parseValue(v string) (float64, error) {
	switch v {
	case "+Inf":
		return math.Inf(1), nil
	case "-Inf":
		return math.Inf(-1), nil
	case "NaN":
		return math.NaN(), nil
	}
	return strconv.ParseFloat(v, 64)
}

// parseLabels parses `a="x",b="y\"z"`.
func (s *sample) parseLabels(in string) error {
	for in != "" {
		name, rest, ok := strings.Cut(in, `="`)
		if !ok || !validMetricName(name) || strings.Contains(name, ":") {
			return fmt.Errorf("bad label in %q", in)
		}
		value, rest, err := unescapeValue(rest)
		if err != nil {
			return err
		}
		if _, dup := s.labels[name]; dup {
			return fmt.Errorf("duplicate label %s", name)
		}
		s.labels[name] = value
		s.order = append(s.order, name)
		if in = rest; in != "" {
			if in, ok = strings.CutPrefix(in, ","); !ok || in == "" {
				return fmt.Errorf("bad label separator")
			}
		}
	}
	return nil
}

// unescapeValue reads a label value up to its closing quote.
func unescapeValue(in string) (value, rest string, err error) {
	var b strings.Builder
	for i := 0; i < len(in); i++ {
		switch c := in[i]; c {
		case '"':
			return b.String(), in[i+1:], nil
		case '\n':
			return "", "", fmt.Errorf("raw newline in a label value")
		case '\\':
			if i++; i == len(in) {
				return "", "", fmt.Errorf("dangling backslash")
			}
			switch in[i] {
			case '\\', '"':
				b.WriteByte(in[i])
			case 'n':
				b.WriteByte('\n')
			default:
				return "", "", fmt.Errorf("bad escape \\%c", in[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated label value")
}

func validMetricName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		ok := c == '_' || c == ':' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || (i > 0 && '0' <= c && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// checkHistograms checks every histogram series: le increasing, buckets
// cumulative, +Inf equal to _count, _sum present. It returns the number
// of histogram series.
func (ex *exposition) checkHistograms(t testing.TB) int {
	t.Helper()
	type series struct {
		base, labels string
		les, counts  []float64
	}
	var order []string
	hs := map[string]*series{}
	for _, s := range ex.samples {
		base, ok := strings.CutSuffix(s.name, "_bucket")
		if !ok || ex.typ[base] != "histogram" {
			continue
		}
		lid := labelsID(s, "le")
		id := base + lid
		if hs[id] == nil {
			hs[id] = &series{base: base, labels: lid}
			order = append(order, id)
		}
		le, err := parseValue(s.labels["le"])
		if err != nil {
			t.Fatalf("%s: bad le %q", id, s.labels["le"])
		}
		hs[id].les = append(hs[id].les, le)
		hs[id].counts = append(hs[id].counts, s.value)
	}
	for _, id := range order {
		h := hs[id]
		ex.checkBuckets(t, h.base, h.labels, h.les, h.counts)
	}
	return len(order)
}

func (ex *exposition) checkBuckets(t testing.TB, base, lid string, les, counts []float64) {
	t.Helper()
	for i := 1; i < len(les); i++ {
		if les[i] <= les[i-1] || counts[i] < counts[i-1] {
			t.Errorf("%s%s: bucket %d (le %v, %v) after (le %v, %v)", base, lid, i, les[i], counts[i], les[i-1], counts[i-1])
		}
	}
	if n := len(les); n == 0 || !math.IsInf(les[n-1], 1) {
		t.Fatalf("%s%s: no +Inf bucket", base, lid)
	}
	count, ok := ex.value(base+"_count", lid)
	if !ok || count != counts[len(counts)-1] {
		t.Errorf("%s%s: _count %v (found %v), +Inf bucket %v", base, lid, count, ok, counts[len(counts)-1])
	}
	if _, ok := ex.value(base+"_sum", lid); !ok {
		t.Errorf("%s%s: no _sum", base, lid)
	}
}

// labelsID renders a sample's labels but skip, in written order.
func labelsID(s sample, skip string) string {
	var parts []string
	for _, n := range s.order {
		if n != skip {
			parts = append(parts, n+"="+strconv.Quote(s.labels[n]))
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// value finds the sample of a name and labelsID.
func (ex *exposition) value(name, lid string) (float64, bool) {
	for _, s := range ex.samples {
		if s.name == name && labelsID(s, "") == lid {
			return s.value, true
		}
	}
	return 0, false
}
