package coreweb

import (
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/web/kit"
)

// The audit log browser (administrators).

func auditFilterFrom(p kit.ListParams) audit.Filter {
	q := p.Query
	return audit.Filter{ActorID: q.Get("actor"), Action: q.Get("action"), Entity: q.Get("entity"), EntityID: q.Get("entity_id"),
		From: q.Get("from"), To: q.Get("to"), Text: p.Q, Offset: p.Offset(), Limit: p.Size}
}

func (s *Handlers) AuditList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	entries, total, err := audit.List(c.Context(), s.App.DB, c.Actor, auditFilterFrom(p))
	if err != nil {
		return err
	}
	var actions []kit.Option
	for _, a := range audit.Actions() {
		actions = append(actions, kit.Option{Code: a, Label: audit.ActionLabel(a)})
	}
	return c.Render("audit", &kit.Page{Title: "审计日志", Data: map[string]any{"Entries": entries, "Pager": kit.NewPager(p, total), "Params": p, "Actions": actions}})
}
