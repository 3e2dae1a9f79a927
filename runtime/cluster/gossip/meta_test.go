package gossip

import (
	"bytes"
	"strings"
	"testing"
)

func TestMetaRoundTrip(t *testing.T) {
	cases := []Member{
		{ID: "c1", Type: "connector"},
		{ID: "connector-1", Type: "connector", LinkAddr: "10.0.0.5:4000", Frontend: true, Version: "1.2.3", Weight: 3, BootID: "0123456789abcdef"},
		{ID: "r", Type: "room", Weight: 1<<31 - 1, LinkAddr: "[::1]:1", Version: strings.Repeat("v", 300)},
		{ID: "ünïcode", Type: "рум", BootID: "x"},
	}
	for _, want := range cases {
		b, err := encodeMeta(want)
		if err != nil {
			t.Fatalf("encodeMeta(%+v): %v", want, err)
		}
		if len(b) > MaxMetaSize {
			t.Fatalf("encodeMeta(%q) gave %d bytes", want.ID, len(b))
		}
		got, err := decodeMeta(b)
		if err != nil {
			t.Fatalf("decodeMeta(encodeMeta(%q)): %v", want.ID, err)
		}
		if got != want {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
	}
}

func TestMetaIgnoresGossipAddrAndTrailingFields(t *testing.T) {
	m := Member{ID: "a", Type: "room", GossipAddr: "127.0.0.1:7946"}
	b, err := encodeMeta(m)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("7946")) {
		t.Errorf("GossipAddr was encoded: %q", b)
	}
	// A newer writer may append fields; this reader must ignore them.
	got, err := decodeMeta(append(b, 7, 'f', 'u', 't', 'u', 'r', 'e', '!'))
	if err != nil {
		t.Fatalf("decodeMeta with trailing field: %v", err)
	}
	if m.GossipAddr = ""; got != m {
		t.Errorf("got %+v, want %+v", got, m)
	}
}

func TestMetaTooLarge(t *testing.T) {
	m := Member{ID: "room-7", Type: "room", Version: strings.Repeat("x", 600)}
	_, err := encodeMeta(m)
	const want = `cluster: metadata of server "room-7" is 619 bytes, over memberlist's 512-byte limit`
	if err == nil || err.Error() != want {
		t.Fatalf("encodeMeta: got error %v, want %q", err, want)
	}
	if _, err := encodeMeta(Member{ID: "a", Type: "b", Weight: -1}); err == nil {
		t.Error("negative weight encoded without error")
	}
}

func TestMetaTooLargeMembership(t *testing.T) {
	gossipTest(t)
	cfg := gossipTestConfig("big", "room")
	cfg.Self.Version = strings.Repeat("x", 600)
	m, err := New(cfg)
	if err == nil {
		_ = m.Shutdown()
		t.Fatal("New accepted 600 bytes of metadata")
	}
	if !strings.Contains(err.Error(), "over memberlist's 512-byte limit") {
		t.Errorf("New: %v", err)
	}
}

func TestMetaDecodeErrors(t *testing.T) {
	good, err := encodeMeta(Member{ID: "abc", Type: "room", LinkAddr: "h:1", Version: "v", BootID: "b", Weight: 300})
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(good) {
		if _, err := decodeMeta(good[:n]); err == nil {
			t.Errorf("decodeMeta of %d of %d bytes: no error", n, len(good))
		}
	}
	bad := map[string][]byte{
		"nil":         nil,
		"version 0":   append([]byte{0}, good[1:]...),
		"version 2":   append([]byte{2}, good[1:]...),
		"no id":       {metaVersion, 0, 0, 0, 4, 'r', 'o', 'o', 'm', 0, 0, 0},
		"no type":     {metaVersion, 0, 0, 1, 'a', 0, 0, 0, 0},
		"huge weight": {metaVersion, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 'a', 1, 'b', 0, 0, 0},
		"huge length": {metaVersion, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
	}
	for name, b := range bad {
		if m, err := decodeMeta(b); err == nil {
			t.Errorf("%s: decoded %+v", name, m)
		}
	}
}

func FuzzMetaDecode(f *testing.F) {
	b, _ := encodeMeta(Member{ID: "abc", Type: "room", LinkAddr: "h:1", Frontend: true, Weight: 2})
	f.Add(b)
	f.Add([]byte{metaVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMeta(b)
		if err != nil {
			return
		}
		again, err := encodeMeta(m)
		if err != nil {
			if len(b) <= MaxMetaSize {
				t.Fatalf("re-encoding %+v: %v", m, err)
			}
			return
		}
		if m2, err := decodeMeta(again); err != nil || m2 != m {
			t.Fatalf("re-decode: %+v, %v; want %+v", m2, err, m)
		}
	})
}
