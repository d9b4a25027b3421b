package coreweb

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/exports"
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

// AuditExport downloads the filtered log as CSV (the export is itself
// logged): every entry the filter selects, streamed from a read
// transaction to a temporary file and sent once the export is recorded.
func (s *Handlers) AuditExport(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	spool, err := exports.NewSpool()
	if err != nil {
		return err
	}
	defer spool.Close()
	var entry audit.Entry
	err = c.Read(func(q db.Querier) error {
		var err error
		_, entry, err = audit.ExportCSV(c.Context(), q, c.Actor, auditFilterFrom(p), spool)
		return err
	})
	if err == nil {
		err = c.Write(func(tx *db.Tx) error { return audit.Record(c.Context(), tx, c.Actor, entry) })
	}
	if err != nil {
		return err
	}
	name := "审计日志-" + strings.ReplaceAll(cst.Today(), "-", "") + ".csv"
	h := c.W.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="audit.csv"; filename*=UTF-8''`+url.PathEscape(name))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.FormatInt(spool.Size(), 10))
	_, err = spool.SendTo(c.W)
	return err
}
