package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// knowsRoutes reports whether the schema lists the server's routes: from
// the describe route, or at least from the handshake dictionary.
func (s *schema) knowsRoutes() bool { return s.described() || len(s.dict) > 0 }

// routeNames returns every route the schema knows, sorted.
func (s *schema) routeNames() []string {
	names := map[string]bool{}
	for r := range s.routes {
		names[r] = true
	}
	for r := range s.dict {
		names[r] = true
	}
	return slices.Sorted(maps.Keys(names))
}

// unknownRoute is the error for a route the server does not list: a
// typo, a route of another server, or an internal route, which clients
// cannot call. It suggests the closest route.
func (s *schema) unknownRoute(route string) error {
	hint := ""
	if best := closestRoute(route, s.routeNames()); best != "" {
		hint = fmt.Sprintf("did you mean %s? ", best)
	}
	return fmt.Errorf("unknown route %q: the server does not list it (%s\"routes\" lists them; a hex: payload is sent anyway)", route, hint)
}

// closestRoute returns the route of names that route most likely meant:
// one that ends with it (the server type left out), else the nearest by
// edit distance if it is near enough; "" when none is.
func closestRoute(route string, names []string) string {
	for _, n := range names {
		if strings.HasSuffix(n, "."+route) {
			return n
		}
	}
	best, bestDist := "", max(1, len(route)/4)+1
	for _, n := range names {
		if d := editDistance(route, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
