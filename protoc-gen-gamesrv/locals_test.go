package main

import "testing"

func TestSanitizedPackageName(t *testing.T) {
	tests := map[string]string{
		"req": "req", "v1": "v1", "game-v1": "game_v1", "go.pkg": "go_pkg", "type": "_type", "1x": "_1x", "émoji": "émoji",
	}
	for in, want := range tests {
		if got := sanitizedPackageName(in); got != want {
			t.Errorf("sanitizedPackageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMayBeImported(t *testing.T) {
	imports := map[string]bool{"req": true, "c_": true, "v1": true}
	tests := map[string]bool{
		"req": true, "req1": true, "req12": true, "req_": false, "re": false, "c": false, "c_": true, "c_3": true,
		"v1": true, "v11": true, "v12": true, "v": false, "v2": false, "ctx": false,
	}
	for name, want := range tests {
		if got := mayBeImported(imports, name); got != want {
			t.Errorf("mayBeImported(%q) = %v, want %v", name, got, want)
		}
	}
}
