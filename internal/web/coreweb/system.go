package coreweb

import (
	"net/http"

	"github.com/shegong/shegong/internal/backup"
	"github.com/shegong/shegong/internal/web/kit"
)

// ApiBackupStatus shows when the last backup succeeded and failed.
func (s *Handlers) ApiBackupStatus(c *kit.Ctx) error {
	st, err := backup.GetStatus(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
