package coreweb

import (
	"strconv"
	"time"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/db"
)

// The security policy page (security administrators).

func policyForm(p auth.Policy) *kit.Form {
	all := "0"
	if p.SecondFactorAll {
		all = "1"
	}
	return kit.NewForm(map[string]string{
		"session_idle": strconv.Itoa(int(p.SessionIdle / time.Minute)), "session_lifetime": strconv.Itoa(int(p.SessionLifetime / time.Hour)),
		"max_sessions": strconv.Itoa(p.MaxSessions), "delay_from": strconv.Itoa(p.DelayFrom),
		"lock_failures": strconv.Itoa(p.LockFailures), "lock_addresses": strconv.Itoa(p.LockAddresses),
		"lock_window": strconv.Itoa(int(p.LockWindow / time.Minute)), "lock_for": strconv.Itoa(int(p.LockFor / time.Minute)),
		"password_max_age": strconv.Itoa(int(p.PasswordMaxAge / (24 * time.Hour))), "password_history": strconv.Itoa(p.PasswordHistory),
		"second_factor_all": all,
	})
}

func (s *Handlers) PolicyPage(c *kit.Ctx) error {
	p, err := s.App.Auth.SecurityPolicy(c.Context(), c.Actor)
	if err != nil {
		return err
	}
	return c.Render("account_policy", &kit.Page{Title: "安全策略", Form: policyForm(p)})
}

func (s *Handlers) PolicySubmit(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	n := func(k string) int { v, _ := strconv.Atoi(f.Get(k)); return v }
	p := auth.Policy{
		SessionIdle: time.Duration(n("session_idle")) * time.Minute, SessionLifetime: time.Duration(n("session_lifetime")) * time.Hour,
		MaxSessions: n("max_sessions"), DelayFrom: n("delay_from"), LockFailures: n("lock_failures"), LockAddresses: n("lock_addresses"),
		LockWindow: time.Duration(n("lock_window")) * time.Minute, LockFor: time.Duration(n("lock_for")) * time.Minute,
		PasswordMaxAge: time.Duration(n("password_max_age")) * 24 * time.Hour, PasswordHistory: n("password_history"),
		SecondFactorAll: f.Get("second_factor_all") == "1",
	}
	if err := c.Write(func(tx *db.Tx) error { return s.App.Auth.SetSecurityPolicy(c.Context(), tx, c.Actor, p) }); err != nil {
		return c.RenderForm("account_policy", &kit.Page{Title: "安全策略", Form: f}, err)
	}
	return c.Redirect("/security-policy", "安全策略已保存，各节点在 10 秒内生效")
}
