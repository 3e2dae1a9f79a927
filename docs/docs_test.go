// Package docs holds the project's guides (Markdown) and the tests that
// keep them honest: every relative link of every Markdown file of the
// repository resolves, and the Go code the guides show is code of an
// Example function that compiles and runs.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// root is the repository root, relative to this package.
const root = ".."

// skipDirs are directories whose Markdown is not the repository's: installed
// packages, and the templates of the module gamesrv new writes (their links
// are relative to that module).
var skipDirs = map[string]bool{
	".git":                    true,
	"node_modules":            true,
	"internal/scaffold/files": true,
}

// markdownFiles returns the repository's Markdown files, relative to root.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() && (skipDirs[rel] || skipDirs[d.Name()]) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("found %d Markdown files under %s: %v", len(files), root, files)
	}
	return files
}

// doc is a Markdown file split into prose lines (fenced code blanked out)
// and its fenced code blocks.
type doc struct {
	prose  []string
	blocks []block
}

// block is a fenced code block.
type block struct {
	lang string
	line int // 1-based line of the opening fence
	text []string
}

var fenceRE = regexp.MustCompile("^\\s*(```+|~~~+)\\s*([A-Za-z0-9_+-]*)")

func parse(src string) doc {
	var d doc
	var fence string
	var cur *block
	for i, line := range strings.Split(src, "\n") {
		if m := fenceRE.FindStringSubmatch(line); m != nil && (fence == "" || strings.HasPrefix(strings.TrimSpace(line), fence)) {
			if fence == "" {
				fence = m[1]
				d.blocks = append(d.blocks, block{lang: m[2], line: i + 1})
				cur = &d.blocks[len(d.blocks)-1]
			} else {
				fence, cur = "", nil
			}
			d.prose = append(d.prose, "")
			continue
		}
		if cur != nil {
			cur.text = append(cur.text, line)
			d.prose = append(d.prose, "")
			continue
		}
		d.prose = append(d.prose, line)
	}
	return d
}

var (
	codeSpanRE = regexp.MustCompile("`+[^`]*`+")
	// linkRE matches inline links and images: [text](target "title").
	linkRE    = regexp.MustCompile(`!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^()\s>]*(?:\([^()\s]*\)[^()\s>]*)*)>?(?:\s+"[^"]*")?\s*\)`)
	refDefRE  = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$`)
	headingRE = regexp.MustCompile(`^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
	htmlIDRE  = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
	lineRefRE = regexp.MustCompile(`^L\d+(-L\d+)?$`)
)

// links returns the link targets of a document's prose, with their lines.
func links(d doc) (targets []string, lines []int) {
	for i, line := range d.prose {
		line = codeSpanRE.ReplaceAllString(line, "")
		for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
			targets, lines = append(targets, m[1]), append(lines, i+1)
		}
		if m := refDefRE.FindStringSubmatch(line); m != nil {
			targets, lines = append(targets, m[1]), append(lines, i+1)
		}
	}
	return targets, lines
}

// anchors returns the anchors GitHub gives a document's headings (and its
// explicit <a id> anchors).
func anchors(d doc) map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	for _, line := range d.prose {
		for _, m := range htmlIDRE.FindAllStringSubmatch(line, -1) {
			out[m[1]] = true
		}
		m := headingRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		s := slug(m[2])
		if n := seen[s]; n > 0 {
			out[s+"-"+strconv.Itoa(n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

var inlineLinkRE = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)

// slug is GitHub's anchor for a heading: the rendered text in lower case,
// without punctuation but '-' and '_', spaces turned into '-'.
func slug(heading string) string {
	text := inlineLinkRE.ReplaceAllString(heading, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestRelativeLinks checks every relative link of every Markdown file: the
// file or directory exists, and an anchor names a heading of the Markdown
// file it points to (or a line, #L12, of another file).
func TestRelativeLinks(t *testing.T) {
	load := loader()
	checked := 0
	for _, file := range markdownFiles(t) {
		d, err := load(file)
		if err != nil {
			t.Fatal(err)
		}
		targets, lines := links(d)
		for i, target := range targets {
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			checked++
			if msg := checkLink(file, target, load); msg != "" {
				t.Errorf("%s:%d: link %q: %s", file, lines[i], target, msg)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no relative link checked")
	}
}

// loader returns a function that reads and parses a Markdown file of the
// repository once.
func loader() func(rel string) (doc, error) {
	docs := map[string]doc{}
	return func(rel string) (doc, error) {
		if d, ok := docs[rel]; ok {
			return d, nil
		}
		src, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			return doc{}, err
		}
		docs[rel] = parse(string(src))
		return docs[rel], nil
	}
}

// checkLink returns what is wrong with a relative link of file, or "".
func checkLink(file, target string, load func(string) (doc, error)) string {
	path, anchor, _ := strings.Cut(target, "#")
	rel := file
	if path != "" {
		if strings.HasPrefix(path, "/") {
			rel = strings.TrimPrefix(path, "/")
		} else {
			rel = filepath.ToSlash(filepath.Join(filepath.Dir(file), path))
		}
		if strings.HasPrefix(rel, "../") {
			return "points outside the repository"
		}
		if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
			return "no such file or directory"
		}
	}
	if anchor == "" {
		return ""
	}
	if !strings.HasSuffix(rel, ".md") {
		if lineRefRE.MatchString(anchor) {
			return ""
		}
		return "an anchor into a file that is not Markdown"
	}
	d, err := load(rel)
	if err != nil {
		return err.Error()
	}
	if !anchors(d)[anchor] {
		return "no heading of " + rel + " has the anchor #" + anchor
	}
	return ""
}

// TestCheckLink checks that the link check tells good links from broken
// ones.
func TestCheckLink(t *testing.T) {
	load := loader()
	for _, tc := range []struct {
		file, target string
		ok           bool
	}{
		{"README.md", "docs/PROTOCOL.md", true},
		{"README.md", "docs", true},
		{"README.md", "DEVELOPERS.md#tests", true},
		{"README.md", "#gamesrv", true},
		{"docs/PROTOCOL.md", "../runtime/wire/packet.go#L13", true},
		{"README.md", "docs/no-such-guide.md", false},
		{"README.md", "#no-such-heading", false},
		{"README.md", "DEVELOPERS.md#no-such-heading", false},
		{"docs/PROTOCOL.md", "../../outside.md", false},
		{"README.md", "go.mod#require", false},
	} {
		msg := checkLink(tc.file, tc.target, load)
		if (msg == "") != tc.ok {
			t.Errorf("%s: link %q: got %q, want ok=%v", tc.file, tc.target, msg, tc.ok)
		}
	}
}

func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"Configuration: flags and `GAMESRV_` variables":        "configuration-flags-and-gamesrv_-variables",
		"Pointing an existing Pomelo/Pitaya client at gamesrv": "pointing-an-existing-pomelopitaya-client-at-gamesrv",
		"The runtime: `@gamesrv/client`":                       "the-runtime-gamesrvclient",
		"4. Call it from Go (bots, tests, tools)":              "4-call-it-from-go-bots-tests-tools",
		"See [the protocol](PROTOCOL.md) §5":                   "see-the-protocol-5",
	} {
		if got := slug(heading); got != want {
			t.Errorf("slug(%q) = %q, want %q", heading, got, want)
		}
	}
}

func TestAnchorsOfDuplicateHeadings(t *testing.T) {
	got := anchors(parse("# A\n## Tests\n```\n# not a heading\n```\n## Tests\n<a id=\"x\"></a>\n"))
	for _, want := range []string{"a", "tests", "tests-1", "x"} {
		if !got[want] {
			t.Errorf("anchors lack %q: %v", want, got)
		}
	}
	if got["not-a-heading"] {
		t.Error("a line of a code block counted as a heading")
	}
}

// snippetDocs are the Markdown files whose Go snippets must be code of an
// Example function: what users copy is compiled and run by go test.
var snippetDocs = []string{"README.md", "docs/runtime.md"}

// TestGoSnippetsAreExamples checks that every ```go block of snippetDocs
// is, line for line (indentation and alignment aside), a run of lines of
// an example_test.go file.
func TestGoSnippetsAreExamples(t *testing.T) {
	examples := exampleFiles(t)
	for _, file := range snippetDocs {
		src, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, b := range parse(string(src)).blocks {
			if b.lang != "go" {
				continue
			}
			n++
			if where := findSnippet(normalize(b.text), examples); where == "" {
				t.Errorf("%s:%d: this Go snippet is in no example_test.go: make it the code of an Example function\n%s",
					file, b.line, strings.Join(b.text, "\n"))
			}
		}
		if n == 0 {
			t.Errorf("%s has no Go snippet: remove it from snippetDocs", file)
		}
	}
}

// exampleFiles returns the normalized lines of every example_test.go of
// the repository, by path.
func exampleFiles(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, "example_test.go") {
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			out[path] = normalize(strings.Split(string(src), "\n"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no example_test.go found")
	}
	return out
}

// normalize drops blank lines and reduces every run of spaces and tabs to
// one space, so gofmt's indentation and comment alignment do not count.
func normalize(lines []string) []string {
	var out []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 {
			out = append(out, strings.Join(f, " "))
		}
	}
	return out
}

// findSnippet returns the file whose lines contain snippet as a run, or "".
func findSnippet(snippet []string, files map[string][]string) string {
	if len(snippet) == 0 {
		return ""
	}
	for path, lines := range files {
		for i := 0; i+len(snippet) <= len(lines); i++ {
			if slices.Equal(lines[i:i+len(snippet)], snippet) {
				return path
			}
		}
	}
	return ""
}

func TestFindSnippet(t *testing.T) {
	files := map[string][]string{"a": normalize([]string{"func f() {", "\tx := 1 // one", "", "\treturn", "}"})}
	for _, tc := range []struct {
		snippet []string
		want    string
	}{
		{[]string{"x := 1    // one", "return"}, "a"},
		{[]string{"x := 2 // one"}, ""},
		{[]string{"return", "x := 1 // one"}, ""},
		{nil, ""},
	} {
		if got := findSnippet(normalize(tc.snippet), files); got != tc.want {
			t.Errorf("findSnippet(%q) = %q, want %q", tc.snippet, got, tc.want)
		}
	}
}
