package server

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// route is a registered route: the generated entry plus its handler, or a
// route served by other servers of the cluster (remote).
type route struct {
	desc    *gamesrv.Route
	service *gamesrv.ServiceDesc
	handler any
	remote  bool
	code    uint16          // dictionary code, 0 if none
	chain   gamesrv.Handler // the handler wrapped in Options.Interceptors; nil without any
}

// clientCallable reports whether a game client may call the route.
func (r *route) clientCallable() bool {
	return !r.desc.Internal && r.desc.Kind != gamesrv.KindPush
}

// registration is one RegisterService or RegisterRoutes call, kept until
// Start.
type registration struct {
	desc    *gamesrv.ServiceDesc
	handler any
	remote  bool
}

// registry resolves routes. It is built once at Start and read without
// locks afterwards.
type registry struct {
	byName    map[string]*route // full names and "service.method" aliases
	byCode    []*route          // index = dictionary code
	pushCodes map[string]uint16 // when push routes are compressed
	dict      map[string]uint16 // the handshake dictionary
	types     map[string]bool   // server types served here
	pushes    map[string]bool   // push routes (any shape: "onChat")
}

// buildRegistry checks the registrations and assigns dictionary codes in
// route-name order, so servers with the same services agree on them.
func buildRegistry(regs []registration, serverType string, compressPush bool) (*registry, error) {
	reg := &registry{byName: map[string]*route{}, dict: map[string]uint16{}, types: map[string]bool{}, pushes: map[string]bool{}}
	var pushes []string
	for _, rg := range regs {
		if !rg.remote {
			reg.types[rg.desc.ServerType] = true
		}
		for i := range rg.desc.Routes {
			d := &rg.desc.Routes[i]
			if d.Kind == gamesrv.KindPush {
				pushes = append(pushes, d.Name)
				reg.pushes[d.Name] = true
				continue
			}
			if err := reg.add(&route{desc: d, service: rg.desc, handler: rg.handler, remote: rg.remote}); err != nil {
				return nil, err
			}
		}
	}
	reg.addAliases(serverType)
	if err := reg.assignCodes(pushes, compressPush); err != nil {
		return nil, err
	}
	return reg, nil
}

func (reg *registry) add(r *route) error {
	if !r.remote && (r.desc.Handle == nil || r.desc.NewRequest == nil) {
		return fmt.Errorf("gamesrv: route %q of %s has no handler function", r.desc.Name, r.service.Name)
	}
	if prev, ok := reg.byName[r.desc.Name]; ok {
		return fmt.Errorf("gamesrv: route %q registered twice (%s and %s)", r.desc.Name, prev.service.Name, r.service.Name)
	}
	reg.byName[r.desc.Name] = r
	return nil
}

// addAliases makes "service.method" resolve to "type.service.method" for
// routes of this server's type, as Pomelo clients expect.
func (reg *registry) addAliases(serverType string) {
	for name, r := range reg.byName {
		short, ok := strings.CutPrefix(name, serverType+".")
		if !ok || r.remote || r.service.ServerType != serverType || strings.Count(short, ".") != 1 {
			continue
		}
		if _, taken := reg.byName[short]; !taken {
			reg.byName[short] = r
		}
	}
}

func (reg *registry) assignCodes(pushes []string, compressPush bool) error {
	var names []string
	for name, r := range reg.byName {
		if r.desc.Name == name && r.clientCallable() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if compressPush {
		slices.Sort(pushes)
		names = append(names, slices.Compact(pushes)...)
	}
	if len(names) > 0xFFFF {
		return fmt.Errorf("gamesrv: %d routes do not fit the 16-bit dictionary", len(names))
	}
	reg.byCode = make([]*route, len(names)+1)
	reg.pushCodes = map[string]uint16{}
	for i, name := range names {
		code := uint16(i + 1)
		reg.dict[name] = code
		if r, ok := reg.byName[name]; ok && r.clientCallable() {
			r.code, reg.byCode[code] = code, r
		} else {
			reg.pushCodes[name] = code
		}
	}
	return nil
}

// lookup returns the route named name (zero-copy for a []byte converted in
// the call), or nil.
func (reg *registry) lookup(name []byte) *route { return reg.byName[string(name)] }

// lookupCode returns the client route with dictionary code c, or nil.
func (reg *registry) lookupCode(c uint16) *route {
	if int(c) >= len(reg.byCode) {
		return nil
	}
	return reg.byCode[c]
}
