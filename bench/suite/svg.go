package main

import (
	"fmt"
	"html"
	"strings"

	"github.com/gamesrv/gamesrv/bench/internal/results"
)

// Chart geometry, in SVG user units.
const (
	chartWidth  = 960
	barLeft     = 90  // bars start here; their labels are on the left
	barMax      = 520 // the longer bar of a row
	groupHeight = 100
	barHeight   = 18
	barStep     = 22 // from one bar of a group to the next
	chartTop    = 60
)

// Chart colours.
const (
	colourPass     = "#2e7d32"
	colourFail     = "#c62828"
	colourBaseline = "#9e9e9e"
	colourPeer     = "#1565c0"
)

// chart renders the results as a bar chart: one group per row with the
// gamesrv bar (green when the budget is met, red otherwise), the baseline
// bar and, when -peer measured one, the peer's bar (blue), all scaled to
// the largest of them, with the ratio and the budget as text. It is
// hand-written SVG with no dependency.
func chart(r *results.File) string {
	height := chartTop + 20
	for _, row := range r.Rows {
		height += groupHeightOf(row)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartWidth, height)
	fmt.Fprintf(&b, `<text x="16" y="26" font-size="17" font-weight="bold">gamesrv benchmark suite (docs/architecture.md, Budgets)</text>`+"\n")
	fmt.Fprintf(&b, `<text x="16" y="44" fill="#555">%s</text>`+"\n",
		esc(fmt.Sprintf("%s · commit %s · %s · %d CPUs · bars scaled per row · green: budget met, red: missed, grey: baseline, blue: peer", r.Date, r.Commit, r.Go, r.CPUs)))
	y := chartTop
	for _, row := range r.Rows {
		chartGroup(&b, row, y)
		y += groupHeightOf(row)
	}
	fmt.Fprintf(&b, `<text x="16" y="%d" fill="#555">%s</text>`+"\n", height-10,
		esc("reproduce: make bench (writes bench/results/latest.json and latest.svg)"))
	b.WriteString("</svg>\n")
	return b.String()
}

// charted reports whether row has a peer figure to draw.
func charted(p *Peer) bool { return p != nil && p.Value > 0 }

// groupHeightOf is the height of row's group: one bar more with a peer.
func groupHeightOf(row Row) int {
	if charted(row.Peer) {
		return groupHeight + barStep
	}
	return groupHeight
}

// chartGroup draws one row at vertical offset y: its title and verdict,
// the gamesrv, baseline and peer bars, then the ratio and budget.
func chartGroup(b *strings.Builder, row Row, y int) {
	colour := colourFail
	if row.Pass {
		colour = colourPass
	}
	top := max(row.Measured, row.Baseline)
	if charted(row.Peer) {
		top = max(top, row.Peer.Value)
	}
	fmt.Fprintf(b, `<g><text x="16" y="%d" font-weight="bold">%s <tspan fill="%s">%s</tspan></text>`+"\n",
		y+14, esc(row.ID+". "+row.Name), colour, passText(row.Pass))
	barY := y + 22
	bar(b, barY, scale(row.Measured, top), colour, "gamesrv", formatValue(row.Measured, row.Unit)+" ("+row.MeasuredName+")")
	barY += barStep
	bar(b, barY, scale(row.Baseline, top), colourBaseline, "baseline",
		formatValue(row.Baseline, row.Unit)+" ("+row.BaselineName+")")
	if charted(row.Peer) {
		barY += barStep
		bar(b, barY, scale(row.Peer.Value, top), colourPeer, row.Peer.Name, formatValue(row.Peer.Value, row.Unit))
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" fill="#555">%s</text></g>`+"\n", barLeft, barY+36,
		esc(fmt.Sprintf("ratio %s · budget %s · %s is better", row.RatioText, row.Budget, row.Better)))
}

// bar draws a bar of width w at y, its name on the left and its value
// after it.
func bar(b *strings.Builder, y, w int, colour, name, value string) {
	fmt.Fprintf(b, `<text x="16" y="%d" fill="#333">%s</text>`, y+barHeight-4, esc(name))
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, barLeft, y, w, barHeight, colour)
	fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", barLeft+w+6, y+barHeight-4, esc(value))
}

// scale returns the length of a bar of value v when top gets barMax.
func scale(v, top float64) int {
	if top <= 0 || v <= 0 {
		return 1
	}
	return max(1, int(v/top*barMax))
}

func esc(s string) string { return html.EscapeString(s) }
