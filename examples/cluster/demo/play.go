package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/gamesrv/gamesrv/internal/childproc"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/examples/cluster/clusterbot"
	connectorv1 "github.com/gamesrv/gamesrv/examples/cluster/gen/connector/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
)

// result is what the demo measured.
type result struct {
	victim, survivor string
	kill             time.Time
	gossipGone       time.Duration // kill -> the connector's view drops the victim; 0 if not seen
	leftHow          string        // how the connector saw it leave: "dead" or "graceful"
	report           *clusterbot.Report
	stopErrs         []error
}

// play runs the bots, kills a room server mid-run and stops the bots.
func (cl *cluster) play(c config) (*result, error) {
	fleet := clusterbot.Start(cl.fleetConfig(c))
	select {
	case <-fleet.Ready():
	case <-time.After(10 * time.Second):
		fleet.Stop()
		return nil, errors.New("the bots did not join within 10s")
	}
	fmt.Printf("%d bots (%d tcp, %d kcp) in %d rooms joined: %s\n",
		c.bots, (c.bots+1)/2, c.bots/2, c.rooms, formatCounts(fleet.Servers()))
	time.Sleep(c.warmup) // let them play
	fmt.Printf("room servers report: %s\n", cl.roomStats())
	res, servers := &result{}, fleet.Servers()
	res.victim, res.survivor = chooseVictim(servers)

	res.kill = fleet.Mark()
	if err := cl.room(res.victim).Kill(); err != nil {
		fleet.Stop()
		return nil, err
	}
	fmt.Printf("SIGKILL %s at +%v with %d bots on it\n", res.victim, c.warmup, servers[res.victim])
	res.gossipGone = cl.awaitGone(res.victim, res.kill, c.after)
	res.leftHow, _ = cl.connector.AwaitWord(100*time.Millisecond, "LEFT", res.victim)
	time.Sleep(time.Until(res.kill.Add(c.after)))
	fmt.Printf("room servers report: %s\n", cl.roomStats())
	res.report = fleet.Stop()
	return res, nil
}

// chooseVictim kills room-2 if bots are on it, else room-1.
func chooseVictim(servers map[string]int) (victim, survivor string) {
	if servers["room-2"] > 0 {
		return "room-2", "room-1"
	}
	return "room-1", "room-2"
}

// awaitGone waits until the connector prints a MEMBERS line without the
// victim, and returns how long after the kill it came (0 if it did not
// within timeout).
func (cl *cluster) awaitGone(victim string, kill time.Time, timeout time.Duration) time.Duration {
	l, err := cl.connector.Await("MEMBERS without "+victim, timeout, func(l childproc.Line) bool {
		return len(l.Fields) == 3 && l.Fields[0] == "MEMBERS" && l.At.After(kill) &&
			!slices.Contains(strings.Split(l.Fields[2], ","), victim)
	})
	if err != nil {
		return 0
	}
	return l.At.Sub(kill)
}

// roomStats asks the connector for the room servers' counts, which it
// gets by broadcasting the internal RoomService.Stats.
func (cl *cluster) roomStats() string {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "tcp://"+cl.tcp, client.Options{})
	if err != nil {
		return "unavailable: " + err.Error()
	}
	defer c.Close()
	resp, err := connectorv1.NewGateServiceClient(c).RoomServers(ctx, &connectorv1.RoomServersRequest{})
	if err != nil {
		return "unavailable: " + err.Error()
	}
	var parts []string
	for _, s := range resp.GetServers() {
		if s.GetError() != "" {
			parts = append(parts, fmt.Sprintf("%s error %q", s.GetServerId(), s.GetError()))
		} else {
			parts = append(parts, fmt.Sprintf("%s %d players in %d rooms", s.GetServerId(), s.GetPlayers(), s.GetRooms()))
		}
	}
	return strings.Join(parts, ", ")
}

// formatCounts prints bots per server, sorted: "room-1 14, room-2 16".
func formatCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		name := k
		if name == "" {
			name = "(none)"
		}
		parts = append(parts, fmt.Sprintf("%s %d", name, m[k]))
	}
	return strings.Join(parts, ", ")
}
