package web

import (
	"net/http"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/backup"
)

func (s *Server) routesSystem() {
	s.add(Route{Method: "GET", Pattern: "/api/v1/system/backup", Perm: authz.PermSystemRead, Handle: s.apiBackupStatus})
}

// apiBackupStatus shows when the last backup succeeded and failed.
func (s *Server) apiBackupStatus(c *Ctx) error {
	st, err := backup.GetStatus(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
