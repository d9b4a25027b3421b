package recipientsweb

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/web/kit"
)

// The county's retention period of the data of people who left service
// (recipients.SetRetentionYears), on the categories page and the API.

func parseYears(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, apperr.Fields{"years": "请填写 1 到 30 之间的整数"}.Err()
	}
	return n, nil
}

// RecipientRetentionSet saves the county's period (form).
func (s *Handlers) RecipientRetentionSet(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	county, err := s.categoryCounty(c)
	if err != nil {
		return err
	}
	years, err := parseYears(f.Get("years"))
	if err == nil {
		err = c.Write(func(tx *db.Tx) error { return recipients.SetRetentionYears(c.Context(), tx, c.Actor, county.ID, years) })
	}
	if err != nil {
		msg, other := f.Fail(err)
		if other != nil {
			return other
		}
		return s.renderCategories(c, http.StatusUnprocessableEntity, f, msg)
	}
	return c.Redirect("/recipient-categories#retention", "保存期限已设为 "+strconv.Itoa(years)+" 年")
}

// ApiRecipientRetention reads ({"years"}) the county's period.
func (s *Handlers) ApiRecipientRetention(c *kit.Ctx) error {
	county, err := s.categoryCounty(c)
	if err != nil {
		return err
	}
	years, err := recipients.RetentionYears(c.Context(), s.App.DB, county.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"county_id": county.ID, "years": years, "default_years": recipients.DefaultRetentionYears})
}

// ApiRecipientRetentionSet sets the county's period ({"years"}).
func (s *Handlers) ApiRecipientRetentionSet(c *kit.Ctx) error {
	var in struct {
		Years int `json:"years"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	county, err := s.categoryCounty(c)
	if err != nil {
		return err
	}
	if err := c.Write(func(tx *db.Tx) error {
		return recipients.SetRetentionYears(c.Context(), tx, c.Actor, county.ID, in.Years)
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"county_id": county.ID, "years": in.Years, "default_years": recipients.DefaultRetentionYears})
}
