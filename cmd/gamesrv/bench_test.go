package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/internal/loadgen"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"google.golang.org/protobuf/proto"
)

func TestBenchJSON(t *testing.T) {
	protoAddrs := startChat(t, server.Options{})
	jsonAddrs := startChat(t, server.Options{Serializer: gamesrv.JSONSerializer{}})
	tests := []struct {
		name string
		args []string
		ok   int
	}{
		{"members over tcp, a notify init step", []string{"-addr", protoAddrs["tcp"], "-route", "chat.room.members",
			"-init", `chat.room.say={"text":"hello"}`}, 60},
		{"members over kcp, pipelined", []string{"-addr", protoAddrs["kcp"], "-route", "chat.room.members", "-pipeline", "2"}, 60},
		{"json server", []string{"-addr", jsonAddrs["tcp"], "-route", "chat.room.members", "-json", "{}"}, 60},
		{"notify with -json", []string{"-addr", protoAddrs["tcp"], "-route", "chat.room.say", "-json", `{"text":"hi"}`, "-notify"}, 60},
		{"members over ws", []string{"-addr", protoAddrs["ws"], "-route", "chat.room.members"}, 60},
		{"members over ws, json server, pipelined", []string{"-addr", jsonAddrs["ws"], "-route", "chat.room.members", "-json", "{}", "-pipeline", "2"}, 60},
		{"notify over ws, unknown barrier route", []string{"-addr", protoAddrs["ws"], "-route", "chat.room.say", "-json", `{"text":"hi"}`,
			"-notify", "-barrier-route", "nope.nope.nope"}, 60},
		{"join as measured route", []string{"-addr", protoAddrs["tcp"], "-route", "chat.room.join", "-json", `{"room":"x","name":"bot-0"}`, "-n", "1", "-c", "1"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"bench", "-c", "3", "-n", "20", "-o", "json",
				"-init", `chat.room.join={"room":"r","name":"bot-%d"}`}, tt.args...)
			code, out, errOut := runCLI(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			var rep loadgen.Report
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("output is not a JSON report: %v\n%s", err, out)
			}
			if rep.OK != tt.ok || rep.Sent != tt.ok || len(rep.Errors) != 0 || rep.Throughput <= 0 {
				t.Errorf("report: %+v", rep)
			}
			if notify := slices.Contains(tt.args, "-notify"); notify != (rep.Drain > 0) {
				t.Errorf("notify %v, barrier wait %v", notify, rep.Drain)
			}
		})
	}
}

func TestBenchRaw(t *testing.T) {
	addr := startChat(t, server.Options{DisableDescribe: true})["tcp"] // like Pitaya: no schema
	join := func(name string) string {
		b, err := proto.Marshal(&chatv1.JoinRequest{Room: "raw", Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(b)
	}
	file := filepath.Join(t.TempDir(), "payload")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "bench", "-addr", addr, "-c", "1", "-n", "10", "-route", "chat.room.members",
		"-payload-file", file, "-init", "chat.room.join=hex:"+join("solo"))
	if code != exitOK || !strings.Contains(out, "sent 10  ok 10  errors 0") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "bench", "-addr", addr, "-n", "1", "-route", "chat.room.members", "-json", "{}")
	if code != exitFailure || !strings.Contains(errOut, "hex:") {
		t.Errorf("JSON without a schema: exit %d, %s", code, errOut)
	}
}

func TestBenchFailures(t *testing.T) {
	addr := startChat(t, server.Options{})["tcp"]
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"error responses, with the first message of each code", []string{"-route", "chat.room.members", "-n", "5"}, exitFailure,
			"CHAT-NOT-IN-ROOM 5  join a room first"},
		{"unknown route", []string{"-route", "chat.room.nope", "-n", "2"}, exitFailure, `GS-404 2  no handler for route "chat.room.nope"`},
		{"no route", nil, exitUsage, "-route is required"},
		{"two payloads", []string{"-route", "a.b", "-json", "{}", "-payload-hex", "00"}, exitUsage, "give one of"},
		{"bad output", []string{"-route", "a.b", "-o", "xml"}, exitUsage, "-o must be"},
		{"bad init", []string{"-route", "a.b", "-init", "nothing"}, exitUsage, "want route=payload"},
		{"barrier without notify", []string{"-route", "a.b", "-barrier-route", "c.d"}, exitUsage, "-barrier-route needs -notify"},
		{"bad json", []string{"-route", "chat.room.members", "-init", `chat.room.join={"rom":"r"}`}, exitFailure, `unknown field "rom"`},
		{"bad hex", []string{"-route", "chat.room.members", "-payload-hex", "zz"}, exitFailure, "invalid byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"bench", "-addr", addr}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d, output:\n%s%s\nwant exit %d and %q", code, out, errOut, tt.wantCode, tt.want)
			}
		})
	}
}
