package recipientsweb

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/recipients"
)

// The roster import of service recipients (服务对象名册导入): download the
// template, upload a filled roster and read the check, then import it
// (all rows, or only the valid ones) and download the rejected rows with
// their reasons. The rules are in recipients/import.go.
//
// The literal /recipients/import patterns are more specific than
// /recipients/{id}, so ServeMux routes them here.

// UploadLimit is the request limit of roster uploads: the file
// limit plus room for the multipart envelope, so an over-size file is
// reported by the importer with its own message.
func UploadLimit() int64 { return recipients.MaxImportBytes + 64<<10 }

// recipientImportShown is the most row problems listed on the page; the
// rejected-rows file has them all.
const recipientImportShown = 200

const recipientImportTitle = "导入服务对象名册"

// recipientImportData is the page's data; targets are the stations and
// rooms the roster may belong to (所属站点/社工室), target the chosen one.
func recipientImportData(rep *recipients.ImportReport, mode string, targets []kit.OrgOption, target string) map[string]any {
	if mode == "" {
		mode = recipients.ImportAll
	}
	if rep != nil && rep.Target != "" {
		target = rep.Target
	}
	data := map[string]any{"Report": rep, "Mode": mode, "Targets": targets, "Target": target, "Limit": recipients.SizeLabel(recipients.MaxImportBytes),
		"MaxRows": recipients.MaxImportRows, "Columns": recipients.ImportColumns, "ModeAll": recipients.ImportAll, "ModeValid": recipients.ImportValid}
	if rep != nil {
		shown := rep.Errors
		if len(shown) > recipientImportShown {
			shown = shown[:recipientImportShown]
		}
		data["Shown"], data["More"] = shown, len(rep.Errors)-len(shown)
		data["ModeLabel"] = recipients.ImportModeLabel(rep.Mode)
		data["DoubtsImported"] = len(rep.Doubts) - rep.Declined
		data["Undecided"] = rep.Undecided > 0 && rep.BatchID != "" && rep.Mode != recipients.ImportCheck
	}
	data["DecideImport"], data["DecideSkip"] = recipients.DecideImport, recipients.DecideSkip
	return data
}

// formDecisions reads the report page's choices on the rows in doubt:
// decision_<row> = import | skip.
func formDecisions(form url.Values) (map[int]string, error) {
	out := map[int]string{}
	for key, vals := range form {
		n, ok := strings.CutPrefix(key, "decision_")
		if !ok || len(vals) == 0 || vals[0] == "" {
			continue
		}
		row, err := strconv.Atoi(n)
		if err != nil || row < 1 || vals[0] != recipients.DecideImport && vals[0] != recipients.DecideSkip {
			return nil, apperr.New(apperr.BadRequest, "可能重复行的处理应为“导入”或“跳过”")
		}
		out[row] = vals[0]
	}
	return out, nil
}

func (s *Handlers) RecipientImportPage(c *kit.Ctx) error {
	targets, err := s.StationOptions(c)
	if err != nil {
		return err
	}
	return c.Render("recipients_import", &kit.Page{Title: recipientImportTitle, Form: kit.NewForm(nil), Data: recipientImportData(nil, "", targets, "")})
}

func (s *Handlers) RecipientImportTemplate(c *kit.Ctx) error {
	body, err := recipients.ImportTemplate(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return err
	}
	return kit.SendFile(c, "服务对象名册导入模板.xlsx", kit.XLSX, body)
}

func (s *Handlers) RecipientImportUpload(c *kit.Ctx) error {
	mode, target := c.R.FormValue("mode"), c.R.FormValue("target")
	targets, err := s.StationOptions(c)
	if err != nil {
		return err
	}
	page := func(status int, msg string, rep *recipients.ImportReport) error {
		return c.RenderStatus(status, "recipients_import", &kit.Page{Title: recipientImportTitle, Error: msg, Form: kit.NewForm(nil), Data: recipientImportData(rep, mode, targets, target)})
	}
	file, header, err := c.R.FormFile("file")
	if err != nil {
		return page(http.StatusBadRequest, "请选择要上传的服务对象名册文件（.xlsx）", nil)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, recipients.MaxImportBytes+1))
	if err != nil {
		return err
	}
	rep, err := recipients.UploadImportTo(c.Context(), s.App.DB, s.App.Keys, c.Actor, header.Filename, mode, data, target)
	if ae, ok := apperr.As(err); ok {
		msg := ae.Message
		if m := ae.Fields["mode"]; m != "" {
			msg = m
		}
		return page(ae.Status(), msg, nil)
	} else if err != nil {
		return err
	}
	if rep.Invalid > 0 {
		msg := fmt.Sprintf("名册中有 %d 行有误，尚未导入任何数据。", rep.Invalid)
		if rep.Mode == recipients.ImportAll {
			msg += "请按提示修改后重新上传，或选择只导入有效的行。"
		}
		return page(http.StatusUnprocessableEntity, msg, &rep)
	}
	return page(http.StatusOK, "", &rep)
}

func (s *Handlers) RecipientImportCommit(c *kit.Ctx) error {
	mode := c.R.PostFormValue("mode")
	decisions, err := formDecisions(c.R.PostForm)
	if err != nil {
		return err
	}
	rep, err := recipients.CommitImport(c.Context(), s.App.DB, s.App.Keys, c.Actor, c.PathValue("id"), mode, decisions)
	targets, terr := s.StationOptions(c)
	if terr != nil {
		return terr
	}
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid && rep.BatchID != "" {
		// "All or nothing" with problems: nothing written, the upload
		// is still there to import its valid rows.
		return c.RenderStatus(ae.Status(), "recipients_import", &kit.Page{Title: recipientImportTitle, Error: ae.Message, Form: kit.NewForm(nil),
			Data: recipientImportData(&rep, rep.Mode, targets, "")})
	}
	if err != nil {
		return err
	}
	flash := fmt.Sprintf("已导入服务对象名册“%s”：%d 人", rep.Filename, rep.Imported)
	if rep.Declined > 0 {
		flash += fmt.Sprintf("；可能重复的 %d 行已按您的选择跳过", rep.Declined)
	}
	if rep.Invalid > 0 {
		flash += fmt.Sprintf("；%d 行未导入，可下载含错误原因的文件修改后重新上传", rep.Invalid)
	}
	return c.Render("recipients_import", &kit.Page{Title: recipientImportTitle, Flash: flash, Form: kit.NewForm(nil), Data: recipientImportData(&rep, rep.Mode, targets, "")})
}

func (s *Handlers) RecipientImportRejected(c *kit.Ctx) error {
	rows, name, err := recipients.RejectedOf(c.Context(), s.App.DB, s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := rows.Workbook()
	if err != nil {
		return err
	}
	return kit.SendFile(c, "未导入_"+strings.TrimSuffix(name, ".xlsx")+".xlsx", kit.XLSX, body)
}
