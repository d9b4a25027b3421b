package activities_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/timeline"
	"github.com/shegong/shegong/internal/workforce"
)

type fixture struct {
	t                      *testing.T
	ctx                    context.Context
	db                     *db.DB
	keys                   *secure.Keyring
	county, stA, stB       org.Unit
	admin, head, workerA   *authz.Actor
	workerB, volunteerUser *authz.Actor
	now                    time.Time
}

func b64(seed byte) string {
	k := make([]byte, 32)
	for i := range k {
		k[i] = seed + byte(i)
	}
	return base64.StdEncoding.EncodeToString(k)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	d := dbtest.Open(t, audit.Module, org.Module, auth.Module, workforce.Module, recipients.Module, services.Module, figures.Module, attach.Module, activities.Module)
	keys, err := secure.Parse([]byte("index " + b64(1) + "\nkey 1 " + b64(2) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, db: d, keys: keys}
	f.now, _ = time.ParseInLocation("2006-01-02 15:04", "2026-03-20 18:00", cst.Loc)
	t.Cleanup(cst.SetNowForTest(func() time.Time { return f.now }))
	err = d.InTx(ctx, func(tx *db.Tx) error {
		root, err := org.Create(ctx, tx, nil, org.Input{Kind: org.KindPlatform, Name: "平台"})
		if err != nil {
			return err
		}
		if f.county, err = org.Create(ctx, tx, nil, org.Input{ParentID: root.ID, Kind: org.KindCounty, Name: "淇县民政局", DivisionCode: "410622"}); err != nil {
			return err
		}
		if f.stA, err = org.Create(ctx, tx, nil, org.Input{ParentID: f.county.ID, Kind: org.KindStation, Name: "朝歌街道社工站", DivisionCode: "410622001"}); err != nil {
			return err
		}
		if f.stB, err = org.Create(ctx, tx, nil, org.Input{ParentID: f.county.ID, Kind: org.KindStation, Name: "桥盟街道社工站", DivisionCode: "410622002"}); err != nil {
			return err
		}
		return recipients.EnsureCategories(ctx, tx, f.county.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	as := &auth.Service{DB: d, Keys: keys}
	mk := func(username, name string, role authz.Role, unit org.Unit) *authz.Actor {
		u, err := as.CreateUser(ctx, nil, auth.UserInput{Username: username, DisplayName: name, Role: role, OrgID: unit.ID, Password: "Abc-12345678"})
		if err != nil {
			t.Fatal(err)
		}
		return &authz.Actor{UserID: u.ID, Username: username, DisplayName: name, Role: role, OrgID: unit.ID, OrgPath: unit.Path, OrgName: unit.Name}
	}
	f.admin = mk("admin", "管理员", authz.RoleAdmin, f.county)
	f.head = mk("head", "王站长", authz.RoleStationHead, f.stA)
	f.workerA = mk("workera", "李社工", authz.RoleWorker, f.stA)
	f.workerB = mk("workerb", "赵社工", authz.RoleWorker, f.stB)
	f.volunteerUser = mk("vol", "陈志愿", authz.RoleVolunteer, f.stA)
	return f
}

func (f *fixture) tx(fn func(tx *db.Tx) error) error { return f.db.InTx(f.ctx, fn) }

func (f *fixture) person(name, birth string) recipients.Recipient {
	f.t.Helper()
	var r recipients.Recipient
	err := f.tx(func(tx *db.Tx) error {
		var err error
		r, err = recipients.Create(f.ctx, tx, f.keys, nil, recipients.Input{OrgID: f.stA.ID, Name: name, Sex: "女", BirthDate: birth,
			VillageCode: f.stA.DivisionCode + "200", GuardianName: "监护人", ConfirmDuplicate: true})
		return err
	})
	if err != nil {
		f.t.Fatalf("register %s: %v", name, err)
	}
	return r
}

func (f *fixture) volunteer(name string) workforce.Volunteer {
	f.t.Helper()
	v, err := createVolunteer(f.ctx, f.db, f.keys, workforce.VolunteerInput{OrgID: f.stA.ID, Name: name, RegisteredOn: "2025-01-01", Status: "active"})
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRow(f.ctx, q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	ae, ok := apperr.As(err)
	if !ok || ae.Fields[field] == "" {
		t.Fatalf("want a field error on %s, got %v", field, err)
	}
}

func (f *fixture) plan(actor *authz.Actor, in activities.PlanInput) (activities.Activity, error) {
	var a activities.Activity
	err := f.tx(func(tx *db.Tx) error {
		var err error
		a, err = activities.Plan(f.ctx, tx, actor, in)
		return err
	})
	return a, err
}

func (f *fixture) hold(actor *authz.Actor, a activities.Activity, in activities.HoldInput) (activities.Activity, error) {
	err := f.tx(func(tx *db.Tx) error {
		var err error
		a, err = activities.Hold(f.ctx, tx, f.keys, actor, a.ID, a.Version, in)
		return err
	})
	return a, err
}

func (f *fixture) mustPlan(day, title string, kind activities.Kind) activities.Activity {
	f.t.Helper()
	a, err := f.plan(f.workerA, activities.PlanInput{OrgID: f.stA.ID, Title: title, Kind: kind, PlannedOn: day, StartTime: "09:00", EndTime: "11:00", Place: "村委会"})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func TestThemesPlanCalendarAndRepeatCreate(t *testing.T) {
	f := newFixture(t)
	// A county-wide theme for March; station A sets its own for April.
	if err := f.tx(func(tx *db.Tx) error {
		return activities.SetTheme(f.ctx, tx, f.workerA, f.county.ID, "2026-03", "学雷锋", "")
	}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a worker set a county theme: %v", err)
	}
	err := f.tx(func(tx *db.Tx) error {
		if err := activities.SetTheme(f.ctx, tx, f.admin, f.county.ID, "2026-03", "学雷锋志愿服务月", ""); err != nil {
			return err
		}
		if err := activities.SetTheme(f.ctx, tx, f.admin, f.county.ID, "2026-04", "清明文明祭扫", ""); err != nil {
			return err
		}
		return activities.SetTheme(f.ctx, tx, f.workerA, f.stA.ID, "2026-04", "防诈骗宣传月", "")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.tx(func(tx *db.Tx) error { return activities.SetTheme(f.ctx, tx, f.workerA, f.stB.ID, "2026-04", "x", "") }); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("theme for another station: %v", err)
	}
	themes, err := activities.Themes(f.ctx, f.db, f.workerA, f.stA.ID, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if themes[2].Theme != "学雷锋志愿服务月" || themes[2].Own || themes[3].Theme != "防诈骗宣传月" || !themes[3].Own || themes[4].Theme != "" {
		t.Fatalf("themes: %+v", themes[2:5])
	}
	bThemes, _ := activities.Themes(f.ctx, f.db, f.workerB, f.stB.ID, 2026)
	if bThemes[3].Theme != "清明文明祭扫" {
		t.Fatalf("station B April: %+v", bThemes[3])
	}

	// A plan takes the month's theme; a repeat of the create returns it.
	id := ids.New()
	in := activities.PlanInput{ID: id, OrgID: f.stA.ID, Title: "学雷锋便民服务", Kind: activities.KindActivity, PlannedOn: "2026-03-05", StartTime: "09:00", EndTime: "11:30"}
	a, err := f.plan(f.workerA, in)
	if err != nil {
		t.Fatal(err)
	}
	if a.Theme != "学雷锋志愿服务月" || a.Status != activities.StatusPlanned || a.ID != id {
		t.Fatalf("planned: %+v", a)
	}
	again, err := f.plan(f.workerA, in)
	if err != nil || again.ID != id || again.Version != 1 || f.count(`SELECT COUNT(*) FROM activities`) != 1 {
		t.Fatalf("repeat create: %+v %v", again, err)
	}
	f.mustPlan("2026-03-19", "反诈宣讲", activities.KindPublicity)
	cancelled := f.mustPlan("2026-03-26", "健步走", activities.KindActivity)
	if _, err := f.tx2(func(tx *db.Tx) (activities.Activity, error) {
		return activities.Cancel(f.ctx, tx, f.workerA, cancelled.ID, cancelled.Version, " ")
	}); err == nil {
		t.Fatal("cancelled without a reason")
	} else {
		wantField(t, err, "reason")
	}
	if _, err := f.tx2(func(tx *db.Tx) (activities.Activity, error) {
		return activities.Cancel(f.ctx, tx, f.workerA, cancelled.ID, cancelled.Version, "雨天")
	}); err != nil {
		t.Fatal(err)
	}

	cal, err := activities.StationCalendar(f.ctx, f.db, f.workerA, f.stA.ID, "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	if cal.Theme.Theme != "学雷锋志愿服务月" || cal.Planned != 2 || cal.Held != 0 || len(cal.Activities) != 3 {
		t.Fatalf("calendar: theme %q planned %d held %d list %d", cal.Theme.Theme, cal.Planned, cal.Held, len(cal.Activities))
	}
	// 2026-03-01 is a Sunday: the grid starts on Monday 23 February.
	if cal.Weeks[0].Days[0].Date != "2026-02-23" || cal.Weeks[0].Days[0].InMonth || len(cal.Weeks) != 6 {
		t.Fatalf("weeks: first %s, %d weeks", cal.Weeks[0].Days[0].Date, len(cal.Weeks))
	}
	if cal.Weeks[1].Planned != 1 || len(cal.Weeks[1].Days[3].Activities) != 1 {
		t.Fatalf("week of 5 March: %+v", cal.Weeks[1])
	}
	if _, err := activities.StationCalendar(f.ctx, f.db, f.workerB, f.stA.ID, "2026-03"); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("another station's calendar: %v", err)
	}
}

func (f *fixture) tx2(fn func(tx *db.Tx) (activities.Activity, error)) (activities.Activity, error) {
	var a activities.Activity
	err := f.tx(func(tx *db.Tx) error {
		var err error
		a, err = fn(tx)
		return err
	})
	return a, err
}

func goodHold(named []activities.Participant, vols []activities.VolunteerHours) activities.HoldInput {
	return activities.HoldInput{HeldOn: "2026-03-19", StartTime: "09:00", EndTime: "11:00",
		Counts: activities.Counts{Male: 12, Female: 18, Children: 5, Youth: 5, Middle: 8, Elders: 12},
		Named:  named, Volunteers: vols, Content: "讲解养老诈骗常见手法", Outcome: "发放资料 60 份", Satisfaction: 5,
		Partners: []activities.Partner{{Name: "县公安局", Resource: "宣传资料", ValueFen: 30000}}}
}

func TestHoldWritesServiceRecordsAndVolunteerHours(t *testing.T) {
	f := newFixture(t)
	p1, p2 := f.person("张桂英", "1950-02-01"), f.person("刘秀兰", "1948-06-09")
	v1, v2 := f.volunteer("陈志愿"), f.volunteer("孙热心")
	a := f.mustPlan("2026-03-19", "反诈宣讲进村", activities.KindPublicity)
	in := goodHold([]activities.Participant{{RecipientID: p1.ID}, {RecipientID: p2.ID}},
		[]activities.VolunteerHours{{VolunteerID: v1.ID, Minutes: 120}, {VolunteerID: v2.ID, Minutes: 90}})
	held, err := f.hold(f.workerA, a, in)
	if err != nil {
		t.Fatal(err)
	}
	if held.Status != activities.StatusHeld || held.Participants != 30 || len(held.Named) != 2 || held.VolunteerMins != 210 || held.ResourcesFen != 30000 {
		t.Fatalf("held: %+v", held)
	}
	// One record per named person, one for the other 28; 服务人次 = 30.
	if n := f.count(`SELECT COUNT(*) FROM service_records`); n != 3 {
		t.Fatalf("%d service records", n)
	}
	if n := f.count(`SELECT SUM(participants) FROM service_records WHERE kind = 'policy'`); n != 30 {
		t.Fatalf("服务人次 %d", n)
	}
	if n := f.count(`SELECT participants FROM service_records WHERE source = ? AND source_id = ?`, activities.SourceActivity, a.ID); n != 28 {
		t.Fatalf("anonymous %d", n)
	}
	mar, _ := figures.ParsePeriod("2026-03")
	for key, want := range map[string]int64{"services.instances": 30, "activities.held": 1, "activities.publicity_held": 1,
		"activities.participants": 30, "activities.volunteer_hours": 210, "activities.planned": 1, "activities.themes": 0, "workforce.volunteer_hours": 210} {
		got, err := figures.Compute(f.ctx, f.db, f.admin, key, mar, f.county.ID)
		if err != nil || got != want {
			t.Errorf("%s = %d (%v), want %d", key, got, err, want)
		}
		if fig, _ := figures.Get(key); fig.Records != nil {
			recs, _, err := figures.List(f.ctx, f.db, f.admin, key, mar, f.county.ID, 200, 0)
			var sum int64
			for _, r := range recs {
				sum += r.Amount
			}
			if err != nil || sum != want {
				t.Errorf("%s records add up to %d (%v)", key, sum, err)
			}
		}
	}
	// The named person's record shows on their timeline, linked to the activity.
	entries, _, err := timeline.Page(f.ctx, f.db, f.workerA, p1.ID, "", 20)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		if strings.Contains(e.Title, "政策宣讲") && strings.HasPrefix(e.Link, "/activity-participants/") {
			found = true
		}
	}
	if !found {
		t.Fatalf("timeline: %+v", entries)
	}
	// The volunteers' logs carry the hours, marked as from the activity.
	logs, err := workforce.ServiceLogs(f.ctx, f.db, f.head, v1.ID)
	if err != nil || len(logs) != 1 || logs[0].Minutes != 120 || logs[0].Source != activities.SourceActivity || logs[0].SourceID != a.ID {
		t.Fatalf("logs: %+v %v", logs, err)
	}
	vol, _ := workforce.GetVolunteer(f.ctx, f.db, f.keys, f.head, v2.ID)
	if vol.TotalMinutes != 90 {
		t.Fatalf("total %d", vol.TotalMinutes)
	}

	// Correcting the record replaces records and hours, with no second entry.
	in2 := in
	in2.Named = in.Named[:1]
	in2.Volunteers = in.Volunteers[:1]
	in2.Volunteers[0].Minutes = 60
	if _, err := f.hold(f.workerA, held, in2); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT COUNT(*) FROM service_records`); n != 2 {
		t.Fatalf("%d service records after correction", n)
	}
	if n := f.count(`SELECT SUM(participants) FROM service_records`); n != 30 {
		t.Fatalf("服务人次 after correction %d", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM wf_volunteer_hours`); n != 1 {
		t.Fatalf("%d hour logs after correction", n)
	}
	if n := f.count(`SELECT minutes FROM wf_volunteer_hours`); n != 60 {
		t.Fatalf("minutes after correction %d", n)
	}
	// The derived service record is corrected only through the activity.
	var recID string
	if err := f.db.QueryRow(f.ctx, `SELECT id FROM service_records WHERE recipient_id = ?`, p1.ID).Scan(&recID); err != nil {
		t.Fatal(err)
	}
	err = f.tx(func(tx *db.Tx) error { return services.Delete(f.ctx, tx, f.keys, f.workerA, recID, 1) })
	if !apperr.Is(err, apperr.BadRequest) {
		t.Fatalf("deleting a derived record: %v", err)
	}
	// Archived: no more edits.
	cur, _ := activities.Get(f.ctx, f.db, f.workerA, a.ID)
	arch, err := f.tx2(func(tx *db.Tx) (activities.Activity, error) {
		return activities.Archive(f.ctx, tx, f.workerA, cur.ID, cur.Version)
	})
	if err != nil || arch.Status != activities.StatusArchived {
		t.Fatal(err)
	}
	if _, err := f.hold(f.workerA, arch, in); !apperr.Is(err, apperr.BadRequest) {
		t.Fatalf("recording an archived activity: %v", err)
	}
	// The county grid: station A planned 1, held 1 in March.
	g, err := activities.CountyGrid(f.ctx, f.db, f.admin, f.county.ID, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Rows) != 2 || g.Rows[0].OrgID != f.stA.ID || g.Rows[0].Cells[2].Planned != 1 || g.Rows[0].Cells[2].Held != 1 || g.Totals[2].Held != 1 {
		t.Fatalf("grid: %+v", g.Rows)
	}
	if _, err := activities.CountyGrid(f.ctx, f.db, f.workerA, f.county.ID, 2026); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("grid for a worker: %v", err)
	}
}

func TestHoldRefusesBadInputAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	p1 := f.person("张桂英", "1950-02-01")
	outsider := func() recipients.Recipient {
		var r recipients.Recipient
		if err := f.tx(func(tx *db.Tx) error {
			var err error
			r, err = recipients.Create(f.ctx, tx, f.keys, nil, recipients.Input{OrgID: f.stB.ID, Name: "王外站", Sex: "男", BirthDate: "1950-01-01",
				VillageCode: f.stB.DivisionCode + "200", GuardianName: "监护人", ConfirmDuplicate: true})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return r
	}()
	v1 := f.volunteer("陈志愿")
	a := f.mustPlan("2026-03-19", "反诈宣讲进村", activities.KindPublicity)
	cases := []struct {
		field string
		edit  func(in *activities.HoldInput)
	}{
		{"male", func(in *activities.HoldInput) { in.Counts.Male = -1 }},
		{"elders", func(in *activities.HoldInput) { in.Counts.Elders = -3 }},
		{"children", func(in *activities.HoldInput) { in.Counts.Elders = 1 }},
		{"end_time", func(in *activities.HoldInput) { in.StartTime, in.EndTime = "11:00", "09:00" }},
		{"held_on", func(in *activities.HoldInput) { in.HeldOn = "2026-03-21" }},
		{"volunteers", func(in *activities.HoldInput) { in.Volunteers[0].Minutes = 150 }},
		{"named", func(in *activities.HoldInput) {
			in.Counts = activities.Counts{Male: 1, Female: 0, Elders: 1}
			in.Named = append(in.Named, activities.Participant{RecipientID: outsider.ID})
		}},
		{"named", func(in *activities.HoldInput) {
			in.Named = append(in.Named, activities.Participant{RecipientID: outsider.ID})
		}},
		{"partners", func(in *activities.HoldInput) { in.Partners[0].ValueFen = -1 }},
	}
	for _, c := range cases {
		in := goodHold([]activities.Participant{{RecipientID: p1.ID}}, []activities.VolunteerHours{{VolunteerID: v1.ID, Minutes: 120}})
		c.edit(&in)
		_, err := f.hold(f.workerA, a, in)
		wantField(t, err, c.field)
		ae, _ := apperr.As(err)
		for _, msg := range ae.Fields {
			if !strings.ContainsFunc(msg, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
				t.Errorf("message not Chinese: %q", msg)
			}
		}
	}
	if n := f.count(`SELECT COUNT(*) FROM service_records`) + f.count(`SELECT COUNT(*) FROM wf_volunteer_hours`) +
		f.count(`SELECT COUNT(*) FROM act_participants`) + f.count(`SELECT COUNT(*) FROM activities WHERE version > 1`); n != 0 {
		t.Fatalf("bad input wrote %d rows", n)
	}
	// Dates out of order in a plan, and a postponement to an earlier day.
	_, err := f.plan(f.workerA, activities.PlanInput{OrgID: f.stA.ID, Title: "x", Kind: activities.KindActivity, PlannedOn: "2026-03-02", StartTime: "10:00", EndTime: "09:00"})
	wantField(t, err, "end_time")
	_, err = f.tx2(func(tx *db.Tx) (activities.Activity, error) {
		return activities.Postpone(f.ctx, tx, f.workerA, a.ID, a.Version, "2026-03-01", "下雨")
	})
	wantField(t, err, "planned_on")
	post, err := f.tx2(func(tx *db.Tx) (activities.Activity, error) {
		return activities.Postpone(f.ctx, tx, f.workerA, a.ID, a.Version, "2026-04-02", "下雨")
	})
	if err != nil || post.Status != activities.StatusPostponed || post.PlannedOn != "2026-04-02" || post.PostponedFrom != "2026-03-19" || post.Reason != "下雨" {
		t.Fatalf("postponed: %+v %v", post, err)
	}
	// The county grid follows the postponement to April.
	g, err := activities.CountyGrid(f.ctx, f.db, f.admin, f.county.ID, 2026)
	if err != nil || g.Rows[0].Cells[2].Planned != 0 || g.Rows[0].Cells[3].Planned != 1 || g.Totals[3].Planned != 1 {
		t.Fatalf("grid after postponing: %+v %v", g.Rows[0].Cells[:4], err)
	}
	// A stale version is refused.
	if _, err := f.hold(f.workerA, a, goodHold(nil, nil)); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale: %v", err)
	}
	// Another station's worker cannot touch it; a volunteer cannot plan.
	if _, err := f.hold(f.workerB, post, goodHold(nil, nil)); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("other station: %v", err)
	}
	if _, err := f.plan(f.volunteerUser, activities.PlanInput{OrgID: f.stA.ID, Title: "x", Kind: activities.KindActivity, PlannedOn: "2026-03-02"}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("volunteer planned: %v", err)
	}
}

// A child named at an activity is not named to a role the children rule
// restricts.
func TestNamedChildHidden(t *testing.T) {
	f := newFixture(t)
	child := f.person("小明", "2018-05-01")
	a := f.mustPlan("2026-03-19", "儿童防溺水宣讲", activities.KindPublicity)
	if _, err := f.hold(f.workerA, a, goodHold([]activities.Participant{{RecipientID: child.ID}}, nil)); err != nil {
		t.Fatal(err)
	}
	mine, err := activities.Get(f.ctx, f.db, f.workerA, a.ID)
	if err != nil || mine.Named[0].Name != "小明" {
		t.Fatalf("worker: %+v %v", mine.Named, err)
	}
	evaluator := &authz.Actor{UserID: "x", Role: authz.RoleEvaluator, OrgID: f.county.ID, OrgPath: f.county.Path}
	seen, err := activities.Get(f.ctx, f.db, evaluator, a.ID)
	if err != nil || seen.Named[0].Name == "小明" || seen.Named[0].RecipientID != "" {
		t.Fatalf("evaluator sees %+v %v", seen.Named, err)
	}
}

// createVolunteer registers a volunteer as the system does for a fixture.
func createVolunteer(ctx context.Context, d *db.DB, keys *secure.Keyring, in workforce.VolunteerInput) (workforce.Volunteer, error) {
	var v workforce.Volunteer
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		v, err = workforce.CreateVolunteer(ctx, tx, keys, authz.System(), in)
		return err
	})
	return v, err
}

// Next is what is still to be held from today through the given days;
// List refuses a date it cannot read instead of comparing text.
func TestNextAndListDates(t *testing.T) {
	f := newFixture(t) // today is 2026-03-20
	f.mustPlan("2026-03-20", "今天", activities.KindActivity)
	f.mustPlan("2026-04-03", "两周末", activities.KindActivity)
	f.mustPlan("2026-04-04", "两周后", activities.KindActivity)
	gone := f.mustPlan("2026-03-25", "已取消", activities.KindActivity)
	if _, err := f.tx2(func(tx *db.Tx) (activities.Activity, error) {
		return activities.Cancel(f.ctx, tx, f.workerA, gone.ID, gone.Version, "下雨")
	}); err != nil {
		t.Fatal(err)
	}
	next := activities.Next(14)
	list, total, err := activities.List(f.ctx, f.db, f.workerA, next)
	if err != nil || total != 2 || len(list) != 2 || list[0].Title != "今天" || list[1].Title != "两周末" {
		t.Fatalf("next fortnight: %d %v %v", total, list, err)
	}
	if up, err := activities.Upcoming(f.ctx, f.db, f.workerA, 14, 1); err != nil || len(up) != 1 || up[0].Title != "今天" {
		t.Fatalf("upcoming: %v %v", up, err)
	}
	_, _, err = activities.List(f.ctx, f.db, f.workerA, activities.Filter{From: "2026-3-1", To: "2026-03-32"})
	wantField(t, err, "from")
	wantField(t, err, "to")
}
