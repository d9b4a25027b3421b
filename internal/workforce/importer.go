package workforce

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/secure"
)

// rosterColumn is a column of the roster (花名册) template.
type rosterColumn struct {
	Header   string
	Field    string // WorkerInput field name as reported by validation
	Required bool
	Date     bool // Excel date serials are converted
	Hint     string
}

// RosterColumns are the template's columns, in order.
var RosterColumns = []rosterColumn{
	{"姓名", "name", true, false, "必填"},
	{"性别", "sex", false, false, "男/女；可不填，以身份证号为准"},
	{"身份证号", "id_number", true, false, "必填，18 位；请把该列设为文本格式"},
	{"出生日期", "birth_date", false, true, "可不填；填写时须与身份证号一致"},
	{"手机号", "phone", false, false, ""},
	{"学历", "education", false, false, "博士研究生/硕士研究生/大学本科/大专/中专/高中/初中及以下"},
	{"专业", "major", false, false, ""},
	{"岗位", "post", false, false, "驻站社工/站长/督导/驻村（社区）社工/行政人员/其他"},
	{"所属站点", "org_id", true, false, "必填，社工站或社工室的名称，如 朝歌街道社工站"},
	{"工作单位", "employer", false, false, "如所属社工机构"},
	{"入职日期", "hired_on", false, true, "如 2021-03-01"},
	{"证书等级", "qualifications[0].level", false, false, "助理社会工作师/社会工作师/高级社会工作师/高级社会工作师（考试合格）"},
	{"证书编号", "qualifications[0].cert_no", false, false, ""},
	{"取得日期", "qualifications[0].obtained_on", false, true, "有证书等级时必填"},
}

// RejectReasonHeader heads the column of reasons in the rejected-rows file.
const RejectReasonHeader = "错误原因"

// CellError is one problem in an uploaded roster.
type CellError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Key     string `json:"key"` // 第3行·身份证号
	Message string `json:"message"`
}

// ImportRow is one data row of a roster.
type ImportRow struct {
	Row    int               `json:"row"`
	Cells  []string          `json:"cells"` // in template column order
	Errors map[string]string `json:"errors,omitempty"`
	input  WorkerInput
}

// Reason joins a row's problems for the 错误原因 column.
func (r ImportRow) Reason() string {
	var cols []string
	for c := range r.Errors {
		cols = append(cols, c)
	}
	sort.Slice(cols, func(i, j int) bool { return columnIndex(cols[i]) < columnIndex(cols[j]) })
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + "：" + r.Errors[c]
	}
	return strings.Join(parts, "；")
}

func columnIndex(header string) int {
	for i, c := range RosterColumns {
		if c.Header == header {
			return i
		}
	}
	return len(RosterColumns)
}

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
func (r ImportReport) Fields() apperr.Fields {
	fe := apperr.Fields{}
	for _, e := range r.Errors {
		fe.Add(e.Key, e.Message)
	}
	return fe
}

// RosterTemplate is the downloadable empty roster with instructions.
func RosterTemplate() ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "花名册"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	header := make([]string, len(RosterColumns))
	for i, c := range RosterColumns {
		header[i] = c.Header
	}
	if err := x.SetSheetRow(sheet, "A1", &header); err != nil {
		return nil, err
	}
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"FCE4D6"}, Pattern: 1}})
	text, _ := x.NewStyle(&excelize.Style{NumFmt: 49}) // "@": keeps 18-digit numbers intact
	last, _ := excelize.ColumnNumberToName(len(RosterColumns))
	_ = x.SetCellStyle(sheet, "A1", last+"1", bold)
	_ = x.SetColWidth(sheet, "A", last, 16)
	for i, c := range RosterColumns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if c.Field == "id_number" || c.Field == "phone" || c.Field == "qualifications[0].cert_no" || c.Date {
			_ = x.SetColStyle(sheet, col, text)
			_ = x.SetCellStyle(sheet, col+"1", col+"1", bold)
		}
		var list []string
		switch c.Field {
		case "sex":
			list = []string{"男", "女"}
		case "qualifications[0].level":
			list = []string{"助理社会工作师", "社会工作师", "高级社会工作师", "高级社会工作师（考试合格）"}
		}
		if list != nil {
			dv := excelize.NewDataValidation(true)
			dv.SetSqref(col + "2:" + col + "5001")
			_ = dv.SetDropList(list)
			_ = x.AddDataValidation(sheet, dv)
		}
	}
	const help = "填写说明"
	_, _ = x.NewSheet(help)
	_ = x.SetSheetRow(help, "A1", &[]string{"列名", "说明"})
	for i, c := range RosterColumns {
		_ = x.SetSheetRow(help, "A"+strconv.Itoa(i+2), &[]string{c.Header, c.Hint})
	}
	n := len(RosterColumns) + 3
	_ = x.SetCellValue(help, "A"+strconv.Itoa(n), "每行一人，从第 2 行开始填写；列名请勿修改。同一身份证号只能登记一次。")
	_ = x.SetColWidth(help, "A", "A", 14)
	_ = x.SetColWidth(help, "B", "B", 70)
	var buf bytes.Buffer
	err := x.Write(&buf)
	return buf.Bytes(), err
}

// readRoster opens an uploaded file and returns its data rows, or an
// error the user can act on when the file itself is unusable.
func readRoster(filename string, data []byte) ([]ImportRow, error) {
	if int64(len(data)) > MaxImportBytes {
		return nil, apperr.New(apperr.TooLarge, "文件过大：上限为 %s，请分批导入", SizeLabel(MaxImportBytes))
	}
	if len(data) == 0 {
		return nil, apperr.New(apperr.BadRequest, "上传的文件是空的，请选择填好的花名册（.xlsx）")
	}
	ext := strings.ToLower(filepath.Ext(filename))
	if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) || ext == ".xls" {
		return nil, apperr.New(apperr.BadRequest, "这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 格式后再上传")
	}
	if (filename != "" && ext != ".xlsx") || !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, apperr.New(apperr.BadRequest, "只能上传 Excel（.xlsx）文件，请使用下载的模板填写")
	}
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, apperr.New(apperr.BadRequest, "无法读取该文件，它可能已损坏或不是 Excel（.xlsx）文件")
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) == 0 {
		return nil, apperr.New(apperr.BadRequest, "文件中没有工作表")
	}
	// Raw values: dates arrive as serial numbers instead of in whatever
	// display format the cell had, and are converted below.
	all, err := x.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, apperr.New(apperr.BadRequest, "无法读取工作表“%s”", sheets[0])
	}
	if len(all) == 0 || isBlank(all[0]) {
		return nil, apperr.New(apperr.BadRequest, "文件是空的：第 1 行应为列名，第 2 行起为数据")
	}
	// Map the file's columns to the template's by header.
	colOf := make([]int, len(all[0])) // file column → template column, -1 = ignore
	seen := map[int]bool{}
	var unknown []string
	for i, h := range all[0] {
		h = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(h), "*＊"))
		h = strings.TrimSuffix(strings.TrimSuffix(h, "（必填）"), "(必填)")
		colOf[i] = -1
		if h == "" {
			continue
		}
		idx := columnIndex(h)
		switch {
		case idx == len(RosterColumns):
			unknown = append(unknown, "“"+h+"”")
		case seen[idx]:
			return nil, apperr.New(apperr.BadRequest, "列“%s”出现了两次，请删除重复的列", h)
		default:
			colOf[i], seen[idx] = idx, true
		}
	}
	if len(unknown) > 0 {
		return nil, apperr.New(apperr.BadRequest, "第1行有无法识别的列名：%s。请使用下载的模板，不要修改列名", strings.Join(unknown, "、"))
	}
	var missing []string
	for i, c := range RosterColumns {
		if c.Required && !seen[i] {
			missing = append(missing, "“"+c.Header+"”")
		}
	}
	if len(missing) > 0 {
		return nil, apperr.New(apperr.BadRequest, "缺少必需的列：%s。请使用下载的模板", strings.Join(missing, "、"))
	}
	var rows []ImportRow
	for r := 1; r < len(all); r++ {
		if isBlank(all[r]) {
			continue
		}
		row := ImportRow{Row: r + 1, Cells: make([]string, len(RosterColumns))}
		for i, v := range all[r] {
			if i < len(colOf) && colOf[i] >= 0 {
				v = strings.TrimSpace(v)
				if RosterColumns[colOf[i]].Date {
					v = excelDate(v)
				}
				row.Cells[colOf[i]] = v
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.BadRequest, "文件中没有数据行：请从第 2 行开始填写")
	}
	if len(rows) > MaxImportRows {
		return nil, apperr.New(apperr.TooLarge, "一次最多导入 %d 行，本文件有 %d 行，请分批导入", MaxImportRows, len(rows))
	}
	return rows, nil
}

// SizeLabel shows a byte count as MB or KB.
func SizeLabel(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	return strconv.FormatInt(max(n>>10, 1), 10) + " KB"
}

func isBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// excelDate turns an Excel date serial ("44197") into YYYY-MM-DD; other
// text is returned for normDate to read.
func excelDate(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 1 || f > 100000 || f != math.Trunc(f) {
		return v
	}
	t, err := excelize.ExcelDateToTime(f, false)
	if err != nil {
		return v
	}
	return t.Format(cst.DateLayout)
}

// stationIndex finds stations and rooms in scope by name, with or without
// the 社工站 / 社工室 suffix.
func stationIndex(ctx context.Context, q db.Querier, actor *authz.Actor) (map[string]string, error) {
	cond, arg := scopeFilter(actor, "path")
	rows, err := q.Query(ctx, `SELECT id, name FROM org_units WHERE `+cond+` AND kind IN (?, ?) AND active = 1`, arg, org.KindStation, org.KindRoom)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[name] = id
		for _, suffix := range []string{"社工站", "社工室"} {
			if short := strings.TrimSuffix(name, suffix); short != name && short != "" {
				if _, taken := out[short]; !taken {
					out[short] = id
				}
			}
		}
	}
	return out, rows.Err()
}

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
		cell := func(field string) string { return row.Cells[columnIndex(byField[field])] }
		in := WorkerInput{Name: cell("name"), Sex: cell("sex"), IDNumber: cell("id_number"), BirthDate: cell("birth_date"), Phone: cell("phone"),
			Education: cell("education"), Major: cell("major"), Post: cell("post"), Employer: cell("employer"), HiredOn: cell("hired_on")}
		row.Errors = map[string]string{}
		site := cell("org_id")
		if site != "" {
			in.OrgID = stations[site]
			if in.OrgID == "" {
				row.Errors["所属站点"] = "找不到“" + site + "”：须为您负责范围内的社工站或社工室名称"
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
		var headers []string
		for h := range row.Errors {
			headers = append(headers, h)
		}
		sort.Slice(headers, func(a, b int) bool { return columnIndex(headers[a]) < columnIndex(headers[b]) })
		for _, h := range headers {
			rep.Errors = append(rep.Errors, CellError{Row: row.Row, Column: h, Key: "第" + strconv.Itoa(row.Row) + "行·" + h, Message: row.Errors[h]})
		}
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
	idCol, phoneCol := columnIndex("身份证号"), columnIndex("手机号")
	out := make([]ImportRow, len(rows))
	for i, r := range rows {
		r.Cells = append([]string(nil), r.Cells...)
		if idCol < len(r.Cells) {
			r.Cells[idCol] = secure.MaskID(r.Cells[idCol])
		}
		if phoneCol < len(r.Cells) {
			r.Cells[phoneCol] = secure.MaskPhone(r.Cells[phoneCol])
		}
		out[i] = r
	}
	return out
}

// RejectedWorkbook writes the rows that were not imported, as uploaded,
// with a 错误原因 column, so the user can fix and upload them again.
func RejectedWorkbook(rows []ImportRow) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "未导入"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	header := make([]any, 0, len(RosterColumns)+1)
	for _, c := range RosterColumns {
		header = append(header, c.Header)
	}
	header = append(header, RejectReasonHeader, "原行号")
	_ = x.SetSheetRow(sheet, "A1", &header)
	text, _ := x.NewStyle(&excelize.Style{NumFmt: 49})
	red, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "B3261E"}})
	for i, r := range rows {
		vals := make([]any, 0, len(r.Cells)+2)
		for _, c := range r.Cells {
			vals = append(vals, c)
		}
		vals = append(vals, r.Reason(), r.Row)
		cell := "A" + strconv.Itoa(i+2)
		_ = x.SetSheetRow(sheet, cell, &vals)
	}
	last, _ := excelize.ColumnNumberToName(len(RosterColumns))
	reasonCol, _ := excelize.ColumnNumberToName(len(RosterColumns) + 1)
	_ = x.SetColStyle(sheet, "A:"+last, text)
	_ = x.SetColStyle(sheet, reasonCol, red)
	_ = x.SetColWidth(sheet, "A", last, 16)
	_ = x.SetColWidth(sheet, reasonCol, reasonCol, 60)
	var buf bytes.Buffer
	err := x.Write(&buf)
	return buf.Bytes(), err
}

// Batches keep an upload between the check and "import the valid rows".

// batchLife is how long an uploaded roster is kept.
const batchLife = 24 * time.Hour

// StageRoster keeps an uploaded file for a later CommitBatch or
// RejectedOf by the same user, and purges old ones.
func (s *Service) StageRoster(ctx context.Context, actor *authz.Actor, filename string, data []byte) (string, error) {
	id := ids.New()
	err := s.inTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM wf_import_batches WHERE created_at < ?`, cst.Stamp(time.Now().Add(-batchLife))); err != nil {
			return err
		}
		// The roster holds ID numbers and phones: sealed like every
		// other copy of them.
		_, err := tx.Exec(ctx, `INSERT INTO wf_import_batches (id, actor_id, org_path, filename, content, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, actor.UserID, actor.OrgPath, filename, s.Keys.Seal(string(data)), cst.NowStamp())
		return err
	})
	return id, err
}

type batch struct {
	filename, committedAt, rejected string
	data                            []byte
}

func (s *Service) loadBatch(ctx context.Context, actor *authz.Actor, id string) (batch, error) {
	var b batch
	var content, owner string
	err := s.q().QueryRow(ctx, `SELECT actor_id, filename, content, committed_at, rejected FROM wf_import_batches WHERE id = ?`, id).
		Scan(&owner, &b.filename, &content, &b.committedAt, &b.rejected)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != actor.UserID) {
		return b, apperr.New(apperr.NotFound, "该上传记录不存在或已过期（保留 24 小时），请重新上传")
	}
	if err != nil {
		return b, err
	}
	data, err := s.Keys.Open(content)
	if err != nil {
		return b, err
	}
	b.data = []byte(data)
	if b.rejected, err = s.Keys.Open(b.rejected); err != nil {
		return b, err
	}
	return b, nil
}

// CommitBatch imports the valid rows of a staged upload (once), keeping
// the rejected rows for download.
// The batch is claimed, imported and marked in one transaction: a second
// commit (a double click, a second tab) finds it claimed and is refused
// instead of importing again, and a failed import leaves it unclaimed.
func (s *Service) CommitBatch(ctx context.Context, actor *authz.Actor, id string) (ImportReport, error) {
	var rep ImportReport
	err := s.InTx(ctx, func(js *Service) error {
		b, err := js.loadBatch(ctx, actor, id)
		if err != nil {
			return err
		}
		refused := func() error {
			return apperr.New(apperr.Conflict, "这份花名册已于 %s 导入过，请勿重复导入", cst.ShowStamp(b.committedAt))
		}
		if b.committedAt != "" {
			return refused()
		}
		now := cst.NowStamp()
		res, err := js.tx.Exec(ctx, `UPDATE wf_import_batches SET committed_at = ? WHERE id = ? AND committed_at = ''`, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			b.committedAt = now
			return refused()
		}
		if rep, err = js.ImportRoster(ctx, actor, b.filename, b.data, ImportValid); err != nil {
			return err
		}
		rep.BatchID = id
		rejected, err := json.Marshal(rep.Rejected())
		if err != nil {
			return err
		}
		// The file is no longer needed; the rejected rows stay (sealed)
		// for their download.
		_, err = js.tx.Exec(ctx, `UPDATE wf_import_batches SET rejected = ?, content = '' WHERE id = ?`, js.Keys.Seal(string(rejected)), id)
		return err
	})
	return rep, err
}

// RejectedOf returns the rows of a staged upload that are (or, once
// committed, were) not imported, and the upload's file name.
//
// The rows are as uploaded (full ID numbers and phones), so handing them
// out is an export and is recorded in the audit log.
func (s *Service) RejectedOf(ctx context.Context, actor *authz.Actor, id string) ([]ImportRow, string, error) {
	b, err := s.loadBatch(ctx, actor, id)
	if err != nil {
		return nil, "", err
	}
	var rows []ImportRow
	if b.committedAt != "" {
		if err := json.Unmarshal([]byte(b.rejected), &rows); err != nil {
			return nil, "", err
		}
	} else {
		rep, err := s.ImportRoster(ctx, actor, b.filename, b.data, ImportCheck)
		if err != nil {
			return nil, "", err
		}
		rows = rep.Rejected()
	}
	err = s.inTx(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionExport, Entity: "wf_worker", EntityID: id, OrgPath: actor.OrgPath,
			Summary: fmt.Sprintf("下载花名册“%s”未导入的 %d 行（含完整身份证号、手机号）", b.filename, len(rows))})
	})
	return rows, b.filename, err
}
