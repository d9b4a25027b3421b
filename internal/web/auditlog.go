package web

import (
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
)

// The audit log browser (administrators).

func (s *Server) routesAudit() {
	s.add(Route{Method: "GET", Pattern: "/audit", Perm: authz.PermAuditRead, Handle: s.auditList})
}

func auditFilterFrom(p ListParams) audit.Filter {
	q := p.Query
	return audit.Filter{ActorID: q.Get("actor"), Action: q.Get("action"), Entity: q.Get("entity"), EntityID: q.Get("entity_id"),
		From: q.Get("from"), To: q.Get("to"), Text: p.Q, Offset: p.Offset(), Limit: p.Size}
}

func (s *Server) auditList(c *Ctx) error {
	p := listParams(c.R, 50)
	entries, total, err := audit.List(c.Context(), s.App.DB, c.Actor, auditFilterFrom(p))
	if err != nil {
		return err
	}
	var actions []option
	for _, a := range audit.Actions() {
		actions = append(actions, option{a, audit.ActionLabel(a)})
	}
	return c.Render("audit", &Page{Title: "审计日志", Data: map[string]any{"Entries": entries, "Pager": newPager(p, total), "Params": p, "Actions": actions}})
}
