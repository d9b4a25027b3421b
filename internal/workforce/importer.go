package workforce

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
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
	// Not a required column: a township's own roster has none, and the
	// uploader chooses its station (ImportRosterTo); a row left without
	// one is refused on its own.
	{Header: "所属站点", Field: "org_id", Hint: "社工站或社工室的名称，如 朝歌街道社工站；不填则为导入时所选的站点"},
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
type ImportRow = roster.Record

// ImportReport is the outcome of checking or importing a roster.
type ImportReport = roster.Report

// Import modes (roster.ModeCheck…).
const (
	ImportCheck = roster.ModeCheck
	ImportAll   = roster.ModeAll
	ImportValid = roster.ModeValid
)

// RosterTemplate is the downloadable empty roster with instructions.
func RosterTemplate() ([]byte, error) {
	return rosterSpec().Template([]string{"每行一人，从第 2 行开始填写；列名请勿修改。同一身份证号只能登记一次。"}, nil)
}

// SizeLabel shows a byte count as MB or KB.
func SizeLabel(n int64) string { return roster.SizeLabel(n) }

// stationIndex finds stations and rooms in scope by name, with or without
// the 社工站 / 社工室 suffix.
func stationIndex(ctx context.Context, q db.Querier, actor *authz.Actor) (map[string]string, error) {
	cond, args := actor.ScopeCond(q.Dialect(), "path")
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

// importer is the roster import of workers: the columns, and the row
// rule of the worker form (validateWorker) with the stations named.
func importer(keys *secure.Keyring) roster.Importer[checkedWorker] {
	byField := map[string]string{}
	for _, c := range RosterColumns {
		byField[c.Field] = c.Header
	}
	byField["qualifications[0].stage"] = "证书等级"
	return roster.Importer[checkedWorker]{Spec: rosterSpec(), Table: batchTable, Entity: "wf_worker", KeyColumn: "身份证号",
		Begin: func(ctx context.Context, q db.Querier, actor *authz.Actor, opts roster.Options) (roster.Rule[checkedWorker], error) {
			stations, err := stationIndex(ctx, q, actor)
			if err != nil {
				return roster.Rule[checkedWorker]{}, err
			}
			if opts.Target != "" && !slices.Contains(slices.Collect(maps.Values(stations)), opts.Target) {
				return roster.Rule[checkedWorker]{}, &apperr.Error{Kind: apperr.Invalid, Message: "所选站点不存在或不在您的负责范围内",
					Fields: map[string]string{"target": "请选择您负责范围内的社工站或社工室"}}
			}
			return roster.Rule[checkedWorker]{
				Check: func(ctx context.Context, row roster.Record) (roster.Checked[checkedWorker], error) {
					return checkRow(ctx, q, keys, actor, stations, byField, opts.Target, row), nil
				},
				Write: func(ctx context.Context, tx *db.Tx, c checkedWorker) error {
					_, err := insertWorker(ctx, tx, keys, actor, c)
					return err
				},
			}, nil
		}}
}

// checkRow turns a row into a validated worker, or its problems. The
// station is the row's 所属站点, else target.
func checkRow(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, stations, byField map[string]string, target string, row roster.Record) roster.Checked[checkedWorker] {
	cell := func(field string) string { return RosterColumns.Value(row.Cells, field) }
	in := WorkerInput{Name: cell("name"), Sex: cell("sex"), IDNumber: cell("id_number"), BirthDate: cell("birth_date"), Phone: cell("phone"),
		Education: cell("education"), Major: cell("major"), Post: cell("post"), Employer: cell("employer"), HiredOn: cell("hired_on")}
	errs := map[string]string{}
	site := cell("org_id")
	if site != "" {
		in.OrgID = stations[site]
		switch in.OrgID {
		case "":
			errs["所属站点"] = "找不到“" + site + "”：须为您负责范围内的社工站或社工室名称或区划代码"
		case ambiguousStation:
			in.OrgID = ""
			errs["所属站点"] = "“" + site + "”对应多个站点，请填写站点全称或区划代码"
		}
	} else {
		in.OrgID = target
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
	c, fe := validateWorker(ctx, q, keys, actor, in, nil)
	for field, msg := range fe {
		header := byField[field]
		if header == "" {
			header = field
		}
		if _, has := errs[header]; !has && !(field == "org_id" && site != "" && in.OrgID == "") {
			errs[header] = msg
		}
	}
	return roster.Checked[checkedWorker]{Value: c, Errors: errs, Key: c.idIndex}
}

// ImportRoster checks an uploaded roster and, by mode, writes it. With
// ImportAll and any problem, nothing is written and the error lists every
// problem keyed "第3行·身份证号"; the report is returned as well. Like
// every roster import it opens its own transactions on d (roster.Importer):
// the rows are checked in a read transaction and written in one short
// write transaction, so the write lock is held only while writing.
func ImportRoster(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, filename string, data []byte, mode string) (ImportReport, error) {
	return importer(keys).Run(ctx, d, actor, filename, data, mode, roster.Options{})
}

// ImportRosterTo is ImportRoster of a roster that belongs to the station
// or room target (an org id in the actor's scope): rows with an empty
// 所属站点 go there; a filled one overrides it.
func ImportRosterTo(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, filename string, data []byte, mode, target string) (ImportReport, error) {
	return importer(keys).Run(ctx, d, actor, filename, data, mode, roster.Options{Target: target})
}

// batchTable holds the staged rosters (see roster.Batches).
const batchTable = "wf_import_batches"

// StageRoster keeps an uploaded file, already checked by ImportRoster,
// for a later CommitBatch or RejectedOf by the same user ("valid rows
// only").
func StageRoster(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, filename string, data []byte) (id string, err error) {
	return StageRosterTo(ctx, tx, keys, actor, filename, data, "")
}

// StageRosterTo is StageRoster of a roster checked by ImportRosterTo
// with target: CommitBatch imports it to the same station or room.
func StageRosterTo(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, filename string, data []byte, target string) (id string, err error) {
	if actor == nil {
		return "", apperr.New(apperr.Unauthorized, "请先登录")
	}
	return roster.Batches{Table: batchTable, Keys: keys}.Stage(ctx, tx, actor, filename, roster.StageMode(ImportValid, roster.Options{Target: target}), data)
}

// CommitBatch imports the valid rows of a staged upload, once, keeping
// the rejected rows for download (see roster.Importer.Commit).
func CommitBatch(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, id string) (ImportReport, error) {
	return importer(keys).Commit(ctx, d, keys, actor, id, ImportValid, nil)
}

// RejectedOf returns the rows of a staged upload that are (or, once
// committed, were) not imported, and the upload's file name; handing
// them out is audit-logged as an export.
func RejectedOf(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, id string) (roster.Rejected, string, error) {
	return importer(keys).RejectedOf(ctx, d, keys, actor, id)
}
