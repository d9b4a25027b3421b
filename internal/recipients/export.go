package recipients

import (
	"bytes"
	"context"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/secure"
)

// ExportMax is the most rows one export may hold: a bigger ledger is
// exported station by station (and the workbook stays openable on an
// office PC).
const ExportMax = 20000

// ExportHeaders are the column titles of the exported ledger (服务对象台账).
var ExportHeaders = []string{"姓名", "性别", "出生日期", "年龄", "身份证号", "民族", "联系电话", "户籍地址", "现住址", "村（社区）代码",
	"负责站点", "居住情况", "对象类别", "残疾类别", "残疾等级", "主要收入来源", "监护人/联系人", "与本人关系", "监护人电话",
	"健康状况", "责任社工", "状态", "状态原因", "状态日期", "家庭关系"}

// Export writes the recipients matching f as an Excel workbook and
// records the export in the audit log on q (pass a transaction). With
// full, personal values appear in full — only for actors who may reveal
// them; otherwise they are masked as on screen.
func Export(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f Filter, full bool, describe string) ([]byte, int, error) {
	file, err := BuildExport(ctx, q, keys, actor, f, full, describe)
	if err != nil {
		return nil, 0, err
	}
	if err := audit.Record(ctx, q, actor, file.Audit); err != nil {
		return nil, 0, err
	}
	return file.Body, file.Rows, nil
}

// ExportFile is a built export of the ledger: the workbook, its row
// count and the audit entry that must be recorded before it is sent.
type ExportFile struct {
	Body  []byte
	Rows  int
	Audit audit.Entry
}

// BuildExport builds the workbook of Export without writing anything:
// run it in db.ReadTx (one snapshot for the count, the rows and their
// sealed values, and no write lock held while up to ExportMax rows are
// opened and written out), then record file.Audit with audit.Record in a
// short write transaction and send the body only if that succeeds.
func BuildExport(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f Filter, full bool, describe string) (ExportFile, error) {
	body, n, entry, err := buildExport(ctx, q, keys, actor, f, full, describe)
	return ExportFile{Body: body, Rows: n, Audit: entry}, err
}

func buildExport(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, f Filter, full bool, describe string) ([]byte, int, audit.Entry, error) {
	var none audit.Entry
	if err := actor.Require(authz.PermRecipientsExport); err != nil {
		return nil, 0, none, err
	}
	if full {
		if err := actor.Require(authz.PermRecipientsReveal); err != nil {
			return nil, 0, none, apperr.New(apperr.Forbidden, "您的角色只能导出脱敏后的名册")
		}
		for _, f := range SealedFields {
			if AccessOf(actor, f) != AccessRevealable {
				return nil, 0, none, apperr.New(apperr.Forbidden, "您的角色只能导出脱敏后的名册")
			}
		}
	}
	sel, err := f.selection(ctx, q, keys, actor)
	if err != nil {
		return nil, 0, none, err
	}
	if _, over, err := countUpTo(ctx, q, sel, ExportMax); err != nil {
		return nil, 0, none, err
	} else if over {
		return nil, 0, none, apperr.New(apperr.Invalid, "符合条件的记录超过 %d 条，请先按站点、村或类别缩小范围后分批导出", ExportMax)
	}
	f.Offset, f.Limit = 0, ExportMax
	rows, err := query(ctx, q, f, sel, false)
	if err != nil {
		return nil, 0, none, err
	}
	wb := excelize.NewFile()
	defer wb.Close()
	const sheet = "服务对象"
	if err := wb.SetSheetName("Sheet1", sheet); err != nil {
		return nil, 0, none, err
	}
	sw, err := wb.NewStreamWriter(sheet)
	if err != nil {
		return nil, 0, none, err
	}
	_ = sw.SetColWidth(1, 1, 10)
	_ = sw.SetColWidth(5, 5, 22)
	_ = sw.SetColWidth(8, 9, 30)
	header := make([]any, len(ExportHeaders))
	for i, h := range ExportHeaders {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, 0, none, err
	}
	for i, r := range rows {
		applyAccess(actor, &r)
		idn, phone, hukou, cur, gphone, health := r.IDNumber, r.Phone, r.HukouAddress, r.CurrentAddress, r.GuardianPhone, ""
		if r.HasHealthNotes {
			health = "（已记录，导出完整信息时显示）"
		}
		age := itoa(r.Age)
		if AccessOf(actor, "birth_date") == AccessHidden {
			age = ""
		}
		if full {
			p, err := openSealed(ctx, q, keys, r.ID)
			if err != nil {
				return nil, 0, none, err
			}
			idn, phone, hukou, cur, gphone, health = p.IDNumber, p.Phone, p.HukouAddress, p.CurrentAddress, p.GuardianPhone, p.HealthNotes
		}
		// Every value is text: an ID number as a number would turn into
		// 4.10622E+17 in Excel.
		row := []any{r.Name, r.Sex, r.BirthDate, age, idn, r.Ethnicity, phone, hukou, cur, r.VillageCode,
			r.OrgName, r.LivingSituation, strings.Join(r.Categories, categorySep), r.DisabilityType, r.DisabilityGrade, r.IncomeSource,
			r.GuardianName, r.GuardianRelation, gphone, health, r.WorkerName, r.StatusLabel, r.StatusReason, r.StatusDate, r.HouseholdRelation}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return nil, 0, none, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, 0, none, err
	}
	var buf bytes.Buffer
	if _, err := wb.WriteTo(&buf); err != nil {
		return nil, 0, none, err
	}
	kind := "脱敏"
	if full {
		kind = "含完整身份证号、电话、地址、健康状况"
	}
	summary := "导出服务对象名册 " + itoa(len(rows)) + " 条（" + kind + "）"
	if describe != "" {
		summary += "；筛选：" + describe
	}
	return buf.Bytes(), len(rows), audit.Entry{Action: audit.ActionExport, Entity: "recipient", OrgPath: actor.OrgPath, Summary: summary}, nil
}
