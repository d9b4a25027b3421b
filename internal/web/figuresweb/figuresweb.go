// Package figuresweb serves the period figures (期间指标) registry: a
// page of every figure for a period and an org node, each figure's
// drill-down (the records it counts), and the same in the API.
package figuresweb

import (
	"embed"
	"net/http"
	"strconv"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/figures"
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

// Value is a figure's value for one period and node, as pages and the
// API show it.
type Value struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	Unit   string `json:"unit"`
	Kind   string `json:"kind"`
	Module string `json:"module"`
	// Value is in Unit (hours with decimals); Raw in 1/Scale of Unit.
	Value float64 `json:"value"`
	Raw   int64   `json:"raw"`
	Scale int64   `json:"scale"`
	Shown string  `json:"shown"` // as pages print it
	// Missing says why there is no value (a past period without a kept snapshot).
	Missing string `json:"missing,omitempty"`
	// Drill says whether the caller may open the records counted;
	// LeftOut what the value leaves out for the caller's role.
	Drill   bool   `json:"drill"`
	LeftOut string `json:"left_out,omitempty"`
}

// request reads ?period= (default: this month) and ?org= (default: the
// actor's own node).
func request(c *kit.Ctx) (figures.Period, string, error) {
	q := c.R.URL.Query()
	p := figures.Current(figures.Month)
	if v := q.Get("period"); v != "" {
		var err error
		if p, err = figures.ParsePeriod(v); err != nil {
			return p, "", err
		}
	}
	orgID := q.Get("org")
	if orgID == "" {
		orgID = c.Actor.OrgID
	}
	return p, orgID, nil
}

func valueOf(c *kit.Ctx, f figures.Figure, p figures.Period, orgID string) (Value, error) {
	v := Value{Key: f.Key, Label: f.Label, Unit: f.Unit, Kind: string(f.Kind), Module: f.Module, Scale: f.Per(),
		Drill: f.Drillable(c.Actor), LeftOut: f.LeftOut(c.Actor)}
	raw, err := figures.Compute(c.Context(), c.DB(), c.Actor, f.Key, p, orgID)
	if apperr.Is(err, apperr.NotFound) && f.Kind == figures.Stock && p.IsPast() {
		v.Missing, v.Shown = "该时段未留存时点数", "—"
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.Raw, v.Value = raw, float64(raw)/float64(f.Per())
	v.Shown = strconv.FormatFloat(v.Value, 'f', -1, 64)
	if f.Per() > 1 {
		v.Shown = strconv.FormatFloat(v.Value, 'f', 1, 64)
	}
	return v, nil
}

func values(c *kit.Ctx, p figures.Period, orgID string) ([]Value, error) {
	var out []Value
	for _, f := range figures.All() {
		v, err := valueOf(c, f, p, orgID)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// List is the page of every figure.
func (s *Handlers) List(c *kit.Ctx) error {
	p, orgID, err := request(c)
	if err != nil {
		return err
	}
	vals, err := values(c, p, orgID)
	if err != nil {
		return err
	}
	orgs, err := s.Picker(c, kit.PickOrgs, "org", orgID)
	if err != nil {
		return err
	}
	return c.Render("figures_list", &kit.Page{Title: "统计指标", Data: map[string]any{
		"Values": vals, "Period": p, "Org": orgID, "OrgPicker": orgs, "Periods": periodChoices(p)}})
}

// Show is one figure's value and the records it counts.
func (s *Handlers) Show(c *kit.Ctx) error {
	f, ok := figures.Get(c.PathValue("key"))
	if !ok {
		return apperr.ErrNotFound("统计指标")
	}
	p, orgID, err := request(c)
	if err != nil {
		return err
	}
	v, err := valueOf(c, f, p, orgID)
	if err != nil {
		return err
	}
	lp := kit.ListParamsFrom(c.R, 50)
	data := map[string]any{"V": v, "Period": p, "Org": orgID}
	recs, total, err := figures.List(c.Context(), c.DB(), c.Actor, f.Key, p, orgID, lp.Size, lp.Offset())
	switch {
	case err == nil:
		data["Records"], data["Pager"] = recs, kit.NewPager(lp, total)
	case apperr.Is(err, apperr.BadRequest) || apperr.Is(err, apperr.Forbidden):
		if ae, ok := apperr.As(err); ok {
			data["NoRecords"] = ae.Message
		}
	default:
		return err
	}
	return c.Render("figures_show", &kit.Page{Title: f.Label, Data: data})
}

// APIList serves every figure's value for ?period= and ?org=.
func (s *Handlers) APIList(c *kit.Ctx) error {
	p, orgID, err := request(c)
	if err != nil {
		return err
	}
	vals, err := values(c, p, orgID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"period": p.String(), "period_label": p.Label(), "org_id": orgID, "items": vals})
}

// APIShow serves one figure's value and, with ?records=1, a page of its
// records (limit, offset).
func (s *Handlers) APIShow(c *kit.Ctx) error {
	f, ok := figures.Get(c.PathValue("key"))
	if !ok {
		return apperr.ErrNotFound("统计指标")
	}
	p, orgID, err := request(c)
	if err != nil {
		return err
	}
	v, err := valueOf(c, f, p, orgID)
	if err != nil {
		return err
	}
	out := map[string]any{"period": p.String(), "period_label": p.Label(), "org_id": orgID, "figure": v}
	if c.R.URL.Query().Get("records") == "1" {
		lp := kit.ListParamsFrom(c.R, 50)
		recs, total, err := figures.List(c.Context(), c.DB(), c.Actor, f.Key, p, orgID, lp.Size, lp.Offset())
		if err != nil {
			return err
		}
		if recs == nil {
			recs = []figures.Record{}
		}
		out["records"] = kit.ListJSON{Items: recs, Total: total, Limit: lp.Size, Offset: lp.Offset()}
	}
	return c.JSON(http.StatusOK, out)
}

// periodChoices are the periods the page offers: this year's months so
// far, its quarters, this year and last, around the chosen one.
func periodChoices(chosen figures.Period) []kit.Option {
	var out []kit.Option
	cur := figures.Current(figures.Month)
	for m := cur.N; m >= 1; m-- {
		p := figures.Period{Kind: figures.Month, Year: cur.Year, N: m}
		out = append(out, kit.Option{Code: p.String(), Label: p.Label()})
	}
	q := figures.Current(figures.Quarter)
	for n := q.N; n >= 1; n-- {
		p := figures.Period{Kind: figures.Quarter, Year: q.Year, N: n}
		out = append(out, kit.Option{Code: p.String(), Label: p.Label()})
	}
	for y := cur.Year; y >= cur.Year-1; y-- {
		p := figures.Period{Kind: figures.Year, Year: y}
		out = append(out, kit.Option{Code: p.String(), Label: p.Label()})
	}
	found := false
	for _, o := range out {
		found = found || o.Code == chosen.String()
	}
	if !found {
		out = append([]kit.Option{{Code: chosen.String(), Label: chosen.Label()}}, out...)
	}
	return out
}
