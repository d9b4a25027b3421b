package coreweb

import (
	"encoding/base64"
	"html/template"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/db"
)

// Two factors: enrolment with a QR code, the recovery codes shown once,
// and the security administrator's reset.

type twoFactorData struct {
	Enabled  bool
	Required bool
	Secret   string
	QR       template.URL // data:image/png;base64,…
	Codes    []string     // recovery codes, right after enabling only
}

func (s *Handlers) twoFactorData(c *kit.Ctx) (twoFactorData, error) {
	u, err := s.App.Auth.UserByID(c.Context(), c.Actor.UserID)
	if err != nil {
		return twoFactorData{}, err
	}
	d := twoFactorData{Enabled: u.SecondFactor, Required: s.App.Auth.SecondFactorRequired(u)}
	if d.Enabled {
		return d, nil
	}
	var e auth.Enrolment
	err = c.Write(func(tx *db.Tx) error {
		e, err = s.App.Auth.PendingEnrolment(c.Context(), tx, c.Actor)
		return err
	})
	d.Secret = e.Secret
	d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRPNG))
	return d, err
}

func (s *Handlers) TwoFactorPage(c *kit.Ctx) error {
	d, err := s.twoFactorData(c)
	if err != nil {
		return err
	}
	return c.Render("account_2fa", &kit.Page{Title: "双因素认证", Form: kit.NewForm(nil), Data: d})
}

func (s *Handlers) TwoFactorConfirm(c *kit.Ctx) error {
	var codes []string
	err := c.Write(func(tx *db.Tx) error {
		var err error
		codes, err = s.App.Auth.ConfirmEnrolment(c.Context(), tx, c.Actor, c.R.PostForm.Get("code"))
		return err
	})
	if err != nil {
		d, derr := s.twoFactorData(c)
		if derr != nil {
			return derr
		}
		return c.RenderForm("account_2fa", &kit.Page{Title: "双因素认证", Form: kit.NewForm(nil), Data: d}, err)
	}
	return c.Render("account_2fa", &kit.Page{Title: "双因素认证", Form: kit.NewForm(nil), Data: twoFactorData{Enabled: true, Codes: codes}})
}

func (s *Handlers) TwoFactorReset(c *kit.Ctx) error {
	id := c.PathValue("id")
	if err := c.Write(func(tx *db.Tx) error { return s.App.Auth.ResetSecondFactor(c.Context(), tx, c.Actor, id) }); err != nil {
		return err
	}
	return c.Redirect("/users/"+id, "已重置双因素认证，该用户下次登录时须重新绑定")
}
