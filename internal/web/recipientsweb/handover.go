package recipientsweb

import (
	"net/http"

	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/web/kit"
)

// The handover page (工作交接): a station head moves a leaving worker's
// people — and what other modules register with recipients.OnHandover —
// to another worker in one step.

func (s *Handlers) HandoverPage(c *kit.Ctx) error {
	return s.renderHandover(c, http.StatusOK, kit.NewForm(nil), "", nil)
}

func (s *Handlers) renderHandover(c *kit.Ctx, status int, f *kit.Form, msg string, done *recipients.HandoverResult) error {
	users, err := recipients.HandoverUsers(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return err
	}
	return c.RenderStatus(status, "recipients_handover", &kit.Page{Title: "工作交接", Form: f, Error: msg,
		Data: map[string]any{"Users": users, "Done": done}})
}

func (s *Handlers) HandoverSubmit(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var res recipients.HandoverResult
	err := c.Write(func(tx *db.Tx) (err error) {
		res, err = recipients.Handover(c.Context(), tx, c.Actor, f.Get("from_user_id"), f.Get("to_user_id"))
		return err
	})
	if err != nil {
		msg, other := f.Fail(err)
		if other != nil {
			return other
		}
		return s.renderHandover(c, http.StatusUnprocessableEntity, f, msg, nil)
	}
	return s.renderHandover(c, http.StatusOK, kit.NewForm(nil), "", &res)
}

// ApiHandover hands a worker's work over ({"from_user_id", "to_user_id"}).
func (s *Handlers) ApiHandover(c *kit.Ctx) error {
	var in struct {
		FromUserID string `json:"from_user_id"`
		ToUserID   string `json:"to_user_id"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var res recipients.HandoverResult
	err := c.Write(func(tx *db.Tx) (err error) {
		res, err = recipients.Handover(c.Context(), tx, c.Actor, in.FromUserID, in.ToUserID)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
