package web

import (
	"net/http"

	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// Granting roles: the security administrator's, apart from the system
// administrator who keeps the accounts (三权分立).

func (s *Server) routesAccountRoles() {
	s.add(
		Route{Method: "POST", Pattern: "/users/{id}/role", Perm: authz.PermRolesGrant, Handle: s.userGrantRole},
		Route{Method: "PUT", Pattern: "/api/v1/users/{id}/role", Perm: authz.PermRolesGrant, Handle: s.apiUserGrantRole},
	)
}

func (s *Server) grantRole(c *Ctx, id string, role authz.Role) (auth.User, error) {
	var u auth.User
	err := s.App.DB.InTx(c.Context(), func(tx *db.Tx) error {
		var err error
		u, err = s.App.Auth.GrantRole(c.Context(), tx, c.Actor, id, role)
		return err
	})
	return u, err
}

func (s *Server) userGrantRole(c *Ctx) error {
	id := c.PathValue("id")
	if _, err := s.grantRole(c, id, authz.Role(c.R.PostForm.Get("role"))); err != nil {
		u, uerr := s.App.Auth.UserFor(c.Context(), c.Actor, id)
		if uerr != nil {
			return uerr
		}
		return c.RenderForm("user", &Page{Title: u.DisplayName, Form: NewForm(nil), Data: map[string]any{"User": u}}, err)
	}
	return c.Redirect("/users/"+id, "角色已变更")
}

func (s *Server) apiUserGrantRole(c *Ctx) error {
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
