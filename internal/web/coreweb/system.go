package coreweb

import (
	"net/http"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/backup"
	"github.com/shegong/shegong/internal/cst"
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

// HomeBackup tells those who run the system when the last backup
// succeeded, and warns when the last attempt failed or none was made.
func (s *Handlers) HomeBackup(c *kit.Ctx) (*kit.HomeSection, error) {
	if !c.Actor.Can(authz.PermSystemRead) {
		return nil, nil
	}
	st, err := backup.GetStatus(c.Context(), c.DB(), c.Actor)
	if err != nil {
		return nil, err
	}
	sec := &kit.HomeSection{Key: "backup", Title: "数据备份", Order: 95}
	last := "尚无"
	if st.LastSuccess != nil {
		last = cst.ShowStamp(st.LastSuccess.At)
	}
	sec.Cards = append(sec.Cards, kit.HomeCard{Label: "最近一次成功备份", Value: last})
	switch {
	case st.LastFailure != nil && (st.LastSuccess == nil || st.LastFailure.At > st.LastSuccess.At):
		sec.Note = "最近一次备份失败（" + cst.ShowStamp(st.LastFailure.At) + "）：" + st.LastFailure.Message + "。请检查备份目录与磁盘空间。"
	case st.LastSuccess == nil:
		sec.Note = "尚未备份。请用 shegong backup 或 serve --backup-dir 定时备份，并另行保存密钥文件。"
	}
	return sec, nil
}
