package kit

import "sort"

// The home page is made of sections; each module contributes sections
// for the roles it concerns (a social worker's "my visits due this week"
// comes first for them, a leader sees county figures). A section builder
// returns nil when it has nothing to show this actor.

type HomeCard struct {
	Label, Value, Link string
}

type HomeSection struct {
	Key, Title, Note string
	Order            int // smaller comes first
	Cards            []HomeCard
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
