package coreweb

import (
	"net/http"
	"strings"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/auth"
)

// Login, logout, password change and health: the public edge.

func (s *Handlers) Healthz(c *kit.Ctx) error {
	if err := s.App.DB.Pool().PingContext(c.Context()); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "数据库不可用"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "database": string(s.App.DB.Dialect())})
}

type loginData struct{ Expired, NeedCode bool }

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}

func (s *Handlers) LoginPage(c *kit.Ctx) error {
	if cookie, err := c.R.Cookie(kit.SessionCookie); err == nil {
		if _, _, err := s.App.Auth.Authenticate(c.Context(), cookie.Value, auth.KindWeb, s.ClientIP(c.R)); err == nil {
			http.Redirect(c.W, c.R, "/", http.StatusSeeOther)
			return nil
		}
	}
	f := kit.NewForm(map[string]string{"next": c.R.URL.Query().Get("next")})
	return c.Render("login", &kit.Page{Title: "登录", Form: f, Data: loginData{Expired: c.R.URL.Query().Get("expired") == "1"}})
}

func (s *Handlers) LoginSubmit(c *kit.Ctx) error {
	if err := c.R.ParseForm(); err != nil {
		return apperr.New(apperr.BadRequest, "表单无法读取")
	}
	f := kit.FormFrom(c.R)
	delete(f.Values, "password") // never echo a password back
	delete(f.Values, "code")
	code := c.R.PostForm.Get("code")
	res, err := s.App.Auth.LoginWithCode(c.Context(), c.R.PostForm.Get("username"), c.R.PostForm.Get("password"), code, s.ClientIP(c.R), c.R.UserAgent(), auth.KindWeb)
	if err != nil {
		ae, ok := apperr.As(err)
		if !ok {
			return err
		}
		needCode := err == auth.ErrCodeRequired || (code != "" && ae.Fields["code"] != "")
		return c.RenderStatus(ae.Status(), "login", &kit.Page{Title: "登录", Form: f, Error: ae.Message, Data: loginData{NeedCode: needCode}})
	}
	s.SetSessionCookie(c.W, c.R, res.Token)
	return c.Redirect(safeNext(c.R.PostForm.Get("next")), res.Notice)
}

func (s *Handlers) Logout(c *kit.Ctx) error {
	if err := s.App.Auth.Logout(c.Context(), c.Actor); err != nil {
		return err
	}
	s.ClearCookie(c.W, c.R)
	http.Redirect(c.W, c.R, "/login", http.StatusSeeOther)
	return nil
}

type passwordData struct{ Must bool }

func (s *Handlers) PasswordPage(c *kit.Ctx) error {
	return c.Render("password", &kit.Page{Title: "修改密码", Form: kit.NewForm(nil), Data: passwordData{Must: c.Actor.MustChangePassword}})
}

func (s *Handlers) PasswordSubmit(c *kit.Ctx) error {
	p := c.R.PostForm
	err := s.App.Auth.ChangePassword(c.Context(), c.Actor, p.Get("old_password"), p.Get("new_password"), p.Get("confirm"))
	if err != nil {
		return c.RenderForm("password", &kit.Page{Title: "修改密码", Form: kit.NewForm(nil), Data: passwordData{}}, err)
	}
	return c.Redirect("/", "密码已修改")
}
