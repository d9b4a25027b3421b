package workforceweb

import (
	"net/http"

	"github.com/shegong/shegong/internal/apperr"

	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/web/kit"
	"github.com/shegong/shegong/internal/workforce"
)

// ApiWfVolunteerAccount links a volunteer to their login account
// ({"user_id"}; "" unlinks): what the volunteer sees of recipients
// follows that person's assignments.
func (s *Handlers) ApiWfVolunteerAccount(c *kit.Ctx) error {
	var in struct {
		UserID string `json:"user_id"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var v workforce.Volunteer
	err := c.Write(func(tx *db.Tx) (err error) {
		v, err = workforce.LinkVolunteerAccount(c.Context(), tx, c.Actor, c.PathValue("id"), in.UserID)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// WfVolunteerAccountSet links a volunteer to a login account of the
// volunteer role in scope, or unlinks them (user_id ""), from the
// volunteer's page (POST /workforce/volunteers/{id}/account).
func (s *Handlers) WfVolunteerAccountSet(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	err := c.Write(func(tx *db.Tx) error {
		_, err := workforce.LinkVolunteerAccount(c.Context(), tx, c.Actor, c.PathValue("id"), f.Get("user_id"))
		return err
	})
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		for k, v := range ae.Fields {
			f.Errors[k] = v
		}
		return s.wfVolunteerPage(c, f, http.StatusUnprocessableEntity)
	} else if err != nil {
		return err
	}
	msg := "已关联登录账号"
	if f.Get("user_id") == "" {
		msg = "已取消关联登录账号"
	}
	return c.Redirect("/workforce/volunteers/"+c.PathValue("id"), msg)
}
