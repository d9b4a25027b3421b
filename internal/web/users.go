package web

import (
	"strconv"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
)

// Account management pages.

func (s *Server) routesUsers() {
	s.add(
		Route{Method: "GET", Pattern: "/users", Perm: authz.PermUsersRead, Handle: s.userList},
		Route{Method: "GET", Pattern: "/users/new", Perm: authz.PermUsersManage, Handle: s.userNew},
		Route{Method: "POST", Pattern: "/users", Perm: authz.PermUsersManage, Handle: s.userCreate},
		Route{Method: "GET", Pattern: "/users/{id}", Perm: authz.PermUsersRead, Handle: s.userShow},
		Route{Method: "GET", Pattern: "/users/{id}/edit", Perm: authz.PermUsersManage, Handle: s.userEdit},
		Route{Method: "POST", Pattern: "/users/{id}", Perm: authz.PermUsersManage, Handle: s.userUpdate},
		Route{Method: "POST", Pattern: "/users/{id}/password", Perm: authz.PermUsersManage, Handle: s.userResetPassword},
	)
}

func userFilterFrom(p ListParams) auth.UserFilter {
	return auth.UserFilter{Text: p.Q, Role: authz.Role(p.Query.Get("role")), OrgID: p.Query.Get("org"), Active: p.Query.Get("active"),
		Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size}
}

func (s *Server) userList(c *Ctx) error {
	p := listParams(c.R, 20)
	users, total, err := s.App.Auth.ListUsers(c.Context(), c.Actor, userFilterFrom(p))
	if err != nil {
		return err
	}
	opts, err := s.orgOptions(c, false)
	if err != nil {
		return err
	}
	return c.Render("users", &Page{Title: "用户管理", Data: map[string]any{"Users": users, "Pager": newPager(p, total), "Params": p, "Orgs": opts}})
}

func (s *Server) userShow(c *Ctx) error {
	u, err := s.App.Auth.UserFor(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("user", &Page{Title: u.DisplayName, Form: NewForm(nil), Data: map[string]any{"User": u}})
}

func (s *Server) userFormPage(c *Ctx, f *Form, creating bool, action, back string) (*Page, error) {
	opts, err := s.orgOptions(c, true)
	if err != nil {
		return nil, err
	}
	title, hint := "编辑用户", "选填"
	if creating {
		title, hint = "新增用户", ""
	}
	return &Page{Title: title, Form: f, Data: map[string]any{"Creating": creating, "Action": action, "Back": back, "Orgs": opts, "PhoneHint": hint}}, nil
}

func (s *Server) userNew(c *Ctx) error {
	p, err := s.userFormPage(c, NewForm(nil), true, "/users", "/users")
	if err != nil {
		return err
	}
	return c.Render("user_form", p)
}

func userInputFrom(f *Form) auth.UserInput {
	active := f.Get("active") == "1"
	return auth.UserInput{Username: f.Get("username"), DisplayName: f.Get("display_name"), Phone: f.Get("phone"),
		Role: authz.Role(f.Get("role")), OrgID: f.Get("org_id"), Password: f.Get("password"), Active: &active}
}

func (s *Server) userCreate(c *Ctx) error {
	f := FormFrom(c.R)
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

func (s *Server) userEdit(c *Ctx) error {
	u, err := s.App.Auth.UserFor(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	// The phone is not filled in: showing it in full would be a reveal.
	// Left empty, the saved number stays.
	f := NewForm(map[string]string{"username": u.Username, "display_name": u.DisplayName, "role": string(u.Role),
		"org_id": u.OrgID, "active": boolField(u.Active), "version": strconv.Itoa(u.Version)})
	p, err := s.userFormPage(c, f, false, "/users/"+u.ID, "/users/"+u.ID)
	if err != nil {
		return err
	}
	if u.Phone != "" {
		p.Data.(map[string]any)["PhoneHint"] = "已保存：" + u.Phone + "；不修改请留空，修改请填写完整号码"
	}
	return c.Render("user_form", p)
}

func (s *Server) userUpdate(c *Ctx) error {
	id := c.PathValue("id")
	f := FormFrom(c.R)
	version, err := strconv.Atoi(f.Get("version"))
	if err != nil {
		return apperr.New(apperr.BadRequest, "缺少版本号，请刷新页面后重试")
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

func (s *Server) userResetPassword(c *Ctx) error {
	id := c.PathValue("id")
	err := s.App.Auth.ResetPassword(c.Context(), c.Actor, id, c.R.PostForm.Get("password"))
	if err != nil {
		u, uerr := s.App.Auth.UserFor(c.Context(), c.Actor, id)
		if uerr != nil {
			return uerr
		}
		return c.RenderForm("user", &Page{Title: u.DisplayName, Form: NewForm(nil), Data: map[string]any{"User": u}}, err)
	}
	return c.Redirect("/users/"+id, "密码已重置，该用户下次登录时须修改密码")
}
