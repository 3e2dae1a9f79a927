package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/server"
)

func TestRoutes(t *testing.T) {
	addrs := startChat(t, server.Options{})
	bare := startChat(t, server.Options{DisableDescribe: true})
	tests := []struct {
		name  string
		addr  string
		lines []string // regexps, each must match a line
		note  bool     // a note on stderr: no describe route
	}{
		{"described", addrs["kcp"], []string{
			`^ROUTE +KIND +CODE +TYPES$`,
			`^chat\.room\.join +request +\d+ +chat\.v1\.JoinRequest -> chat\.v1\.JoinResponse$`,
			`^chat\.room\.say +notify +\d+ +chat\.v1\.SayRequest$`,
			`^onMessage +push +- +chat\.v1\.ChatMessage$`,
			`^gamesrv\.describe +request +\d+ +gamesrv\.v1\.DescribeRequest -> gamesrv\.v1\.DescribeResponse$`,
		}, false},
		{"dictionary only", bare["tcp"], []string{
			`^chat\.room\.join +- +\d+ +-$`,
			`^chat\.room\.say +- +\d+ +-$`,
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "routes", "-addr", tt.addr)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, re := range tt.lines {
				if !regexp.MustCompile("(?m)" + re).MatchString(out) {
					t.Errorf("no line matches %s in:\n%s", re, out)
				}
			}
			if tt.note != strings.Contains(errOut, "gamesrv.describe") {
				t.Errorf("stderr: %q", errOut)
			}
			if strings.Contains(out, "roomstats") {
				t.Errorf("an internal route is listed:\n%s", out)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	addrs := startChat(t, server.Options{})
	bare := startChat(t, server.Options{DisableDescribe: true})
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{"route", []string{"chat.room.join"}, exitOK, []string{
			"chat.room.join: request, code ",
			"message chat.v1.JoinRequest {\n  string room = 1;\n  string name = 2;\n}",
			"message chat.v1.JoinResponse {\n  repeated string members = 1;\n}",
		}},
		{"full name", []string{"chat.v1.ChatMessage"}, exitOK, []string{"  int64 sent_at_unix_ms = 4;"}},
		{"short name", []string{"RoomStatsResponse"}, exitOK, []string{"  map<string, int32> members = 1;"}},
		{"enum", []string{"gamesrv.v1.MethodKind"}, exitOK, []string{"enum gamesrv.v1.MethodKind {", "  METHOD_KIND_NOTIFY = 2;"}},
		{"everything", nil, exitOK, []string{"// server chat-", "message chat.v1.MembersChanged {", "message chat.v1.LeaveRequest {}"}},
		{"unknown", []string{"Nope"}, exitFailure, []string{`no message or enum "Nope"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"describe", "-addr", addrs["tcp"]}, tt.args...)...)
			for _, w := range tt.want {
				if code != tt.wantCode || !strings.Contains(out+errOut, w) {
					t.Errorf("exit %d, output:\n%s%s\nwant exit %d and %q", code, out, errOut, tt.wantCode, w)
				}
			}
		})
	}
	if code, _, errOut := runCLI(t, "describe", "-addr", bare["tcp"], "JoinRequest"); code != exitFailure || !strings.Contains(errOut, "hex:") {
		t.Errorf("without the describe route: exit %d, %s", code, errOut)
	}
}
