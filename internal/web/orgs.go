package web

import (
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
)

// The organisation tree pages: browse, create, edit.

func (s *Server) routesOrgs() {
	s.add(
		Route{Method: "GET", Pattern: "/orgs", Perm: authz.PermOrgRead, Handle: s.orgList},
		Route{Method: "GET", Pattern: "/orgs/new", Perm: authz.PermOrgManage, Handle: s.orgNew},
		Route{Method: "POST", Pattern: "/orgs", Perm: authz.PermOrgManage, Handle: s.orgCreate},
		Route{Method: "GET", Pattern: "/orgs/{id}", Perm: authz.PermOrgRead, Handle: s.orgShow},
		Route{Method: "GET", Pattern: "/orgs/{id}/edit", Perm: authz.PermOrgEdit, Handle: s.orgEdit},
		Route{Method: "POST", Pattern: "/orgs/{id}", Perm: authz.PermOrgEdit, Handle: s.orgUpdate},
	)
}

// orgOption is a node in a picker, indented by depth under the actor's
// scope node.
type orgOption struct {
	org.Unit
	Indent string
}

// orgOptions lists the nodes the actor may pick (up to 1,000), in tree
// order.
func (s *Server) orgOptions(c *Ctx, activeOnly bool) ([]orgOption, error) {
	f := org.Filter{Limit: 1000}
	if activeOnly {
		f.Active = "1"
	}
	units, _, err := org.List(c.Context(), s.App.DB, c.Actor, f)
	if err != nil {
		return nil, err
	}
	return indentUnits(units, c.Actor.OrgPath), nil
}

func indentUnits(units []org.Unit, basePath string) []orgOption {
	baseDepth := strings.Count(basePath, "/")
	out := make([]orgOption, len(units))
	for i, u := range units {
		depth := strings.Count(u.Path, "/") - baseDepth
		out[i] = orgOption{Unit: u, Indent: strings.Repeat("　", max(depth, 0))}
	}
	return out
}

func (s *Server) orgList(c *Ctx) error {
	p := listParams(c.R, 50)
	f := org.Filter{Kind: org.Kind(p.Query.Get("kind")), Text: p.Q, Active: p.Query.Get("active"), Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size}
	units, total, err := org.List(c.Context(), s.App.DB, c.Actor, f)
	if err != nil {
		return err
	}
	return c.Render("orgs", &Page{Title: "机构与站点", Data: map[string]any{
		"Units": indentUnits(units, c.Actor.OrgPath), "Pager": newPager(p, total), "Params": p, "Kinds": org.Kinds[1:],
	}})
}

func (s *Server) orgShow(c *Ctx) error {
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
	return c.Render("org", &Page{Title: u.Name, Data: map[string]any{
		"Unit": u, "Chain": visible, "Children": children, "CanEdit": c.Actor.Can(authz.PermOrgEdit),
	}})
}

func (s *Server) orgFormPage(c *Ctx, f *Form, creating bool, action, back string) (*Page, error) {
	opts, err := s.orgOptions(c, true)
	if err != nil {
		return nil, err
	}
	title := "编辑机构"
	if creating {
		title = "新增机构"
	}
	return &Page{Title: title, Form: f, Data: map[string]any{
		"Creating": creating, "Action": action, "Back": back, "Orgs": opts, "Kinds": org.Kinds[1:],
	}}, nil
}

func (s *Server) orgNew(c *Ctx) error {
	p, err := s.orgFormPage(c, NewForm(map[string]string{"parent_id": c.R.URL.Query().Get("parent")}), true, "/orgs", "/orgs")
	if err != nil {
		return err
	}
	return c.Render("org_form", p)
}

func (s *Server) orgCreate(c *Ctx) error {
	f := FormFrom(c.R)
	in := org.Input{ParentID: f.Get("parent_id"), Kind: org.Kind(f.Get("kind")), Name: f.Get("name"), DivisionCode: f.Get("division_code")}
	var u org.Unit
	err := s.App.DB.InTx(c.Context(), func(tx *db.Tx) error {
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

func (s *Server) orgEdit(c *Ctx) error {
	u, err := org.GetFor(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := NewForm(map[string]string{"name": u.Name, "division_code": u.DivisionCode, "version": strconv.Itoa(u.Version), "active": boolField(u.Active)})
	p, err := s.orgFormPage(c, f, false, "/orgs/"+u.ID, "/orgs/"+u.ID)
	if err != nil {
		return err
	}
	return c.Render("org_form", p)
}

func (s *Server) orgUpdate(c *Ctx) error {
	id := c.PathValue("id")
	f := FormFrom(c.R)
	version, err := strconv.Atoi(f.Get("version"))
	if err != nil {
		return apperr.New(apperr.BadRequest, "缺少版本号，请刷新页面后重试")
	}
	var u org.Unit
	err = s.App.DB.InTx(c.Context(), func(tx *db.Tx) error {
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

func boolField(b bool) string {
	if b {
		return "1"
	}
	return ""
}
