package server

import "sync"

// sessionMap indexes open sessions by id, sharded to keep accept and close
// on different loops from contending.
type sessionMap struct {
	shards [32]sessionShard
}

type sessionShard struct {
	mu sync.Mutex
	m  map[int64]*session
}

func (m *sessionMap) shard(id int64) *sessionShard {
	return &m.shards[uint64(id)%uint64(len(m.shards))]
}

func (m *sessionMap) add(s *session) {
	sh := m.shard(s.id)
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = make(map[int64]*session)
	}
	sh.m[s.id] = s
	sh.mu.Unlock()
}

func (m *sessionMap) remove(s *session) {
	sh := m.shard(s.id)
	sh.mu.Lock()
	delete(sh.m, s.id)
	sh.mu.Unlock()
}

func (m *sessionMap) get(id int64) *session {
	sh := m.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.m[id]
}

func (m *sessionMap) len() int {
	n := 0
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// all returns a snapshot of the open sessions.
func (m *sessionMap) all() []*session {
	var out []*session
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		for _, s := range sh.m {
			out = append(out, s)
		}
		sh.mu.Unlock()
	}
	return out
}
