package nodecmd

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/gamesrv/gamesrv/runtime/cluster"
)

// Members follows a server's view of the cluster through
// cluster.Options.OnJoin and OnLeave, and prints "MEMBERS <n> <id,id...>"
// each time it changes, after "LEFT <id> graceful|dead" when a server
// leaves. The callbacks run under memberlist's lock and must
// not block: they only queue the line (dropping it if 64 are waiting), and
// a goroutine writes it.
type Members struct {
	w     io.Writer
	lines chan string
	quit  chan struct{}
	done  chan struct{}

	mu  sync.Mutex
	ids map[string]bool
}

// NewMembers starts a Members that prints on w. Call Close when the server
// has shut down.
func NewMembers(w io.Writer) *Members {
	m := &Members{
		w: w, lines: make(chan string, 64), quit: make(chan struct{}), done: make(chan struct{}),
		ids: map[string]bool{},
	}
	go m.write()
	return m
}

// Hook installs the callbacks in o.
func (m *Members) Hook(o *cluster.Options) {
	o.OnJoin = func(mem cluster.Member) { m.change(mem.ID, true) }
	o.OnLeave = func(mem cluster.Member, graceful bool) {
		how := "dead"
		if graceful {
			how = "graceful"
		}
		m.queue(fmt.Sprintf("LEFT %s %s\n", mem.ID, how))
		m.change(mem.ID, false)
	}
}

func (m *Members) change(id string, in bool) {
	m.mu.Lock()
	if in {
		m.ids[id] = true
	} else {
		delete(m.ids, id)
	}
	ids := slices.Sorted(maps.Keys(m.ids))
	m.mu.Unlock()
	m.queue(fmt.Sprintf("MEMBERS %d %s\n", len(ids), strings.Join(ids, ",")))
}

// queue hands a line to the writer, or drops it if 64 are waiting.
func (m *Members) queue(line string) {
	select {
	case m.lines <- line:
	default:
	}
}

func (m *Members) write() {
	defer close(m.done)
	for {
		select {
		case l := <-m.lines:
			_, _ = io.WriteString(m.w, l)
		case <-m.quit:
			return
		}
	}
}

// Close stops the writer.
func (m *Members) Close() {
	close(m.quit)
	<-m.done
}
