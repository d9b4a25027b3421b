package web

import (
	"net/url"
	"strings"

	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

// The audit log browser (administrators).

func (s *Server) routesAudit() {
	s.add(Route{Method: "GET", Pattern: "/audit", Perm: authz.PermAuditRead, Handle: s.auditList},
		Route{Method: "GET", Pattern: "/audit.csv", Perm: authz.PermAuditRead, Handle: s.auditExport})
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

// auditExport downloads the filtered log as CSV (the export is itself logged).
func (s *Server) auditExport(c *Ctx) error {
	p := listParams(c.R, 50)
	var body []byte
	err := s.App.DB.InTx(c.Context(), func(tx *db.Tx) error {
		var err error
		body, _, err = audit.Export(c.Context(), tx, c.Actor, auditFilterFrom(p))
		return err
	})
	if err != nil {
		return err
	}
	name := "审计日志-" + strings.ReplaceAll(cst.Today(), "-", "") + ".csv"
	h := c.W.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="audit.csv"; filename*=UTF-8''`+url.PathEscape(name))
	h.Set("Cache-Control", "no-store")
	_, err = c.W.Write(body)
	return err
}
