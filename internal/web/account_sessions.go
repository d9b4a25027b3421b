package web

import (
	"net/http"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// Open sessions: a user sees and ends their own; security and system
// administrators anyone's in scope. Unlocking a locked-out account.

func (s *Server) routesAccount() {
	s.add(
		Route{Method: "GET", Pattern: "/account/sessions", Perm: authz.PermAccount, Handle: s.accountSessions},
		Route{Method: "POST", Pattern: "/account/sessions/{id}/end", Perm: authz.PermAccount, Handle: s.accountSessionEnd},
		Route{Method: "GET", Pattern: "/users/{id}/sessions", Perm: authz.PermSessionsManage, Handle: s.userSessions},
		Route{Method: "POST", Pattern: "/users/{id}/unlock", Perm: authz.PermUsersUnlock, Handle: s.userUnlock},
		Route{Method: "GET", Pattern: "/api/v1/sessions", Perm: authz.PermAccount, Handle: s.apiSessions},
		Route{Method: "DELETE", Pattern: "/api/v1/sessions/{id}", Perm: authz.PermAccount, Handle: s.apiSessionEnd},
		Route{Method: "POST", Pattern: "/api/v1/account/password", Perm: authz.PermAccount, Handle: s.apiChangePassword},
	)
	s.routesAccountRoles()
	s.routesAccount2FA()
	s.routesAccountPolicy()
}

type sessionsData struct {
	User     *auth.User // nil: the actor's own
	Sessions []auth.Session
	Back     string
}

func (s *Server) accountSessions(c *Ctx) error {
	list, err := s.App.Auth.Sessions(c.Context(), s.App.DB, c.Actor, "")
	if err != nil {
		return err
	}
	return c.Render("account_sessions", &Page{Title: "我的登录会话", Data: sessionsData{Sessions: list, Back: "/account/sessions"}})
}

func (s *Server) userSessions(c *Ctx) error {
	u, err := s.App.Auth.UserFor(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	list, err := s.App.Auth.Sessions(c.Context(), s.App.DB, c.Actor, u.ID)
	if err != nil {
		return err
	}
	return c.Render("account_sessions", &Page{Title: u.DisplayName + "的登录会话", Data: sessionsData{User: &u, Sessions: list, Back: "/users/" + u.ID + "/sessions"}})
}

func (s *Server) accountSessionEnd(c *Ctx) error {
	id := c.PathValue("id")
	current := false
	if own, err := s.App.Auth.Sessions(c.Context(), s.App.DB, c.Actor, ""); err == nil {
		for _, x := range own {
			current = current || (x.ID == id && x.Current)
		}
	}
	if err := s.App.DB.InTx(c.Context(), func(tx *db.Tx) error { return s.App.Auth.EndSession(c.Context(), tx, c.Actor, id) }); err != nil {
		return err
	}
	if current {
		s.clearCookie(c.W, c.R)
		return c.Redirect("/login", "")
	}
	back := c.R.PostForm.Get("back")
	if back != "/account/sessions" && !(len(back) > 7 && back[:7] == "/users/") {
		back = "/account/sessions"
	}
	return c.Redirect(safeNext(back), "会话已结束")
}

func (s *Server) userUnlock(c *Ctx) error {
	id := c.PathValue("id")
	if err := s.App.DB.InTx(c.Context(), func(tx *db.Tx) error { return s.App.Auth.Unlock(c.Context(), tx, c.Actor, id) }); err != nil {
		return err
	}
	return c.Redirect("/users/"+id, "账号已解锁")
}

func (s *Server) apiSessions(c *Ctx) error {
	list, err := s.App.Auth.Sessions(c.Context(), s.App.DB, c.Actor, c.R.URL.Query().Get("user_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listJSON{Items: list, Total: len(list), Limit: len(list)})
}

func (s *Server) apiSessionEnd(c *Ctx) error {
	if err := s.App.DB.InTx(c.Context(), func(tx *db.Tx) error {
		return s.App.Auth.EndSession(c.Context(), tx, c.Actor, c.PathValue("id"))
	}); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// apiAccountGate keeps an API client whose password must be changed (set
// by an administrator, printed at first start, or expired) or whose role
// needs two factors not yet enrolled to the routes that let it put that
// right, as pages do with a redirect.
func apiAccountGate(rt Route, actor *authz.Actor) error {
	if !rt.API() || actor == nil {
		return nil
	}
	switch rt.Pattern {
	case "/api/v1/logout", "/api/v1/me", "/api/v1/account/password":
		return nil
	}
	if actor.MustChangePassword {
		return apperr.New(apperr.Forbidden, "请先修改密码（POST /api/v1/account/password 或网页“修改密码”）")
	}
	if actor.MustEnrolSecondFactor {
		return apperr.New(apperr.Forbidden, "您的角色须启用双因素认证：请先在网页“双因素认证”页完成绑定")
	}
	return nil
}

func (s *Server) apiChangePassword(c *Ctx) error {
	var in struct {
		OldPassword string `json:"old_password"`
		NewPassword string `json:"new_password"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := s.App.Auth.ChangePassword(c.Context(), c.Actor, in.OldPassword, in.NewPassword, in.NewPassword); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}
