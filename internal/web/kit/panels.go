package kit

import (
	"sort"
	"strings"
)

// PersonPanel is a section of the person page (服务对象详情) that a
// module contributes: visits, household, timeline now; cases, groups and
// activities as they arrive. The page draws an empty section for each
// panel the actor's role may open and loads its content from Path
// (htmx), so a module's panel is its own route, with its own checks.
type PersonPanel struct {
	Key   string // the section's id on the page ("visits" → #visits, content in #visits-panel)
	Title string // shown while the panel loads
	Order int    // smaller comes first
	Path  string // a GET route pattern with {id}, e.g. /recipients/{id}/visits
}

// PanelView is a panel as the person page draws it.
type PanelView struct {
	Key, Title, Src string
}

// PersonPanels lists the panels of recipientID's page that the actor
// may open, in order.
func (s *Server) PersonPanels(c *Ctx, recipientID string) []PanelView {
	panels := append([]PersonPanel(nil), s.panels...)
	sort.SliceStable(panels, func(i, j int) bool { return panels[i].Order < panels[j].Order })
	var out []PanelView
	for _, p := range panels {
		if s.RouteAllowed(c, "GET", p.Path) {
			out = append(out, PanelView{Key: p.Key, Title: p.Title, Src: strings.ReplaceAll(p.Path, "{id}", recipientID)})
		}
	}
	return out
}
