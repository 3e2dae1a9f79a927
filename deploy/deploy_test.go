// Package deploy_test checks deploy/ against the binaries it runs, without
// Docker or Kubernetes (neither runs on this project's machines): the
// Dockerfile's build step is run as is, and every flag, GAMESRV_ variable,
// port, probe, Secret and shutdown bound the Dockerfile, compose.yaml and
// k8s/*.yaml use is checked against what the built binaries print with
// -h. Then the compose file's configuration, moved to loopback, starts a
// connector and two rooms that form one cluster and shut down gracefully.
package deploy_test

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// bins are the binaries the Dockerfile builds, by name, with what their
// -h says; built once by TestMain.
var bins map[string]*binary

// binary is a built program and its command line.
type binary struct {
	path  string
	flags map[string]bool // flag names, without the dash
	envs  map[string]bool // GAMESRV_ variables
}

func TestMain(m *testing.M) {
	code, err := buildAndRun(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

// buildAndRun builds the binaries with the Dockerfile's own go build
// command, reads their -h, and runs the tests.
func buildAndRun(m *testing.M) (int, error) {
	flag.Parse()
	if testing.Short() {
		return m.Run(), nil // the tests that need binaries skip
	}
	df, err := parseDockerfile("Dockerfile")
	if err != nil {
		return 0, err
	}
	out, err := os.MkdirTemp("", "deploy-bins-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(out)
	env, args, err := df.goBuild(out + "/")
	if err != nil {
		return 0, err
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("the Dockerfile's go build: %v\n%s", err, b)
	}
	bins = map[string]*binary{}
	entries, err := os.ReadDir(out)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		b := &binary{path: filepath.Join(out, e.Name())}
		if e.Name() != "healthcheck" {
			if err := b.readHelp(); err != nil {
				return 0, err
			}
		}
		bins[e.Name()] = b
	}
	return m.Run(), nil
}

var (
	flagLine = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)
	envName  = regexp.MustCompile(`\(env (GAMESRV_[A-Z0-9_]+)\)`)
)

// readHelp runs the binary with -h and records its flags and variables.
func (b *binary) readHelp() error {
	out, err := exec.Command(b.path, "-h").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s -h: %v\n%s", b.path, err, out)
	}
	b.flags, b.envs = map[string]bool{}, map[string]bool{}
	for _, m := range flagLine.FindAllStringSubmatch(string(out), -1) {
		b.flags[m[1]] = true
	}
	for _, m := range envName.FindAllStringSubmatch(string(out), -1) {
		b.envs[m[1]] = true
	}
	if len(b.flags) == 0 || len(b.flags) != len(b.envs) {
		return fmt.Errorf("%s -h: %d flags, %d variables:\n%s", b.path, len(b.flags), len(b.envs), out)
	}
	return nil
}

func needBinaries(t *testing.T) {
	t.Helper()
	if testing.Short() || bins == nil {
		t.Skip("builds the Dockerfile's binaries")
	}
}

// binaryOf returns the binary a container runs (the image's path).
func binaryOf(t *testing.T, command []string) *binary {
	t.Helper()
	if len(command) == 0 {
		t.Fatal("no command")
	}
	dir, name := filepath.Split(command[0])
	b := bins[name]
	if b == nil || dir != "/usr/local/bin/" {
		t.Fatalf("command %v: the image has /usr/local/bin/{%s}", command, strings.Join(names(bins), ","))
	}
	return b
}

func names[V any](m map[string]V) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// port is a listening port and its protocol.
type port struct {
	n     int
	proto string // "TCP" or "UDP"
}

// listeners returns the ports a binary configured by env listens on: the
// variables of the listener flags it has.
func listeners(t *testing.T, b *binary, env map[string]string) map[port]string {
	t.Helper()
	out := map[port]string{}
	for v, protos := range map[string][]string{
		"GAMESRV_TCP": {"TCP"}, "GAMESRV_KCP": {"UDP"}, "GAMESRV_GOSSIP": {"TCP", "UDP"}, "GAMESRV_LINK": {"TCP"}, "GAMESRV_ADMIN": {"TCP"},
	} {
		addr, ok := env[v]
		if !ok || addr == "" || !b.envs[v] {
			continue
		}
		_, p, err := net.SplitHostPort(addr)
		n, err2 := strconv.Atoi(p)
		if err != nil || err2 != nil || n == 0 {
			t.Errorf("%s=%q: want host:port with a fixed port", v, addr)
			continue
		}
		for _, proto := range protos {
			out[port{n, proto}] = v
		}
	}
	return out
}

// checkServer checks what every container of a server must have: known
// variables, listeners beyond loopback only with the key, the secret and
// an advertised address, and the admin listener.
func checkServer(t *testing.T, b *binary, env map[string]string, containerEnv []string) map[port]string {
	t.Helper()
	for _, v := range containerEnv {
		if strings.HasPrefix(v, "GAMESRV_") && !b.envs[v] {
			t.Errorf("%s is not a variable of %s (-h lists %v)", v, filepath.Base(b.path), names(b.envs))
		}
	}
	for _, v := range []string{"GAMESRV_GOSSIP_KEY", "GAMESRV_LINK_SECRET", "GAMESRV_GOSSIP_ADVERTISE", "GAMESRV_ADMIN", "GAMESRV_SHUTDOWN_TIMEOUT"} {
		if _, ok := env[v]; !ok {
			t.Errorf("%s is not set: %s", v, why[v])
		}
	}
	ls := listeners(t, b, env)
	if b.envs["GAMESRV_TCP"] && !slices.Contains(mapValues(ls), "GAMESRV_TCP") {
		t.Errorf("the connector has no TCP listener beyond loopback")
	}
	return ls
}

var why = map[string]string{
	"GAMESRV_GOSSIP_KEY":       "the servers refuse to gossip beyond loopback without it",
	"GAMESRV_LINK_SECRET":      "the servers refuse links beyond loopback without it",
	"GAMESRV_GOSSIP_ADVERTISE": "bound to 0.0.0.0, a server would advertise 127.0.0.1 for its links",
	"GAMESRV_ADMIN":            "no /healthz for the probes",
	"GAMESRV_SHUTDOWN_TIMEOUT": "the stop grace period is matched to it",
}

func mapValues[K comparable, V any](m map[K]V) []V {
	var s []V
	for _, v := range m {
		s = append(s, v)
	}
	return s
}

func duration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("duration %q: %v", s, err)
	}
	return d
}

func TestStaticBinaries(t *testing.T) {
	needBinaries(t)
	for name, b := range bins {
		f, err := elf.Open(b.path)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked: the distroless static image has no libc", name)
			}
		}
		f.Close()
	}
	for _, want := range []string{"connector", "room", "healthcheck"} {
		if bins[want] == nil {
			t.Errorf("the Dockerfile does not build %s", want)
		}
	}
}

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

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// composeFile is the part of compose.yaml the test reads.
type composeFile struct {
	Services map[string]struct {
		Command         []string          `yaml:"command"`
		Environment     map[string]string `yaml:"environment"`
		Ports           []string          `yaml:"ports"`
		StopGracePeriod string            `yaml:"stop_grace_period"`
		Networks        map[string]struct {
			IPv4 string `yaml:"ipv4_address"`
		} `yaml:"networks"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
	} `yaml:"services"`
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Services) == 0 {
		t.Fatal("compose.yaml has no services")
	}
	return c
}

func TestCompose(t *testing.T) {
	needBinaries(t)
	df, err := parseDockerfile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	image := df.stages[len(df.stages)-1].env
	c := readCompose(t)
	count := map[string]int{}
	for name, s := range c.Services {
		t.Run(name, func(t *testing.T) {
			b := binaryOf(t, s.Command)
			count[filepath.Base(b.path)]++
			env := merge(image, s.Environment)
			ls := checkServer(t, b, env, names(s.Environment))
			for _, p := range s.Ports { // [host_ip:]host_port:container_port[/proto]
				spec, proto, _ := strings.Cut(p, "/")
				if proto == "" {
					proto = "tcp"
				}
				parts := strings.Split(spec, ":")
				n, _ := strconv.Atoi(parts[len(parts)-1])
				if _, ok := ls[port{n, strings.ToUpper(proto)}]; !ok {
					t.Errorf("ports: %s publishes a port nothing listens on (%v)", p, ls)
				}
			}
			var ip string
			for _, n := range s.Networks {
				ip = n.IPv4
			}
			if env["GAMESRV_GOSSIP_ADVERTISE"] != ip {
				t.Errorf("GAMESRV_GOSSIP_ADVERTISE=%s, but the service's address is %s", env["GAMESRV_GOSSIP_ADVERTISE"], ip)
			}
			for _, seed := range strings.Split(env["GAMESRV_SEEDS"], ",") {
				host, p, err := net.SplitHostPort(seed)
				peer, ok := c.Services[host]
				if err != nil || !ok || portOf(merge(image, peer.Environment)["GAMESRV_GOSSIP"]) != p {
					t.Errorf("seed %s: not a service's gossip address", seed)
				}
			}
			grace := duration(t, s.StopGracePeriod)
			if shutdown := duration(t, env["GAMESRV_SHUTDOWN_TIMEOUT"]); grace < shutdown+time.Second {
				t.Errorf("stop_grace_period %s leaves no time after the graceful shutdown (%s)", grace, shutdown)
			}
			if filepath.Base(b.path) == "room" && s.DependsOn["connector"].Condition != "service_healthy" {
				t.Errorf("a room should start once the connector is healthy (its gossip seed)")
			}
		})
	}
	if count["connector"] != 1 || count["room"] != 2 {
		t.Errorf("services: %v, want a connector and two rooms", count)
	}
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// manifest is the part of a Kubernetes object the test reads.
type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		// Service
		ClusterIP                string            `yaml:"clusterIP"`
		PublishNotReadyAddresses bool              `yaml:"publishNotReadyAddresses"`
		Selector                 yaml.Node         `yaml:"selector"`
		Ports                    []servicePort     `yaml:"ports"`
		Type                     string            `yaml:"type"`
		MatchLabels              map[string]string `yaml:"-"`
		// Deployment
		Replicas int `yaml:"replicas"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type servicePort struct {
	Name       string `yaml:"name"`
	Port       int    `yaml:"port"`
	TargetPort string `yaml:"targetPort"`
	Protocol   string `yaml:"protocol"`
}

type podSpec struct {
	EnableServiceLinks            *bool `yaml:"enableServiceLinks"`
	TerminationGracePeriodSeconds int   `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot bool `yaml:"runAsNonRoot"`
		RunAsUser    int  `yaml:"runAsUser"`
	} `yaml:"securityContext"`
	Containers []struct {
		Name    string   `yaml:"name"`
		Command []string `yaml:"command"`
		Args    []string `yaml:"args"`
		Env     []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom struct {
				FieldRef *struct {
					FieldPath string `yaml:"fieldPath"`
				} `yaml:"fieldRef"`
				SecretKeyRef *struct {
					Name string `yaml:"name"`
					Key  string `yaml:"key"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
			Protocol      string `yaml:"protocol"`
		} `yaml:"ports"`
		ReadinessProbe probe `yaml:"readinessProbe"`
		LivenessProbe  probe `yaml:"livenessProbe"`
		Lifecycle      struct {
			PreStop struct {
				Sleep struct {
					Seconds int `yaml:"seconds"`
				} `yaml:"sleep"`
			} `yaml:"preStop"`
		} `yaml:"lifecycle"`
	} `yaml:"containers"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
	TCPSocket *struct {
		Port string `yaml:"port"`
	} `yaml:"tcpSocket"`
}

// readManifests reads every object of the files kustomization.yaml lists.
func readManifests(t *testing.T) []manifest {
	t.Helper()
	b, err := os.ReadFile("k8s/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `yaml:"resources"`
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	var out []manifest
	for _, r := range k.Resources {
		b, err := os.ReadFile(filepath.Join("k8s", r))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var m manifest
			err := dec.Decode(&m)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", r, err)
			}
			var sel map[string]string
			if err := m.Spec.Selector.Decode(&sel); err == nil {
				m.Spec.MatchLabels = sel
			} else {
				var dsel struct {
					MatchLabels map[string]string `yaml:"matchLabels"`
				}
				if err := m.Spec.Selector.Decode(&dsel); err != nil {
					t.Fatalf("%s: selector: %v", r, err)
				}
				m.Spec.MatchLabels = dsel.MatchLabels
			}
			out = append(out, m)
		}
	}
	return out
}

// matches reports whether labels has every label of selector.
func matches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return len(selector) > 0
}

func TestKubernetes(t *testing.T) {
	needBinaries(t)
	objs := readManifests(t)
	services := map[string]manifest{}
	var deployments []manifest
	for _, m := range objs {
		switch m.Kind {
		case "Service":
			services[m.Metadata.Name] = m
		case "Deployment":
			deployments = append(deployments, m)
		default:
			t.Errorf("unexpected kind %s", m.Kind)
		}
	}
	count := map[string]int{}
	for _, d := range deployments {
		t.Run(d.Metadata.Name, func(t *testing.T) {
			pod := d.Spec.Template.Spec
			labels := d.Spec.Template.Metadata.Labels
			if !matches(d.Spec.MatchLabels, labels) {
				t.Errorf("the selector %v does not select the template's labels %v", d.Spec.MatchLabels, labels)
			}
			if pod.EnableServiceLinks == nil || *pod.EnableServiceLinks {
				t.Errorf("enableServiceLinks: want false, so that Services add no GAMESRV_..._SERVICE_HOST variables")
			}
			if !pod.SecurityContext.RunAsNonRoot || pod.SecurityContext.RunAsUser == 0 {
				t.Errorf("the pod may run as root")
			}
			if len(pod.Containers) != 1 {
				t.Fatalf("%d containers", len(pod.Containers))
			}
			c := pod.Containers[0]
			b := binaryOf(t, c.Command)
			count[filepath.Base(b.path)] += d.Spec.Replicas
			for _, a := range c.Args {
				if name, ok := strings.CutPrefix(a, "-"); ok && !b.flags[strings.SplitN(name, "=", 2)[0]] {
					t.Errorf("args: %s is not a flag of %s", a, filepath.Base(b.path))
				}
			}
			env, plain := map[string]string{}, map[string]string{}
			var declared []string
			for _, e := range c.Env {
				declared = append(declared, e.Name)
				switch {
				case e.ValueFrom.SecretKeyRef != nil:
					env[e.Name] = "secret:" + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
				case e.ValueFrom.FieldRef != nil:
					env[e.Name] = "field:" + e.ValueFrom.FieldRef.FieldPath
				default:
					env[e.Name], plain[e.Name] = e.Value, e.Value
				}
			}
			ls := checkServer(t, b, env, filterPrefix(declared, "GAMESRV_"))
			if env["GAMESRV_GOSSIP_KEY"] != "secret:gamesrv-cluster/gossip-key" || env["GAMESRV_LINK_SECRET"] != "secret:gamesrv-cluster/link-secret" {
				t.Errorf("the key and the secret must come from the Secret gamesrv-cluster (gossip-key, link-secret) the README creates: %s, %s",
					env["GAMESRV_GOSSIP_KEY"], env["GAMESRV_LINK_SECRET"])
			}
			if env["POD_IP"] != "field:status.podIP" || plain["GAMESRV_GOSSIP_ADVERTISE"] != "$(POD_IP)" {
				t.Errorf("GAMESRV_GOSSIP_ADVERTISE must be the pod's IP (status.podIP through $(POD_IP))")
			}
			if env["GAMESRV_ID"] != "field:metadata.name" {
				t.Errorf("GAMESRV_ID: want the pod's name, unique in the cluster")
			}
			// Every declared port is a listener, and every listener declared.
			byName := map[string]port{}
			for _, p := range c.Ports {
				pp := port{p.ContainerPort, p.Protocol}
				byName[p.Name] = pp
				if _, ok := ls[pp]; !ok {
					t.Errorf("port %s (%d/%s): nothing listens there (%v)", p.Name, p.ContainerPort, p.Protocol, ls)
				}
			}
			if len(byName) != len(ls) {
				t.Errorf("ports %v, listeners %v", byName, ls)
			}
			admin := port{mustAtoi(t, portOf(plain["GAMESRV_ADMIN"])), "TCP"}
			if r := c.ReadinessProbe.HTTPGet; r == nil || r.Path != "/healthz" || byName[r.Port] != admin {
				t.Errorf("readinessProbe: want httpGet /healthz on the admin port %d", admin.n)
			}
			if l := c.LivenessProbe.TCPSocket; l == nil || byName[l.Port] != admin {
				t.Errorf("livenessProbe: want a TCP check of the admin port (an httpGet of /healthz fails while shutting down)")
			}
			// The grace period covers preStop, then the graceful shutdown.
			grace := time.Duration(pod.TerminationGracePeriodSeconds) * time.Second
			pre := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
			shutdown := duration(t, plain["GAMESRV_SHUTDOWN_TIMEOUT"])
			if grace < pre+shutdown+time.Second {
				t.Errorf("terminationGracePeriodSeconds %s < preStop %s + shutdown %s + 1 s", grace, pre, shutdown)
			}
			if b.envs["GAMESRV_TCP"] && pre == 0 {
				t.Errorf("the connector needs a preStop pause: the load balancer must stop sending players before it stops accepting")
			}
			// Seeds: the headless Service of every server's gossip port.
			for _, seed := range strings.Split(plain["GAMESRV_SEEDS"], ",") {
				host, p, _ := net.SplitHostPort(seed)
				s, ok := services[host]
				if !ok || s.Spec.ClusterIP != "None" || !s.Spec.PublishNotReadyAddresses || !matches(s.Spec.MatchLabels, labels) {
					t.Errorf("seed %s: want a headless Service (publishNotReadyAddresses) that selects this pod", seed)
					continue
				}
				for _, sp := range s.Spec.Ports {
					if strconv.Itoa(sp.Port) != p || byName[sp.TargetPort] != (port{mustAtoi(t, p), sp.Protocol}) {
						t.Errorf("seed %s: Service port %+v does not lead to the gossip port", seed, sp)
					}
				}
			}
			// Services that select this pod lead to its ports.
			for name, s := range services {
				if !matches(s.Spec.MatchLabels, labels) {
					continue
				}
				for _, sp := range s.Spec.Ports {
					if tp, ok := byName[sp.TargetPort]; !ok || tp.proto != sp.Protocol {
						t.Errorf("Service %s port %s: targetPort %s is not a %s port of the pod", name, sp.Name, sp.TargetPort, sp.Protocol)
					}
				}
			}
		})
	}
	if count["connector"] < 1 || count["room"] < 2 {
		t.Errorf("replicas %v: want a connector and rooms", count)
	}
}

func filterPrefix(s []string, prefix string) []string {
	var out []string
	for _, v := range s {
		if strings.HasPrefix(v, prefix) {
			out = append(out, v)
		}
	}
	return out
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("port %q: %v", s, err)
	}
	return n
}

// TestReadmeSecretCommand: the README's kubectl command creates the
// Secret and keys the manifests read.
func TestReadmeSecretCommand(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kubectl create secret generic gamesrv-cluster", "--from-literal=gossip-key=", "--from-literal=link-secret="} {
		if !bytes.Contains(readme, []byte(want)) {
			t.Errorf("README.md lacks %q", want)
		}
	}
}

// server is a binary started by TestComposeConfigurationRuns.
type server struct {
	name   string
	cmd    *exec.Cmd
	lines  chan string
	stderr *bytes.Buffer
	done   chan error
}

func start(t *testing.T, name string, b *binary, env map[string]string) *server {
	t.Helper()
	cmd := exec.Command(b.path)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	s := &server{name: name, cmd: cmd, lines: make(chan string, 256), stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		for range s.lines {
		}
	})
	return s
}

// await reads s's stdout until a line starts with prefix, and returns it.
func (s *server) await(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("%s exited before printing %q:\n%s", s.name, prefix, s.stderr.String())
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-timeout:
			t.Fatalf("%s printed no %q within 30 s:\n%s", s.name, prefix, s.stderr.String())
		}
	}
}

// TestComposeConfigurationRuns starts the compose file's three servers as
// processes with its environment (the image's ENV, then the service's),
// moved to loopback: every address on port 0 of 127.0.0.1, advertised on
// 127.0.0.1, the seeds pointing at the connector's real gossip address. It
// checks that the variables alone configure them (ids, key and secret,
// seeds), that they form one cluster of three, and that SIGTERM shuts
// each down gracefully (the others see it leave, not die).
func TestComposeConfigurationRuns(t *testing.T) {
	needBinaries(t)
	df, err := parseDockerfile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	image := df.stages[len(df.stages)-1].env
	c := readCompose(t)
	env := func(service string) map[string]string {
		e := merge(image, c.Services[service].Environment)
		for k, v := range e {
			if strings.HasPrefix(v, "0.0.0.0:") {
				e[k] = "127.0.0.1:0"
			}
		}
		e["GAMESRV_GOSSIP_ADVERTISE"] = "127.0.0.1"
		e["GAMESRV_GOSSIP_KEY"] = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
		e["GAMESRV_LINK_SECRET"] = "s3cret"
		return e
	}
	conn := env("connector")
	delete(conn, "GAMESRV_SEEDS") // the first server starts the cluster
	connector := start(t, "connector", bins["connector"], conn)
	gossip := strings.Fields(connector.await(t, "GOSSIP "))[1]
	var rooms []*server
	for _, name := range []string{"room-1", "room-2"} {
		e := env(name)
		e["GAMESRV_SEEDS"] = gossip
		rooms = append(rooms, start(t, name, bins["room"], e))
	}
	for _, r := range rooms {
		r.await(t, "GOSSIP ")
	}
	members := connector.await(t, "MEMBERS 3 ")
	if want := "MEMBERS 3 connector-1,room-1,room-2"; members != want {
		t.Errorf("got %q, want %q (GAMESRV_ID)", members, want)
	}
	for _, r := range rooms {
		if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if l := connector.await(t, "LEFT "+r.name); l != "LEFT "+r.name+" graceful" {
			t.Errorf("%s: %q, want a graceful leave", r.name, l)
		}
		if err := <-r.done; err != nil {
			t.Errorf("%s exited with %v:\n%s", r.name, err, r.stderr.String())
		}
	}
	if err := connector.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range connector.lines {
	}
	if err := <-connector.done; err != nil {
		t.Errorf("connector exited with %v:\n%s", err, connector.stderr.String())
	}
}

// TestHealthcheck: the image's health check passes against a live admin
// listener and fails against a port nothing serves.
func TestHealthcheck(t *testing.T) {
	needBinaries(t)
	room := start(t, "room", bins["room"], map[string]string{"GAMESRV_ADMIN": "127.0.0.1:0"})
	admin := strings.Fields(room.await(t, "ADMIN "))[1]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bins["healthcheck"].path, "http://"+admin+"/healthz").CombinedOutput(); err != nil {
		t.Errorf("healthy server: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	if out, err := exec.CommandContext(ctx, bins["healthcheck"].path, "http://"+closed+"/healthz").CombinedOutput(); err == nil {
		t.Errorf("nothing listening, yet the check passed:\n%s", out)
	}
	_ = room.cmd.Process.Signal(syscall.SIGTERM)
	for range room.lines {
	}
	if err := <-room.done; err != nil {
		t.Errorf("room exited with %v:\n%s", err, room.stderr.String())
	}
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
