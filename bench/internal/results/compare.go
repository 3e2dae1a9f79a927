package results

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Verdicts of a compared figure.
const (
	VerdictSame       = "same"          // within the threshold
	VerdictBetter     = "better"        // improved beyond the threshold
	VerdictWorse      = "worse"         // got worse beyond the threshold (an absolute figure: the machine may differ)
	VerdictSpread     = "within spread" // beyond the threshold but inside the old run's rounds
	VerdictRegression = "REGRESSION"    // the ratio to the same-run baseline got worse beyond the threshold and the old rounds
	VerdictNew        = "new"           // only in the new run
	VerdictGone       = "gone"          // only in the old run
)

// Change is one row of two runs compared.
type Change struct {
	ID, Name string
	Old, New *Row // nil when the row is in one run only
	// Figure is the change of gamesrv's figure, new/old - 1, and its
	// verdict.
	Figure        float64
	FigureVerdict string
	// Ratio is the change of the ratio to the baseline, new/old - 1, and
	// its verdict: the figure that travels between machines, since the
	// baseline ran in the same rounds.
	Ratio        float64
	RatioVerdict string
	// BudgetLost is set when the old run met the budget and the new one
	// does not.
	BudgetLost bool
}

// Regressed reports whether the change is a regression: the ratio to the
// baseline got worse beyond the threshold and outside the old rounds, or
// the row lost its budget.
func (c Change) Regressed() bool { return c.RatioVerdict == VerdictRegression || c.BudgetLost }

// Compare compares every row of old and new, in new's order, then the
// rows old alone has. threshold is the relative change that counts (0.1:
// 10%).
func Compare(old, new *File, threshold float64) []Change {
	var out []Change
	for i := range new.Rows {
		n := &new.Rows[i]
		o := old.row(n.ID)
		if o == nil {
			out = append(out, Change{ID: n.ID, Name: n.Name, New: n, FigureVerdict: VerdictNew, RatioVerdict: VerdictNew})
			continue
		}
		out = append(out, compareRow(o, n, threshold))
	}
	for i := range old.Rows {
		if o := &old.Rows[i]; new.row(o.ID) == nil {
			out = append(out, Change{ID: o.ID, Name: o.Name, Old: o, FigureVerdict: VerdictGone, RatioVerdict: VerdictGone})
		}
	}
	return out
}

// row returns the row with id, or nil.
func (f *File) row(id string) *Row {
	for i := range f.Rows {
		if f.Rows[i].ID == id {
			return &f.Rows[i]
		}
	}
	return nil
}

func compareRow(o, n *Row, threshold float64) Change {
	c := Change{ID: n.ID, Name: n.Name, Old: o, New: n, BudgetLost: o.Pass && !n.Pass}
	c.Figure = relChange(o.Measured, n.Measured)
	c.FigureVerdict = verdict(c.Figure, n.Better, threshold, inside(n.Measured, o.Rounds), VerdictWorse)
	c.Ratio = relChange(o.Ratio, n.Ratio)
	c.RatioVerdict = verdict(c.Ratio, n.ratioBetter(), threshold, inside(n.Ratio, o.RatioRounds), VerdictRegression)
	return c
}

// relChange is new/old - 1, or 0 when old is 0.
func relChange(old, new float64) float64 {
	if old == 0 {
		return 0
	}
	return new/old - 1
}

// verdict judges a relative change of a figure that improves the way
// better says; worse is the verdict of a change for the worse beyond the
// threshold and outside the old rounds.
func verdict(change float64, better string, threshold float64, inSpread bool, worse string) string {
	if better == "lower" {
		change = -change
	}
	switch {
	case math.Abs(change) <= threshold:
		return VerdictSame
	case change > 0:
		return VerdictBetter
	case inSpread:
		return VerdictSpread
	}
	return worse
}

// inside reports whether v lies within the range of rounds (at least two).
func inside(v float64, rounds []float64) bool {
	if len(rounds) < 2 {
		return false
	}
	return v >= slices.Min(rounds) && v <= slices.Max(rounds)
}

// Warnings lists what makes two runs hard to compare: different machines,
// a quick run, a loaded machine.
func Warnings(old, new *File) []string {
	var w []string
	if old.Quick || new.Quick {
		w = append(w, "a quick run (-quick): tiny sizes, the figures are not comparable")
	}
	if old.CPUs != new.CPUs {
		w = append(w, fmt.Sprintf("different CPU counts: %d and %d", old.CPUs, new.CPUs))
	}
	if old.Machine.CPUModel != "" && new.Machine.CPUModel != "" && old.Machine.CPUModel != new.Machine.CPUModel {
		w = append(w, fmt.Sprintf("different CPUs: %q and %q", old.Machine.CPUModel, new.Machine.CPUModel))
	}
	if old.Go != new.Go {
		w = append(w, fmt.Sprintf("different Go versions: %s and %s", old.Go, new.Go))
	}
	for _, f := range []*File{old, new} {
		if l := slices.Concat(f.Machine.LoadBefore, f.Machine.LoadAfter); len(l) > 0 && slices.Max(l) > float64(max(f.CPUs, 1)) {
			w = append(w, fmt.Sprintf("the run of %s had a load average over its CPU count (%.1f on %d): absolute figures suffer, ratios less", f.Date, slices.Max(l), f.CPUs))
		}
	}
	return w
}

// Table renders the changes as a Markdown table, with the runs and the
// warnings above it.
func Table(old, new *File, changes []Change, threshold float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "old: %s\nnew: %s\n", describe(old), describe(new))
	for _, w := range Warnings(old, new) {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	fmt.Fprintf(&b, "threshold: %.0f%% (a change within it is \"same\"; beyond it but inside the old run's rounds, \"within spread\")\n\n", threshold*100)
	b.WriteString("| # | figure | old | new | change | verdict | old ratio | new ratio | ratio change | verdict |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range changes {
		switch {
		case c.Old == nil:
			fmt.Fprintf(&b, "| %s | %s | — | %s | | new | — | %s | | new |\n", c.ID, c.Name, FormatValue(c.New.Measured, c.New.Unit), c.New.RatioText)
		case c.New == nil:
			fmt.Fprintf(&b, "| %s | %s | %s | — | | gone | %s | — | | gone |\n", c.ID, c.Name, FormatValue(c.Old.Measured, c.Old.Unit), c.Old.RatioText)
		default:
			rv := c.RatioVerdict
			if c.BudgetLost {
				rv += ", budget now missed"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.ID, c.Name,
				FormatValue(c.Old.Measured, c.Old.Unit), FormatValue(c.New.Measured, c.New.Unit), percent(c.Figure), c.FigureVerdict,
				c.Old.RatioText, c.New.RatioText, percent(c.Ratio), rv)
		}
	}
	n := 0
	for _, c := range changes {
		if c.Regressed() {
			n++
		}
	}
	fmt.Fprintf(&b, "\n%d regression(s)\n", n)
	return b.String()
}

// describe is one line about a run.
func describe(f *File) string {
	s := fmt.Sprintf("%s, commit %s, %s, %d CPUs", f.Date, f.Commit, f.Go, f.CPUs)
	if f.Machine.CPUModel != "" {
		s += ", " + f.Machine.CPUModel
	}
	if len(f.Machine.LoadBefore) > 0 {
		s += fmt.Sprintf(", load %.2f", f.Machine.LoadBefore[0])
		if len(f.Machine.LoadAfter) > 0 {
			s += fmt.Sprintf(" → %.2f", f.Machine.LoadAfter[0])
		}
	}
	if f.Quick {
		s += " (quick)"
	}
	return s
}

// percent prints a relative change: +12.3%.
func percent(v float64) string { return fmt.Sprintf("%+.1f%%", v*100) }
