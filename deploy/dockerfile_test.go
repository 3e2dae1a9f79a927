package deploy_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestDockerfile(t *testing.T) {
	needBinaries(t)
	df, err := parseDockerfile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	final := df.stages[len(df.stages)-1]
	if !strings.Contains(final.from, "distroless/static") {
		t.Errorf("final stage FROM %s: want a static (libc-free) base", final.from)
	}
	if u := final.user; u == "" || u == "root" || strings.HasPrefix(u, "0") {
		t.Errorf("USER %q: want a non-root user", u)
	}
	for k := range final.env {
		if !bins["connector"].envs[k] && !bins["room"].envs[k] {
			t.Errorf("ENV %s is a variable of neither server", k)
		}
	}
	all := map[port]string{}
	for _, name := range []string{"connector", "room"} {
		for p, v := range listeners(t, bins[name], final.env) {
			all[p] = v
		}
	}
	for _, e := range final.expose {
		if _, ok := all[e]; !ok {
			t.Errorf("EXPOSE %d/%s: no listener of the ENV uses it (%v)", e.n, e.proto, all)
		}
	}
	if len(final.expose) != len(all) {
		t.Errorf("EXPOSE %v, listeners %v", final.expose, all)
	}
	hc := final.healthcheck
	if len(hc) != 2 || hc[0] != "/usr/local/bin/healthcheck" || hc[1] != "http://127.0.0.1:"+portOf(final.env["GAMESRV_ADMIN"])+"/healthz" {
		t.Errorf("HEALTHCHECK CMD %v: want the healthcheck binary on the admin listener's /healthz (GAMESRV_ADMIN=%s)", hc, final.env["GAMESRV_ADMIN"])
	}
	binaryOf(t, final.cmd)
}

// dockerfile is the part of a Dockerfile the test reads.
type dockerfile struct {
	stages []*stage
}

type stage struct {
	from        string
	runs        []string
	user        string
	env         map[string]string
	expose      []port
	healthcheck []string
	cmd         []string
}

// parseDockerfile reads instructions, joining continued lines and
// skipping comments.
func parseDockerfile(path string) (*dockerfile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var insts []string
	cur := ""
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur += strings.TrimSuffix(trimmed, "\\") + " "
			continue
		}
		insts = append(insts, cur+trimmed)
		cur = ""
	}
	df := &dockerfile{}
	var s *stage
	for _, inst := range insts {
		op, rest, _ := strings.Cut(inst, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(op) {
		case "FROM":
			s = &stage{from: strings.Fields(rest)[0], env: map[string]string{}}
			df.stages = append(df.stages, s)
		case "RUN":
			s.runs = append(s.runs, rest)
		case "USER":
			s.user = rest
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				k, v, _ := strings.Cut(kv, "=")
				s.env[k] = v
			}
		case "EXPOSE":
			for _, e := range strings.Fields(rest) {
				n, proto, _ := strings.Cut(e, "/")
				p, err := strconv.Atoi(n)
				if err != nil {
					return nil, fmt.Errorf("EXPOSE %s", e)
				}
				if proto == "" {
					proto = "tcp"
				}
				s.expose = append(s.expose, port{p, strings.ToUpper(proto)})
			}
		case "HEALTHCHECK":
			_, cmd, ok := strings.Cut(rest, "CMD ")
			if !ok || json.Unmarshal([]byte(cmd), &s.healthcheck) != nil {
				return nil, fmt.Errorf("HEALTHCHECK %s: want CMD [exec form]", rest)
			}
		case "CMD":
			if err := json.Unmarshal([]byte(rest), &s.cmd); err != nil {
				return nil, fmt.Errorf("CMD %s: want the exec form (no shell in the image)", rest)
			}
		}
	}
	if len(df.stages) < 2 {
		return nil, fmt.Errorf("%s: want a multi-stage build", path)
	}
	return df, nil
}

// goBuild returns the environment and the arguments of the go command of
// the build stage's go build step, with its output directory replaced by
// out.
func (df *dockerfile) goBuild(out string) (env, args []string, err error) {
	for _, run := range df.stages[0].runs {
		words := shellWords(run)
		i := slices.Index(words, "go")
		if i < 0 || i+1 >= len(words) || words[i+1] != "build" {
			continue
		}
		env = words[:i]
		args = slices.Clone(words[i+1:])
		for j, a := range args {
			if a == "-o" && j+1 < len(args) {
				args[j+1] = out
			}
		}
		return env, args, nil
	}
	return nil, nil, fmt.Errorf("no go build step in the build stage")
}

// shellWords splits s as sh does for the simple words of a RUN line:
// spaces separate, double quotes group.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inQuote, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote, inWord = !inQuote, true
		case r == ' ' && !inQuote:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
