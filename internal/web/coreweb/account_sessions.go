package coreweb

import (
	"net/http"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/db"
)

// Open sessions: a user sees and ends their own; security and system
// administrators anyone's in scope. Unlocking a locked-out account.

type sessionsData struct {
	User     *auth.User // nil: the actor's own
	Sessions []auth.Session
	Back     string
}

func (s *Handlers) AccountSessions(c *kit.Ctx) error {
	list, err := s.App.Auth.Sessions(c.Context(), s.App.DB, c.Actor, "")
	if err != nil {
		return err
	}
	return c.Render("account_sessions", &kit.Page{Title: "我的登录会话", Data: sessionsData{Sessions: list, Back: "/account/sessions"}})
}

func (s *Handlers) UserSessions(c *kit.Ctx) error {
	u, err := s.App.Auth.UserFor(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	list, err := s.App.Auth.Sessions(c.Context(), s.App.DB, c.Actor, u.ID)
	if err != nil {
		return err
	}
	return c.Render("account_sessions", &kit.Page{Title: u.DisplayName + "的登录会话", Data: sessionsData{User: &u, Sessions: list, Back: "/users/" + u.ID + "/sessions"}})
}

func (s *Handlers) AccountSessionEnd(c *kit.Ctx) error {
	id := c.PathValue("id")
	current := false
	if own, err := s.App.Auth.Sessions(c.Context(), s.App.DB, c.Actor, ""); err == nil {
		for _, x := range own {
			current = current || (x.ID == id && x.Current)
		}
	}
	if err := c.Write(func(tx *db.Tx) error { return s.App.Auth.EndSession(c.Context(), tx, c.Actor, id) }); err != nil {
		return err
	}
	if current {
		s.ClearCookie(c.W, c.R)
		return c.Redirect("/login", "")
	}
	back := c.R.PostForm.Get("back")
	if back != "/account/sessions" && !(len(back) > 7 && back[:7] == "/users/") {
		back = "/account/sessions"
	}
	return c.Redirect(safeNext(back), "会话已结束")
}

func (s *Handlers) UserUnlock(c *kit.Ctx) error {
	id := c.PathValue("id")
	if err := c.Write(func(tx *db.Tx) error { return s.App.Auth.Unlock(c.Context(), tx, c.Actor, id) }); err != nil {
		return err
	}
	return c.Redirect("/users/"+id, "账号已解锁")
}

func (s *Handlers) ApiSessions(c *kit.Ctx) error {
	list, err := s.App.Auth.Sessions(c.Context(), s.App.DB, c.Actor, c.R.URL.Query().Get("user_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: list, Total: len(list), Limit: len(list)})
}

func (s *Handlers) ApiSessionEnd(c *kit.Ctx) error {
	if err := c.Write(func(tx *db.Tx) error {
		return s.App.Auth.EndSession(c.Context(), tx, c.Actor, c.PathValue("id"))
	}); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handlers) ApiChangePassword(c *kit.Ctx) error {
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
