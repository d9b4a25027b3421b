// Package referralsweb serves referrals (转介) and the directory of
// agencies: pages and API.
package referralsweb

import (
	"embed"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/referrals"
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

func kinds() []kit.Option {
	var out []kit.Option
	for _, k := range referrals.AgencyKinds {
		out = append(out, kit.Option{Code: k.Code, Label: k.Label})
	}
	return out
}

func (s *Handlers) List(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	q := c.R.URL.Query()
	items, total, err := referrals.List(c.Context(), c.DB(), c.Actor, referrals.Filter{Status: q.Get("status"), RecipientID: q.Get("recipient"),
		CaseID: q.Get("case"), Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	return c.Render("referrals_list", &kit.Page{Title: "转介", Data: map[string]any{"Items": items, "Pager": kit.NewPager(p, total)}})
}

func (s *Handlers) Show(c *kit.Ctx) error {
	f, err := referrals.Get(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	var scans []attach.Attachment
	if s.App.Attach != nil && f.Reason != "" {
		if scans, err = s.App.Attach.List(c.Context(), c.DB(), referrals.ConsentEntity, f.ID); err != nil {
			return err
		}
	}
	return c.Render("referrals_show", &kit.Page{Title: "转介", Form: kit.NewForm(nil), Data: map[string]any{"Referral": f, "Scans": scans}})
}

func (s *Handlers) formPage(c *kit.Ctx, f *kit.Form) (*kit.Page, error) {
	ags, err := referrals.Agencies(c.Context(), c.DB(), c.Actor, "")
	if err != nil {
		return nil, err
	}
	var opts []kit.Option
	for _, a := range ags {
		opts = append(opts, kit.Option{Code: a.ID, Label: a.KindLabel + "·" + a.Name})
	}
	data := map[string]any{"Agencies": opts,
		"Urgency": []kit.Option{{Code: "normal", Label: "一般"}, {Code: "urgent", Label: "紧急"}, {Code: "emergency", Label: "特急"}}}
	// From a case: the case named and its plan's goals to choose from;
	// otherwise the person chosen by name.
	if id := strings.TrimSpace(f.Get("case_id")); id != "" {
		cs, err := casework.Get(c.Context(), c.DB(), c.Actor, id)
		if err != nil {
			return nil, err
		}
		goals, err := casework.GoalChoices(c.Context(), c.DB(), c.Actor, id)
		if err != nil {
			return nil, err
		}
		var gopts []kit.Option
		for i, g := range goals {
			gopts = append(gopts, kit.Option{Code: g.ID, Label: fmt.Sprintf("目标 %d · %s · 期限 %s", i+1, g.DomainLabel, g.DueOn)})
		}
		data["Case"], data["Goals"] = cs, gopts
	} else {
		pk, err := s.Picker(c, kit.PickRecipients, "recipient_id", strings.TrimSpace(f.Get("recipient_id")))
		if err != nil {
			return nil, err
		}
		data["Person"] = pk
	}
	return &kit.Page{Title: "转介", Form: f, Data: data}, nil
}

func (s *Handlers) New(c *kit.Ctx) error {
	q := c.R.URL.Query()
	p, err := s.formPage(c, kit.NewCreateForm(map[string]string{"recipient_id": q.Get("recipient"), "case_id": q.Get("case"), "urgency": "normal"}))
	if err != nil {
		return err
	}
	return c.Render("referrals_form", p)
}

func (s *Handlers) Create(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var r referrals.Referral
	err := c.Write(func(tx *db.Tx) error {
		var err error
		var replayed bool
		r, replayed, err = referrals.Send(c.Context(), tx, s.App.Keys, c.Actor, referrals.Input{ID: f.Get("id"), RecipientID: f.Get("recipient_id"),
			CaseID: f.Get("case_id"), GoalID: f.Get("goal_id"), AgencyID: f.Get("agency_id"), Reason: f.Get("reason"), Urgency: f.Get("urgency"),
			ConsentBy: f.Get("consent_by"), ConsentOn: f.Get("consent_on"), ConsentOverride: f.Get("consent_override"), Documents: f.Get("documents")})
		if err != nil || replayed || s.App.Attach == nil || c.R.MultipartForm == nil {
			return err // a resend keeps the scans it saved the first time
		}
		for _, fh := range c.R.MultipartForm.File["consent_scan"] {
			if _, err := s.App.Attach.SaveImage(c.Context(), tx, c.Actor, attach.Owner{Entity: referrals.ConsentEntity, ID: r.ID, OrgPath: r.OrgPath},
				"consent_scan", fh); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		p, perr := s.formPage(c, f)
		if perr != nil {
			return perr
		}
		return c.RenderForm("referrals_form", p, err)
	}
	return c.Redirect("/referrals/"+r.ID, "已转介至"+r.AgencyName)
}

func (s *Handlers) Move(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	v, _ := strconv.Atoi(f.Get("version"))
	var r referrals.Referral
	err := c.Write(func(tx *db.Tx) error {
		var err error
		r, err = referrals.Move(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), referrals.Answer{Version: v, Status: f.Get("status"),
			Reason: f.Get("reason"), Result: f.Get("result"), GoalMet: f.Get("goal_met") == "1"})
		return err
	})
	if err != nil {
		cur, gerr := referrals.Get(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
		if gerr != nil {
			return gerr
		}
		return c.RenderForm("referrals_show", &kit.Page{Title: "转介", Form: f, Data: map[string]any{"Referral": cur}}, err)
	}
	return c.Redirect("/referrals/"+r.ID, "转介"+r.StatusLabel)
}

func (s *Handlers) Agencies(c *kit.Ctx) error {
	items, err := referrals.Agencies(c.Context(), c.DB(), c.Actor, c.R.URL.Query().Get("kind"))
	if err != nil {
		return err
	}
	return c.Render("referrals_agencies", &kit.Page{Title: "转介资源目录", Form: kit.NewForm(nil), Data: map[string]any{"Items": items, "Kinds": kinds()}})
}

func (s *Handlers) AgencyCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	err := c.Write(func(tx *db.Tx) error {
		_, _, err := referrals.SaveAgency(c.Context(), tx, c.Actor, 0, referrals.AgencyInput{Name: f.Get("name"), Kind: f.Get("kind"), Contact: f.Get("contact"),
			Phone: f.Get("phone"), Address: f.Get("address"), Services: f.Get("services")})
		return err
	})
	if err != nil {
		items, lerr := referrals.Agencies(c.Context(), c.DB(), c.Actor, "")
		if lerr != nil {
			return lerr
		}
		return c.RenderForm("referrals_agencies", &kit.Page{Title: "转介资源目录", Form: f, Data: map[string]any{"Items": items, "Kinds": kinds()}}, err)
	}
	return c.Redirect("/agencies", "已加入目录："+f.Get("name"))
}

// API

func (s *Handlers) ApiList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	q := c.R.URL.Query()
	items, total, err := referrals.List(c.Context(), c.DB(), c.Actor, referrals.Filter{Status: q.Get("status"), RecipientID: q.Get("recipient"),
		CaseID: q.Get("case"), Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiCreate(c *kit.Ctx) error {
	var in referrals.Input
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var r referrals.Referral
	var replayed bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		r, replayed, err = referrals.Send(c.Context(), tx, s.App.Keys, c.Actor, in)
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
	r, err := referrals.Get(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Handlers) ApiMove(c *kit.Ctx) error {
	var in referrals.Answer
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var r referrals.Referral
	err := c.Write(func(tx *db.Tx) error {
		var err error
		r, err = referrals.Move(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Handlers) ApiAgencies(c *kit.Ctx) error {
	items, err := referrals.Agencies(c.Context(), c.DB(), c.Actor, c.R.URL.Query().Get("kind"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (s *Handlers) ApiAgencyCreate(c *kit.Ctx) error {
	var in referrals.AgencyInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var a referrals.Agency
	var replayed bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		a, replayed, err = referrals.SaveAgency(c.Context(), tx, c.Actor, 0, in)
		return err
	})
	if err != nil {
		return err
	}
	if replayed {
		return c.JSON(http.StatusOK, a)
	}
	return c.JSON(http.StatusCreated, a)
}

func (s *Handlers) ApiAgencyUpdate(c *kit.Ctx) error {
	var in struct {
		Version int `json:"version"`
		referrals.AgencyInput
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	in.ID = c.PathValue("id")
	var a referrals.Agency
	err := c.Write(func(tx *db.Tx) error {
		var err error
		a, _, err = referrals.SaveAgency(c.Context(), tx, c.Actor, max(in.Version, 1), in.AgencyInput)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}
