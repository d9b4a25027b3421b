package coreweb

import (
	"strconv"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
)

// Account management pages.

func userFilterFrom(p kit.ListParams) auth.UserFilter {
	return auth.UserFilter{Text: p.Q, Role: authz.Role(p.Query.Get("role")), OrgID: p.Query.Get("org"), Active: p.Query.Get("active"),
		Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size}
}

func (s *Handlers) UserList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	users, total, err := s.App.Auth.ListUsers(c.Context(), c.Actor, userFilterFrom(p))
	if err != nil {
		return err
	}
	opts, err := s.Picker(c, kit.PickOrgs, "org", p.Query.Get("org"))
	if err != nil {
		return err
	}
	return c.Render("users", &kit.Page{Title: "用户管理", Data: map[string]any{"Users": users, "Pager": kit.NewPager(p, total), "Params": p, "OrgPicker": opts}})
}

func (s *Handlers) UserShow(c *kit.Ctx) error {
	u, err := s.App.Auth.UserFor(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("user", &kit.Page{Title: u.DisplayName, Form: kit.NewForm(nil), Data: map[string]any{"User": u}})
}

func (s *Handlers) userFormPage(c *kit.Ctx, f *kit.Form, creating bool, action, back string) (*kit.Page, error) {
	opts, err := s.Picker(c, kit.PickOrgs, "org_id", f.Get("org_id"))
	if err != nil {
		return nil, err
	}
	title, hint := "编辑用户", "选填"
	if creating {
		title, hint = "新增用户", ""
	}
	return &kit.Page{Title: title, Form: f, Data: map[string]any{"Creating": creating, "Action": action, "Back": back, "OrgPicker": opts, "PhoneHint": hint}}, nil
}

func (s *Handlers) UserNew(c *kit.Ctx) error {
	p, err := s.userFormPage(c, kit.NewForm(nil), true, "/users", "/users")
	if err != nil {
		return err
	}
	return c.Render("user_form", p)
}

func userInputFrom(f *kit.Form) auth.UserInput {
	active := f.Get("active") == "1"
	return auth.UserInput{Username: f.Get("username"), DisplayName: f.Get("display_name"), Phone: f.Get("phone"),
		Role: authz.Role(f.Get("role")), OrgID: f.Get("org_id"), Password: f.Get("password"), Active: &active}
}

func (s *Handlers) UserCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	in := userInputFrom(f)
	in.Active = nil // new accounts start enabled
	u, err := s.App.Auth.CreateUser(c.Context(), c.Actor, in)
	if err != nil {
		delete(f.Values, "password")
		p, perr := s.userFormPage(c, f, true, "/users", "/users")
		if perr != nil {
			return perr
		}
		return c.RenderForm("user_form", p, err)
	}
	return c.Redirect("/users/"+u.ID, "已新增用户："+u.DisplayName)
}

func (s *Handlers) UserEdit(c *kit.Ctx) error {
	u, err := s.App.Auth.UserFor(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	// The phone is not filled in: showing it in full would be a reveal.
	// Left empty, the saved number stays.
	f := kit.NewForm(map[string]string{"username": u.Username, "display_name": u.DisplayName, "role": string(u.Role),
		"org_id": u.OrgID, "active": kit.BoolField(u.Active), "version": strconv.Itoa(u.Version)})
	p, err := s.userFormPage(c, f, false, "/users/"+u.ID, "/users/"+u.ID)
	if err != nil {
		return err
	}
	if u.Phone != "" {
		p.Data.(map[string]any)["PhoneHint"] = "已保存：" + u.Phone + "；不修改请留空，修改请填写完整号码"
	}
	return c.Render("user_form", p)
}

func (s *Handlers) UserUpdate(c *kit.Ctx) error {
	id := c.PathValue("id")
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	u, err := s.App.Auth.UpdateUser(c.Context(), c.Actor, id, version, userInputFrom(f))
	if err != nil {
		p, perr := s.userFormPage(c, f, false, "/users/"+id, "/users/"+id)
		if perr != nil {
			return perr
		}
		return c.RenderForm("user_form", p, err)
	}
	return c.Redirect("/users/"+u.ID, "已保存")
}

func (s *Handlers) UserResetPassword(c *kit.Ctx) error {
	id := c.PathValue("id")
	err := s.App.Auth.ResetPassword(c.Context(), c.Actor, id, c.R.PostForm.Get("password"))
	if err != nil {
		u, uerr := s.App.Auth.UserFor(c.Context(), c.Actor, id)
		if uerr != nil {
			return uerr
		}
		return c.RenderForm("user", &kit.Page{Title: u.DisplayName, Form: kit.NewForm(nil), Data: map[string]any{"User": u}}, err)
	}
	return c.Redirect("/users/"+id, "密码已重置，该用户下次登录时须修改密码")
}
