// Command bot runs simulated chat players against a chat server and prints
// what they saw. It exits 1 if any bot missed a line or failed.
//
//	go run ./examples/chat/bot -addr kcp://127.0.0.1:3251 -bots 50 -rooms 5
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gamesrv/gamesrv/examples/chat/chatbot"
)

func main() {
	var cfg chatbot.Config
	flag.StringVar(&cfg.Addr, "addr", "tcp://127.0.0.1:3250", "server address: tcp://host:port, kcp://host:port or ws://host:port/")
	flag.IntVar(&cfg.Bots, "bots", 10, "number of bots")
	flag.IntVar(&cfg.Rooms, "rooms", 2, "number of rooms")
	flag.IntVar(&cfg.Messages, "messages", 10, "lines said by each bot")
	flag.DurationVar(&cfg.Interval, "interval", 20*time.Millisecond, "pause between two lines of a bot")
	flag.StringVar(&cfg.Prefix, "prefix", "", "prefix of bot and room names")
	flag.StringVar(&cfg.RoomPrefix, "room-prefix", "", "prefix of room names (default: -prefix)")
	flag.IntVar(&cfg.PeerBots, "peer-bots", 0, "bots of another run (e.g. TypeScript bots) in the same rooms, whose lines each bot also expects")
	flag.DurationVar(&cfg.Timeout, "timeout", 30*time.Second, "limit for the whole run")
	asJSON := flag.Bool("json", false, "print the report as JSON")
	flag.Parse()

	r, err := chatbot.Run(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bot:", err)
		os.Exit(1)
	}
	if *asJSON {
		_ = json.NewEncoder(os.Stdout).Encode(r)
	} else {
		fmt.Println(r)
	}
	if !r.OK() {
		os.Exit(1)
	}
}
