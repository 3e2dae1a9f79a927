// Command demo runs the cluster example end to end and checks that a room
// server crash is contained. It starts the connector and two room servers
// (binaries built by make cluster-demo) on loopback ports joined by a
// gossip seed, runs bots through the connector over TCP and KCP, then kills
// the room server that holds bots with SIGKILL mid-run. It exits 0 only if:
// every bot on the killed server saw its requests fail with GS-503 or
// GS-504 within a second of sending them (never a hang), joined again and
// kept playing on the survivor; every bot on the survivor saw no error and
// kept receiving pushes; every request sent after the kill was answered by
// the survivor; and the surviving servers stop cleanly on SIGTERM.
//
//	make cluster-demo
package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/examples/cluster/clusterbot"
	"github.com/gamesrv/gamesrv/internal/childproc"
)

// config is the demo's command line.
type config struct {
	connector, room string        // binaries
	bots, rooms     int           // bots in all, room names
	interval        time.Duration // pause between two rounds of a bot
	warmup, after   time.Duration // run time before and after the kill
	verbose         bool          // one line per bot
}

func main() {
	var c config
	flag.StringVar(&c.connector, "connector", ".bin/cluster-connector", "connector binary")
	flag.StringVar(&c.room, "room", ".bin/cluster-room", "room server binary")
	flag.IntVar(&c.bots, "bots", 30, "bots, half over TCP and half over KCP")
	flag.IntVar(&c.rooms, "rooms", 3, "room names the bots spread over")
	flag.DurationVar(&c.interval, "interval", 50*time.Millisecond, "pause between two rounds (Say + Ping) of a bot")
	flag.DurationVar(&c.warmup, "warmup", 2*time.Second, "run time before the kill")
	flag.DurationVar(&c.after, "after", 3*time.Second, "run time after the kill")
	flag.BoolVar(&c.verbose, "v", false, "print one line per bot")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "\nFAIL:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	cl, err := startCluster(c)
	defer cl.killAll()
	if err != nil {
		cl.dumpLogs()
		return err
	}
	res, err := cl.play(c)
	if err != nil {
		cl.dumpLogs()
		return err
	}
	res.stopErrs = cl.stopSurvivors(res.victim)
	problems := res.check()
	res.print(c.verbose)
	if len(problems) > 0 {
		cl.dumpLogs()
		return errors.New(strings.Join(problems, "\n      "))
	}
	fmt.Println("\nPASS: the killed room server's players failed fast with a coded error and moved to the survivor;")
	fmt.Println("      the survivor's players saw no error; all new work went to the survivor; clean shutdown")
	return nil
}

// cluster is the connector and the room servers.
type cluster struct {
	connector *childproc.Process
	rooms     []*childproc.Process
	tcp, kcp  string // client addresses of the connector
	started   time.Time
}

// startCluster starts the connector, then two room servers that join it,
// and waits until the connector sees both. On loopback the servers need no
// keys, but the demo runs them as a real deployment would: gossip
// encrypted and links authenticated with a fresh key and secret.
func startCluster(c config) (*cluster, error) {
	cl := &cluster{started: time.Now()}
	secure := []string{"-gossip-key", randomBase64(32), "-link-secret", randomBase64(32)}
	p, err := childproc.Start("connector-1", c.connector, append([]string{
		"-id", "connector-1", "-tcp", "127.0.0.1:0", "-kcp", "127.0.0.1:0",
		"-gossip", "127.0.0.1:0", "-link", "127.0.0.1:0", "-profile", "fast"}, secure...)...)
	if err != nil {
		return cl, err
	}
	cl.connector = p
	seed, err := cl.awaitConnector()
	if err != nil {
		return cl, err
	}
	for _, id := range []string{"room-1", "room-2"} {
		r, err := childproc.Start(id, c.room, append([]string{"-id", id, "-seeds", seed,
			"-gossip", "127.0.0.1:0", "-link", "127.0.0.1:0", "-profile", "fast"}, secure...)...)
		if err != nil {
			return cl, err
		}
		cl.rooms = append(cl.rooms, r)
	}
	return cl, cl.awaitMembers()
}

// randomBase64 returns n random bytes in standard base64, as `openssl rand
// -base64 n` prints them.
func randomBase64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return base64.StdEncoding.EncodeToString(b)
}

// awaitConnector reads the connector's addresses and returns its gossip
// address.
func (cl *cluster) awaitConnector() (string, error) {
	var err error
	if cl.tcp, err = cl.connector.AwaitWord(10*time.Second, "LISTEN", "tcp"); err != nil {
		return "", err
	}
	if cl.kcp, err = cl.connector.AwaitWord(10*time.Second, "LISTEN", "kcp"); err != nil {
		return "", err
	}
	seed, err := cl.connector.AwaitWord(10*time.Second, "GOSSIP")
	if err != nil {
		return "", err
	}
	fmt.Printf("connector-1 (pid %d)  tcp %s  kcp %s  gossip %s\n", cl.connector.PID(), cl.tcp, cl.kcp, seed)
	return seed, nil
}

// awaitMembers waits for the room servers' GOSSIP lines and for the
// connector to see three members.
func (cl *cluster) awaitMembers() error {
	for _, r := range cl.rooms {
		addr, err := r.AwaitWord(10*time.Second, "GOSSIP")
		if err != nil {
			return err
		}
		fmt.Printf("%-11s (pid %d)  gossip %s\n", r.Name, r.PID(), addr)
	}
	l, err := cl.connector.Await("MEMBERS 3", 10*time.Second, func(l childproc.Line) bool {
		return len(l.Fields) >= 2 && l.Fields[0] == "MEMBERS" && l.Fields[1] == "3"
	})
	if err != nil {
		return err
	}
	fmt.Printf("the connector sees %s, %v after start\n", l.Fields[2], l.At.Sub(cl.started).Round(time.Millisecond))
	return nil
}

// room returns the room server process called id.
func (cl *cluster) room(id string) *childproc.Process {
	for _, r := range cl.rooms {
		if r.Name == id {
			return r
		}
	}
	return nil
}

// stopSurvivors stops every process but the victim with SIGTERM, room
// servers first, and returns what went wrong: a survivor that exited by
// itself before the SIGTERM returns its exit's error from Stop.
func (cl *cluster) stopSurvivors(victim string) []error {
	var errs []error
	for _, p := range append(slices.Clone(cl.rooms), cl.connector) {
		if p.Name == victim {
			continue
		}
		start := time.Now()
		if err := p.Stop(); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Printf("%s stopped cleanly on SIGTERM in %v\n", p.Name, time.Since(start).Round(time.Millisecond))
	}
	return errs
}

// killAll kills whatever still runs (after a failure).
func (cl *cluster) killAll() {
	for _, p := range append(slices.Clone(cl.rooms), cl.connector) {
		if p != nil && !p.Exited() {
			_ = p.Kill()
		}
	}
}

// dumpLogs prints the end of every server's log.
func (cl *cluster) dumpLogs() {
	for _, p := range append(slices.Clone(cl.rooms), cl.connector) {
		if p != nil {
			fmt.Printf("\n--- %s log (last lines) ---\n%s\n", p.Name, p.Tail(30))
		}
	}
}

// fleetConfig spreads the bots over the connector's TCP and KCP ports.
func (cl *cluster) fleetConfig(c config) clusterbot.Config {
	return clusterbot.Config{
		Addrs: []string{"tcp://" + cl.tcp, "kcp://" + cl.kcp},
		Bots:  c.bots, Rooms: c.rooms, Interval: c.interval,
	}
}
