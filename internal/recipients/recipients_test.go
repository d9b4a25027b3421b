package recipients_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/exports"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/validate"
)

// fixture is a running demo county with actors for the service calls.
type fixture struct {
	t   *testing.T
	env *apptest.Env
	ctx context.Context
	// Stations by township code (410622001 朝歌, 410622004 灵山).
	chaoge, lingshan org.Unit
}

func start(t *testing.T) *fixture {
	t.Helper()
	env := apptest.Start(t)
	f := &fixture{t: t, env: env, ctx: context.Background()}
	var err error
	if f.chaoge, err = demo.Unit(f.ctx, env.App.DB, "410622001", org.KindStation); err != nil {
		t.Fatal(err)
	}
	if f.lingshan, err = demo.Unit(f.ctx, env.App.DB, "410622004", org.KindStation); err != nil {
		t.Fatal(err)
	}
	return f
}

// actor is the demo account username as the services see it.
func (f *fixture) actor(username string) *authz.Actor {
	f.t.Helper()
	u, err := f.env.App.Auth.UserByUsername(f.ctx, username)
	if err != nil {
		f.t.Fatalf("user %s: %v", username, err)
	}
	return &authz.Actor{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, OrgID: u.OrgID, OrgPath: u.OrgPath, OrgName: u.OrgName}
}

// lingshanWorker is a social worker of another station than the demo
// worker's.
func (f *fixture) lingshanWorker() *authz.Actor {
	f.t.Helper()
	if _, err := f.env.App.Auth.UserByUsername(f.ctx, "lingshan"); err != nil {
		if _, err := f.env.App.Auth.CreateUser(f.ctx, nil, auth.UserInput{Username: "lingshan", DisplayName: "灵山社工", Role: authz.RoleWorker,
			OrgID: f.lingshan.ID, Password: "Shegong-123"}); err != nil {
			f.t.Fatal(err)
		}
	}
	return f.actor("lingshan")
}

var rng = rand.New(rand.NewPCG(7, 7))

// fakeID makes a valid ID number for a birth date.
func fakeID(birth string, male bool) string {
	b, _ := time.Parse("2006-01-02", birth)
	return validate.FakeIDCard(rng, "410622", b, male)
}

// input is a valid registration at 朝歌 (西街村) for a name and birth date.
func (f *fixture) input(name, birth string) recipients.Input {
	return recipients.Input{OrgID: f.chaoge.ID, Name: name, IDNumber: fakeID(birth, true), VillageCode: "410622001200",
		Phone: "13812345678", CurrentAddress: "河南省鹤壁市淇县朝歌街道西街村幸福路18号", HukouAddress: "河南省鹤壁市淇县朝歌街道西街村户籍登记处9号",
		HealthNotes: "糖尿病，每日注射胰岛素", Categories: []string{"低保对象", "独居老人"}, LivingSituation: "独居"}
}

func (f *fixture) create(actor *authz.Actor, in recipients.Input) (recipients.Recipient, error) {
	var r recipients.Recipient
	err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		r, err = recipients.Create(f.ctx, tx, f.env.App.Keys, actor, in)
		return err
	})
	return r, err
}

func (f *fixture) mustCreate(actor *authz.Actor, in recipients.Input) recipients.Recipient {
	f.t.Helper()
	r, err := f.create(actor, in)
	if err != nil {
		f.t.Fatalf("create %s: %v", in.Name, err)
	}
	return r
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.env.App.DB.QueryRow(f.ctx, query, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) list(actor *authz.Actor, filter recipients.Filter) []recipients.Recipient {
	f.t.Helper()
	items, _, _, err := recipients.List(f.ctx, f.env.App.DB, f.env.App.Keys, actor, filter)
	if err != nil {
		f.t.Fatal(err)
	}
	return items
}

func names(items []recipients.Recipient) []string {
	var out []string
	for _, r := range items {
		out = append(out, r.Name)
	}
	return out
}

func TestDatabaseFileHoldsNoPlaintextPersonalData(t *testing.T) {
	if dbtest.Engine() != db.SQLite {
		t.Skip("reads the SQLite file")
	}
	f := start(t)
	in := f.input("钱多多", "1951-04-05")
	in.GuardianPhone = "13698765432"
	r := f.mustCreate(f.actor("shegong"), in)
	// An edit writes new sealed values (and WAL frames) too.
	edit := recipients.InputOf(r)
	edit.Phone = "0392-7654321"
	if _, err := update(f, f.actor("shegong"), r.ID, r.Version, edit); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.App.DB.Exec(f.ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for _, name := range []string{f.env.App.Cfg.SQLitePath(), f.env.App.Cfg.SQLitePath() + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	if len(raw) < 4096 {
		t.Fatalf("database file is only %d bytes", len(raw))
	}
	for label, secret := range map[string]string{
		"ID number": in.IDNumber, "phone": in.Phone, "new phone": "0392-7654321", "guardian phone": in.GuardianPhone,
		"current address": in.CurrentAddress, "household address": in.HukouAddress, "health notes": in.HealthNotes,
		"ID number without check digit": in.IDNumber[:17],
	} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the database file holds the %s in plaintext (%q)", label, secret)
		}
	}
	// The name is stored as it is (it is searched), so the scan itself works.
	if !bytes.Contains(raw, []byte("钱多多")) {
		t.Error("the name is not in the file: the scan reads the wrong file")
	}
}

func update(f *fixture, actor *authz.Actor, id string, version int, in recipients.Input) (recipients.Recipient, error) {
	var r recipients.Recipient
	err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		r, err = recipients.Update(f.ctx, tx, f.env.App.Keys, actor, id, version, in)
		return err
	})
	return r, err
}

func TestMaskingAndAuditedReveal(t *testing.T) {
	f := start(t)
	worker := f.actor("shegong")
	in := f.input("孔令辉", "1949-09-30")
	r := f.mustCreate(worker, in)
	want := in.IDNumber[:6] + "********" + in.IDNumber[14:]
	if r.IDNumber != want || r.Phone != "138****5678" || strings.Contains(r.CurrentAddress, "幸福路") || !r.HasHealthNotes {
		t.Errorf("not masked: id %q phone %q address %q health %v", r.IDNumber, r.Phone, r.CurrentAddress, r.HasHealthNotes)
	}
	got, err := recipients.Get(f.ctx, f.env.App.DB, f.actor("zhanzhang"), r.ID)
	if err != nil || got.IDNumber != want {
		t.Fatalf("get: %+v %v", got.IDNumber, err)
	}

	before := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'reveal'`)
	var values map[string]string
	err = f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		values, err = recipients.Reveal(f.ctx, tx, f.env.App.Keys, worker, r.ID, []string{"id_number", "health_notes"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if values["id_number"] != in.IDNumber || values["health_notes"] != in.HealthNotes || len(values) != 2 {
		t.Errorf("revealed %v", values)
	}
	entries, _, err := audit.List(f.ctx, f.env.App.DB, f.actor("admin"), audit.Filter{Action: audit.ActionReveal, EntityID: r.ID})
	if err != nil || len(entries) != 1 || f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'reveal'`) != before+1 {
		t.Fatalf("reveal audit entries: %v %v", entries, err)
	}
	e := entries[0]
	if e.ActorID != worker.UserID || e.Entity != "recipient" || !strings.Contains(e.Summary, "孔令辉") || !strings.Contains(e.Summary, "身份证号") ||
		strings.Contains(e.Summary, in.IDNumber) {
		t.Errorf("audit entry %+v", e)
	}
	// The creation's audit entry names the personal fields without values.
	var changes string
	if err := f.env.App.DB.QueryRow(f.ctx, `SELECT changes FROM audit_log WHERE action = 'create' AND entity_id = ?`, r.ID).Scan(&changes); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(changes, "身份证号") || strings.Contains(changes, in.IDNumber) || strings.Contains(changes, "幸福路") {
		t.Errorf("create audit changes: %s", changes)
	}

	// Roles without the reveal permission are refused, and nothing is logged.
	for _, u := range []string{"zhiyuan", "dudao", "pinggu"} {
		err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
			_, err := recipients.Reveal(f.ctx, tx, f.env.App.Keys, f.actor(u), r.ID, nil)
			return err
		})
		if !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("%s reveal: %v", u, err)
		}
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'reveal'`); n != before+1 {
		t.Errorf("refused reveals were logged: %d", n-before)
	}
}

func TestDuplicatePrompts(t *testing.T) {
	f := start(t)
	worker := f.actor("shegong")
	first := f.mustCreate(worker, f.input("卫青", "1950-01-01"))
	keys := f.env.App.Keys
	find := func(actor *authz.Actor, q recipients.DuplicateQuery) []recipients.Duplicate {
		t.Helper()
		d, err := recipients.FindDuplicates(f.ctx, f.env.App.DB, keys, actor, q)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	kinds := func(ds []recipients.Duplicate) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Kind)
		}
		return out
	}
	var saved string
	if err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		v, err := recipients.Reveal(f.ctx, tx, keys, worker, first.ID, []string{"id_number"})
		saved = v["id_number"]
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// 1. The same ID number, typed with spaces and a lower-case x as people do.
	spaced := saved[:6] + " " + saved[6:14] + " " + strings.ToLower(saved[14:])
	if d := find(worker, recipients.DuplicateQuery{Name: "别人", IDNumber: spaced}); !slices.Equal(kinds(d), []string{recipients.DupSameID}) || d[0].Recipient.ID != first.ID {
		t.Errorf("same ID: %+v", d)
	}
	// 2. Same name and birth date, elsewhere in the station.
	if d := find(worker, recipients.DuplicateQuery{Name: "卫青", BirthDate: "1950-01-01", VillageCode: "410622001201"}); !slices.Equal(kinds(d), []string{recipients.DupSameNameBirth}) {
		t.Errorf("same name and birth: %v", kinds(d))
	}
	// 3. A similar name in the same village: same initials (魏清 = wq), or
	// the same surname and first given character (卫青山).
	for _, name := range []string{"魏清", "卫青山"} {
		if d := find(worker, recipients.DuplicateQuery{Name: name, BirthDate: "1960-06-06", VillageCode: "410622001200"}); !slices.Equal(kinds(d), []string{recipients.DupSimilarName}) {
			t.Errorf("similar %s: %v", name, kinds(d))
		}
	}
	// Not similar, or another village: nothing.
	if d := find(worker, recipients.DuplicateQuery{Name: "李四", BirthDate: "1950-01-01", VillageCode: "410622001200"}); len(d) != 0 {
		t.Errorf("李四: %v", kinds(d))
	}
	if d := find(worker, recipients.DuplicateQuery{Name: "魏清", VillageCode: "410622001201"}); len(d) != 0 {
		t.Errorf("魏清 in another village: %v", kinds(d))
	}

	// Saving a possible duplicate needs confirmation; then it goes in.
	in := f.input("卫青", "1950-01-01")
	in.VillageCode = "410622001203"
	before := f.count(`SELECT COUNT(*) FROM recipients`)
	_, err := f.create(worker, in)
	if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Conflict || ae.Fields["confirm_duplicate"] == "" {
		t.Fatalf("unconfirmed duplicate: %v", err)
	}
	if f.count(`SELECT COUNT(*) FROM recipients`) != before {
		t.Fatal("an unconfirmed duplicate was saved")
	}
	in.ConfirmDuplicate = true
	f.mustCreate(worker, in)
	// The audit records the confirmation the user gave, and only then.
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND summary = ?`, "登记服务对象：卫青（已确认不是可能重复的 1 条记录中的人）"); n != 1 {
		t.Fatalf("confirmed registrations in the audit: %d", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND summary = ?`, "登记服务对象：卫青"); n != 1 {
		t.Fatalf("the first registration claims a confirmation: %d", n)
	}
	// A similar name in the same village is a hint on the form, not the
	// duplicate rule: it is saved without a confirmation.
	similar := f.input("魏清", "1960-06-06")
	similar.VillageCode = "410622001200"
	f.mustCreate(worker, similar)

	// The same ID number is refused outright, even confirmed, even from
	// another station that cannot see the first record.
	again := f.input("卫青", "1950-01-01")
	again.IDNumber, again.ConfirmDuplicate = saved, true
	for _, tc := range []struct {
		actor *authz.Actor
		org   org.Unit
		vill  string
	}{{worker, f.chaoge, "410622001200"}, {f.lingshanWorker(), f.lingshan, "410622004201"}} {
		again.OrgID, again.VillageCode = tc.org.ID, tc.vill
		_, err := f.create(tc.actor, again)
		if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Conflict || ae.Fields["id_number"] == "" {
			t.Errorf("%s: same ID: %v", tc.actor.Username, err)
		}
	}
	// The other station learns the number is taken, not by whom.
	d := find(f.lingshanWorker(), recipients.DuplicateQuery{IDNumber: saved})
	if len(d) != 1 || d[0].Visible || d[0].Recipient != nil || d[0].OrgName != f.chaoge.Name {
		t.Errorf("out-of-scope duplicate: %+v", d)
	}
}

func TestBadInputIsRefusedWithTheFieldNamed(t *testing.T) {
	f := start(t)
	worker := f.actor("shegong")
	good := f.input("鲁智深", "1955-05-05")
	otherWorker := f.lingshanWorker()
	badCheck := good.IDNumber[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good.IDNumber[17])+1)%11])
	first17 := "410622" + "19550230" + "123"
	impossible := first17 + string(validate.IDCardCheckDigit(first17))
	cases := []struct {
		name, field string
		edit        func(in *recipients.Input)
	}{
		{"invalid check digit", "id_number", func(in *recipients.Input) { in.IDNumber = badCheck }},
		{"impossible birth date in the ID number", "id_number", func(in *recipients.Input) { in.IDNumber = impossible }},
		{"impossible birth date", "birth_date", func(in *recipients.Input) { in.IDNumber, in.BirthDate, in.Sex = "", "1955-02-30", "男" }},
		{"birth date in the future", "birth_date", func(in *recipients.Input) { in.IDNumber, in.BirthDate, in.Sex = "", "2999-01-01", "男" }},
		{"birth date not matching the ID number", "birth_date", func(in *recipients.Input) { in.BirthDate = "1955-05-06" }},
		{"sex not matching the ID number", "sex", func(in *recipients.Input) { in.Sex = "女" }},
		{"bad phone", "phone", func(in *recipients.Input) { in.Phone = "12345" }},
		{"bad guardian phone", "guardian_phone", func(in *recipients.Input) { in.GuardianPhone = "1381234567" }},
		{"unknown category", "categories", func(in *recipients.Input) { in.Categories = []string{"低保对象", "外星人"} }},
		{"village outside the station", "village_code", func(in *recipients.Input) { in.VillageCode = "410622004200" }},
		{"village code not 12 digits", "village_code", func(in *recipients.Input) { in.VillageCode = "41062200120" }},
		{"no name", "name", func(in *recipients.Input) { in.Name = " " }},
		{"a room of another village", "village_code", func(in *recipients.Input) {
			room, _ := demo.Unit(f.ctx, f.env.App.DB, "410622004200", org.KindRoom)
			in.OrgID, in.VillageCode = room.ID, "410622004204"
		}},
		{"status without reason", "status_reason", func(in *recipients.Input) { in.Status, in.StatusDate = recipients.StatusMoved, "2024-01-01" }},
		{"child without guardian", "guardian_name", func(in *recipients.Input) { in.IDNumber, in.BirthDate, in.Sex = "", "2020-01-01", "女" }},
		{"worker of another station", "worker_id", func(in *recipients.Input) { in.WorkerID = otherWorker.UserID }},
		{"disability type without grade", "disability_grade", func(in *recipients.Input) { in.DisabilityType = "肢体残疾" }},
	}
	recipientsBefore := f.count(`SELECT COUNT(*) FROM recipients`)
	auditBefore := f.count(`SELECT COUNT(*) FROM audit_log`)
	linksBefore := f.count(`SELECT COUNT(*) FROM recipient_category_links`)
	for _, tc := range cases {
		in := good
		tc.edit(&in)
		actor := worker
		if tc.field == "village_code" && in.OrgID != f.chaoge.ID {
			actor = f.actor("admin")
		}
		_, err := f.create(actor, in)
		ae, ok := apperr.As(err)
		if !ok || ae.Kind != apperr.Invalid || ae.Fields[tc.field] == "" {
			t.Errorf("%s: want field %s refused, got %v", tc.name, tc.field, err)
		}
	}
	if f.count(`SELECT COUNT(*) FROM recipients`) != recipientsBefore || f.count(`SELECT COUNT(*) FROM audit_log`) != auditBefore ||
		f.count(`SELECT COUNT(*) FROM recipient_category_links`) != linksBefore {
		t.Error("a refused registration wrote something")
	}
	// The good one passes: the cases failed for their own reason. A 15-digit
	// old number is converted to 18 digits, with sex and birth derived.
	old15 := "410622550505123"
	good.IDNumber, good.Sex, good.BirthDate = old15, "", ""
	r := f.mustCreate(worker, good)
	if r.BirthDate != "1955-05-05" || r.Sex != "男" || !strings.HasPrefix(r.IDNumber, "410622") || len(r.IDNumber) != 18 {
		t.Errorf("from a 15-digit number: %+v", r)
	}
	// A client-made ID is kept; a malformed one is refused.
	in := f.input("林冲", "1960-02-02")
	in.ID = "not-a-uuid"
	if _, err := f.create(worker, in); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("bad client id: %v", err)
	}
	in.ID = "0190a8f2-8c1e-7c3d-9a4b-5e6f7a8b9c0d"
	if r := f.mustCreate(worker, in); r.ID != in.ID {
		t.Errorf("client id not kept: %s", r.ID)
	}
}

func TestConcurrentEditsAreToldTheRecordChanged(t *testing.T) {
	f := start(t)
	worker, head := f.actor("shegong"), f.actor("zhanzhang")
	r := f.mustCreate(worker, f.input("武松", "1957-07-07"))
	// Both open the record at the same version.
	a, b := recipients.InputOf(r), recipients.InputOf(r)
	a.LivingSituation = "与配偶"
	b.LivingSituation = "与子女"
	saved, err := update(f, worker, r.ID, r.Version, a)
	if err != nil || saved.Version != r.Version+1 {
		t.Fatalf("first save: %v %+v", err, saved.Version)
	}
	_, err = update(f, head, r.ID, r.Version, b)
	if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Conflict || !strings.Contains(ae.Message, "已被他人修改") {
		t.Fatalf("second save: %v", err)
	}
	cur, _ := recipients.GetUnchecked(f.ctx, f.env.App.DB, r.ID)
	if cur.LivingSituation != "与配偶" || cur.Version != r.Version+1 {
		t.Errorf("second save overwrote: %+v", cur)
	}
	// An empty sealed field keeps its value; listed in Clear, it is cleared.
	c := recipients.InputOf(cur)
	c.Clear = []string{"health_notes"}
	after, err := update(f, worker, r.ID, cur.Version, c)
	if err != nil || after.HasHealthNotes || after.IDNumber != r.IDNumber || after.Phone != r.Phone {
		t.Errorf("keep/clear: %v %+v", err, after)
	}
}

func TestWhoSeesWhichRecords(t *testing.T) {
	f := start(t)
	child := f.list(f.actor("admin"), recipients.Filter{Text: "刘小雨"})
	adult := f.list(f.actor("admin"), recipients.Filter{Text: "张三丰"})
	lingshanAdult := f.list(f.actor("admin"), recipients.Filter{Text: "杨春花"})
	if len(child) != 1 || !child[0].Child || len(adult) != 1 || len(lingshanAdult) != 1 {
		t.Fatalf("demo data: %v %v %v", names(child), names(adult), names(lingshanAdult))
	}
	cases := []struct {
		user                   string
		child, adult, lingshan bool
	}{
		{"admin", true, true, true},
		{"zhanzhang", true, true, false},
		{"shegong", true, true, false},
		{"dudao", true, true, true},
		{"zhiyuan", false, true, false}, // 张三丰 is assigned to the demo volunteer
		{"pinggu", false, true, true},
		{"lingdao", false, false, false}, // leaders see figures, not people, even where a route would let them in
		{"lingshan", false, false, true},
	}
	f.lingshanWorker()
	for _, tc := range cases {
		actor := f.actor(tc.user)
		for _, rc := range []struct {
			r    recipients.Recipient
			want bool
		}{{child[0], tc.child}, {adult[0], tc.adult}, {lingshanAdult[0], tc.lingshan}} {
			_, err := recipients.Get(f.ctx, f.env.App.DB, actor, rc.r.ID)
			if (err == nil) != rc.want {
				t.Errorf("%s get %s: want visible %v, got %v", tc.user, rc.r.Name, rc.want, err)
			}
			if err != nil && !apperr.Is(err, apperr.Forbidden) && !apperr.Is(err, apperr.OutOfScope) {
				t.Errorf("%s get %s: %v", tc.user, rc.r.Name, err)
			}
			var listed bool
			if items, _, _, err := recipients.List(f.ctx, f.env.App.DB, f.env.App.Keys, actor, recipients.Filter{Text: rc.r.Name, Limit: 50}); err == nil {
				listed = slices.Contains(names(items), rc.r.Name)
			} else if !apperr.Is(err, apperr.Forbidden) {
				t.Fatal(err)
			}
			if listed != rc.want {
				t.Errorf("%s list %s: want listed %v", tc.user, rc.r.Name, rc.want)
			}
		}
	}
	// A volunteer's list of 朝歌 has no child at all; the worker's has some.
	for _, r := range f.list(f.actor("zhiyuan"), recipients.Filter{Limit: 200}) {
		if r.Child {
			t.Errorf("volunteer sees child %s", r.Name)
		}
	}
	// Households show what the role may see and count the rest.
	h, err := recipients.GetHousehold(f.ctx, f.env.App.DB, f.actor("pinggu"), child[0].HouseholdID)
	if err != nil || len(h.Members) != 1 || h.HiddenMembers != 2 {
		t.Errorf("evaluator's view of 刘建国's household: %+v %v", h, err)
	}
	// An actor who cannot see children cannot register one either.
	in := f.input("小明", "2018-01-01")
	in.GuardianName = "大明"
	if _, err := f.create(f.actor("zhiyuan"), in); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("volunteer registering a child: %v", err)
	}
}

func TestSearchAndFilters(t *testing.T) {
	f := start(t)
	worker := f.actor("shegong")
	got := names(f.list(worker, recipients.Filter{Text: "zs"}))
	if !slices.Equal(got, []string{"张三", "张三丰"}) {
		t.Errorf("zs: %v", got)
	}
	if got := names(f.list(worker, recipients.Filter{Text: "ZSF"})); !slices.Equal(got, []string{"张三丰"}) {
		t.Errorf("ZSF: %v", got)
	}
	if got := names(f.list(worker, recipients.Filter{Text: "张三"})); !slices.Equal(got, []string{"张三", "张三丰"}) {
		t.Errorf("name prefix: %v", got)
	}
	in := f.input("鲍旭", "1962-03-04")
	in.Phone = "13566667777"
	r := f.mustCreate(worker, in)
	if got := names(f.list(worker, recipients.Filter{Text: in.IDNumber})); !slices.Equal(got, []string{"鲍旭"}) {
		t.Errorf("exact ID: %v", got)
	}
	if got := names(f.list(worker, recipients.Filter{Text: in.IDNumber[:17]})); len(got) != 0 {
		t.Errorf("a partial ID number finds %v", got)
	}
	if got := names(f.list(worker, recipients.Filter{Text: "135 6666 7777"})); !slices.Equal(got, []string{"鲍旭"}) {
		t.Errorf("phone: %v", got)
	}
	if got := names(f.list(worker, recipients.Filter{Category: "失能老人"})); !slices.Equal(got, []string{"王桂兰"}) {
		t.Errorf("category: %v", got)
	}
	if got := names(f.list(worker, recipients.Filter{VillageCode: "410622001202", Sort: "birth"})); !slices.Equal(got, []string{"刘建国", "刘小雨", "刘小龙"}) {
		t.Errorf("village by birth: %v", got)
	}
	if got := names(f.list(worker, recipients.Filter{VillageCode: "410622001202", Sort: "birth", Desc: true})); !slices.Equal(got, []string{"刘小龙", "刘小雨", "刘建国"}) {
		t.Errorf("village by birth desc: %v", got)
	}
	if got := names(f.list(worker, recipients.Filter{Status: recipients.StatusDeceased})); !slices.Equal(got, []string{"马玉兰"}) {
		t.Errorf("status: %v", got)
	}
	if got := names(f.list(worker, recipients.Filter{Status: "迁出"})); len(got) != 0 {
		t.Errorf("status by label in 朝歌: %v", got)
	}
	// Combined: a worker's own active people in a category.
	all := f.list(worker, recipients.Filter{WorkerID: worker.UserID, Status: recipients.StatusActive, Category: "独居老人", Limit: 100})
	if !slices.Contains(names(all), "张三") || slices.Contains(names(all), "马玉兰") || slices.Contains(names(all), "冯国栋") {
		t.Errorf("combined: %v", names(all))
	}
	// A registered filter, the hook other modules use; an unknown value is ignored.
	recipients.RegisterListFilter(recipients.ListFilter{Name: "test_id", Where: func(v string) (string, []any, bool) {
		return "r.id = ?", []any{v}, v != "ignored"
	}})
	if got := names(f.list(worker, recipients.Filter{Extra: map[string]string{"test_id": r.ID}})); !slices.Equal(got, []string{"鲍旭"}) {
		t.Errorf("registered filter: %v", got)
	}
	if got := names(f.list(worker, recipients.Filter{Extra: map[string]string{"test_id": "ignored"}, Limit: 100})); len(got) < 2 {
		t.Errorf("registered filter, unknown value: %v", got)
	}
	// Paging and counting.
	items, total, capped, err := recipients.List(f.ctx, f.env.App.DB, f.env.App.Keys, worker, recipients.Filter{Limit: 5, Offset: 5})
	if err != nil || len(items) != 5 || total < 15 || capped {
		t.Errorf("page 2: %d items of %d (capped %v) %v", len(items), total, capped, err)
	}
}

func TestExcelExport(t *testing.T) {
	f := start(t)
	worker := f.actor("shegong")
	in := f.input("时迁", "1966-06-16")
	f.mustCreate(worker, in)
	export := func(actor *authz.Actor, filter recipients.Filter, full bool) (*excelize.File, error) {
		var body bytes.Buffer
		err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
			_, err := recipients.Export(f.ctx, tx, f.env.App.Keys, actor, filter, full, "测试", &body)
			return err
		})
		if err != nil {
			return nil, err
		}
		return excelize.OpenReader(&body)
	}
	rowsOf := func(wb *excelize.File) [][]string {
		rows, err := wb.GetRows("服务对象")
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	before := f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'export'`)
	wb, err := export(worker, recipients.Filter{Text: "时迁"}, false)
	if err != nil {
		t.Fatal(err)
	}
	rows := rowsOf(wb)
	if len(rows) != 2 || rows[0][0] != "姓名" || rows[1][0] != "时迁" || rows[1][4] != in.IDNumber[:6]+"********"+in.IDNumber[14:] || rows[1][6] != "138****5678" {
		t.Errorf("masked export: %q", rows)
	}
	wb, err = export(worker, recipients.Filter{Text: "时迁"}, true)
	if err != nil {
		t.Fatal(err)
	}
	rows = rowsOf(wb)
	if rows[1][4] != in.IDNumber || rows[1][6] != in.Phone || rows[1][8] != in.CurrentAddress || rows[1][20] != in.HealthNotes ||
		rows[1][9] != in.VillageCode || rows[1][10] != "西街村民委员会" { // as the person page names it
		t.Errorf("full export: %q", rows[1])
	}
	entries, _, err := audit.List(f.ctx, f.env.App.DB, f.actor("admin"), audit.Filter{Action: audit.ActionExport})
	if err != nil || len(entries) != 2 || f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'export'`) != before+2 {
		t.Fatalf("export audit: %v %v", entries, err)
	}
	if !strings.Contains(entries[0].Summary, "完整") || !strings.Contains(entries[1].Summary, "脱敏") || entries[0].ActorID != worker.UserID {
		t.Errorf("export audit summaries: %q / %q", entries[0].Summary, entries[1].Summary)
	}
	// The whole station exports; an evaluator gets masked values only.
	wb, err = export(worker, recipients.Filter{}, false)
	if err != nil || len(rowsOf(wb)) < 18 {
		t.Errorf("station export: %v", err)
	}
	if _, err := export(f.actor("pinggu"), recipients.Filter{}, true); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("evaluator full export: %v", err)
	}
	if wb, err := export(f.actor("pinggu"), recipients.Filter{}, false); err != nil {
		t.Errorf("evaluator masked export: %v", err)
	} else {
		for _, row := range rowsOf(wb)[1:] {
			if len(row) > 3 && row[3] != "" && row[3] < "14" && len(row[3]) < 3 {
				t.Errorf("evaluator's export holds a child: %q", row)
			}
		}
	}
	if _, err := export(f.actor("zhiyuan"), recipients.Filter{}, false); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("volunteer export: %v", err)
	}
}

func TestHouseholds(t *testing.T) {
	f := start(t)
	worker := f.actor("shegong")
	a := f.mustCreate(worker, f.input("燕顺", "1950-10-10"))
	in := f.input("燕青", "1980-10-10")
	in.Categories = nil
	b := f.mustCreate(worker, in)
	var h recipients.Household
	err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) (err error) {
		h, err = recipients.CreateHousehold(f.ctx, tx, worker, recipients.HouseholdInput{OrgID: f.chaoge.ID,
			Members: []recipients.MemberInput{{a.ID, "户主"}, {b.ID, "子女"}}})
		return err
	})
	if err != nil || h.Name != "燕顺户" || len(h.Members) != 2 || h.Members[0].Relation != "户主" {
		t.Fatalf("household: %+v %v", h, err)
	}
	// Two heads, or a member of another household: refused.
	c := f.mustCreate(worker, f.input("燕子", "1985-01-01"))
	err = f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := recipients.CreateHousehold(f.ctx, tx, worker, recipients.HouseholdInput{OrgID: f.chaoge.ID,
			Members: []recipients.MemberInput{{c.ID, "户主"}, {b.ID, "户主"}}})
		return err
	})
	if ae, ok := apperr.As(err); !ok || ae.Fields["members"] == "" || ae.Fields["members[1].recipient_id"] == "" {
		t.Errorf("bad household: %v", err)
	}
	// Version check, then removing everyone dissolves it.
	err = f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := recipients.UpdateHousehold(f.ctx, tx, worker, h.ID, h.Version+5, nil, []recipients.MemberInput{{a.ID, "户主"}})
		return err
	})
	if !apperr.Is(err, apperr.Conflict) {
		t.Errorf("stale household: %v", err)
	}
	err = f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := recipients.UpdateHousehold(f.ctx, tx, worker, h.ID, h.Version, nil, []recipients.MemberInput{})
		return err
	})
	if err != nil || f.count(`SELECT COUNT(*) FROM households WHERE id = ?`, h.ID) != 0 || f.count(`SELECT COUNT(*) FROM recipients WHERE household_id = ?`, h.ID) != 0 {
		t.Errorf("dissolve: %v", err)
	}
	// An orphan household is named after its child head: a role that may
	// not see children sees neither the child nor the name.
	kid := f.input("燕小宝", "2017-03-03")
	kid.GuardianName, kid.GuardianRelation, kid.Categories = "燕顺", "（外）祖父母", []string{"孤儿"}
	orphan := f.mustCreate(worker, kid)
	err = f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) (err error) {
		h, err = recipients.CreateHousehold(f.ctx, tx, worker, recipients.HouseholdInput{OrgID: f.chaoge.ID,
			Members: []recipients.MemberInput{{orphan.ID, "户主"}}})
		return err
	})
	if err != nil || h.Name != "燕小宝户" {
		t.Fatalf("orphan household: %+v %v", h, err)
	}
	seen, err := recipients.GetHousehold(f.ctx, f.env.App.DB, f.actor("pinggu"), h.ID)
	if err != nil || seen.Name != "燕**户" || seen.HiddenMembers != 1 || len(seen.Members) != 0 {
		t.Errorf("the evaluator's view of the orphan household: %+v %v", seen, err)
	}
	// Nor can the name be found by searching for it.
	search := func(actor *authz.Actor) int {
		_, n, err := recipients.ListHouseholds(f.ctx, f.env.App.DB, actor, recipients.HouseholdFilter{Text: "燕小宝"})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := search(f.actor("pinggu")); n != 0 {
		t.Errorf("the evaluator found the orphan household by the child's name")
	}
	if n := search(worker); n != 1 {
		t.Errorf("the worker's search for the orphan household: %d", n)
	}
}

func TestCategoriesAreCountyConfigurable(t *testing.T) {
	f := start(t)
	admin := f.actor("admin")
	county, err := demo.Unit(f.ctx, f.env.App.DB, demo.County, org.KindCounty)
	if err != nil {
		t.Fatal(err)
	}
	var added recipients.Category
	err = f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) (err error) {
		added, err = recipients.AddCategory(f.ctx, tx, admin, county.ID, "重残护理对象", "一残")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	in := f.input("扈三娘", "1958-08-08")
	in.Categories = []string{"重残护理对象"}
	f.mustCreate(f.actor("shegong"), in)
	// Disabled: no longer accepted for new records.
	if err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := recipients.SetCategoryActive(f.ctx, tx, admin, added.ID, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	in = f.input("王英", "1957-07-17")
	in.Categories = []string{"重残护理对象"}
	if _, err := f.create(f.actor("shegong"), in); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("disabled category accepted: %v", err)
	}
	// Duplicate names are refused.
	err = f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := recipients.AddCategory(f.ctx, tx, admin, county.ID, "低保对象", "")
		return err
	})
	if !apperr.Is(err, apperr.Conflict) {
		t.Errorf("duplicate category: %v", err)
	}
}

func TestChildCutoff(t *testing.T) {
	if !recipients.IsChild(time.Now().AddDate(-13, 0, 0).Format("2006-01-02")) || recipients.IsChild(time.Now().AddDate(-15, 0, 0).Format("2006-01-02")) {
		t.Error("IsChild around 14 years")
	}
	if recipients.IsChild("") {
		t.Error("an unknown birth date is not a child")
	}
}

func TestDemoLoadIsIdempotent(t *testing.T) {
	f := start(t)
	before := [3]int{f.count(`SELECT COUNT(*) FROM recipients`), f.count(`SELECT COUNT(*) FROM households`), f.count(`SELECT COUNT(*) FROM audit_log`)}
	if before[0] < 25 || before[1] < 5 {
		t.Fatalf("demo recipients %d, households %d", before[0], before[1])
	}
	if err := demo.Load(f.ctx, f.env.App); err != nil {
		t.Fatal(err)
	}
	after := [3]int{f.count(`SELECT COUNT(*) FROM recipients`), f.count(`SELECT COUNT(*) FROM households`), f.count(`SELECT COUNT(*) FROM audit_log`)}
	if after[0] != before[0] || after[1] != before[1] {
		t.Errorf("second load: %v → %v", before, after)
	}
}

// A ledger longer than a sheet continues on further sheets, each with
// the header, every person once.
func TestExportContinuesOnAFurtherSheet(t *testing.T) {
	defer func(n int) { exports.SheetRows = n }(exports.SheetRows)
	exports.SheetRows = 6
	f := start(t)
	worker := f.actor("shegong")
	var body bytes.Buffer
	var n int
	err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		n, err = recipients.Export(f.ctx, tx, f.env.App.Keys, worker, recipients.Filter{}, false, "", &body)
		return err
	})
	if err != nil || n < 11 {
		t.Fatalf("export: %d rows, %v", n, err)
	}
	wb, err := excelize.OpenReader(&body)
	if err != nil {
		t.Fatal(err)
	}
	sheets := wb.GetSheetList()
	if want := (n + 4) / 5; len(sheets) != want || sheets[0] != "服务对象" || sheets[1] != "服务对象（2）" {
		t.Fatalf("%d rows on sheets %q, want %d sheets", n, sheets, want)
	}
	seen := map[string]bool{}
	for _, s := range sheets {
		rows, _ := wb.GetRows(s)
		if rows[0][0] != "姓名" || len(rows) > 6 {
			t.Errorf("sheet %s: %d rows, header %q", s, len(rows), rows[0])
		}
		for _, r := range rows[1:] {
			seen[r[0]+r[4]] = true
		}
	}
	if len(seen) != n {
		t.Errorf("%d different people on the sheets, %d exported", len(seen), n)
	}
}
