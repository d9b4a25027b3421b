package web

import (
	"net/http"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
)

// The core of the JSON API: login, the current user, accounts, the
// organisation tree and the audit log. Documented in openapi/core.json.

func (s *Server) routesAPICore() {
	s.add(
		Route{Method: "GET", Pattern: "/api/v1/openapi.json", Handle: s.apiOpenAPI},
		Route{Method: "POST", Pattern: "/api/v1/login", Handle: s.apiLogin},
		Route{Method: "POST", Pattern: "/api/v1/logout", Perm: authz.PermAccount, Handle: s.apiLogout},
		Route{Method: "GET", Pattern: "/api/v1/me", Perm: authz.PermHome, Handle: s.apiMe},
		Route{Method: "GET", Pattern: "/api/v1/users", Perm: authz.PermUsersRead, Handle: s.apiUsers},
		Route{Method: "POST", Pattern: "/api/v1/users", Perm: authz.PermUsersManage, Handle: s.apiUserCreate},
		Route{Method: "GET", Pattern: "/api/v1/users/{id}", Perm: authz.PermUsersRead, Handle: s.apiUser},
		Route{Method: "PATCH", Pattern: "/api/v1/users/{id}", Perm: authz.PermUsersManage, Handle: s.apiUserUpdate},
		Route{Method: "GET", Pattern: "/api/v1/orgs", Perm: authz.PermOrgRead, Handle: s.apiOrgs},
		Route{Method: "POST", Pattern: "/api/v1/orgs", Perm: authz.PermOrgManage, Handle: s.apiOrgCreate},
		Route{Method: "GET", Pattern: "/api/v1/orgs/{id}", Perm: authz.PermOrgRead, Handle: s.apiOrg},
		Route{Method: "PATCH", Pattern: "/api/v1/orgs/{id}", Perm: authz.PermOrgEdit, Handle: s.apiOrgUpdate},
		Route{Method: "GET", Pattern: "/api/v1/audit", Perm: authz.PermAuditRead, Handle: s.apiAudit},
	)
}

func (s *Server) apiLogin(c *Ctx) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Code     string `json:"code"` // second factor: TOTP code or recovery code
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	res, err := s.App.Auth.LoginWithCode(c.Context(), in.Username, in.Password, in.Code, s.clientIP(c.R), c.R.UserAgent(), auth.KindAPI)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": res.Token, "expires_in": int(s.App.Auth.SessionLifetime().Seconds()), "user": res.User, "notice": res.Notice})
}

func (s *Server) apiLogout(c *Ctx) error {
	if err := s.App.Auth.Logout(c.Context(), c.Actor); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

type meJSON struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Role        string   `json:"role"`
	RoleLabel   string   `json:"role_label"`
	Scope       org.Unit `json:"scope"`
	Permissions []string `json:"permissions"`
}

func (s *Server) apiMe(c *Ctx) error {
	unit, err := org.Get(c.Context(), s.App.DB, c.Actor.OrgID)
	if err != nil {
		return err
	}
	perms := []string{}
	for _, p := range authz.PermissionsOf(c.Actor.Role) {
		perms = append(perms, string(p))
	}
	return c.JSON(http.StatusOK, meJSON{ID: c.Actor.UserID, Username: c.Actor.Username, DisplayName: c.Actor.DisplayName,
		Role: string(c.Actor.Role), RoleLabel: c.Actor.Role.Label(), Scope: unit, Permissions: perms})
}

func (s *Server) apiUsers(c *Ctx) error {
	p := listParams(c.R, 20)
	users, total, err := s.App.Auth.ListUsers(c.Context(), c.Actor, userFilterFrom(p))
	if err != nil {
		return err
	}
	if users == nil {
		users = []auth.User{}
	}
	return c.JSON(http.StatusOK, listJSON{Items: users, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Server) apiUser(c *Ctx) error {
	u, err := s.App.Auth.UserFor(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) apiUserCreate(c *Ctx) error {
	var in auth.UserInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	u, err := s.App.Auth.CreateUser(c.Context(), c.Actor, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

// userPatch is a partial update: absent fields keep their values.
type userPatch struct {
	Version     int         `json:"version"`
	DisplayName *string     `json:"display_name"`
	Phone       *string     `json:"phone"`
	Role        *authz.Role `json:"role"`
	OrgID       *string     `json:"org_id"`
	Active      *bool       `json:"active"`
}

func (s *Server) apiUserUpdate(c *Ctx) error {
	var in userPatch
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if in.Version <= 0 {
		return &apperr.Error{Kind: apperr.Invalid, Message: "缺少版本号", Fields: map[string]string{"version": "请提供读取记录时得到的 version"}}
	}
	cur, err := s.App.Auth.UserFor(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	ui := auth.UserInput{DisplayName: cur.DisplayName, Role: cur.Role, OrgID: cur.OrgID, Active: &cur.Active}
	if in.DisplayName != nil {
		ui.DisplayName = *in.DisplayName
	}
	if in.Phone != nil {
		ui.Phone = *in.Phone
	}
	if in.Role != nil {
		ui.Role = *in.Role
	}
	if in.OrgID != nil {
		ui.OrgID = *in.OrgID
	}
	if in.Active != nil {
		ui.Active = in.Active
	}
	u, err := s.App.Auth.UpdateUser(c.Context(), c.Actor, cur.ID, in.Version, ui)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) apiOrgs(c *Ctx) error {
	p := listParams(c.R, 50)
	f := org.Filter{Kind: org.Kind(p.Query.Get("kind")), ParentID: p.Query.Get("parent_id"), Text: p.Q, Active: p.Query.Get("active"),
		Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size}
	units, total, err := org.List(c.Context(), s.App.DB, c.Actor, f)
	if err != nil {
		return err
	}
	if units == nil {
		units = []org.Unit{}
	}
	return c.JSON(http.StatusOK, listJSON{Items: units, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Server) apiOrg(c *Ctx) error {
	u, err := org.GetFor(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) apiOrgCreate(c *Ctx) error {
	var in org.Input
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var u org.Unit
	err := s.App.DB.InTx(c.Context(), func(tx *db.Tx) error {
		var err error
		u, err = org.Create(c.Context(), tx, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

func (s *Server) apiOrgUpdate(c *Ctx) error {
	var in struct {
		Version      int     `json:"version"`
		Name         *string `json:"name"`
		DivisionCode *string `json:"division_code"`
		Active       *bool   `json:"active"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	cur, err := org.GetFor(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	name, code, active := cur.Name, cur.DivisionCode, cur.Active
	if in.Name != nil {
		name = *in.Name
	}
	if in.DivisionCode != nil {
		code = *in.DivisionCode
	}
	if in.Active != nil {
		active = *in.Active
	}
	var u org.Unit
	err = s.App.DB.InTx(c.Context(), func(tx *db.Tx) error {
		var err error
		u, err = org.Update(c.Context(), tx, c.Actor, cur.ID, in.Version, name, code, active)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) apiAudit(c *Ctx) error {
	p := listParams(c.R, 50)
	entries, total, err := audit.List(c.Context(), s.App.DB, c.Actor, auditFilterFrom(p))
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []audit.Entry{}
	}
	return c.JSON(http.StatusOK, listJSON{Items: entries, Total: total, Limit: p.Size, Offset: p.Offset()})
}
