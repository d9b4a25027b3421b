// Package exportsweb serves background exports (我的导出): a job's
// progress page, which polls for its progress bar and then offers the
// download, the list of one's own exports, and the same in the API.
package exportsweb

import (
	"embed"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/exports"
	"github.com/shegong/shegong/internal/web/kit"
)

// Handlers serve this module's pages and API; the routes that reach them
// are listed in internal/web/routes.go.
type Handlers struct{ *kit.Server }

// Templates are this module's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// OpenAPI documents this module's API routes.
//
//go:embed openapi.json
var OpenAPI []byte

// Start queues a background export for the request's user and sends
// them to its progress page: a module's export handler calls it when
// the export is bigger than exports.SyncMax rows. id is the job id the
// form carries (its create-id partial, kit.NewCreateForm): the same form
// sent twice leads to the one job the first queued (exports.Start).
func Start(c *kit.Ctx, id, kind string, params any, describe string, total int) error {
	var job exports.Job
	var replayed bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		job, replayed, err = exports.Start(c.Context(), tx, c.Actor, id, kind, params, describe, total)
		return err
	})
	if err != nil {
		return err
	}
	if replayed {
		return c.Redirect("/exports/"+job.ID, "这个导出已在进行，完成后可在此下载（保留 24 小时）")
	}
	c.App().Exports.Wake()
	return c.Redirect("/exports/"+job.ID, "共 "+strconv.Itoa(total)+" 条，已在后台导出，完成后可在此下载（保留 24 小时）")
}

func (s *Handlers) List(c *kit.Ctx) error {
	jobs, err := exports.List(c.Context(), c.DB(), c.Actor)
	if err != nil {
		return err
	}
	return c.Render("exports_list", &kit.Page{Title: "我的导出", Data: map[string]any{"Jobs": jobs}})
}

func (s *Handlers) Show(c *kit.Ctx) error {
	job, err := exports.Get(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("exports_show", &kit.Page{Title: job.KindLabel + " · 导出", Data: map[string]any{"Job": job}})
}

// Progress is the piece of the progress page that polls itself until
// the job ends.
func (s *Handlers) Progress(c *kit.Ctx) error {
	job, err := exports.Get(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.RenderPart("exports_show", "exports-progress", job)
}

// Download records the export in the audit log, then sends the file.
func (s *Handlers) Download(c *kit.Ctx) error {
	var job exports.Job
	err := c.Write(func(tx *db.Tx) error {
		var err error
		job, err = exports.Download(c.Context(), tx, c.Actor, c.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	// Headers go out with the first bytes, so a file that cannot be read
	// still gets a proper error page.
	w := &lazyXLSX{w: c.W, name: job.Filename(), size: job.Size}
	if err := c.App().Exports.Store.Send(job, w); err != nil {
		if w.started {
			c.App().Log.Error("export download broke off", "id", job.ID, "err", err)
			return nil
		}
		return err
	}
	return nil
}

type lazyXLSX struct {
	w       http.ResponseWriter
	name    string
	size    int64
	started bool
}

func (l *lazyXLSX) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		h := l.w.Header()
		h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		h.Set("Content-Disposition", `attachment; filename="export.xlsx"; filename*=UTF-8''`+url.PathEscape(l.name))
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Length", strconv.FormatInt(l.size, 10))
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}

// The API.

type startRequest struct {
	ID          string          `json:"id"`
	Kind        string          `json:"kind"`
	Params      json.RawMessage `json:"params"`
	Description string          `json:"description"`
}

func (s *Handlers) APIStart(c *kit.Ctx) error {
	var in startRequest
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if len(in.Params) == 0 {
		in.Params = json.RawMessage("{}")
	}
	var n int
	err := c.Read(func(q db.Querier) error {
		var err error
		n, err = exports.Count(c.Context(), q, c.App().Keys, c.Actor, in.Kind, in.Params)
		return err
	})
	if err != nil {
		return err
	}
	var job exports.Job
	var replayed bool
	err = c.Write(func(tx *db.Tx) error {
		var err error
		job, replayed, err = exports.Start(c.Context(), tx, c.Actor, in.ID, in.Kind, in.Params, in.Description, n)
		return err
	})
	if err != nil {
		return err
	}
	if replayed {
		return c.JSON(http.StatusOK, job)
	}
	c.App().Exports.Wake()
	return c.JSON(http.StatusAccepted, job)
}

func (s *Handlers) APIList(c *kit.Ctx) error {
	jobs, err := exports.List(c.Context(), c.DB(), c.Actor)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": jobs})
}

func (s *Handlers) APIShow(c *kit.Ctx) error {
	job, err := exports.Get(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, job)
}
