package coreweb

import (
	"strconv"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
)

// The organisation tree pages: browse, create, edit.

func (s *Handlers) OrgList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	f := org.Filter{Kind: org.Kind(p.Query.Get("kind")), Text: p.Q, Active: p.Query.Get("active"), Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size}
	units, total, err := org.List(c.Context(), s.App.DB, c.Actor, f)
	if err != nil {
		return err
	}
	return c.Render("orgs", &kit.Page{Title: "机构与站点", Data: map[string]any{
		"Units": kit.IndentUnits(units, c.Actor.OrgPath), "Pager": kit.NewPager(p, total), "Params": p, "Kinds": org.Kinds[1:],
	}})
}

func (s *Handlers) OrgShow(c *kit.Ctx) error {
	u, err := org.GetFor(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	chain, err := org.Ancestors(c.Context(), s.App.DB, u)
	if err != nil {
		return err
	}
	// Only the part of the chain inside the actor's scope is linked.
	var visible []org.Unit
	for _, a := range chain {
		if c.Actor.Covers(a.Path) && a.ID != u.ID {
			visible = append(visible, a)
		}
	}
	children, _, err := org.List(c.Context(), s.App.DB, c.Actor, org.Filter{ParentID: u.ID, Limit: 500})
	if err != nil {
		return err
	}
	return c.Render("org", &kit.Page{Title: u.Name, Data: map[string]any{
		"Unit": u, "Chain": visible, "Children": children, "CanEdit": c.Actor.Can(authz.PermOrgEdit),
	}})
}

func (s *Handlers) orgFormPage(c *kit.Ctx, f *kit.Form, creating bool, action, back string) (*kit.Page, error) {
	opts, err := s.Picker(c, kit.PickOrgs, "parent_id", f.Get("parent_id"))
	if err != nil {
		return nil, err
	}
	title := "编辑机构"
	if creating {
		title = "新增机构"
	}
	return &kit.Page{Title: title, Form: f, Data: map[string]any{
		"Creating": creating, "Action": action, "Back": back, "OrgPicker": opts, "Kinds": org.Kinds[1:],
	}}, nil
}

func (s *Handlers) OrgNew(c *kit.Ctx) error {
	p, err := s.orgFormPage(c, kit.NewCreateForm(map[string]string{"parent_id": c.R.URL.Query().Get("parent")}), true, "/orgs", "/orgs")
	if err != nil {
		return err
	}
	return c.Render("org_form", p)
}

func (s *Handlers) OrgCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	in := org.Input{ID: f.Get("id"), ParentID: f.Get("parent_id"), Kind: org.Kind(f.Get("kind")), Name: f.Get("name"), DivisionCode: f.Get("division_code")}
	var u org.Unit
	err := c.Write(func(tx *db.Tx) error {
		var err error
		u, err = org.Create(c.Context(), tx, c.Actor, in)
		return err
	})
	if err != nil {
		p, perr := s.orgFormPage(c, f, true, "/orgs", "/orgs")
		if perr != nil {
			return perr
		}
		return c.RenderForm("org_form", p, err)
	}
	return c.Redirect("/orgs/"+u.ID, "已新增"+u.Kind.Label()+"："+u.Name)
}

func (s *Handlers) OrgEdit(c *kit.Ctx) error {
	u, err := org.GetFor(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.NewForm(map[string]string{"name": u.Name, "division_code": u.DivisionCode, "version": strconv.Itoa(u.Version), "active": kit.BoolField(u.Active)})
	p, err := s.orgFormPage(c, f, false, "/orgs/"+u.ID, "/orgs/"+u.ID)
	if err != nil {
		return err
	}
	return c.Render("org_form", p)
}

func (s *Handlers) OrgUpdate(c *kit.Ctx) error {
	id := c.PathValue("id")
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	var u org.Unit
	err = c.Write(func(tx *db.Tx) error {
		var err error
		u, err = org.Update(c.Context(), tx, c.Actor, id, version, f.Get("name"), f.Get("division_code"), f.Get("active") == "1")
		return err
	})
	if err != nil {
		p, perr := s.orgFormPage(c, f, false, "/orgs/"+id, "/orgs/"+id)
		if perr != nil {
			return perr
		}
		return c.RenderForm("org_form", p, err)
	}
	return c.Redirect("/orgs/"+u.ID, "已保存")
}
