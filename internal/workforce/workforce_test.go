package workforce

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/validate"
)

// fixture is a fresh database with two counties: 淇县 with stations 朝歌
// and 北阳, and 浚县 with one station.
type fixture struct {
	t                        *testing.T
	ctx                      context.Context
	d                        *db.DB
	keys                     *secure.Keyring
	county, other            org.Unit
	chaoge, beiyang, xunxian org.Unit
	admin, headChaoge, staff *authz.Actor
	rng                      *rand.Rand
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	// A fixed "today" keeps ages, the trend's last year and "future"
	// checks the same whenever the tests run.
	restore := cst.SetNowForTest(func() time.Time { return time.Date(2026, 6, 30, 10, 0, 0, 0, cst.Loc) })
	t.Cleanup(restore)
	d := dbtest.Open(t, audit.Module, org.Module, auth.Module, Module)
	keys, err := secure.LoadOrCreate(filepath.Join(t.TempDir(), "k"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: context.Background(), d: d, keys: keys, rng: rand.New(rand.NewPCG(1, 2))}
	err = d.InTx(f.ctx, func(tx *db.Tx) error {
		root, _ := org.Create(f.ctx, tx, nil, org.Input{Kind: org.KindPlatform, Name: "平台"})
		city, _ := org.Create(f.ctx, tx, nil, org.Input{ParentID: root.ID, Kind: org.KindCity, Name: "鹤壁市民政局"})
		f.county, _ = org.Create(f.ctx, tx, nil, org.Input{ParentID: city.ID, Kind: org.KindCounty, Name: "淇县民政局"})
		f.other, _ = org.Create(f.ctx, tx, nil, org.Input{ParentID: city.ID, Kind: org.KindCounty, Name: "浚县民政局"})
		f.chaoge, _ = org.Create(f.ctx, tx, nil, org.Input{ParentID: f.county.ID, Kind: org.KindStation, Name: "朝歌街道社工站"})
		f.beiyang, _ = org.Create(f.ctx, tx, nil, org.Input{ParentID: f.county.ID, Kind: org.KindStation, Name: "北阳镇社工站"})
		var err error
		f.xunxian, err = org.Create(f.ctx, tx, nil, org.Input{ParentID: f.other.ID, Kind: org.KindStation, Name: "浚州街道社工站"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.admin = &authz.Actor{UserID: "u-admin", Username: "admin", DisplayName: "县管理员", Role: authz.RoleAdmin, OrgID: f.county.ID, OrgPath: f.county.Path, OrgName: f.county.Name}
	f.headChaoge = &authz.Actor{UserID: "u-head", Username: "head", DisplayName: "朝歌站长", Role: authz.RoleStationHead, OrgID: f.chaoge.ID, OrgPath: f.chaoge.Path, OrgName: f.chaoge.Name}
	f.staff = &authz.Actor{UserID: "u-worker", Username: "worker", DisplayName: "朝歌社工", Role: authz.RoleWorker, OrgID: f.chaoge.ID, OrgPath: f.chaoge.Path, OrgName: f.chaoge.Name}
	return f
}

// write runs one workforce write in its own transaction, as a web
// handler (Ctx.Write) or the demo loader does.
func (f *fixture) write(fn func(tx *db.Tx) error) error { return f.d.InTx(f.ctx, fn) }

// write is fixture.write for a write with a result.
func write[T any](f *fixture, fn func(tx *db.Tx) (T, error)) (T, error) {
	var out T
	err := f.d.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

func (f *fixture) id(birth string, male bool) string {
	b, _ := time.Parse(cst.DateLayout, birth)
	return validate.FakeIDCard(f.rng, "410622", b, male)
}

func (f *fixture) worker(unit org.Unit, name, birth, hired string, quals ...QualificationInput) Worker {
	f.t.Helper()
	w, err := write(f, func(tx *db.Tx) (Worker, error) {
		return CreateWorker(f.ctx, tx, f.keys, f.admin, WorkerInput{OrgID: unit.ID, Name: name, IDNumber: f.id(birth, true), HiredOn: hired, Qualifications: quals})
	})
	if err != nil {
		f.t.Fatalf("create %s: %v", name, err)
	}
	return w
}

func (f *fixture) count(table string) int {
	var n int
	if err := f.d.QueryRow(f.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// wantField asserts err is a validation error naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Kind != apperr.Invalid {
		t.Fatalf("want a validation error on %s, got %v", field, err)
	}
	if ae.Fields[field] == "" {
		t.Fatalf("want field %s named, got %v", field, ae.Fields)
	}
}

func TestWorkerRulesRefuseBadInputAndWriteNothing(t *testing.T) {
	f := newFixture(t)
	good := f.id("1990-05-17", false)
	bad := good[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good[17])+1)%11])
	cases := []struct {
		name  string
		in    WorkerInput
		field string
	}{
		{"check digit", WorkerInput{Name: "甲", IDNumber: bad}, "id_number"},
		{"birth date disagrees with the ID", WorkerInput{Name: "乙", IDNumber: good, BirthDate: "1990-05-18"}, "birth_date"},
		{"sex disagrees with the ID", WorkerInput{Name: "乙", IDNumber: good, Sex: "男"}, "sex"},
		{"future hiring date", WorkerInput{Name: "丙", IDNumber: good, HiredOn: "2026-07-01"}, "hired_on"},
		{"future certificate", WorkerInput{Name: "丁", IDNumber: good, Qualifications: []QualificationInput{{Level: "社会工作师", ObtainedOn: "2027-01-01"}}}, "qualifications[0].obtained_on"},
		{"certificate before 18", WorkerInput{Name: "戊", IDNumber: good, Qualifications: []QualificationInput{{Level: LevelJunior, ObtainedOn: "2008-05-16"}}}, "qualifications[0].obtained_on"},
		{"exam stage below senior", WorkerInput{Name: "己", IDNumber: good, Qualifications: []QualificationInput{{Level: LevelJunior, Stage: StageExam, ObtainedOn: "2020-01-01"}}}, "qualifications[0].stage"},
		{"bad phone", WorkerInput{Name: "庚", IDNumber: good, Phone: "12345"}, "phone"},
		{"station of another county", WorkerInput{Name: "辛", IDNumber: good, OrgID: f.xunxian.ID}, "org_id"},
	}
	audits := f.count("audit_log")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.in.OrgID == "" {
				c.in.OrgID = f.chaoge.ID
			}
			_, err := write(f, func(tx *db.Tx) (Worker, error) { return CreateWorker(f.ctx, tx, f.keys, f.admin, c.in) })
			wantField(t, err, c.field)
		})
	}
	if n := f.count("wf_workers"); n != 0 {
		t.Fatalf("refused input wrote %d workers", n)
	}
	if n := f.count("audit_log"); n != audits {
		t.Fatalf("refused input wrote %d audit entries", n-audits)
	}
	// The certificate on the 18th birthday is fine; a duplicate ID is not.
	w, err := write(f, func(tx *db.Tx) (Worker, error) {
		return CreateWorker(f.ctx, tx, f.keys, f.admin, WorkerInput{OrgID: f.chaoge.ID, Name: "壬", IDNumber: good,
			Qualifications: []QualificationInput{{Level: LevelJunior, ObtainedOn: "2008-05-17"}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if !w.Certified || w.Level != LevelJunior || w.Sex != "女" || w.BirthDate != "1990-05-17" {
		t.Fatalf("derived fields wrong: %+v", w)
	}
	_, err = write(f, func(tx *db.Tx) (Worker, error) {
		return CreateWorker(f.ctx, tx, f.keys, f.admin, WorkerInput{OrgID: f.beiyang.ID, Name: "癸", IDNumber: strings.ToLower(good)})
	})
	wantField(t, err, "id_number")
	_, err = write(f, func(tx *db.Tx) (Qualification, error) {
		return AddQualification(f.ctx, tx, f.admin, w.ID, QualificationInput{Level: LevelSenior, ObtainedOn: "2000-01-01"})
	})
	wantField(t, err, "obtained_on")
}

func TestPersonalDataSealedMaskedAndRevealedWithAudit(t *testing.T) {
	f := newFixture(t)
	id := f.id("1985-01-02", true)
	w, err := write(f, func(tx *db.Tx) (Worker, error) {
		return CreateWorker(f.ctx, tx, f.keys, f.admin, WorkerInput{OrgID: f.chaoge.ID, Name: "张三", IDNumber: id, Phone: "13912345678"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var enc, phoneEnc string
	_ = f.d.QueryRow(f.ctx, `SELECT idcard_enc, phone_enc FROM wf_workers WHERE id = ?`, w.ID).Scan(&enc, &phoneEnc)
	if strings.Contains(enc, id[6:14]) || strings.Contains(phoneEnc, "12345678") || !strings.HasPrefix(enc, "v1:") {
		t.Fatalf("personal data not sealed: %q %q", enc, phoneEnc)
	}
	if w.IDNumber != secure.MaskID(id) || w.Phone != "139****5678" {
		t.Fatalf("masking: %q %q", w.IDNumber, w.Phone)
	}
	// A colleague (社工) sees the worker without an ID number.
	seen, err := GetWorker(f.ctx, f.d, f.keys, f.staff, w.ID)
	if err != nil || seen.IDNumber != "" || seen.Name != "张三" {
		t.Fatalf("worker view: %+v %v", seen, err)
	}
	list, _, _ := ListWorkers(f.ctx, f.d, f.keys, f.staff, WorkerFilter{})
	if len(list) != 1 || list[0].IDNumber != "" {
		t.Fatalf("worker list shows ID numbers: %+v", list)
	}
	if _, err := write(f, func(tx *db.Tx) (Revealed, error) { return RevealWorker(f.ctx, tx, f.keys, f.staff, w.ID) }); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a worker revealed an ID number: %v", err)
	}
	full, err := write(f, func(tx *db.Tx) (Revealed, error) { return RevealWorker(f.ctx, tx, f.keys, f.headChaoge, w.ID) })
	if err != nil || full.IDNumber != id || full.Phone != "13912345678" {
		t.Fatalf("reveal: %+v %v", full, err)
	}
	var n int
	_ = f.d.QueryRow(f.ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND entity_id = ?`, w.ID).Scan(&n)
	if n != 1 {
		t.Fatalf("reveal audit entries = %d", n)
	}
	var changes string
	_ = f.d.QueryRow(f.ctx, `SELECT changes FROM audit_log WHERE action = 'create'`).Scan(&changes)
	if strings.Contains(changes, id) || strings.Contains(changes, "13912345678") {
		t.Fatalf("audit log holds personal data: %s", changes)
	}
	// Search by the full ID number goes through the blind index.
	found, _, _ := ListWorkers(f.ctx, f.d, f.keys, f.admin, WorkerFilter{Text: id})
	if len(found) != 1 {
		t.Fatalf("search by ID number found %d", len(found))
	}
}

func TestStationHeadSeesOnlyTheirStation(t *testing.T) {
	f := newFixture(t)
	mine := f.worker(f.chaoge, "朝歌一", "1990-01-01", "")
	theirs := f.worker(f.beiyang, "北阳一", "1991-01-01", "")
	list, total, err := ListWorkers(f.ctx, f.d, f.keys, f.headChaoge, WorkerFilter{})
	if err != nil || total != 1 || list[0].ID != mine.ID {
		t.Fatalf("station head list: %d %v", total, err)
	}
	if _, err := GetWorker(f.ctx, f.d, f.keys, f.headChaoge, theirs.ID); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("station head read another station: %v", err)
	}
	_, err = write(f, func(tx *db.Tx) (Worker, error) {
		return UpdateWorker(f.ctx, tx, f.keys, f.headChaoge, theirs.ID, theirs.Version, WorkerInput{OrgID: f.beiyang.ID, Name: "改"})
	})
	if !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("station head changed another station's worker: %v", err)
	}
	_, err = write(f, func(tx *db.Tx) (Worker, error) {
		return CreateWorker(f.ctx, tx, f.keys, f.headChaoge, WorkerInput{OrgID: f.beiyang.ID, Name: "越权", IDNumber: f.id("1992-02-02", true)})
	})
	wantField(t, err, "org_id")
	// Editing keeps the ID number when none is typed, and checks versions.
	upd, err := write(f, func(tx *db.Tx) (Worker, error) {
		return UpdateWorker(f.ctx, tx, f.keys, f.headChaoge, mine.ID, mine.Version, WorkerInput{OrgID: f.chaoge.ID, Name: "朝歌一号", Education: "大学本科"})
	})
	if err != nil || upd.Name != "朝歌一号" || upd.IDNumber != mine.IDNumber || upd.Education != "bachelor" {
		t.Fatalf("update: %+v %v", upd, err)
	}
	if _, err := write(f, func(tx *db.Tx) (Worker, error) {
		return UpdateWorker(f.ctx, tx, f.keys, f.headChaoge, mine.ID, mine.Version, WorkerInput{OrgID: f.chaoge.ID, Name: "旧版本"})
	}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale update: %v", err)
	}
}

func TestVolunteerHoursRules(t *testing.T) {
	f := newFixture(t)
	v, err := write(f, func(tx *db.Tx) (Volunteer, error) {
		return CreateVolunteer(f.ctx, tx, f.keys, f.admin, VolunteerInput{OrgID: f.chaoge.ID, Name: "志愿者甲", RegisteredOn: "2025-01-01"})
	})
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		in    HoursInput
		field string
	}{
		{HoursInput{ServedOn: "2026-03-01", Hours: "-2", Activity: "探访"}, "hours"},
		{HoursInput{ServedOn: "2026-03-01", Hours: "25", Activity: "探访"}, "hours"},
		{HoursInput{ServedOn: "2026-03-01", Hours: "两小时", Activity: "探访"}, "hours"},
		{HoursInput{ServedOn: "2026-07-01", Hours: "2", Activity: "探访"}, "served_on"},
		{HoursInput{ServedOn: "2024-12-31", Hours: "2", Activity: "探访"}, "served_on"},
		{HoursInput{ServedOn: "2026-03-01", Hours: "2"}, "activity"},
	}
	for _, c := range bad {
		_, err := write(f, func(tx *db.Tx) (ServiceLog, error) {
			l, _, err := LogHours(f.ctx, tx, f.admin, v.ID, c.in)
			return l, err
		})
		wantField(t, err, c.field)
	}
	if n := f.count("wf_volunteer_hours"); n != 0 {
		t.Fatalf("refused hours wrote %d rows", n)
	}
	if _, err := write(f, func(tx *db.Tx) (ServiceLog, error) {
		l, _, err := LogHours(f.ctx, tx, f.admin, v.ID, HoursInput{ServedOn: "2026-03-01", Hours: "20", Activity: "助餐"})
		return l, err
	}); err != nil {
		t.Fatal(err)
	}
	// 20 h logged: another 4.5 h the same day would make 24.5.
	_, err = write(f, func(tx *db.Tx) (ServiceLog, error) {
		l, _, err := LogHours(f.ctx, tx, f.admin, v.ID, HoursInput{ServedOn: "2026-03-01", Hours: "4.5", Activity: "助餐"})
		return l, err
	})
	wantField(t, err, "hours")
	if _, err := write(f, func(tx *db.Tx) (ServiceLog, error) {
		l, _, err := LogHours(f.ctx, tx, f.admin, v.ID, HoursInput{ServedOn: "2026-03-02", Hours: "1.5", Activity: "活动"})
		return l, err
	}); err != nil {
		t.Fatal(err)
	}
	got, _ := GetVolunteer(f.ctx, f.d, f.keys, f.admin, v.ID)
	if got.TotalHours != "21.5" {
		t.Fatalf("total hours %s", got.TotalHours)
	}
}

func TestTrainingAttendeeFromAnotherCountyRefused(t *testing.T) {
	f := newFixture(t)
	tr, err := write(f, func(tx *db.Tx) (Training, error) {
		return CreateTraining(f.ctx, tx, f.admin, TrainingInput{OrgID: f.county.ID, Title: "个案管理", Kind: "short", StartOn: "2026-03-01", EndOn: "2026-03-02", Hours: "12"})
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = write(f, func(tx *db.Tx) (Training, error) {
		return CreateTraining(f.ctx, tx, f.admin, TrainingInput{OrgID: f.county.ID, Title: "太长", Kind: "short", StartOn: "2026-03-01", Hours: "30"})
	})
	wantField(t, err, "hours")
	_, err = write(f, func(tx *db.Tx) (Training, error) {
		return CreateTraining(f.ctx, tx, f.admin, TrainingInput{OrgID: f.county.ID, Title: "未来", Kind: "short", StartOn: "2026-08-01", Hours: "3"})
	})
	wantField(t, err, "start_on")
	local := f.worker(f.chaoge, "本县", "1990-01-01", "")
	system := authz.System()
	outsider, err := write(f, func(tx *db.Tx) (Worker, error) {
		return CreateWorker(f.ctx, tx, f.keys, system, WorkerInput{OrgID: f.xunxian.ID, Name: "外县", IDNumber: f.id("1991-01-01", true)})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.write(func(tx *db.Tx) error {
		return AddAttendee(f.ctx, tx, f.admin, tr.ID, AttendeeInput{Kind: PersonWorker, PersonID: local.ID})
	}); err != nil {
		t.Fatal(err)
	}
	err = f.write(func(tx *db.Tx) error {
		return AddAttendee(f.ctx, tx, system, tr.ID, AttendeeInput{Kind: PersonWorker, PersonID: outsider.ID})
	})
	wantField(t, err, "person_id")
	err = f.write(func(tx *db.Tx) error {
		return AddAttendee(f.ctx, tx, f.admin, tr.ID, AttendeeInput{Kind: PersonWorker, PersonID: local.ID})
	})
	wantField(t, err, "person_id")
	if n := f.count("wf_training_attendees"); n != 1 {
		t.Fatalf("attendees = %d", n)
	}
	hours, _ := TrainingHoursByYear(f.ctx, f.d, f.admin, PersonWorker, local.ID)
	if len(hours) != 1 || hours[0].Year != 2026 || hours[0].Hours != "12" {
		t.Fatalf("hours per year: %+v", hours)
	}
}

func TestPlanAllowanceStartingMidYear(t *testing.T) {
	lines, err := PlanAllowance(300000, 2, "2024-07", "year")
	if err != nil {
		t.Fatal(err)
	}
	want := []PlannedLine{
		{1, "2024-07", "2024-12", "2024-07-01", 6, 150000},
		{2, "2025-01", "2025-12", "2025-01-01", 12, 300000},
		{3, "2026-01", "2026-06", "2026-01-01", 6, 150000},
	}
	if len(lines) != len(want) {
		t.Fatalf("lines: %+v", lines)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Fatalf("line %d = %+v, want %+v", i, lines[i], want[i])
		}
	}
	q, _ := PlanAllowance(300000, 2, "2024-08", "quarter")
	if len(q) != 9 || q[0].PeriodStart != "2024-08" || q[0].PeriodEnd != "2024-09" || q[0].AmountFen != 50000 || q[8].PeriodEnd != "2026-07" || q[8].AmountFen != 25000 {
		t.Fatalf("quarters: %+v", q)
	}
	// Amounts that do not divide evenly still add up to the total in 分.
	m, _ := PlanAllowance(100001, 1, "2024-03", "month")
	var sum int64
	for _, l := range m {
		sum += l.AmountFen
	}
	if len(m) != 12 || sum != 100001 || m[11].PeriodEnd != "2025-02" {
		t.Fatalf("months: %d lines, sum %d", len(m), sum)
	}
	for _, s := range []string{"3000", "3,000", "3000.00"} {
		if fen, ok := ParseYuan(s); !ok || fen != 300000 {
			t.Fatalf("ParseYuan(%q) = %d %v", s, fen, ok)
		}
	}
	for _, s := range []string{"-1", "3000.001", "abc", ""} {
		if _, ok := ParseYuan(s); ok {
			t.Fatalf("ParseYuan(%q) accepted", s)
		}
	}
	if FormatYuan(150000) != "1,500.00" || FormatYuan(5) != "0.05" {
		t.Fatal(FormatYuan(150000), FormatYuan(5))
	}
}

func TestProgrammeAllowanceLinesAndPayment(t *testing.T) {
	f := newFixture(t)
	w := f.worker(f.chaoge, "之星", "1988-03-03", "2020-01-01")
	p, err := write(f, func(tx *db.Tx) (Programme, error) {
		return CreateProgramme(f.ctx, tx, f.admin, ProgrammeInput{OrgID: f.county.ID, Name: "社工之星", Kind: "honour"})
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := write(f, func(tx *db.Tx) (Round, error) {
		return AddRound(f.ctx, tx, f.admin, p.ID, RoundInput{Name: "2024年度", Year: 2024, Benefits: "每年 3000 元，连续两年"})
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := write(f, func(tx *db.Tx) (Nominee, error) {
		return Nominate(f.ctx, tx, f.admin, r.ID, NomineeInput{WorkerID: w.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = write(f, func(tx *db.Tx) (Schedule, error) {
		return CreateAllowance(f.ctx, tx, f.admin, n.ID, AllowanceInput{Annual: "3000", Years: 2, StartMonth: "2024-07", Frequency: "year"})
	})
	wantField(t, err, "nominee_id") // not selected yet
	if err := f.write(func(tx *db.Tx) error { return SetNomineeStatus(f.ctx, tx, f.admin, n.ID, n.Version, "入选") }); err != nil {
		t.Fatal(err)
	}
	_, err = write(f, func(tx *db.Tx) (Schedule, error) {
		return CreateAllowance(f.ctx, tx, f.admin, n.ID, AllowanceInput{Annual: "3000.5.5", Years: 0, StartMonth: "2024-13", Frequency: "weekly"})
	})
	for _, field := range []string{"annual", "years", "start_month", "frequency"} {
		wantField(t, err, field)
	}
	sc, err := write(f, func(tx *db.Tx) (Schedule, error) {
		return CreateAllowance(f.ctx, tx, f.admin, n.ID, AllowanceInput{Annual: "3,000", Years: 2, StartMonth: "2024-07", Frequency: "按年"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Lines) != 3 || sc.TotalFen != 600000 {
		t.Fatalf("schedule: %+v", sc)
	}
	first := sc.Lines[0]
	_, err = write(f, func(tx *db.Tx) (Line, error) {
		return ConfirmPayment(f.ctx, tx, f.admin, first.ID, first.Version, true, "2026-07-02")
	})
	wantField(t, err, "paid_on")
	paid, err := write(f, func(tx *db.Tx) (Line, error) {
		return ConfirmPayment(f.ctx, tx, f.admin, first.ID, first.Version, true, "2024-07-15")
	})
	if err != nil || !paid.Paid || paid.ConfirmedByName != "县管理员" {
		t.Fatalf("confirm: %+v %v", paid, err)
	}
	if _, err := write(f, func(tx *db.Tx) (Line, error) {
		return ConfirmPayment(f.ctx, tx, f.admin, first.ID, first.Version, true, "2024-07-15")
	}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale confirm: %v", err)
	}
	got, err := GetProgramme(f.ctx, f.d, f.staff, p.ID)
	if apperr.Is(err, apperr.OutOfScope) {
		got, err = GetProgramme(f.ctx, f.d, f.admin, p.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	a := got.Rounds[0].Nominees[0].Allowance
	if a == nil || a.PaidFen != 150000 || len(a.Lines) != 3 || !a.Lines[0].Paid || a.Lines[1].Paid {
		t.Fatalf("programme allowance: %+v", a)
	}
	unpaid, _ := ListLines(f.ctx, f.d, f.admin, LineFilter{Paid: "0"})
	if len(unpaid) != 2 || unpaid[0].Amount() != "3,000.00" || unpaid[1].Amount() != "1,500.00" {
		t.Fatalf("unpaid lines: %+v", unpaid)
	}
	if err := f.write(func(tx *db.Tx) error { return SetNomineeStatus(f.ctx, tx, f.admin, n.ID, n.Version+1, "not_selected") }); err == nil {
		t.Fatal("a person with an allowance was unselected")
	}
}

func TestWorkerAccountLinkedOnce(t *testing.T) {
	f := newFixture(t)
	if _, err := f.d.Exec(f.ctx, `INSERT INTO users (id, username, display_name, role, org_id, password_hash, created_at, updated_at)
		VALUES ('u1', 'li', '李', 'worker', ?, 'x', 'now', 'now')`, f.chaoge.ID); err != nil {
		t.Fatal(err)
	}
	a, err := write(f, func(tx *db.Tx) (Worker, error) {
		return CreateWorker(f.ctx, tx, f.keys, f.admin, WorkerInput{OrgID: f.chaoge.ID, Name: "李", IDNumber: f.id("1990-01-01", true), UserID: "u1"})
	})
	if err != nil || a.Username != "li" {
		t.Fatalf("link: %+v %v", a, err)
	}
	_, err = write(f, func(tx *db.Tx) (Worker, error) {
		return CreateWorker(f.ctx, tx, f.keys, f.admin, WorkerInput{OrgID: f.chaoge.ID, Name: "王", IDNumber: f.id("1991-01-01", true), UserID: "u1"})
	})
	wantField(t, err, "user_id")
	_, err = write(f, func(tx *db.Tx) (Worker, error) {
		return CreateWorker(f.ctx, tx, f.keys, f.headChaoge, WorkerInput{OrgID: f.chaoge.ID, Name: "赵", IDNumber: f.id("1992-01-01", true), UserID: "nobody"})
	})
	wantField(t, err, "user_id")
	// Saving the linked worker again keeps the link.
	if _, err := write(f, func(tx *db.Tx) (Worker, error) {
		return UpdateWorker(f.ctx, tx, f.keys, f.admin, a.ID, a.Version, WorkerInput{OrgID: f.chaoge.ID, Name: "李", UserID: "u1"})
	}); err != nil {
		t.Fatal(err)
	}
}

// A missing actor is refused by reads and writes alike (it used to mean
// "allow all"); the system's own work passes authz.System().
func TestNilActorIsRefused(t *testing.T) {
	f := newFixture(t)
	w := f.worker(f.chaoge, "张三", "1990-01-01", "2020-01-01")
	audits := f.count("audit_log")

	if _, err := GetWorker(f.ctx, f.d, f.keys, nil, w.ID); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("read without an actor: %v", err)
	}
	if list, total, err := ListWorkers(f.ctx, f.d, f.keys, nil, WorkerFilter{}); err != nil || total != 0 || len(list) != 0 {
		t.Fatalf("list without an actor: %d %d %v", len(list), total, err)
	}
	if _, err := Statistics(f.ctx, f.d, nil, StatsFilter{}); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("statistics without an actor: %v", err)
	}
	_, err := write(f, func(tx *db.Tx) (Worker, error) {
		return UpdateWorker(f.ctx, tx, f.keys, nil, w.ID, w.Version, WorkerInput{OrgID: f.chaoge.ID, Name: "改名"})
	})
	if !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("update without an actor: %v", err)
	}
	_, err = write(f, func(tx *db.Tx) (Volunteer, error) {
		return CreateVolunteer(f.ctx, tx, f.keys, nil, VolunteerInput{OrgID: f.chaoge.ID, Name: "志愿者", RegisteredOn: "2025-01-01"})
	})
	wantField(t, err, "org_id")
	if got, _ := GetWorker(f.ctx, f.d, f.keys, f.admin, w.ID); got.Name != "张三" || got.Version != w.Version {
		t.Fatalf("refused update changed the worker: %+v", got)
	}
	if n := f.count("wf_volunteers"); n != 0 {
		t.Fatalf("refused create wrote %d volunteers", n)
	}
	if n := f.count("audit_log"); n != audits {
		t.Fatalf("refused calls logged %d entries", n-audits)
	}

	// The system actor covers every node.
	if got, err := GetWorker(f.ctx, f.d, f.keys, authz.System(), w.ID); err != nil || got.ID != w.ID {
		t.Fatalf("system read: %v", err)
	}
}
