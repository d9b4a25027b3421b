package groups_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/groups"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/timeline"
	"github.com/shegong/shegong/internal/workforce"
)

type fixture struct {
	t                              *testing.T
	ctx                            context.Context
	db                             *db.DB
	keys                           *secure.Keyring
	county, stA, stB               org.Unit
	admin, head, workerA, workerB  *authz.Actor
	leaderID, volunteerID, volume2 string
	now                            time.Time
}

func b64(seed byte) string {
	k := make([]byte, 32)
	for i := range k {
		k[i] = seed + byte(i)
	}
	return base64.StdEncoding.EncodeToString(k)
}

func (f *fixture) setNow(s string) {
	f.now, _ = time.ParseInLocation("2006-01-02 15:04", s, cst.Loc)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	d := dbtest.Open(t, audit.Module, org.Module, auth.Module, workforce.Module, recipients.Module, services.Module, figures.Module, attach.Module, groups.Module)
	keys, err := secure.Parse([]byte("index " + b64(1) + "\nkey 1 " + b64(2) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, db: d, keys: keys}
	f.setNow("2026-04-20 18:00")
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
		f.leaderID = ids.New()
		if _, err := tx.Exec(ctx, `INSERT INTO wf_workers (id, org_id, name, sex, birth_date, idcard_enc, idcard_index, created_at, updated_at)
			VALUES (?, ?, '李社工', 'F', '1990-01-01', '', 'x1', ?, ?)`, f.leaderID, f.stA.ID, cst.NowStamp(), cst.NowStamp()); err != nil {
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
	for _, name := range []string{"陈志愿", "孙热心"} {
		v, err := createVolunteer(ctx, f.db, f.keys, workforce.VolunteerInput{OrgID: f.stA.ID, Name: name, RegisteredOn: "2025-01-01", Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
		if f.volunteerID == "" {
			f.volunteerID = v.ID
		} else {
			f.volume2 = v.ID
		}
	}
	return f
}

func (f *fixture) tx(fn func(tx *db.Tx) error) error { return f.db.InTx(f.ctx, fn) }

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
		f.t.Fatal(err)
	}
	return r
}

func (f *fixture) input() groups.Input {
	return groups.Input{OrgID: f.stA.ID, Name: "银龄互助支持小组", Kind: "support", Goals: "减轻孤独感\n建立互助关系", Target: "独居老人",
		Place: "社工站活动室", PlannedSessions: 3, Capacity: 8, StartsOn: "2026-04-01", EndsOn: "2026-04-30",
		Staff: []groups.Staff{{Role: "leader", WorkerID: f.leaderID}, {Role: "volunteer", VolunteerID: f.volunteerID}}}
}

func (f *fixture) group() groups.Group {
	f.t.Helper()
	var g groups.Group
	if err := f.tx(func(tx *db.Tx) error {
		var err error
		g, err = groups.Create(f.ctx, tx, f.workerA, f.input())
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return g
}

func (f *fixture) advance(g groups.Group) groups.Group {
	f.t.Helper()
	if err := f.tx(func(tx *db.Tx) error {
		var err error
		g, err = groups.Advance(f.ctx, tx, f.workerA, g.ID, g.Version)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return g
}

func (f *fixture) member(g groups.Group, in groups.MemberInput) (groups.Member, error) {
	var m groups.Member
	err := f.tx(func(tx *db.Tx) error {
		var err error
		m, err = groups.AddMember(f.ctx, tx, f.keys, f.workerA, g.ID, in)
		return err
	})
	return m, err
}

func (f *fixture) session(actor *authz.Actor, g groups.Group, in groups.SessionInput) (groups.Session, error) {
	var s groups.Session
	err := f.tx(func(tx *db.Tx) error {
		var err error
		s, err = groups.RecordSession(f.ctx, tx, f.keys, actor, g.ID, in)
		return err
	})
	return s, err
}

func (f *fixture) measure(actor *authz.Actor, m groups.Member, which string, score int) error {
	return f.tx(func(tx *db.Tx) error {
		_, err := groups.SetMeasure(f.ctx, tx, f.keys, actor, m.ID, which, []int{score})
		return err
	})
}

// The course of a group: plan, recruit, sessions with attendance and
// volunteers, measures, end and evaluation; service records, hours and
// figures follow.
func TestGroupCourse(t *testing.T) {
	f := newFixture(t)
	p1, p2 := f.person("张桂英", "1950-02-01"), f.person("刘秀兰", "1948-06-09")
	in := f.input()
	in.ID = ids.New()
	var g groups.Group
	if err := f.tx(func(tx *db.Tx) error {
		var err error
		if g, err = groups.Create(f.ctx, tx, f.workerA, in); err != nil {
			return err
		}
		again, err := groups.Create(f.ctx, tx, f.workerA, in)
		if err == nil && (again.ID != g.ID || again.Version != 1) {
			t.Errorf("repeat create: %+v", again)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if g.Stage != groups.StagePreparing || g.CompletionSessions != 2 || len(g.Staff) != 2 || g.Staff[0].Name != "李社工" {
		t.Fatalf("created: %+v", g)
	}
	if _, err := f.session(f.workerA, g, groups.SessionInput{HeldOn: "2026-04-02", StartTime: "09:00", Minutes: 90, Theme: "相识", Content: "破冰"}); !apperr.Is(err, apperr.BadRequest) {
		t.Fatalf("session before running: %v", err)
	}
	g = f.advance(g) // 招募
	m1, err := f.member(g, groups.MemberInput{RecipientID: p1.ID, JoinedOn: "2026-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := f.member(g, groups.MemberInput{RecipientID: p2.ID, JoinedOn: "2026-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	m3, err := f.member(g, groups.MemberInput{Name: "王大爷", Contact: "13912345678", JoinedOn: "2026-04-01"})
	if err != nil || m3.Contact == "13912345678" || !strings.Contains(m3.Contact, "*") {
		t.Fatalf("other participant: %+v %v", m3, err)
	}
	g = f.advance(g) // 进行中
	for _, m := range []groups.Member{m1, m2, m3} {
		if err := f.measure(f.workerA, m, "pre", 40); err != nil {
			t.Fatal(err)
		}
	}
	att := func(a, b, c string) []groups.Attendance {
		return []groups.Attendance{{MemberID: m1.ID, Status: a}, {MemberID: m2.ID, Status: b}, {MemberID: m3.ID, Status: c}}
	}
	days := []string{"2026-04-02", "2026-04-09", "2026-04-16"}
	stages := []string{"forming", "transition", "mature"}
	var sessions []groups.Session
	for i, st := range [][3]string{{"present", "present", "present"}, {"present", "absent", "present"}, {"present", "excused", "absent"}} {
		s, err := f.session(f.workerA, g, groups.SessionInput{HeldOn: days[i], StartTime: "09:00", Minutes: 90, Theme: "第" + days[i], Content: "分享",
			ProcessStage: stages[i], Attendance: att(st[0], st[1], st[2]), Volunteers: []groups.VolunteerHours{{VolunteerID: f.volunteerID, Minutes: 90}}})
		if err != nil {
			t.Fatal(err)
		}
		if s.Number != i+1 {
			t.Fatalf("number %d", s.Number)
		}
		sessions = append(sessions, s)
	}
	// 6 present: 6 service records (one anonymous for the other participant's 2).
	if n := f.count(`SELECT COUNT(*) FROM service_records WHERE kind = 'group'`); n != 6 {
		t.Fatalf("%d service records", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM service_records WHERE recipient_id = ?`, p1.ID); n != 3 {
		t.Fatalf("p1 has %d records", n)
	}
	entries, _, err := timeline.Page(f.ctx, f.db, f.workerA, p2.ID, "", 20)
	found := 0
	for _, e := range entries {
		if strings.Contains(e.Title, "小组") && strings.HasPrefix(e.Link, "/group-attendance/") {
			found++
		}
	}
	if err != nil || found != 1 { // present once so far
		t.Fatalf("timeline: %+v %v", entries, err)
	}
	if n := f.count(`SELECT SUM(minutes) FROM wf_volunteer_hours WHERE volunteer_id = ? AND source = ?`, f.volunteerID, groups.SourceSession); n != 270 {
		t.Fatalf("volunteer minutes %d", n)
	}
	// A fourth session needs confirmation.
	extra := groups.SessionInput{HeldOn: "2026-04-18", StartTime: "09:00", Minutes: 60, Theme: "加节", Content: "巩固", Attendance: att("present", "present", "present")}
	_, err = f.session(f.workerA, g, extra)
	wantField(t, err, "number")
	extra.ConfirmExtra = true
	if _, err := f.session(f.workerA, g, extra); err != nil {
		t.Fatal(err)
	}
	// Post measures: p1 up, p2 same, m3 down.
	for i, m := range []groups.Member{m1, m2, m3} {
		if err := f.measure(f.workerA, m, "post", []int{60, 40, 30}[i]); err != nil {
			t.Fatal(err)
		}
	}
	g, _ = groups.Get(f.ctx, f.db, f.workerA, g.ID)
	g = f.advance(g) // 结束
	e, err := groups.Evaluate(f.ctx, f.db, f.keys, f.workerA, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Present 3+3+2 of 12 marked; completed (≥2): m1 4, m2 2, m3 3 → 3; change (20+0−10)/3.
	if e.SessionsHeld != 4 || e.Present != 9 || e.Marked != 12 || e.Completed != 3 || e.Measured != 3 || e.Improved != 1 ||
		e.ChangeMean < 3.33 || e.ChangeMean > 3.34 || groups.Percent(e.AttendanceRate) != "75.0%" {
		t.Fatalf("evaluation: %+v", e)
	}
	if err := f.tx(func(tx *db.Tx) error {
		var err error
		g, err = groups.Finish(f.ctx, tx, f.workerA, g.ID, g.Version, []bool{true, false}, "目标基本达成")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e, _ = groups.Evaluate(f.ctx, f.db, f.keys, f.workerA, g.ID)
	if g.Stage != groups.StageEvaluated || e.Goals != 2 || e.GoalsAttained != 1 {
		t.Fatalf("finished: %s %+v", g.Stage, e)
	}
	apr, _ := figures.ParsePeriod("2026-04")
	for key, want := range map[string]int64{"groups.planned": 1, "groups.sessions_planned": 3, "groups.held": 1, "groups.sessions_held": 4,
		"groups.attendance": 9, "groups.attendance_marked": 12, "groups.attendance_rate": 750, "groups.improved": 1, "groups.change": 33, "services.instances": 9,
		"workforce.volunteer_hours": 270} {
		got, err := figures.Compute(f.ctx, f.db, f.admin, key, apr, f.county.ID)
		if err != nil || got != want {
			t.Errorf("%s = %d (%v), want %d", key, got, err, want)
		}
		if fig, _ := figures.Get(key); fig.Records != nil {
			recs, _, err := figures.List(f.ctx, f.db, f.admin, key, apr, f.county.ID, 200, 0)
			var sum int64
			for _, r := range recs {
				sum += r.Amount
			}
			if err != nil || sum != want {
				t.Errorf("%s records add up to %d (%v)", key, sum, err)
			}
		}
	}
	_ = sessions
}

func TestSessionRulesAndLock(t *testing.T) {
	f := newFixture(t)
	p1 := f.person("张桂英", "1950-02-01")
	g := f.group()
	g = f.advance(g)
	m1, err := f.member(g, groups.MemberInput{RecipientID: p1.ID, JoinedOn: "2026-04-05"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.member(g, groups.MemberInput{RecipientID: p1.ID, JoinedOn: "2026-04-05"}); err == nil {
		t.Fatal("the same person joined twice")
	}
	other := f.group()
	other = f.advance(other)
	stranger, err := f.member(other, groups.MemberInput{Name: "外组成员", JoinedOn: "2026-04-01"})
	if err != nil {
		t.Fatal(err)
	}
	g = f.advance(g)
	good := func() groups.SessionInput {
		return groups.SessionInput{HeldOn: "2026-04-10", StartTime: "09:00", Minutes: 90, Theme: "相识", Content: "破冰",
			Attendance: []groups.Attendance{{MemberID: m1.ID, Status: "present"}}, Volunteers: []groups.VolunteerHours{{VolunteerID: f.volunteerID, Minutes: 60}}}
	}
	for _, c := range []struct {
		field string
		edit  func(in *groups.SessionInput)
	}{
		{"attendance", func(in *groups.SessionInput) {
			in.Attendance = append(in.Attendance, groups.Attendance{MemberID: stranger.ID, Status: "present"})
		}},
		{"attendance", func(in *groups.SessionInput) { in.HeldOn = "2026-04-03" }}, // before m1 joined
		{"held_on", func(in *groups.SessionInput) { in.HeldOn = "2026-03-30" }},
		{"held_on", func(in *groups.SessionInput) { in.HeldOn = "2026-04-21" }},
		{"minutes", func(in *groups.SessionInput) { in.Minutes = -5 }},
		{"number", func(in *groups.SessionInput) { in.Number = 4 }},
		{"number", func(in *groups.SessionInput) { in.Number = -1 }},
		{"volunteers", func(in *groups.SessionInput) { in.Volunteers[0].Minutes = 120 }},
		{"process_stage", func(in *groups.SessionInput) { in.ProcessStage = "x" }},
	} {
		in := good()
		c.edit(&in)
		_, err := f.session(f.workerA, g, in)
		wantField(t, err, c.field)
	}
	if n := f.count(`SELECT COUNT(*) FROM grp_sessions`) + f.count(`SELECT COUNT(*) FROM service_records`) + f.count(`SELECT COUNT(*) FROM wf_volunteer_hours`); n != 0 {
		t.Fatalf("bad input wrote %d rows", n)
	}
	// Plans: dates out of order, negative counts.
	bad := f.input()
	bad.EndsOn, bad.Capacity, bad.PlannedSessions = "2026-03-01", -1, -2
	err = f.tx(func(tx *db.Tx) error { _, err := groups.Create(f.ctx, tx, f.workerA, bad); return err })
	for _, fld := range []string{"ends_on", "capacity", "planned_sessions"} {
		wantField(t, err, fld)
	}
	// Leaving before a session attended is refused; measures out of range too.
	s, err := f.session(f.workerA, g, good())
	if err != nil {
		t.Fatal(err)
	}
	err = f.tx(func(tx *db.Tx) error {
		_, err := groups.SetLeft(f.ctx, tx, f.keys, f.workerA, m1.ID, "2026-04-06")
		return err
	})
	wantField(t, err, "left_on")
	err = f.tx(func(tx *db.Tx) error {
		_, err := groups.SetLeft(f.ctx, tx, f.keys, f.workerA, m1.ID, "2026-04-01")
		return err
	})
	wantField(t, err, "left_on")
	wantField(t, f.measure(f.workerA, m1, "pre", 101), "pre")
	wantField(t, f.measure(f.workerA, m1, "post", 50), "post")

	// The record locks after the county's period; then only the head edits.
	if err := f.tx(func(tx *db.Tx) error { return groups.SetLockDays(f.ctx, tx, f.admin, f.county.ID, 3) }); err != nil {
		t.Fatal(err)
	}
	edit := good()
	edit.Content = "破冰与分享"
	update := func(actor *authz.Actor) error {
		return f.tx(func(tx *db.Tx) error {
			cur, _, err := groups.GetSession(f.ctx, tx, actor, s.ID)
			if err != nil {
				return err
			}
			_, err = groups.UpdateSession(f.ctx, tx, f.keys, actor, s.ID, cur.Version, edit)
			return err
		})
	}
	f.setNow("2026-04-13 20:00")
	if err := update(f.workerA); err != nil {
		t.Fatalf("edit before the lock: %v", err)
	}
	f.setNow("2026-04-14 08:00")
	if err := update(f.workerA); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("edit after the lock by a worker: %v", err)
	}
	if err := update(f.head); err != nil {
		t.Fatalf("edit after the lock by the head: %v", err)
	}
	if n := f.count(`SELECT COUNT(*) FROM service_records`); n != 1 {
		t.Fatalf("%d service records after edits", n)
	}
	// Out of scope.
	if _, err := f.session(f.workerB, g, good()); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("other station: %v", err)
	}
	// Cancel needs a reason.
	err = f.tx(func(tx *db.Tx) error {
		_, err := groups.Cancel(f.ctx, tx, f.workerA, other.ID, other.Version, "")
		return err
	})
	wantField(t, err, "reason")
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
