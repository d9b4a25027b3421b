// Package servicesweb serves service records (服务记录): the list, one
// record, typing a record, and the API.
package servicesweb

import (
	"embed"
	"net/http"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/services"
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

func filterFrom(c *kit.Ctx, p kit.ListParams) services.Filter {
	q := c.R.URL.Query()
	return services.Filter{RecipientID: q.Get("recipient"), OrgID: q.Get("org"), Kind: services.Kind(q.Get("kind")),
		From: q.Get("from"), To: q.Get("to"), Limit: p.Size, Offset: p.Offset()}
}

func kindOptions() []kit.Option {
	var out []kit.Option
	for _, k := range services.Kinds {
		out = append(out, kit.Option{Code: string(k), Label: k.Label()})
	}
	return out
}

func (s *Handlers) List(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	items, total, err := services.List(c.Context(), c.DB(), c.Actor, filterFrom(c, p))
	if err != nil {
		return err
	}
	return c.Render("services_list", &kit.Page{Title: "服务记录", Form: kit.FormFrom(c.R),
		Data: map[string]any{"Items": items, "Pager": kit.NewPager(p, total), "Kinds": kindOptions()}})
}

func (s *Handlers) Show(c *kit.Ctx) error {
	r, err := services.Get(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("services_show", &kit.Page{Title: "服务记录", Data: map[string]any{"Record": r, "Satisfaction": services.SatisfactionLabel(r.Satisfaction)}})
}

func (s *Handlers) formPage(c *kit.Ctx, f *kit.Form) (*kit.Page, error) {
	cats, err := services.Categories(c.Context(), c.DB(), c.Actor.OrgPath)
	if err != nil {
		return nil, err
	}
	var catOpts, changeOpts, satOpts []kit.Option
	for _, x := range cats {
		catOpts = append(catOpts, kit.Option{Code: x.Code, Label: x.Label})
	}
	for _, x := range services.Changes {
		changeOpts = append(changeOpts, kit.Option{Code: string(x), Label: x.Label()})
	}
	for i := 5; i >= 1; i-- {
		satOpts = append(satOpts, kit.Option{Code: strconv.Itoa(i), Label: services.SatisfactionLabel(i)})
	}
	pk, err := s.Picker(c, kit.PickRecipients, "recipient_id", strings.TrimSpace(f.Get("recipient_id")))
	if err != nil {
		return nil, err
	}
	return &kit.Page{Title: "记录服务", Form: f, Data: map[string]any{"Kinds": kindOptions(), "Categories": catOpts, "Changes": changeOpts,
		"Satisfaction": satOpts, "Person": pk}}, nil
}

func (s *Handlers) New(c *kit.Ctx) error {
	f := kit.NewCreateForm(map[string]string{"recipient_id": c.R.URL.Query().Get("recipient"), "served_at": cst.Now().Format("2006-01-02 15:04"), "kind": "case"})
	p, err := s.formPage(c, f)
	if err != nil {
		return err
	}
	return c.Render("services_form", p)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func inputFrom(f *kit.Form) services.Input {
	value, _ := strconv.ParseFloat(strings.TrimSpace(f.Get("value_yuan")), 64)
	return services.Input{ID: f.Get("id"), RecipientID: f.Get("recipient_id"), Participants: atoi(f.Get("participants")), OrgID: f.Get("org_id"),
		Kind: services.Kind(f.Get("kind")), Category: f.Get("category"), ServedAt: f.Get("served_at"), Minutes: atoi(f.Get("minutes")),
		Place: f.Get("place"), Content: f.Get("content"), Satisfaction: atoi(f.Get("satisfaction")), Change: services.Change(f.Get("change_observed")),
		ValueFen: int64(value*100 + 0.5)}
}

func (s *Handlers) Create(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var r services.Record
	err := c.Write(func(tx *db.Tx) error {
		var err error
		r, _, err = services.Create(c.Context(), tx, s.App.Keys, c.Actor, inputFrom(f))
		return err
	})
	if err != nil {
		p, perr := s.formPage(c, f)
		if perr != nil {
			return perr
		}
		return c.RenderForm("services_form", p, err)
	}
	return c.Redirect("/services/"+r.ID, "已记录服务")
}

// API

func (s *Handlers) ApiList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	items, total, err := services.List(c.Context(), c.DB(), c.Actor, filterFrom(c, p))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiCreate(c *kit.Ctx) error {
	var in services.Input
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var r services.Record
	var replayed bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		r, replayed, err = services.Create(c.Context(), tx, s.App.Keys, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	if replayed {
		return c.JSON(http.StatusOK, r)
	}
	return c.JSON(http.StatusCreated, r)
}

func (s *Handlers) ApiGet(c *kit.Ctx) error {
	r, err := services.Get(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

type updateJSON struct {
	Version int `json:"version"`
	services.Input
}

func (s *Handlers) ApiUpdate(c *kit.Ctx) error {
	var in updateJSON
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if in.Version <= 0 {
		return apperr.Fields{"version": "缺少版本号"}.Err()
	}
	var r services.Record
	err := c.Write(func(tx *db.Tx) error {
		var err error
		r, err = services.Update(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in.Version, in.Input)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}
