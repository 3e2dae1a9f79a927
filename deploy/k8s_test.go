package deploy_test

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

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
				t.Errorf("the key and the secret must come from the Secret gamesrv-cluster (gossip-key, link-secret) docs/operations.md creates: %s, %s",
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

// deployDoc is the guide that tells how to deploy, relative to deploy/.
const deployDoc = "../docs/operations.md"

// TestDocsSecretCommand: the deployment guide's kubectl command creates
// the Secret and keys the manifests read.
func TestDocsSecretCommand(t *testing.T) {
	doc, err := os.ReadFile(deployDoc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kubectl create secret generic gamesrv-cluster", "--from-literal=gossip-key=", "--from-literal=link-secret="} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("%s lacks %q", deployDoc, want)
		}
	}
}
