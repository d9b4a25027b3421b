package kit

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/shegong/shegong/internal/figures"
)

// The home page is made of sections; each module contributes sections
// for the roles it concerns (a social worker's "my visits due this week"
// comes first for them, a leader sees county figures). A section builder
// returns nil when it has nothing to show this actor.

type HomeCard struct {
	Label, Value, Link string
	Note               string // what the value leaves out, under its label
}

type HomeSection struct {
	Key, Title, Note string
	Order            int // smaller comes first
	Cards            []HomeCard
	// Items are records to act on next (Value their name, Label why),
	// listed under the counts and apart from them.
	Items []HomeCard
}

type HomeBuilder func(c *Ctx) (*HomeSection, error)

// HomeSections builds the sections every module contributes for this
// actor, in their Order.
func (s *Server) HomeSections(c *Ctx) ([]HomeSection, error) {
	var sections []HomeSection
	for _, b := range s.homeBuilders {
		sec, err := b(c)
		if err != nil {
			return nil, err
		}
		if sec != nil {
			sections = append(sections, *sec)
		}
	}
	sort.SliceStable(sections, func(i, j int) bool { return sections[i].Order < sections[j].Order })
	return sections, nil
}

// FigureCard is a home-page card whose value is a period figure
// (internal/figures) for the current period of the given kind (a stock
// is its live value) and the actor's own org node, so the home page, the
// figures page and the reports give the same number. The card opens
// list, the page listing what the figure counts for this actor (a figure
// of people marked ChildrenRule counts exactly the people the role's
// lists show), or the figure's own drill-down when list is "".
func FigureCard(c *Ctx, key, label, list string, period figures.PeriodKind) (HomeCard, error) {
	f, ok := figures.Get(key)
	if !ok {
		return HomeCard{}, fmt.Errorf("home card: no figure %q", key)
	}
	raw, err := figures.Compute(c.Context(), c.DB(), c.Actor, key, figures.Current(period), c.Actor.OrgID)
	if err != nil {
		return HomeCard{}, err
	}
	value := strconv.FormatInt(raw, 10)
	if f.Per() > 1 {
		value = strconv.FormatFloat(float64(raw)/float64(f.Per()), 'f', 1, 64)
	}
	if list == "" {
		list = "/figures/" + key
	}
	if !f.Drillable(c.Actor) {
		list = "" // the value alone: the records are not the role's to open
	}
	return HomeCard{Label: label, Value: value, Link: list, Note: f.LeftOut(c.Actor)}, nil
}
