package recipients

// The roster import (服务对象名册导入): county staff load their existing
// Excel rosters of 低保/特困/留守儿童… instead of typing them again.
//
// The upload, staging, modes, report and rejected rows are the roster
// package's (roster.Importer); this file gives the columns and the row
// rule: a row is turned into an Input, checked by the field rules of
// Create and by the duplicate rule of registration (personLookup, one
// indexed lookup): refused when its ID number is registered, in doubt —
// imported or skipped by a person's decision — when the same name and
// birth date are registered under another number; it is written by
// Create's insert, or many rows at once by insertMany.

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/division"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/roster"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/validate"
)

func init() { roster.Batches{Table: batchTable}.RegisterSealed() }

// Limits of one roster upload.
var (
	// MaxImportBytes is the largest file accepted.
	MaxImportBytes int64 = 20 << 20
	// MaxImportRows is the most data rows one file may hold.
	MaxImportRows = 50000
)

// Import modes (roster.ModeCheck…).
const (
	ImportCheck = roster.ModeCheck
	ImportAll   = roster.ModeAll
	ImportValid = roster.ModeValid
)

// ImportModeLabel is the Chinese name of a mode.
func ImportModeLabel(mode string) string { return roster.ModeLabel(mode) }

// ImportColumn is a column of the roster template.
type ImportColumn = roster.Column

// ImportColumns are the template's columns, in order.
var ImportColumns = roster.Columns{
	{Header: "姓名", Field: "name", Required: true, Hint: "必填", Aliases: []string{"服务对象姓名", "对象姓名"}},
	{Header: "身份证号", Field: "id_number", Required: true, Text: true, Hint: "必填，18 位（旧 15 位亦可）；请把该列设为文本格式，以免 Excel 改动数字",
		Aliases: []string{"身份证号码", "公民身份号码", "身份证", "证件号码"}, Mask: secure.MaskID},
	{Header: "性别", Field: "sex", Hint: "男/女；可不填，以身份证号为准", List: Sexes},
	{Header: "出生日期", Field: "birth_date", Date: true, Text: true, Hint: "可不填，以身份证号为准；填写时须一致，如 1950-03-08", Aliases: []string{"出生年月日"}},
	{Header: "民族", Field: "ethnicity", Hint: "如 汉族、回族"},
	{Header: "联系电话", Field: "phone", Text: true, Hint: "手机号或带区号的固定电话", Aliases: []string{"电话", "手机", "手机号", "手机号码", "联系方式"},
		Mask: secure.MaskPhone},
	{Header: "户籍地址", Field: "hukou_address", Aliases: []string{"户籍所在地", "户籍"}, Mask: secure.MaskAddress},
	{Header: "现住址", Field: "current_address", Aliases: []string{"现居住地址", "居住地址", "家庭住址", "住址"}, Mask: secure.MaskAddress},
	{Header: "村（社区）", Field: "village_code", Text: true, Hint: "村（社区）名称（如 西街村）或 12 位区划代码；须在所属站点的乡镇（街道）内；社工室可不填",
		Aliases: []string{"村（社区）代码", "村（社区）名称", "所在村（社区）", "村名", "村", "社区", "村居", "村（居）"}},
	{Header: "居住情况", Field: "living_situation", Hint: strings.Join(LivingSituations, "/"), List: LivingSituations},
	{Header: "对象类别", Field: "categories", Hint: "一人可有多个类别，用顿号“、”或逗号分隔，如 低保对象、独居老人", Aliases: []string{"类别", "人员类别", "服务对象类别"}},
	{Header: "残疾类别", Field: "disability_type", Hint: strings.Join(DisabilityTypes, "/"), Aliases: []string{"残疾类型"}, List: DisabilityTypes},
	{Header: "残疾等级", Field: "disability_grade", Hint: strings.Join(DisabilityGrades, "/"), Aliases: []string{"残疾级别"}, List: DisabilityGrades},
	{Header: "收入来源", Field: "income_source", Hint: strings.Join(IncomeSources, "/"), Aliases: []string{"主要收入来源"}, List: IncomeSources},
	{Header: "所属站点", Field: "org_id", Hint: "社工站或社工室的名称（如 朝歌街道社工站）或区划代码；站长、社工可不填，默认为本站",
		Aliases: []string{"负责站点", "站点", "社工站", "所属社工站"}},
	{Header: "责任社工", Field: "worker_id", Hint: "该站点社工或站长的姓名或用户名；可不填", Aliases: []string{"社工", "负责社工"}},
	{Header: "状态", Field: "status", Hint: "在册/暂停/迁出/死亡/结束服务；不填为在册", List: []string{"在册", "暂停", "迁出", "死亡", "结束服务"}},
	{Header: "状态原因", Field: "status_reason", Hint: "状态不是“在册”时必填"},
	{Header: "状态日期", Field: "status_date", Date: true, Text: true, Hint: "状态不是“在册”时必填，如 2024-05-01", Aliases: []string{"状态变更日期"}},
	{Header: "监护人", Field: "guardian_name", Hint: "未满 14 周岁的儿童必填", Aliases: []string{"监护人姓名", "监护人/联系人", "联系人"}},
	{Header: "监护人关系", Field: "guardian_relation", Hint: strings.Join(GuardianRelations, "/"), Aliases: []string{"与本人关系", "监护人与本人关系"},
		List: GuardianRelations},
	{Header: "监护人电话", Field: "guardian_phone", Text: true, Aliases: []string{"监护人联系电话", "联系人电话"}, Mask: secure.MaskPhone},
	{Header: "健康状况", Field: "health_notes", Hint: "如 高血压；按个人信息保护要求加密保存", Aliases: []string{"健康情况"},
		Mask: func(string) string { return "***" }},
}

// importSpec describes the roster file, with the limits as they are now.
// A row number column is left out silently, other unknown columns are
// listed as not read.
func importSpec() roster.Spec {
	return roster.Spec{What: "服务对象名册", Sheet: "服务对象名册", Columns: ImportColumns, Star: true,
		Unknown: roster.IgnoreUnknown, Skip: []string{"序号", "编号"}, MaxBytes: MaxImportBytes, MaxRows: MaxImportRows}
}

// Headers of the columns the rejected-rows file adds.
const (
	RejectReasonHeader = roster.RejectReasonHeader
	RejectRowHeader    = roster.RejectRowHeader
)

// CellError is one problem of an uploaded roster.
type CellError = roster.CellError

// ImportRow is one data row of a roster.
type ImportRow = roster.Record

// ImportReport is the outcome of checking or importing a roster.
type ImportReport = roster.Report

// ImportTemplate is the downloadable empty roster with instructions, the
// actor's stations and their county's categories.
func ImportTemplate(ctx context.Context, q db.Querier, actor *authz.Actor) ([]byte, error) {
	notes := []string{
		"每行一人，从第 2 行开始填写；带 * 的列必填。同一身份证号只能登记一次（系统中已登记的、或文件中重复的都不会导入）。",
		"姓名和出生日期与已登记的服务对象相同、身份证号不同的行是“可能重复”：检查结果逐行列出，由您核对后选择“导入”或“跳过”。",
		fmt.Sprintf("一次最多 %d 行，文件不超过 %s。上传后先逐行检查，确认后才导入。", MaxImportRows, SizeLabel(MaxImportBytes)),
	}
	// The choices that depend on who downloads: their stations and their
	// county's categories.
	lists := func(x *excelize.File) error {
		const lists = "可选值"
		_, _ = x.NewSheet(lists)
		_ = x.SetSheetRow(lists, "A1", &[]string{"所属站点", "对象类别"})
		if actor != nil {
			units, err := scopeUnits(ctx, q, actor)
			if err != nil {
				return err
			}
			for i, u := range units {
				_ = x.SetCellValue(lists, "A"+strconv.Itoa(i+2), u.Name)
			}
			cats, err := CategoriesFor(ctx, q, actor)
			if err != nil {
				return err
			}
			for i, c := range cats {
				_ = x.SetCellValue(lists, "B"+strconv.Itoa(i+2), c)
			}
		}
		return x.SetColWidth(lists, "A", "B", 24)
	}
	return importSpec().Template(notes, lists)
}

// SizeLabel shows a byte count as MB or KB.
func SizeLabel(n int64) string { return roster.SizeLabel(n) }

// Lookups of the names a roster uses, within the actor's scope only: a
// station or worker outside it is "not found", exactly like one that
// does not exist, so a roster reveals nothing of other stations.

type importUnit struct {
	ID, Name, Path, Code string
	Kind                 org.Kind
}

// scopeUnits lists the stations and rooms in the actor's scope.
func scopeUnits(ctx context.Context, q db.Querier, actor *authz.Actor) ([]importUnit, error) {
	cond, args := actor.ScopeCond(q.Dialect(), "path")
	rows, err := q.Query(ctx, `SELECT id, name, path, division_code, kind FROM org_units WHERE `+cond+` AND kind IN (?, ?) ORDER BY path`,
		append(args, org.KindStation, org.KindRoom)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []importUnit
	for rows.Next() {
		var u importUnit
		if err := rows.Scan(&u.ID, &u.Name, &u.Path, &u.Code, &u.Kind); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

type importWorker struct{ ID, Username, Name, Path string }

// workerName is the display name of a worker found by worker.
func (im *importer) workerName(id string) string {
	for _, w := range im.workers {
		if w.ID == id {
			return w.Name
		}
	}
	return ""
}

// importer resolves the names of one roster's rows.
type importer struct {
	q        db.Querier
	keys     *secure.Keyring
	actor    *authz.Actor
	units    map[string]*importUnit // full name, short name, division code, id
	unclear  map[string]bool        // a short name several units share
	home     *importUnit            // the actor's own station or room
	workers  []importWorker
	villages map[string]map[string][]string // township code → village key → codes
	dups     *sql.Stmt                      // personLookup, prepared for the run
}

func newImporter(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor) (*importer, error) {
	im := &importer{q: q, keys: keys, actor: actor, units: map[string]*importUnit{}, unclear: map[string]bool{}, villages: map[string]map[string][]string{}}
	units, err := scopeUnits(ctx, q, actor)
	if err != nil {
		return nil, err
	}
	for i := range units {
		u := &units[i]
		// Two rooms may share a full name (东关村社工室 in two townships):
		// such a name finds neither, the row must give the code.
		if other, taken := im.units[u.Name]; taken && other != u {
			im.unclear[u.Name] = true
		}
		im.units[u.Name], im.units[u.ID] = u, u
		if u.Code != "" {
			im.units[u.Code] = u
		}
		if u.ID == actor.OrgID {
			im.home = u
		}
	}
	for i := range units {
		u := &units[i]
		for _, suffix := range []string{"社工站", "社工室"} {
			short := strings.TrimSuffix(u.Name, suffix)
			if short == u.Name || short == "" {
				continue
			}
			if other, taken := im.units[short]; taken && other != u {
				if other.Name != short {
					im.unclear[short] = true
				}
				continue
			}
			im.units[short] = u
		}
	}
	cond, args := actor.ScopeCond(q.Dialect(), "o.path")
	rows, err := q.Query(ctx, `SELECT u.id, u.username, u.display_name, o.path FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE `+cond+` AND u.active = 1 AND u.role IN (?, ?) ORDER BY u.username`, append(args, authz.RoleWorker, authz.RoleStationHead)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var w importWorker
		if err := rows.Scan(&w.ID, &w.Username, &w.Name, &w.Path); err != nil {
			return nil, err
		}
		im.workers = append(im.workers, w)
	}
	return im, rows.Err()
}

// unit finds a station or room in scope by name or code.
func (im *importer) unit(v string) (*importUnit, string) {
	key := strings.Join(strings.Fields(v), "")
	key = fullWidthBrackets.Replace(key)
	if u := im.units[key]; u != nil && !im.unclear[key] {
		return u, ""
	}
	if im.unclear[key] {
		return nil, "“" + v + "”对应多个站点，请填写站点全称或区划代码"
	}
	return nil, "找不到“" + v + "”：须为您负责范围内的社工站或社工室的名称或区划代码"
}

// worker finds the responsible worker by username or display name,
// preferring those of the row's station.
func (im *importer) worker(v string, u *importUnit) (string, string) {
	for _, w := range im.workers {
		if w.Username == v {
			return w.ID, ""
		}
	}
	var named, here []importWorker
	for _, w := range im.workers {
		if w.Name == v {
			named = append(named, w)
			if u != nil && strings.HasPrefix(w.Path, stationPath(org.Unit{ID: u.ID, Path: u.Path, Kind: u.Kind})) {
				here = append(here, w)
			}
		}
	}
	switch {
	case len(here) == 1:
		return here[0].ID, ""
	case len(named) == 1:
		return named[0].ID, "" // validation says it is another station's
	case len(named) > 1:
		return "", "有多位名为“" + v + "”的社工，请改填其用户名"
	}
	return "", "找不到社工“" + v + "”：请填写该站点在岗社工或站长的姓名或用户名"
}

// villageSuffixes are cut from village names, longest first, so 西街村,
// 西街 and 西街村民委员会 all find 西街村民委员会 (the code list's name).
var villageSuffixes = []string{"村民委员会", "居民委员会", "村委会", "居委会", "社区", "村"}

func villageKey(name string) string {
	k := strings.Join(strings.Fields(name), "")
	for changed := true; changed; {
		changed = false
		for _, s := range villageSuffixes {
			if t := strings.TrimSuffix(k, s); t != k && t != "" {
				k, changed = t, true
			}
		}
	}
	return k
}

// village turns a village name into its 12-digit code, looked up among
// the villages of the unit's township. A code is passed on as it is
// (validation checks it).
func (im *importer) village(ctx context.Context, v string, u *importUnit) (string, string, error) {
	if strings.Trim(v, "0123456789") == "" {
		return v, "", nil
	}
	if len(u.Code) < 9 {
		return v, "“" + u.Name + "”没有登记乡镇（街道）区划代码，请填写 12 位村（社区）区划代码", nil
	}
	town := u.Code[:9]
	byKey, ok := im.villages[town]
	if !ok {
		kids, err := division.Children(ctx, im.q, town)
		if err != nil {
			return "", "", err
		}
		byKey = map[string][]string{}
		for _, k := range kids {
			key := villageKey(k.Name)
			byKey[key] = append(byKey[key], k.Code)
		}
		im.villages[town] = byKey
	}
	codes := byKey[villageKey(v)]
	switch {
	case len(codes) == 1:
		return codes[0], "", nil
	case len(codes) > 1:
		return v, "“" + v + "”对应多个村（社区），请改填 12 位区划代码", nil
	}
	return v, "“" + v + "”不是“" + u.Name + "”所在乡镇（街道）的村（社区），请填写该乡镇（街道）内的村名或 12 位区划代码", nil
}

// Replacers built once: a roster runs them on every row.
var (
	fullWidthBrackets = strings.NewReplacer("(", "（", ")", "）")
	grades            = strings.NewReplacer("1", "一", "2", "二", "3", "三", "4", "四")
)

var categorySplit = regexp.MustCompile(`[、，,；;\n]+`)

// choice folds the ways a listed value is typed (half-width brackets,
// spaces, 汉 for 汉族, 1级 for 一级) onto the list; other text is
// returned as it is, for validation to refuse.
func choice(v string, list []string) string {
	if v == "" || slices.Contains(list, v) {
		return v
	}
	w := strings.Join(strings.Fields(fullWidthBrackets.Replace(v)), "")
	for _, c := range []string{w, w + "族", grades.Replace(w), grades.Replace(w) + "级", strings.TrimSuffix(w, "性")} {
		if slices.Contains(list, c) {
			return c
		}
	}
	return v
}

// input turns a row into an Input, with the problems found resolving
// its names (header → message).
func (im *importer) input(ctx context.Context, row roster.Record) (Input, map[string]string, error) {
	cell := func(field string) string { return ImportColumns.Value(row.Cells, field) }
	errs := map[string]string{}
	in := Input{Name: cell("name"), Sex: choice(cell("sex"), Sexes), BirthDate: cell("birth_date"), IDNumber: cell("id_number"),
		Ethnicity: choice(cell("ethnicity"), Ethnicities), Phone: cell("phone"), HukouAddress: cell("hukou_address"),
		CurrentAddress: cell("current_address"), LivingSituation: choice(cell("living_situation"), LivingSituations),
		GuardianName: cell("guardian_name"), GuardianRelation: choice(cell("guardian_relation"), GuardianRelations),
		GuardianPhone: cell("guardian_phone"), DisabilityType: choice(cell("disability_type"), DisabilityTypes),
		DisabilityGrade: choice(cell("disability_grade"), DisabilityGrades), HealthNotes: cell("health_notes"),
		IncomeSource: choice(cell("income_source"), IncomeSources), Status: cell("status"), StatusReason: cell("status_reason"),
		StatusDate: cell("status_date"),
	}
	for _, c := range categorySplit.Split(cell("categories"), -1) {
		if c = strings.TrimSpace(c); c != "" {
			in.Categories = append(in.Categories, c)
		}
	}
	if strings.TrimSpace(in.IDNumber) == "" {
		errs["身份证号"] = "请填写身份证号（导入时必填，用于核对是否已登记）"
	}
	var u *importUnit
	if site := cell("org_id"); site != "" {
		var msg string
		if u, msg = im.unit(site); msg != "" {
			errs["所属站点"] = msg
		}
	} else if im.home != nil {
		u = im.home
	} else {
		errs["所属站点"] = "请填写所属站点（社工站或社工室的名称）"
	}
	if u != nil {
		in.OrgID = u.ID
	}
	in.VillageCode = cell("village_code")
	if in.VillageCode != "" && u != nil {
		code, msg, err := im.village(ctx, in.VillageCode, u)
		if err != nil {
			return in, nil, err
		}
		in.VillageCode = code
		if msg != "" {
			errs["村（社区）"] = msg
		}
	}
	if w := cell("worker_id"); w != "" {
		id, msg := im.worker(w, u)
		in.WorkerID = id
		if msg != "" {
			errs["责任社工"] = msg
		}
	}
	return in, errs, nil
}

// headerOfField maps a field validation reports to its column: "" (the
// whole row) for id.
func headerOfField(field string) string { return ImportColumns.HeaderOf(field) }

// importValue is a checked row, ready to write.
type importValue struct {
	c          checked
	workerName string
	// possible is how many possible duplicates the row has (the rule of
	// personLookup), decidedBy who chose to import it all the same.
	possible  int
	decidedBy string
	// What Prepare made, outside the write lock: the new row's id and
	// columns (personal data sealed; the stamps are set when written)
	// and its audit entry.
	id    string
	cols  []column
	entry audit.Entry
}

// importSummary is the audit text of an imported row: it speaks of a
// possible duplicate only when a person decided to import it anyway,
// and names them.
func importSummary(v importValue) string {
	s := "名册导入服务对象：" + v.c.in.Name
	if v.possible > 0 && v.decidedBy != "" {
		s += "（可能重复：已登记同名、同出生日期的 " + itoa(v.possible) + " 条记录；" + v.decidedBy + "核对后确认不是同一人，选择导入）"
	}
	return s
}

// importer is the roster import of recipients.
func importerOf(keys *secure.Keyring) roster.Importer[importValue] {
	return roster.Importer[importValue]{Spec: importSpec(), Table: batchTable, Entity: "recipient", KeyColumn: "身份证号",
		Begin: func(ctx context.Context, q db.Querier, actor *authz.Actor, opts roster.Options) (roster.Rule[importValue], error) {
			im, err := newImporter(ctx, q, keys, actor)
			if err != nil {
				return roster.Rule[importValue]{}, err
			}
			if opts.Target != "" {
				u := im.units[opts.Target]
				if u == nil || u.ID != opts.Target {
					return roster.Rule[importValue]{}, &apperr.Error{Kind: apperr.Invalid, Message: "所选站点不存在或不在您的负责范围内",
						Fields: map[string]string{"target": "请选择您负责范围内的社工站或社工室"}}
				}
				im.home = u
			}
			lk := newLookups()
			if im.dups, err = db.Prepare(ctx, q, personLookup); err != nil {
				return roster.Rule[importValue]{}, err
			}
			// The rows of this run, by id once prepared: a row is not its
			// own file's possible duplicate when written one by one.
			own := map[string]bool{}
			return roster.Rule[importValue]{
				Close: func() { im.dups.Close() },
				Check: func(ctx context.Context, row roster.Record) (roster.Checked[importValue], error) {
					return im.check(ctx, lk, row)
				},
				Write: func(ctx context.Context, tx *db.Tx, v importValue) error {
					if v.possible == 0 {
						found, err := lookupPerson(ctx, tx, keys, actor, v.c.in.IDNumber, v.c.in.Name, v.c.in.BirthDate, "")
						if err != nil {
							return err
						}
						for _, m := range found.Possible {
							if !own[m.ID] {
								return laterDuplicateError()
							}
						}
					}
					_, err := insert(ctx, tx, keys, actor, v.c, v.workerName, importSummary(v), "")
					return err
				},
				Prepare: func(v importValue) importValue {
					v.id, v.cols = newRecord(keys, actor, v.c, "", "")
					v.entry = audit.Entry{Action: audit.ActionCreate, Entity: "recipient", EntityID: v.id, OrgPath: v.c.unit.Path,
						Summary: importSummary(v), Changes: audit.Diff(nil, auditFields(v.c.in, v.c.unit.Name, v.workerName))}
					return v
				},
				WriteMany: func(ctx context.Context, tx *db.Tx, vs []importValue) error {
					for _, v := range vs {
						own[v.id] = true
					}
					if err := noLaterDuplicates(ctx, tx, actor, vs); err != nil {
						return err
					}
					return insertMany(ctx, tx, actor, vs)
				},
			}, nil
		}}
}

// laterDuplicateError refuses a row that had no possible duplicate when
// the roster was checked and has one when it is written: someone
// registered a person of the same name and birth date in between, and
// nobody has decided on the row.
func laterDuplicateError() error {
	return &apperr.Error{Kind: apperr.Conflict, Message: "核对之后又有人登记了同名、同出生日期的服务对象",
		Fields: map[string]string{"name": "可能重复：核对之后又有人登记了同名、同出生日期的服务对象；请重新上传，核对后选择“导入”或“跳过”"}}
}

// noLaterDuplicates applies the duplicate rule's second part again, in
// the commit's transaction, to the rows that had no possible duplicate
// when checked: laterDuplicateError if one has one now (the caller then
// writes row by row, which names it). Pairs of name and birth date in
// statements of up to 500, each seeking recipients_name_birth.
func noLaterDuplicates(ctx context.Context, tx *db.Tx, actor *authz.Actor, vs []importValue) error {
	args := make([]any, 0, 1000)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT r.birth_date, o.path FROM recipients r JOIN org_units o ON o.id = r.org_id
			WHERE (r.name, r.birth_date) IN (VALUES `+strings.TrimSuffix(strings.Repeat("(?, ?), ", len(args)/2), ", ")+`)`, args...)
		args = args[:0]
		found, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (m personMatch, err error) {
			err = row.Scan(&m.BirthDate, &m.OrgPath)
			return m, err
		})
		if err != nil {
			return err
		}
		for _, m := range found {
			if actor.Covers(m.OrgPath) && !Hidden(actor, m.BirthDate) { // as matchPerson
				return laterDuplicateError()
			}
		}
		return nil
	}
	for _, v := range vs {
		if v.possible > 0 {
			continue
		}
		args = append(args, v.c.in.Name, v.c.in.BirthDate)
		if len(args) == 1000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// insertMany writes prepared rows as insert does one by one, in
// multi-row INSERTs: the recipients, their category links (after the
// rows, whose columns the links mirror), the registrations in the status
// history, and the audit entries. An ID number registered since the
// check fails the whole call with duplicateIDError (the caller then
// writes row by row to name it).
func insertMany(ctx context.Context, tx *db.Tx, actor *authz.Actor, vs []importValue) error {
	if len(vs) == 0 {
		return nil
	}
	now := cst.NowStamp()
	names := make([]string, len(vs[0].cols))
	for i, c := range vs[0].cols {
		names[i] = c.name
	}
	type link struct{ id, category string }
	var links []link
	history := make([][]any, 0, len(vs))
	entries := make([]audit.Entry, 0, len(vs))
	rows := make([][]any, 0, len(vs))
	for _, v := range vs {
		args := make([]any, len(v.cols))
		for i, c := range v.cols {
			args[i] = c.value
			if c.name == "created_at" || c.name == "updated_at" {
				args[i] = now
			}
		}
		rows = append(rows, args)
		for _, cat := range v.c.in.Categories {
			links = append(links, link{v.id, cat})
		}
		in := v.c.in
		history = append(history, []any{ids.New(), v.id, now, "registered", in.Status, in.StatusReason, in.StatusDate, actorID(actor)})
		entries = append(entries, v.entry)
	}
	err := insertRows(ctx, tx, "recipients", names, rows)
	if db.IsUniqueViolation(err) {
		return duplicateIDError("")
	}
	if err != nil {
		return err
	}
	linkRows := make([][]any, len(links))
	for i, l := range links {
		linkRows[i] = []any{l.id, l.category}
	}
	if err := insertRows(ctx, tx, "recipient_category_links", []string{"recipient_id", "category"}, linkRows); err != nil {
		return err
	}
	if err := insertRows(ctx, tx, "recipient_status_history",
		[]string{"id", "recipient_id", "at", "kind", "status", "reason", "effective_on", "actor_id"}, history); err != nil {
		return err
	}
	return audit.RecordMany(ctx, tx, actor, entries)
}

// insertRows writes rows of the named columns into table, in INSERTs of
// up to 16,000 parameters (under every engine's limit).
func insertRows(ctx context.Context, tx *db.Tx, table string, names []string, rows [][]any) error {
	per := max(1, 16000/len(names))
	row := "(" + db.Placeholders(len(names)) + ")"
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(part)*len(names))
		for _, r := range part {
			args = append(args, r...)
		}
		query := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", len(part)), ", ")
		if _, err := tx.Exec(ctx, query, args...); err != nil {
			return err
		}
	}
	return nil
}

// check turns a row into a checked recipient, or its problems.
func (im *importer) check(ctx context.Context, lk *lookups, row roster.Record) (roster.Checked[importValue], error) {
	var out roster.Checked[importValue]
	in, errs, err := im.input(ctx, row)
	if err != nil {
		return out, err
	}
	out.Errors = errs
	add := func(h, msg string) {
		if _, has := errs[h]; !has {
			errs[h] = msg
		}
	}
	c, err := checkWith(ctx, im.q, im.actor, in, nil, lk)
	if ae, ok := apperr.As(err); ok && ae.Kind != apperr.Unauthorized {
		if len(ae.Fields) == 0 {
			add("", ae.Message)
		}
		_, badID := ae.Fields["id_number"]
		for field, msg := range ae.Fields {
			switch h := headerOfField(field); {
			case h == "村（社区）" && errs["所属站点"] != "":
				// The village is checked against the station, which is wrong.
			case badID && (field == "sex" && in.Sex == "" || field == "birth_date" && in.BirthDate == ""):
				// Sex and birth date come from a readable ID number.
			default:
				add(h, msg)
			}
		}
	} else if err != nil {
		return out, err
	}
	card, err := validate.ParseIDCard(in.IDNumber)
	if err != nil {
		return out, nil
	}
	out.Key = card.Number
	if errs["身份证号"] != "" {
		return out, nil
	}
	// The duplicate rule (personLookup): one indexed lookup.
	name := c.in.Name
	if name == "" {
		name = strings.Join(strings.Fields(in.Name), "")
	}
	args := personArgs(im.keys, card.Number, name, card.Birth.Format(cst.DateLayout))
	rows, err := im.dups.QueryContext(ctx, args...)
	found, err := matchPerson(rows, err, im.actor, args[0].(string), "")
	if err != nil {
		return out, err
	}
	if m := found.SameID; m != nil {
		orgName := ""
		if found.SameIDSeen {
			orgName = m.OrgName
		}
		errs["身份证号"] = duplicateIDError(orgName).(*apperr.Error).Message
	}
	if n := len(found.Possible); n > 0 {
		m := found.Possible[0]
		where := m.OrgName
		if n > 1 {
			where += "等处"
		}
		out.Doubt = map[string]string{"姓名": "可能重复：" + where + "已登记同名、同出生日期（" + m.BirthDate + "）但身份证号不同的服务对象 " + itoa(n) +
			" 人；请核对后选择“导入”（不是同一人）或“跳过”"}
	}
	if len(errs) == 0 {
		out.Value = importValue{c: c, workerName: im.workerName(c.in.WorkerID), possible: len(found.Possible)}
		if len(found.Possible) > 0 && row.Decision == roster.DecideImport {
			out.Value.decidedBy = im.actor.DisplayName + "（" + im.actor.Username + "）"
		}
	}
	return out, nil
}

// CheckImport reads and checks an uploaded roster without writing
// anything. A file that cannot be read is an error; problems of rows are
// in the report.
func CheckImport(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, filename string, data []byte) (ImportReport, error) {
	return importerOf(keys).Check(ctx, d, actor, filename, data, roster.Options{})
}

// Import reads a roster and runs it at once, without keeping the file:
// checked only, or written by mode in one transaction. With ImportAll
// and any problem, nothing is written and the error lists every problem
// keyed "第5行·身份证号"; the report is returned as well.
func Import(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, filename string, data []byte, mode string) (ImportReport, error) {
	return ImportTo(ctx, d, keys, actor, filename, data, mode, "")
}

// ImportTo is Import of a roster that belongs to the station or room
// target (an org id in the actor's scope; "" for the actor's own): rows
// with an empty 所属站点 go there; a filled one overrides it. A target
// out of scope is refused (field "target").
func ImportTo(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, filename string, data []byte, mode, target string) (ImportReport, error) {
	return ImportDecided(ctx, d, keys, actor, filename, data, mode, target, nil)
}

// ImportDecided is ImportTo with the decisions a person took on the rows
// in doubt (possible duplicates, ImportReport.Doubts of a check), by row
// number: DecideImport or DecideSkip. A row in doubt without a decision
// stops a writing run before anything is written (apperr.Invalid, fields
// keyed "第5行·姓名").
func ImportDecided(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, filename string, data []byte, mode, target string, decisions map[int]string) (ImportReport, error) {
	return importerOf(keys).Run(ctx, d, actor, filename, data, mode, roster.Options{Target: target, Decisions: decisions})
}

// Decisions on a possible duplicate of an import (roster.DecideImport…).
const (
	DecideImport = roster.DecideImport // 导入: not the same person, import the row
	DecideSkip   = roster.DecideSkip   // 跳过: leave the row out
)

// batchTable holds the kept uploads (see roster.Batches).
const batchTable = "recipient_import_batches"

// UploadImport checks an uploaded roster (nothing is written) and keeps
// the file, sealed, for CommitImport and RejectedOf by the same user. A
// file that cannot be read is an error and is not kept.
func UploadImport(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, filename, mode string, data []byte) (ImportReport, error) {
	return UploadImportTo(ctx, d, keys, actor, filename, mode, data, "")
}

// UploadImportTo is UploadImport of a roster that belongs to the station
// or room target (an org id in the actor's scope; "" for the actor's
// own): its rows go there unless their 所属站点 cell names another.
// A target out of scope is refused (field "target").
func UploadImportTo(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, filename, mode string, data []byte, target string) (ImportReport, error) {
	return importerOf(keys).Upload(ctx, d, keys, actor, filename, mode, data, roster.Options{Target: target})
}

// CommitImport imports a kept upload, once: mode "" uses the mode chosen
// at upload; decisions answer its possible duplicates by row number
// (DecideImport, DecideSkip), and a row in doubt without one stops the
// commit before anything is written (see roster.Importer.Commit).
func CommitImport(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, id, mode string, decisions map[int]string) (ImportReport, error) {
	return importerOf(keys).Commit(ctx, d, keys, actor, id, mode, decisions)
}

// RejectedOf returns the rows of a kept upload that are (or, once
// committed, were) not imported, and the upload's file name; handing
// them out is audit-logged as an export.
func RejectedOf(ctx context.Context, d *db.DB, keys *secure.Keyring, actor *authz.Actor, id string) (roster.Rejected, string, error) {
	return importerOf(keys).RejectedOf(ctx, d, keys, actor, id)
}
