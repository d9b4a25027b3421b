package workforce

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/roster/rostertest"
)

// statsFixture builds the hand-computed roster (today is 2026-06-30):
//
//	朝歌  A 1990-01-01 hired 2019-03-01 助理 2018-06-01, 中级 2021-06-01, 本科
//	朝歌  B 1998-07-01 hired 2022-01-01 助理 2023-05-01, 大专
//	朝歌  C 1975-12-31 hired 2019-01-01 left 2024-06-30, no certificate
//	北阳  D 1980-06-30 hired 2020-01-01 中级 2020-09-01, 高级 exam 2024-01-01, 硕士
//	北阳  E 2000-02-02 no hiring date, no certificate, 本科
func statsFixture(t *testing.T) *fixture {
	f := newFixture(t)
	mk := func(unit string, name, birth, hired, left, edu string, quals ...QualificationInput) Worker {
		t.Helper()
		u := f.chaoge
		if unit == "北阳" {
			u = f.beiyang
		}
		w, err := write(f, func(tx *db.Tx) (Worker, error) {
			return CreateWorker(f.ctx, tx, f.keys, f.admin, WorkerInput{OrgID: u.ID, Name: name, IDNumber: f.id(birth, true), HiredOn: hired,
				LeftOn: left, Education: edu, Qualifications: quals})
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return w
	}
	a := mk("朝歌", "A", "1990-01-01", "2019-03-01", "", "bachelor", QualificationInput{Level: LevelJunior, ObtainedOn: "2018-06-01"},
		QualificationInput{Level: LevelIntermediate, ObtainedOn: "2021-06-01"})
	b := mk("朝歌", "B", "1998-07-01", "2022-01-01", "", "college", QualificationInput{Level: LevelJunior, ObtainedOn: "2023-05-01"})
	mk("朝歌", "C", "1975-12-31", "2019-01-01", "2024-06-30", "")
	mk("北阳", "D", "1980-06-30", "2020-01-01", "", "master", QualificationInput{Level: LevelIntermediate, ObtainedOn: "2020-09-01"},
		QualificationInput{Level: LevelSenior, Stage: StageExam, ObtainedOn: "2024-01-01"})
	mk("北阳", "E", "2000-02-02", "", "", "bachelor")

	v1, _ := write(f, func(tx *db.Tx) (Volunteer, error) {
		return CreateVolunteer(f.ctx, tx, f.keys, f.admin, VolunteerInput{OrgID: f.chaoge.ID, Name: "V1", RegisteredOn: "2025-01-01"})
	})
	v2, _ := write(f, func(tx *db.Tx) (Volunteer, error) {
		return CreateVolunteer(f.ctx, tx, f.keys, f.admin, VolunteerInput{OrgID: f.beiyang.ID, Name: "V2", RegisteredOn: "2026-01-01"})
	})
	for _, h := range []struct {
		id string
		in HoursInput
	}{
		{v1.ID, HoursInput{ServedOn: "2026-03-01", Hours: "3", Activity: "助老"}},
		{v1.ID, HoursInput{ServedOn: "2025-12-01", Hours: "2", Activity: "助老"}},
		{v2.ID, HoursInput{ServedOn: "2026-04-01", Hours: "1.5", Activity: "宣讲"}},
	} {
		if _, err := write(f, func(tx *db.Tx) (ServiceLog, error) {
			l, _, err := LogHours(f.ctx, tx, f.admin, h.id, h.in)
			return l, err
		}); err != nil {
			t.Fatal(err)
		}
	}
	t26, _ := write(f, func(tx *db.Tx) (Training, error) {
		return CreateTraining(f.ctx, tx, f.admin, TrainingInput{OrgID: f.county.ID, Title: "2026 培训", Kind: "short", StartOn: "2026-03-01", Hours: "6"})
	})
	t25, _ := write(f, func(tx *db.Tx) (Training, error) {
		return CreateTraining(f.ctx, tx, f.admin, TrainingInput{OrgID: f.county.ID, Title: "2025 培训", Kind: "online", StartOn: "2025-03-01", Hours: "4"})
	})
	for _, x := range []struct{ training, kind, id string }{{t26.ID, PersonWorker, a.ID}, {t26.ID, PersonVolunteer, v2.ID}, {t25.ID, PersonWorker, b.ID}} {
		if err := f.write(func(tx *db.Tx) error {
			return AddAttendee(f.ctx, tx, f.admin, x.training, AttendeeInput{Kind: x.kind, PersonID: x.id})
		}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestStatisticsAgainstHandComputedFigures(t *testing.T) {
	f := statsFixture(t)
	st, err := Statistics(f.ctx, f.d, f.admin, StatsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	tot := st.Total
	if st.Year != 2026 || st.AsOf != "2026-06-30" || tot.HeadCount != 4 || tot.Certified != 3 || tot.CertifiedShare != "75.0%" {
		t.Fatalf("total: year %d as of %s: %+v", st.Year, st.AsOf, tot)
	}
	if tot.ByLevel[0].Count != 1 || tot.ByLevel[1].Count != 2 || tot.ByLevel[2].Count != 0 {
		t.Fatalf("by level: %+v", tot.ByLevel)
	}
	if st.MedianAge != "31.5" {
		t.Fatalf("median age %s (ages 36 27 46 26)", st.MedianAge)
	}
	bands := []int{2, 1, 1, 0}
	for i, b := range st.AgeBands {
		if b.Count != bands[i] {
			t.Fatalf("age bands %+v", st.AgeBands)
		}
	}
	edu := map[string]int{}
	for _, e := range st.Education {
		edu[e.Key] = e.Count
	}
	if edu["bachelor"] != 2 || edu["college"] != 1 || edu["master"] != 1 || edu[""] != 0 {
		t.Fatalf("education %+v", st.Education)
	}
	if tot.Volunteers != 2 || tot.VolunteerHours != "4.5" || tot.TrainingHours != "12" {
		t.Fatalf("volunteers/training: %+v", tot)
	}
	if len(st.VolunteerMonths) != 6 || st.VolunteerMonths[2].Hours != "3" || st.VolunteerMonths[3].Hours != "1.5" || st.VolunteerMonths[0].Hours != "0" {
		t.Fatalf("volunteer hours by month: %+v", st.VolunteerMonths)
	}
	if len(st.Stations) != 2 {
		t.Fatalf("stations: %+v", st.Stations)
	}
	cg, by := st.Stations[0], st.Stations[1]
	if cg.Name != "朝歌街道社工站" {
		cg, by = by, cg
	}
	if cg.HeadCount != 2 || cg.Certified != 2 || cg.CertifiedShare != "100.0%" || cg.VolunteerHours != "3" || cg.TrainingHours != "6" {
		t.Fatalf("朝歌: %+v", cg)
	}
	if by.HeadCount != 2 || by.Certified != 1 || by.CertifiedShare != "50.0%" || by.VolunteerHours != "1.5" || by.TrainingHours != "6" {
		t.Fatalf("北阳: %+v", by)
	}
	// A past year counts the roster at that year's end.
	past, _ := Statistics(f.ctx, f.d, f.admin, StatsFilter{Year: 2023})
	if past.AsOf != "2023-12-31" || past.Total.HeadCount != 5 || past.Total.Certified != 3 || past.Total.TrainingHours != "0" {
		t.Fatalf("2023: %+v", past.Total)
	}
	// The station head's statistics cover their station only.
	mine, _ := Statistics(f.ctx, f.d, f.headChaoge, StatsFilter{})
	if mine.Total.HeadCount != 2 || len(mine.Stations) != 1 {
		t.Fatalf("station head stats: %+v", mine.Total)
	}
	if _, err := Statistics(f.ctx, f.d, f.headChaoge, StatsFilter{OrgID: f.beiyang.ID}); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("station head read another station's stats: %v", err)
	}
	book, _, entry, err := ExportStatistics(f.ctx, f.d, f.admin, StatsFilter{})
	if err != nil || entry.Action != audit.ActionExport || entry.Entity != "wf_stats" {
		t.Fatalf("export: %v, entry %+v", err, entry)
	}
	// Hours, shares and ages are numbers in the workbook, not text.
	x, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("概况")
	numeric := map[string]bool{"志愿服务时长（小时）": true, "培训学时（人·小时）": true, "持证比例（%）": true, "年龄中位数": true}
	seen := 0
	for i, r := range rows {
		if len(r) < 2 || !numeric[r[0]] {
			continue
		}
		seen++
		cell, _ := excelize.CoordinatesToCellName(2, i+1)
		if typ, _ := x.GetCellType("概况", cell); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("%s written as text: %q", r[0], r[1])
		}
	}
	if seen != len(numeric) {
		t.Fatalf("summary rows %v", rows)
	}
	// The export writes nothing itself: its caller records the entry.
	if n := f.count("audit_log WHERE action = 'export'"); n != 0 {
		t.Fatalf("export audit entries %d", n)
	}
}

func TestTrendFromDatedQualificationRecords(t *testing.T) {
	f := statsFixture(t)
	st, err := Statistics(f.ctx, f.d, f.admin, StatsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// From 2018, the year of the earliest certificate, to this year.
	want := map[int][2]int{2018: {1, 0}, 2019: {3, 1}, 2020: {4, 2}, 2021: {4, 2}, 2022: {5, 2}, 2023: {5, 3}, 2024: {4, 3}, 2025: {4, 3}, 2026: {4, 3}}
	if len(st.Trend) != len(want) || st.Trend[0].Year != 2018 {
		t.Fatalf("trend: %+v", st.Trend)
	}
	for _, p := range st.Trend {
		if w := want[p.Year]; p.HeadCount != w[0] || p.Certified != w[1] {
			t.Fatalf("%d: head %d certified %d, want %v", p.Year, p.HeadCount, p.Certified, w)
		}
	}
	p2020 := st.Trend[2]
	if p2020.Junior != 1 || p2020.Intermediate != 1 || p2020.Senior != 0 {
		t.Fatalf("2020 by level: %+v", p2020)
	}
	// A 高级 exam pass is not a certificate, and shows with its validity.
	list, _, _ := ListWorkers(f.ctx, f.d, f.keys, f.admin, WorkerFilter{Text: "D"})
	if len(list) != 1 || list[0].Level != LevelIntermediate || list[0].SeniorExamUntil != "2027-01-01" {
		t.Fatalf("D: %+v", list)
	}
	certified, _, _ := ListWorkers(f.ctx, f.d, f.keys, f.admin, WorkerFilter{Level: LevelIntermediate})
	none, _, _ := ListWorkers(f.ctx, f.d, f.keys, f.admin, WorkerFilter{Level: "none"})
	if len(certified) != 2 || len(none) != 2 {
		t.Fatalf("level filters: %d intermediate, %d none", len(certified), len(none))
	}
}

func TestRosterImportGoodBadAndDuplicateRows(t *testing.T) {
	f := newFixture(t)
	existing := f.worker(f.chaoge, "已登记", "1985-05-05", "")
	full, _ := write(f, func(tx *db.Tx) (Revealed, error) { return RevealWorker(f.ctx, tx, f.keys, f.admin, existing.ID) })
	good1, good2 := f.id("1990-01-01", true), f.id("1992-02-02", false)
	bad := good1[:17] + map[bool]string{true: "0", false: "1"}[good1[17] != '0']
	header := []string{"姓名", "性别", "身份证号*", "所属站点", "证书等级", "取得日期", "入职日期"}
	data := rostertest.File(t, header,
		[]any{"王一", "男", good1, "朝歌街道社工站", "社会工作师", "2020-05-01", "2019/3/1"}, // row 2: good
		[]any{"王二", "男", bad, "朝歌街道社工站"},                                      // row 3: check digit
		[]any{"王三", "男", good1, "朝歌街道社工站"},                                    // row 4: duplicate of row 2
		nil, // row 5: blank, skipped
		[]any{"李四", "女", good2, "北阳镇", "高级社会工作师（考试合格）", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}, // row 6: good, short station name, Excel date
		[]any{"赵五", "男", full.IDNumber, "朝歌街道社工站"},                                                   // row 7: already registered
		[]any{"钱六", "男", f.id("1993-03-03", true), "不存在站"},                                           // row 8: unknown station
		[]any{"孙七", "女", f.id("1994-04-04", true), "朝歌街道社工站"},                                        // row 9: sex disagrees
	)
	before := f.count("wf_workers")
	rep, err := ImportRoster(f.ctx, f.d, f.keys, f.admin, "花名册.xlsx", data, ImportAll)
	ae, ok := apperr.As(err)
	if !ok || ae.Kind != apperr.Invalid {
		t.Fatalf("want invalid, got %v", err)
	}
	for _, key := range []string{"第3行·身份证号", "第4行·身份证号", "第7行·身份证号", "第8行·所属站点", "第9行·性别"} {
		if ae.Fields[key] == "" {
			t.Fatalf("missing %s in %v", key, ae.Fields)
		}
	}
	if len(ae.Fields) != 5 || rep.Total != 7 || rep.Valid != 2 || rep.Invalid != 5 || rep.Imported != 0 {
		t.Fatalf("report %+v fields %v", rep, ae.Fields)
	}
	if !strings.Contains(ae.Fields["第4行·身份证号"], "第 2 行") {
		t.Fatalf("duplicate message: %s", ae.Fields["第4行·身份证号"])
	}
	if f.count("wf_workers") != before {
		t.Fatal("an invalid roster wrote workers")
	}
	rep, err = ImportRoster(f.ctx, f.d, f.keys, f.admin, "花名册.xlsx", data, ImportValid)
	if err != nil || rep.Imported != 2 {
		t.Fatalf("import valid rows: %+v %v", rep, err)
	}
	if f.count("wf_workers") != before+2 {
		t.Fatal("valid rows not written")
	}
	list, _, _ := ListWorkers(f.ctx, f.d, f.keys, f.admin, WorkerFilter{Text: "李四"})
	if len(list) != 1 || list[0].OrgID != f.beiyang.ID || list[0].SeniorExamUntil != "2027-03-01" || list[0].Level != "" {
		t.Fatalf("李四: %+v", list)
	}
	list, _, _ = ListWorkers(f.ctx, f.d, f.keys, f.admin, WorkerFilter{Text: "王一"})
	if len(list) != 1 || list[0].HiredOn != "2019-03-01" || list[0].Level != LevelIntermediate {
		t.Fatalf("王一: %+v", list)
	}
	// The same file again: every good row is now a duplicate.
	rep, _ = ImportRoster(f.ctx, f.d, f.keys, f.admin, "花名册.xlsx", data, ImportValid)
	if rep.Imported != 0 || rep.Valid != 0 {
		t.Fatalf("re-import doubled people: %+v", rep)
	}
	book, err := rep.Rejected().Workbook()
	if err != nil {
		t.Fatal(err)
	}
	x, _ := excelize.OpenReader(bytes.NewReader(book))
	rows, _ := x.GetRows("未导入")
	// The file's own columns, then 原行号 and 错误原因.
	if len(rows) != 8 || len(rows[0]) != len(header)+2 || rows[0][len(header)+1] != RejectReasonHeader ||
		!strings.Contains(rows[1][len(header)+1], "身份证号") || rows[1][0] != "王一" {
		t.Fatalf("rejected workbook: %v", rows)
	}
	// One entry per import that wrote: the valid rows, and the second
	// run that found nothing new (0 people, recorded as such).
	if n := f.count("audit_log WHERE action = 'import'"); n != 2 {
		t.Fatalf("import audit entries %d", n)
	}
}

func TestRosterFileProblems(t *testing.T) {
	f := newFixture(t)
	big := MaxImportBytes
	MaxImportBytes = 20000
	defer func() { MaxImportBytes = big }()
	cases := []struct {
		name, file string
		data       []byte
		kind       apperr.Kind
		text       string
	}{
		{"not xlsx", "roster.csv", []byte("姓名,身份证号\n"), apperr.BadRequest, ".xlsx"},
		{"old xls", "roster.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0, 0}, apperr.BadRequest, ".xls"},
		{"empty", "roster.xlsx", nil, apperr.BadRequest, "空"},
		{"no rows", "roster.xlsx", rostertest.File(t, []string{"姓名", "身份证号", "所属站点"}), apperr.BadRequest, "没有数据行"},
		{"unknown header", "roster.xlsx", rostertest.File(t, []string{"姓名", "身份证号", "所属站点", "血型"}, []any{"甲", "1", "x"}), apperr.BadRequest, "血型"},
		{"missing header", "roster.xlsx", rostertest.File(t, []string{"姓名", "所属站点"}, []any{"甲", "x"}), apperr.BadRequest, "身份证号"},
		{"too large", "roster.xlsx", bytes.Repeat([]byte("x"), 20001), apperr.TooLarge, "KB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ImportRoster(f.ctx, f.d, f.keys, f.admin, c.file, c.data, ImportAll)
			ae, ok := apperr.As(err)
			if !ok || ae.Kind != c.kind || !strings.Contains(ae.Message, c.text) {
				t.Fatalf("got %v", err)
			}
		})
	}
	if f.count("wf_workers") != 0 {
		t.Fatal("a bad file wrote workers")
	}
	tmpl, err := RosterTemplate()
	if err != nil {
		t.Fatal(err)
	}
	_, err = ImportRoster(f.ctx, f.d, f.keys, f.admin, "模板.xlsx", tmpl, ImportAll)
	if ae, ok := apperr.As(err); !ok || !strings.Contains(ae.Message, "没有数据行") {
		t.Fatalf("empty template: %v", err)
	}
}

// A room name two townships share finds neither; its code finds it.
func TestRosterImportAmbiguousStationName(t *testing.T) {
	f := newFixture(t)
	var roomA org.Unit
	err := f.d.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		if roomA, err = org.Create(f.ctx, tx, nil, org.Input{ParentID: f.chaoge.ID, Kind: org.KindRoom, Name: "东关村社工室", DivisionCode: "410622001201"}); err != nil {
			return err
		}
		_, err = org.Create(f.ctx, tx, nil, org.Input{ParentID: f.beiyang.ID, Kind: org.KindRoom, Name: "东关村社工室", DivisionCode: "410622100201"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	data := rostertest.File(t, []string{"姓名", "性别", "身份证号", "所属站点"},
		[]any{"周一", "男", f.id("1990-01-01", true), "东关村社工室"},
		[]any{"周二", "男", f.id("1991-01-01", true), "410622001201"})
	rep, err := ImportRoster(f.ctx, f.d, f.keys, f.admin, "花名册.xlsx", data, ImportValid)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 1 || !strings.Contains(rep.Fields()["第2行·所属站点"], "对应多个站点") {
		t.Fatalf("report %+v fields %v", rep, rep.Fields())
	}
	if n := f.count("wf_workers"); n != 1 {
		t.Fatalf("%d workers", n)
	}
	var at string
	if err := f.d.QueryRow(f.ctx, `SELECT org_id FROM wf_workers`).Scan(&at); err != nil || at != roomA.ID {
		t.Fatalf("the coded row went to %s (%v), want the 朝歌 room", at, err)
	}
}

// The roster's station may be chosen at upload; a filled 所属站点 cell
// overrides it. Headers under their other names are read, and a birth
// date under 出生年月 is checked against the ID number.
func TestRosterImportTargetAndSynonyms(t *testing.T) {
	f := newFixture(t)
	good := f.id("1990-01-01", true)
	data := rostertest.File(t, []string{"姓名", "公民身份号码", "出生年月", "联系电话", "所属站点"},
		[]any{"到北阳", good, "1990.1.1", "13912345678", ""},
		[]any{"到朝歌", f.id("1991-02-02", false), "", "", "朝歌街道社工站"},
		[]any{"生日错", f.id("1992-03-03", true), "1992-03-04", "", ""})
	rep, err := ImportRosterTo(f.ctx, f.d, f.keys, f.admin, "花名册.xlsx", data, ImportValid, f.beiyang.ID)
	if err != nil || rep.Imported != 2 || rep.Invalid != 1 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	e := rep.Errors[0]
	if e.Key != "第4行·出生日期" || e.Place != "第 4 行「出生年月」" || !strings.Contains(e.Message, "1992-03-03") {
		t.Fatalf("birth date problem %+v", e)
	}
	list, _, _ := ListWorkers(f.ctx, f.d, f.keys, f.admin, WorkerFilter{Text: "到北阳"})
	if len(list) != 1 || list[0].OrgID != f.beiyang.ID {
		t.Fatalf("到北阳: %+v", list)
	}
	list, _, _ = ListWorkers(f.ctx, f.d, f.keys, f.admin, WorkerFilter{Text: "到朝歌"})
	if len(list) != 1 || list[0].OrgID != f.chaoge.ID {
		t.Fatalf("到朝歌: %+v", list)
	}
	if _, err := ImportRosterTo(f.ctx, f.d, f.keys, f.admin, "花名册.xlsx", data, ImportCheck, "no-such-unit"); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("unknown target: %v", err)
	}
}

// 出生年月 read as a year and month agrees with the ID number's date when
// the year and month do (the roster package's date reading).
func TestRosterImportBirthYearMonth(t *testing.T) {
	f := newFixture(t)
	data := rostertest.File(t, []string{"姓名", "身份证号", "出生年月", "所属站点"},
		[]any{"年月甲", f.id("1990-01-15", true), "1990.01", ""},
		[]any{"年月乙", f.id("1988-05-20", false), "1988年5月", ""},
		[]any{"年月丙", f.id("1985-11-02", true), "198511", ""},
		[]any{"年月丁", f.id("1992-07-01", false), "１９９２－０７", ""},
		[]any{"年月戊", f.id("1992-07-01", true), "1992-08", ""})
	rep, err := ImportRosterTo(f.ctx, f.d, f.keys, f.admin, "花名册.xlsx", data, ImportCheck, f.beiyang.ID)
	if err != nil || rep.Valid != 4 || len(rep.Errors) != 1 {
		t.Fatalf("check: %+v %v", rep, err)
	}
	if e := rep.Errors[0]; e.Row != 6 || e.Cell != "C6" || !strings.Contains(e.Message, "1992-07-01") || !strings.Contains(e.Message, "1992-08") {
		t.Fatalf("birth date problem %+v", e)
	}
}
