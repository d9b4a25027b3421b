package workforce

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/roster"
	"github.com/shegong/shegong/internal/secure"
)

// RosterColumns are the roster (花名册) template's columns, in order.
var RosterColumns = roster.Columns{
	{Header: "姓名", Field: "name", Required: true, Hint: "必填"},
	{Header: "性别", Field: "sex", Hint: "男/女；可不填，以身份证号为准", List: []string{"男", "女"}},
	{Header: "身份证号", Field: "id_number", Required: true, Text: true, Hint: "必填，18 位；请把该列设为文本格式", Mask: secure.MaskID},
	{Header: "出生日期", Field: "birth_date", Date: true, Hint: "可不填；填写时须与身份证号一致"},
	{Header: "手机号", Field: "phone", Text: true, Mask: secure.MaskPhone},
	{Header: "学历", Field: "education", Hint: "博士研究生/硕士研究生/大学本科/大专/中专/高中/初中及以下"},
	{Header: "专业", Field: "major"},
	{Header: "岗位", Field: "post", Hint: "驻站社工/站长/督导/驻村（社区）社工/行政人员/其他"},
	{Header: "所属站点", Field: "org_id", Required: true, Hint: "必填，社工站或社工室的名称，如 朝歌街道社工站"},
	{Header: "工作单位", Field: "employer", Hint: "如所属社工机构"},
	{Header: "入职日期", Field: "hired_on", Date: true, Hint: "如 2021-03-01"},
	{Header: "证书等级", Field: "qualifications[0].level", Hint: "助理社会工作师/社会工作师/高级社会工作师/高级社会工作师（考试合格）",
		List: []string{"助理社会工作师", "社会工作师", "高级社会工作师", "高级社会工作师（考试合格）"}},
	{Header: "证书编号", Field: "qualifications[0].cert_no", Text: true},
	{Header: "取得日期", Field: "qualifications[0].obtained_on", Date: true, Hint: "有证书等级时必填"},
}

// rosterSpec describes the roster file, with the limits as they are now.
func rosterSpec() roster.Spec {
	return roster.Spec{What: "花名册", Sheet: "花名册", Columns: RosterColumns, Unknown: roster.RefuseUnknown,
		MaxBytes: MaxImportBytes, MaxRows: MaxImportRows, Width: 16}
}

// RejectReasonHeader heads the column of reasons in the rejected-rows file.
const RejectReasonHeader = roster.RejectReasonHeader

// CellError is one problem in an uploaded roster.
type CellError = roster.CellError

// ImportRow is one data row of a roster.
type ImportRow struct {
	roster.Record
	input WorkerInput
}

// Reason joins a row's problems for the 错误原因 column.
func (r ImportRow) Reason() string { return RosterColumns.Reason(r.Errors) }

// ImportReport is the outcome of checking or importing a roster.
type ImportReport struct {
	Filename string      `json:"filename"`
	Total    int         `json:"total"`    // data rows
	Valid    int         `json:"valid"`    // rows that pass every check
	Invalid  int         `json:"invalid"`  // rows with at least one problem
	Imported int         `json:"imported"` // rows written
	Errors   []CellError `json:"errors"`
	BatchID  string      `json:"batch_id,omitempty"`
	rows     []ImportRow
}

// Rejected returns the rows with problems.
func (r ImportReport) Rejected() []ImportRow {
	var out []ImportRow
	for _, row := range r.rows {
		if len(row.Errors) > 0 {
			out = append(out, row)
		}
	}
	return out
}

// Fields returns the problems keyed "第3行·身份证号", for an apperr.
func (r ImportReport) Fields() apperr.Fields { return roster.Fields(r.Errors) }

// RosterTemplate is the downloadable empty roster with instructions.
func RosterTemplate() ([]byte, error) {
	return rosterSpec().Template([]string{"每行一人，从第 2 行开始填写；列名请勿修改。同一身份证号只能登记一次。"}, nil)
}

// readRoster opens an uploaded file and returns its data rows, or an
// error the user can act on when the file itself is unusable.
func readRoster(filename string, data []byte) ([]ImportRow, error) {
	sheet, err := rosterSpec().Read(filename, data)
	if err != nil {
		return nil, err
	}
	rows := make([]ImportRow, len(sheet.Records))
	for i, r := range sheet.Records {
		rows[i].Record = r
	}
	return rows, nil
}

// SizeLabel shows a byte count as MB or KB.
func SizeLabel(n int64) string { return roster.SizeLabel(n) }

// stationIndex finds stations and rooms in scope by name, with or without
// the 社工站 / 社工室 suffix.
func stationIndex(ctx context.Context, q db.Querier, actor *authz.Actor) (map[string]string, error) {
	cond, args := scopeCond(q.Dialect(), actor, "path")
	rows, err := q.Query(ctx, `SELECT id, name, division_code FROM org_units WHERE `+cond+` AND kind IN (?, ?) AND active = 1`, append(args, org.KindStation, org.KindRoom)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	full := map[string]bool{} // keys that are some unit's full name or code
	put := func(key, id string, exact bool) {
		switch prev, taken := out[key]; {
		case !taken:
			out[key] = id
		case prev == id:
		case exact && !full[key]:
			out[key] = id // a full name wins over another unit's short name
		case exact || full[key] == exact:
			out[key] = ambiguousStation // two rooms named 东关村社工室 in two townships
		}
		full[key] = full[key] || exact
	}
	for rows.Next() {
		var id, name, code string
		if err := rows.Scan(&id, &name, &code); err != nil {
			return nil, err
		}
		put(name, id, true)
		if code != "" {
			put(code, id, true)
		}
		for _, suffix := range []string{"社工站", "社工室"} {
			if short := strings.TrimSuffix(name, suffix); short != name && short != "" {
				put(short, id, false)
			}
		}
	}
	return out, rows.Err()
}

// ambiguousStation marks a name several stations or rooms answer to.
const ambiguousStation = "?"

// checkRows validates every row against the rules and the database, and
// finds duplicates within the file.
func (s *Service) checkRows(ctx context.Context, q db.Querier, actor *authz.Actor, rows []ImportRow) (ImportReport, error) {
	stations, err := stationIndex(ctx, q, actor)
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{Total: len(rows)}
	firstRowOf := map[string]int{} // blind index → first row with it
	byField := map[string]string{}
	for _, c := range RosterColumns {
		byField[c.Field] = c.Header
	}
	byField["qualifications[0].stage"] = "证书等级"
	for i := range rows {
		row := &rows[i]
		cell := func(field string) string { return RosterColumns.Value(row.Cells, field) }
		in := WorkerInput{Name: cell("name"), Sex: cell("sex"), IDNumber: cell("id_number"), BirthDate: cell("birth_date"), Phone: cell("phone"),
			Education: cell("education"), Major: cell("major"), Post: cell("post"), Employer: cell("employer"), HiredOn: cell("hired_on")}
		row.Errors = map[string]string{}
		site := cell("org_id")
		if site != "" {
			in.OrgID = stations[site]
			switch in.OrgID {
			case "":
				row.Errors["所属站点"] = "找不到“" + site + "”：须为您负责范围内的社工站或社工室名称或区划代码"
			case ambiguousStation:
				in.OrgID = ""
				row.Errors["所属站点"] = "“" + site + "”对应多个站点，请填写站点全称或区划代码"
			}
		}
		level, certNo, obtained := cell("qualifications[0].level"), cell("qualifications[0].cert_no"), cell("qualifications[0].obtained_on")
		if level != "" || certNo != "" || obtained != "" {
			qi := QualificationInput{Level: level, CertNo: certNo, ObtainedOn: obtained}
			for _, mark := range []string{"（考试合格）", "(考试合格)", "考试合格"} {
				if strings.Contains(level, mark) {
					qi.Level, qi.Stage = strings.TrimSpace(strings.Replace(level, mark, "", 1)), StageExam
					break
				}
			}
			in.Qualifications = []QualificationInput{qi}
		}
		c, fe := s.validateWorker(ctx, q, actor, in, nil)
		for field, msg := range fe {
			header := byField[field]
			if header == "" {
				header = field
			}
			if _, has := row.Errors[header]; !has && !(field == "org_id" && site != "" && in.OrgID == "") {
				row.Errors[header] = msg
			}
		}
		if c.idIndex != "" && row.Errors["身份证号"] == "" {
			if first, dup := firstRowOf[c.idIndex]; dup {
				row.Errors["身份证号"] = "与第" + strconv.Itoa(first) + "行的身份证号重复（同一人只能登记一次）"
			} else {
				firstRowOf[c.idIndex] = row.Row
			}
		}
		row.input = in
		if len(row.Errors) == 0 {
			rep.Valid++
			continue
		}
		rep.Invalid++
		rep.Errors = append(rep.Errors, RosterColumns.CellErrors(row.Row, row.Errors)...)
	}
	rep.rows = rows
	return rep, nil
}

// Import modes.
const (
	ImportCheck = "check" // validate only
	ImportAll   = "all"   // write only if every row is valid
	ImportValid = "valid" // write the valid rows, report the rest
)

// ImportRoster checks an uploaded roster and, by mode, writes it. With
// ImportAll and any problem, nothing is written and the error lists every
// problem keyed "第3行·身份证号"; the report is returned as well.
func (s *Service) ImportRoster(ctx context.Context, actor *authz.Actor, filename string, data []byte, mode string) (ImportReport, error) {
	rows, err := readRoster(filename, data)
	if err != nil {
		return ImportReport{Filename: filename}, err
	}
	var rep ImportReport
	err = s.inTx(ctx, func(tx *db.Tx) error {
		var err error
		if rep, err = s.checkRows(ctx, tx, actor, rows); err != nil {
			return err
		}
		rep.Filename = filename
		if mode == ImportCheck || rep.Valid == 0 {
			return nil
		}
		if mode != ImportValid && rep.Invalid > 0 {
			return nil
		}
		for _, row := range rep.rows {
			if len(row.Errors) > 0 {
				continue
			}
			if _, err := s.createWorker(ctx, tx, actor, row.input); err != nil {
				// Validated a moment ago in this transaction: anything
				// now is not the row's fault.
				return fmt.Errorf("import row %d: %w", row.Row, err)
			}
			rep.Imported++
		}
		path := "/"
		if actor != nil {
			path = actor.OrgPath
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionImport, Entity: "wf_worker", OrgPath: path,
			Summary: fmt.Sprintf("导入社工花名册“%s”：导入 %d 人，未导入 %d 行", filename, rep.Imported, rep.Invalid)})
	})
	if err != nil {
		return rep, err
	}
	if mode == ImportAll && rep.Invalid > 0 {
		e := rep.Fields().Err().(*apperr.Error)
		e.Message = fmt.Sprintf("花名册中有 %d 行有误，未导入任何数据；请按提示修改后重新上传，或选择只导入有效的 %d 行", rep.Invalid, rep.Valid)
		return rep, e
	}
	return rep, nil
}

// MaskRows returns copies of rows with the ID number and phone cells
// masked, for replies that are not a logged export (the JSON API).
func MaskRows(rows []ImportRow) []ImportRow {
	out := make([]ImportRow, len(rows))
	for i, r := range rows {
		r.Cells = RosterColumns.Mask(r.Cells)
		out[i] = r
	}
	return out
}

// RejectedWorkbook writes the rows that were not imported, as uploaded,
// with a 错误原因 column, so the user can fix and upload them again.
func RejectedWorkbook(rows []ImportRow) ([]byte, error) {
	recs := make([]roster.Record, len(rows))
	for i, r := range rows {
		recs[i] = r.Record
	}
	return rosterSpec().RejectedWorkbook(recs)
}

// Batches keep an upload between the check and "import the valid rows".

// batchTable holds the staged rosters (see roster.Batches).
const batchTable = "wf_import_batches"

func (s *Service) batches() roster.Batches { return roster.Batches{Table: batchTable, Keys: s.Keys} }

// StageRoster keeps an uploaded file for a later CommitBatch or
// RejectedOf by the same user, and purges old ones.
func (s *Service) StageRoster(ctx context.Context, actor *authz.Actor, filename string, data []byte) (id string, err error) {
	err = s.inTx(ctx, func(tx *db.Tx) error {
		id, err = s.batches().Stage(ctx, tx, actor, filename, ImportValid, data)
		return err
	})
	return id, err
}

// CommitBatch imports the valid rows of a staged upload (once), keeping
// the rejected rows for download.
// The batch is claimed, imported and marked in one transaction: a second
// commit (a double click, a second tab) finds it claimed and is refused
// instead of importing again, and a failed import leaves it unclaimed.
func (s *Service) CommitBatch(ctx context.Context, actor *authz.Actor, id string) (ImportReport, error) {
	var rep ImportReport
	err := s.InTx(ctx, func(js *Service) error {
		bs := js.batches()
		b, err := bs.Load(ctx, js.tx, actor, id)
		if err != nil {
			return err
		}
		claimed, err := bs.Claim(ctx, js.tx, &b)
		if err != nil {
			return err
		}
		if !claimed {
			return apperr.New(apperr.Conflict, "这份花名册已于 %s 导入过，请勿重复导入", cst.ShowStamp(b.CommittedAt))
		}
		if rep, err = js.ImportRoster(ctx, actor, b.Filename, b.Data, ImportValid); err != nil {
			return err
		}
		rep.BatchID = id
		return bs.Finish(ctx, js.tx, id, rep.Imported, rep.Rejected())
	})
	return rep, err
}

// RejectedOf returns the rows of a staged upload that are (or, once
// committed, were) not imported, and the upload's file name.
//
// The rows are as uploaded (full ID numbers and phones), so handing them
// out is an export and is recorded in the audit log.
func (s *Service) RejectedOf(ctx context.Context, actor *authz.Actor, id string) ([]ImportRow, string, error) {
	b, err := s.batches().Load(ctx, s.q(), actor, id)
	if err != nil {
		return nil, "", err
	}
	var rows []ImportRow
	if b.Committed() {
		if err := b.Rejected(&rows); err != nil {
			return nil, "", err
		}
	} else {
		rep, err := s.ImportRoster(ctx, actor, b.Filename, b.Data, ImportCheck)
		if err != nil {
			return nil, "", err
		}
		rows = rep.Rejected()
	}
	err = s.inTx(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionExport, Entity: "wf_worker", EntityID: id, OrgPath: actor.OrgPath,
			Summary: fmt.Sprintf("下载花名册“%s”未导入的 %d 行（含完整身份证号、手机号）", b.Filename, len(rows))})
	})
	return rows, b.Filename, err
}
