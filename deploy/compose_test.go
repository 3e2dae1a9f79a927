package deploy_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

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
