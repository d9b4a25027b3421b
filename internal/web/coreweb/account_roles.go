package coreweb

import (
	"net/http"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// Granting roles: the security administrator's, apart from the system
// administrator who keeps the accounts (三权分立).

func (s *Handlers) grantRole(c *kit.Ctx, id string, role authz.Role) (auth.User, error) {
	var u auth.User
	err := c.Write(func(tx *db.Tx) error {
		var err error
		u, err = s.App.Auth.GrantRole(c.Context(), tx, c.Actor, id, role)
		return err
	})
	return u, err
}

func (s *Handlers) UserGrantRole(c *kit.Ctx) error {
	id := c.PathValue("id")
	if _, err := s.grantRole(c, id, authz.Role(c.R.PostForm.Get("role"))); err != nil {
		u, uerr := s.App.Auth.UserFor(c.Context(), c.Actor, id)
		if uerr != nil {
			return uerr
		}
		return c.RenderForm("user", &kit.Page{Title: u.DisplayName, Form: kit.NewForm(nil), Data: map[string]any{"User": u}}, err)
	}
	return c.Redirect("/users/"+id, "角色已变更")
}

func (s *Handlers) ApiUserGrantRole(c *kit.Ctx) error {
	var in struct {
		Role authz.Role `json:"role"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	u, err := s.grantRole(c, c.PathValue("id"), in.Role)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}
