package main

import (
	"fmt"
	"time"

	"github.com/gamesrv/gamesrv/examples/cluster/clusterbot"
)

// failFast is the longest a request may take to fail.
const failFast = time.Second

// check returns every condition of the demo that did not hold.
func (r *result) check() []string {
	var problems []string
	victims, survivors := 0, 0
	for i := range r.report.Bots {
		b := &r.report.Bots[i]
		switch b.Before {
		case r.victim:
			victims++
			problems = append(problems, r.checkVictim(b)...)
		case r.survivor:
			survivors++
			problems = append(problems, r.checkSurvivor(b)...)
		default:
			problems = append(problems, fmt.Sprintf("%s was on no room server at the kill: %s", b.Name, b.Failure))
		}
		for server, n := range b.AnsweredAfter {
			if server != r.survivor {
				problems = append(problems, fmt.Sprintf("%s: %d requests sent after the kill were answered by %s", b.Name, n, server))
			}
		}
	}
	if victims == 0 || survivors == 0 {
		problems = append(problems, fmt.Sprintf("the bots did not spread: %d on %s, %d on %s", victims, r.victim, survivors, r.survivor))
	}
	for _, err := range r.stopErrs {
		problems = append(problems, err.Error())
	}
	return problems
}

// checkVictim: a bot of the killed server failed fast with a coded error,
// joined the survivor and kept playing there.
func (r *result) checkVictim(b *clusterbot.BotReport) []string {
	var p []string
	if b.ErrorCount() == 0 {
		p = append(p, b.Name+" was on the killed server and saw no error")
	}
	for code, n := range b.Errors {
		if code != "GS-503" && code != "GS-504" {
			p = append(p, fmt.Sprintf("%s: %d errors %s, want only GS-503/GS-504 (last: %s)", b.Name, n, code, b.LastError))
		}
	}
	if b.MaxTimeToFail > failFast {
		p = append(p, fmt.Sprintf("%s: a request took %v to fail (over %v)", b.Name, b.MaxTimeToFail, failFast))
	}
	if b.Rejoins == 0 || b.After != r.survivor || b.PingsAfterRejoin == 0 {
		p = append(p, fmt.Sprintf("%s did not move to %s: rejoins %d, now on %q, %d pings after", b.Name, r.survivor, b.Rejoins, b.After, b.PingsAfterRejoin))
	}
	if b.Failure != "" {
		p = append(p, b.Name+": "+b.Failure)
	}
	return p
}

// checkSurvivor: a bot of the surviving server saw nothing of the crash.
func (r *result) checkSurvivor(b *clusterbot.BotReport) []string {
	var p []string
	if n := b.ErrorCount(); n > 0 {
		p = append(p, fmt.Sprintf("%s was on the survivor and saw %d errors %v (last: %s)", b.Name, n, b.Errors, b.LastError))
	}
	if b.PushesAfter == 0 {
		p = append(p, b.Name+" received no push after the kill")
	}
	if b.After != r.survivor || b.Failure != "" {
		p = append(p, fmt.Sprintf("%s ended on %q: %s", b.Name, b.After, b.Failure))
	}
	return p
}

// print shows the figures.
func (r *result) print(verbose bool) {
	rep := r.report
	fmt.Println()
	if verbose {
		for i := range rep.Bots {
			fmt.Println(rep.Bots[i].String())
		}
		fmt.Println()
	}
	fmt.Printf("bots per room server    before the kill: %s\n", formatCounts(rep.CountBy(func(b *clusterbot.BotReport) string { return b.Before })))
	fmt.Printf("                        at the end:      %s\n", formatCounts(rep.CountBy(func(b *clusterbot.BotReport) string { return b.After })))
	r.printFailures()
	before, after := rep.Latencies(false), rep.Latencies(true)
	fmt.Printf("ping latency            before: %5d pings  p50 %-9v p99 %v\n", len(before), round(clusterbot.Percentile(before, .5)), round(clusterbot.Percentile(before, .99)))
	fmt.Printf("                        after:  %5d pings  p50 %-9v p99 %v\n", len(after), round(clusterbot.Percentile(after, .5)), round(clusterbot.Percentile(after, .99)))
	var pushes, pushesAfter int64
	for i := range rep.Bots {
		pushes += rep.Bots[i].Pushes
		pushesAfter += rep.Bots[i].PushesAfter
	}
	fmt.Printf("pushes received         %d (%d after the kill)\n", pushes, pushesAfter)
}

// printFailures shows how the killed server's bots failed and recovered.
func (r *result) printFailures() {
	var first, lastRejoin time.Time
	var maxFail time.Duration
	codes := map[string]int{}
	for i := range r.report.Bots {
		b := &r.report.Bots[i]
		if !b.FirstError.IsZero() && (first.IsZero() || b.FirstError.Before(first)) {
			first = b.FirstError
		}
		if b.Rejoins > 0 && b.RejoinedAt.After(lastRejoin) {
			lastRejoin = b.RejoinedAt
		}
		maxFail = max(maxFail, b.MaxTimeToFail)
		for c, n := range b.Errors {
			codes[c] += n
		}
	}
	fmt.Printf("errors                  %v (all bots)\n", codes)
	fmt.Printf("SIGKILL -> first failure %v; max time-to-fail %v\n", since(r.kill, first), round(maxFail))
	fmt.Printf("SIGKILL -> the connector's gossip declares %s %s: %v\n", r.victim, orNone(r.leftHow), gossip(r.gossipGone))
	fmt.Printf("SIGKILL -> last bot re-joined: %v\n", since(r.kill, lastRejoin))
}

func since(from, to time.Time) string {
	if to.IsZero() {
		return "never"
	}
	return round(to.Sub(from)).String()
}

func orNone(s string) string {
	if s == "" {
		return "gone"
	}
	return s
}

func gossip(d time.Duration) string {
	if d == 0 {
		return "not seen"
	}
	return round(d).String()
}

func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(10 * time.Microsecond)
}
