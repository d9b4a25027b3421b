package kit

import (
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
)

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

// auditDenied records a request refused for the actor's role or scope
// (GB/T 22239-2019 8.1.4.3: 越权访问 is a security event). Recording
// must not change the answer the user gets, so its own error is logged only.
func (s *Server) auditDenied(c *Ctx, err error) {
	ae, ok := apperr.As(err)
	if !ok || c.Actor == nil || (ae.Kind != apperr.Forbidden && ae.Kind != apperr.OutOfScope) {
		return
	}
	if rerr := s.App.Auth.RecordDenied(c.Context(), c.Actor, c.route.Method+" "+c.route.Pattern, c.R.URL.Path, string(ae.Kind), ae.Message); rerr != nil {
		s.Log.Error("audit denied request", "err", rerr)
	}
}
