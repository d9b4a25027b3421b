package web

import (
	"net/http"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
)

// Login, logout, password change and health: the public edge.

func (s *Server) routesSession() {
	s.add(
		Route{Method: "GET", Pattern: "/healthz", Handle: s.healthz},
		Route{Method: "GET", Pattern: "/login", Handle: s.loginPage},
		Route{Method: "POST", Pattern: "/login", Handle: s.loginSubmit},
		Route{Method: "POST", Pattern: "/logout", Perm: authz.PermAccount, Handle: s.logout},
		Route{Method: "GET", Pattern: "/account/password", Perm: authz.PermAccount, Handle: s.passwordPage},
		Route{Method: "POST", Pattern: "/account/password", Perm: authz.PermAccount, Handle: s.passwordSubmit},
	)
	s.routesAccount()
}

func (s *Server) healthz(c *Ctx) error {
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

func (s *Server) loginPage(c *Ctx) error {
	if cookie, err := c.R.Cookie(SessionCookie); err == nil {
		if _, _, err := s.App.Auth.Authenticate(c.Context(), cookie.Value, auth.KindWeb, s.clientIP(c.R)); err == nil {
			http.Redirect(c.W, c.R, "/", http.StatusSeeOther)
			return nil
		}
	}
	f := NewForm(map[string]string{"next": c.R.URL.Query().Get("next")})
	return c.Render("login", &Page{Title: "登录", Form: f, Data: loginData{Expired: c.R.URL.Query().Get("expired") == "1"}})
}

func (s *Server) loginSubmit(c *Ctx) error {
	if err := c.R.ParseForm(); err != nil {
		return apperr.New(apperr.BadRequest, "表单无法读取")
	}
	f := FormFrom(c.R)
	delete(f.Values, "password") // never echo a password back
	delete(f.Values, "code")
	code := c.R.PostForm.Get("code")
	res, err := s.App.Auth.LoginWithCode(c.Context(), c.R.PostForm.Get("username"), c.R.PostForm.Get("password"), code, s.clientIP(c.R), c.R.UserAgent(), auth.KindWeb)
	if err != nil {
		ae, ok := apperr.As(err)
		if !ok {
			return err
		}
		needCode := err == auth.ErrCodeRequired || (code != "" && ae.Fields["code"] != "")
		return c.render(ae.Status(), "login", &Page{Title: "登录", Form: f, Error: ae.Message, Data: loginData{NeedCode: needCode}})
	}
	s.setSessionCookie(c.W, c.R, res.Token)
	return c.Redirect(safeNext(c.R.PostForm.Get("next")), res.Notice)
}

func (s *Server) logout(c *Ctx) error {
	if err := s.App.Auth.Logout(c.Context(), c.Actor); err != nil {
		return err
	}
	s.clearCookie(c.W, c.R)
	http.Redirect(c.W, c.R, "/login", http.StatusSeeOther)
	return nil
}

type passwordData struct{ Must bool }

func (s *Server) passwordPage(c *Ctx) error {
	return c.Render("password", &Page{Title: "修改密码", Form: NewForm(nil), Data: passwordData{Must: c.Actor.MustChangePassword}})
}

func (s *Server) passwordSubmit(c *Ctx) error {
	p := c.R.PostForm
	err := s.App.Auth.ChangePassword(c.Context(), c.Actor, p.Get("old_password"), p.Get("new_password"), p.Get("confirm"))
	if err != nil {
		return c.RenderForm("password", &Page{Title: "修改密码", Form: NewForm(nil), Data: passwordData{}}, err)
	}
	return c.Redirect("/", "密码已修改")
}
