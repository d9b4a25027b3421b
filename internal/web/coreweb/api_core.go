package coreweb

import (
	"net/http"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
)

// The core of the JSON API: login, the current user, accounts, the
// organisation tree and the audit log. Documented in openapi/core.json.

func (s *Handlers) ApiLogin(c *kit.Ctx) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Code     string `json:"code"` // second factor: TOTP code or recovery code
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	res, err := s.App.Auth.LoginWithCode(c.Context(), in.Username, in.Password, in.Code, s.ClientIP(c.R), c.R.UserAgent(), auth.KindAPI)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": res.Token, "expires_in": int(s.App.Auth.SessionLifetime().Seconds()), "user": res.User, "notice": res.Notice})
}

func (s *Handlers) ApiLogout(c *kit.Ctx) error {
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

func (s *Handlers) ApiMe(c *kit.Ctx) error {
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

func (s *Handlers) ApiUsers(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	users, total, err := s.App.Auth.ListUsers(c.Context(), c.Actor, userFilterFrom(p))
	if err != nil {
		return err
	}
	if users == nil {
		users = []auth.User{}
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: users, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiUser(c *kit.Ctx) error {
	u, err := s.App.Auth.UserFor(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Handlers) ApiUserCreate(c *kit.Ctx) error {
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

func (s *Handlers) ApiUserUpdate(c *kit.Ctx) error {
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

func (s *Handlers) ApiOrgs(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	f := org.Filter{Kind: org.Kind(p.Query.Get("kind")), ParentID: p.Query.Get("parent_id"), Text: p.Q, Active: p.Query.Get("active"),
		Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size}
	units, total, err := org.List(c.Context(), s.App.DB, c.Actor, f)
	if err != nil {
		return err
	}
	if units == nil {
		units = []org.Unit{}
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: units, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiOrg(c *kit.Ctx) error {
	u, err := org.GetFor(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Handlers) ApiOrgCreate(c *kit.Ctx) error {
	var in org.Input
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var u org.Unit
	err := c.Write(func(tx *db.Tx) error {
		var err error
		u, err = org.Create(c.Context(), tx, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

func (s *Handlers) ApiOrgUpdate(c *kit.Ctx) error {
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
	err = c.Write(func(tx *db.Tx) error {
		var err error
		u, err = org.Update(c.Context(), tx, c.Actor, cur.ID, in.Version, name, code, active)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Handlers) ApiAudit(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	entries, total, err := audit.List(c.Context(), s.App.DB, c.Actor, auditFilterFrom(p))
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []audit.Entry{}
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: entries, Total: total, Limit: p.Size, Offset: p.Offset()})
}

// APIDocument serves the merged OpenAPI document of every module.
func (s *Handlers) APIDocument(c *kit.Ctx) error {
	doc, err := s.OpenAPI()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}
