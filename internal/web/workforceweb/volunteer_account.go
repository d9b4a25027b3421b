package workforceweb

import (
	"net/http"

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
