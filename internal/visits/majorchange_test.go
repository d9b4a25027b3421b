package visits

import (
	"bytes"
	"os"
	"testing"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/recipients"
)

func (f *fixture) report(p recipients.Recipient, in MajorChangeInput) (MajorChange, error) {
	var m MajorChange
	err := f.db.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		m, err = ReportMajorChange(f.ctx, tx, f.keys, f.workerA, p.ID, in)
		return err
	})
	return m, err
}

// A major change brings the next visit forward to within 24 hours, until
// a visit made after the report answers it.
func TestMajorChangeWantsAVisitWithin24Hours(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	p := f.person("钱老太", "1937-09-09", f.stA)
	if _, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-03-02 09:00", Method: MethodHome, Assessment: assessed(2, 2, 2, 2), RiskTier: TierGeneral}); err != nil {
		t.Fatal(err)
	}
	if _, _, due := f.plan(p.ID); due != "2026-06-02" {
		t.Fatalf("quarterly: %s", due)
	}
	m, err := f.report(p, MajorChangeInput{ID: ids.New(), Kind: ChangeHospital, Note: "脑梗住院，县医院神经内科"})
	if err != nil {
		t.Fatal(err)
	}
	if m.DueOn != "2026-03-11" || m.VisitID != "" || m.KindLabel != "住院或病情加重" {
		t.Fatalf("report: %+v", m)
	}
	if _, _, due := f.plan(p.ID); due != "2026-03-11" {
		t.Fatalf("due after the report: %s", due)
	}
	plan, err := PlanOf(f.ctx, f.db, f.keys, f.head, p.ID)
	if err != nil || len(plan.MajorChanges) != 1 || plan.MajorChanges[0].Note != "脑梗住院，县医院神经内科" || plan.Overdue {
		t.Fatalf("plan: %+v %v", plan, err)
	}
	// The note may name an illness: sealed at rest, and only flagged in the audit log.
	var sealed string
	if err := f.db.QueryRow(f.ctx, `SELECT note_enc FROM visit_major_changes WHERE id = ?`, m.ID).Scan(&sealed); err != nil || sealed == m.Note {
		t.Fatalf("note at rest: %q %v", sealed, err)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE entity = 'visit_major_change' AND entity_id = ? AND changes NOT LIKE '%脑梗%'`, m.ID); n != 1 {
		t.Fatalf("audit entries for the report without the note: %d", n)
	}
	// Replaying the same report (an offline phone) changes nothing; the
	// same id with other content is a conflict.
	again, err := f.report(p, MajorChangeInput{ID: m.ID, Kind: ChangeHospital, Note: "脑梗住院，县医院神经内科"})
	if err != nil || again.ID != m.ID || f.count(`SELECT COUNT(*) FROM visit_major_changes`) != 1 {
		t.Fatalf("replay: %+v %v", again, err)
	}
	if _, err := f.report(p, MajorChangeInput{ID: m.ID, Kind: ChangeAccident}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("same id, other content: %v", err)
	}

	// A visit from before the report (entered late) does not answer it.
	if _, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-03-10 08:00", Method: MethodPhone}); err != nil {
		t.Fatal(err)
	}
	if _, _, due := f.plan(p.ID); due != "2026-03-11" {
		t.Fatalf("an earlier visit answered the report: %s", due)
	}
	// Unanswered after its day: overdue for the station.
	fixedNow(t, "2026-03-12 09:00")
	items, _, err := DueList(f.ctx, f.db, f.head, DueFilter{Window: WindowOverdue})
	if err != nil || len(items) != 1 || items[0].Name != "钱老太" || items[0].MajorChange != "住院或病情加重" {
		t.Fatalf("overdue after the 24 hours, with the reason: %+v %v", items, err)
	}
	// The visit after the report answers it; the rule applies again.
	v, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-03-12 08:30", Method: MethodHome, Assessment: assessed(4, 4, 3, 3), RiskTier: TierHigh})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, due := f.plan(p.ID); due != "2026-03-19" {
		t.Fatalf("weekly after the answering visit: %s", due)
	}
	var answeredBy string
	if err := f.db.QueryRow(f.ctx, `SELECT visit_id FROM visit_major_changes WHERE id = ?`, m.ID).Scan(&answeredBy); err != nil || answeredBy != v.ID {
		t.Fatalf("answered by %q, want %s (%v)", answeredBy, v.ID, err)
	}
	if plan, _ := PlanOf(f.ctx, f.db, f.keys, f.head, p.ID); len(plan.MajorChanges) != 0 {
		t.Fatalf("still open: %+v", plan.MajorChanges)
	}
	// Reported late in the evening: due by the end of the next day.
	fixedNow(t, "2026-03-12 23:30")
	late, err := f.report(p, MajorChangeInput{Kind: ChangeBereavement})
	if err != nil || late.DueOn != "2026-03-13" {
		t.Fatalf("late report: %+v %v", late, err)
	}
	if _, _, due := f.plan(p.ID); due != "2026-03-13" {
		t.Fatalf("due after the late report: %s", due)
	}
	// The database file holds no plaintext note.
	if f.db.Dialect() == db.SQLite {
		raw, _ := os.ReadFile(f.db.Path)
		wal, _ := os.ReadFile(f.db.Path + "-wal")
		if bytes.Contains(append(raw, wal...), []byte("脑梗住院")) {
			t.Fatal("the note is in the database file in plaintext")
		}
	}
}

func TestBadMajorChangeReports(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	p := f.person("孙大爷", "1939-03-03", f.stA)
	gone := f.person("李奶奶", "1931-03-03", f.stA)
	in := recipients.InputOf(gone)
	in.Status, in.StatusReason, in.StatusDate, in.ConfirmDuplicate = recipients.StatusDeceased, "病故", "2026-03-01", true
	if err := f.db.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := recipients.Update(f.ctx, tx, f.keys, f.admin, gone.ID, gone.Version, in)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// A report made before the death replays as saved.
	early := MajorChangeInput{ID: ids.New(), Kind: ChangeHospital}
	if _, err := f.report(gone, early); err == nil {
		t.Fatal("a report on a deceased person was accepted")
	}
	suspended := f.person("冯大爷", "1938-08-08", f.stA)
	saved, err := f.report(suspended, early)
	if err != nil {
		t.Fatal(err)
	}
	sin := recipients.InputOf(suspended)
	sin.Status, sin.StatusReason, sin.StatusDate, sin.ConfirmDuplicate = recipients.StatusSuspended, "外出务工期间暂停", "2026-03-09", true
	if err := f.db.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := recipients.Update(f.ctx, tx, f.keys, f.admin, suspended.ID, suspended.Version, sin)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if again, err := f.report(suspended, early); err != nil || again.ID != saved.ID {
		t.Fatalf("replay after the status changed: %+v %v", again, err)
	}
	suspended.Status = recipients.StatusSuspended
	cases := []struct {
		name  string
		who   recipients.Recipient
		in    MajorChangeInput
		field string
	}{
		{"suspended", suspended, MajorChangeInput{Kind: ChangeHospital}, "recipient_id"},
		{"no kind", p, MajorChangeInput{Note: "摔倒"}, "kind"},
		{"unknown kind", p, MajorChangeInput{Kind: "fire"}, "kind"},
		{"other without a note", p, MajorChangeInput{Kind: ChangeOther}, "note"},
		{"bad id", p, MajorChangeInput{ID: "abc", Kind: ChangeHospital}, "id"},
		{"deceased", gone, MajorChangeInput{Kind: ChangeHospital}, "recipient_id"},
	}
	for _, c := range cases {
		_, err := f.report(c.who, c.in)
		if ae, ok := apperr.As(err); !ok || ae.Fields[c.field] == "" {
			t.Errorf("%s: want a message on %s, got %v", c.name, c.field, err)
		}
	}
	// Roles that do not record visits cannot report; nor can a worker of
	// another station.
	for _, actor := range []*struct {
		name string
		err  error
	}{{"leader", func() error {
		_, err := ReportMajorChange(f.ctx, f.db, f.keys, f.leader, p.ID, MajorChangeInput{Kind: ChangeHospital})
		return err
	}()}, {"worker B", func() error {
		_, err := ReportMajorChange(f.ctx, f.db, f.keys, f.workerB, p.ID, MajorChangeInput{Kind: ChangeHospital})
		return err
	}()}} {
		if actor.err == nil {
			t.Errorf("%s reported a major change", actor.name)
		}
	}
	if n := f.count(`SELECT COUNT(*) FROM visit_major_changes`); n != 1 {
		t.Errorf("%d reports written, want only the one before the suspension", n)
	}
}

// Reported on a Sunday, due on Monday: it is on Sunday's "this week" list.
func TestMajorChangeOnASundayIsOnThatWeeksList(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-15 20:00") // a Sunday
	p := f.person("吴奶奶", "1936-06-06", f.stA)
	if _, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-03-10 09:00", Method: MethodHome, Assessment: assessed(2, 2, 2, 2), RiskTier: TierGeneral}); err != nil {
		t.Fatal(err)
	}
	m, err := f.report(p, MajorChangeInput{Kind: ChangeAccident, Note: "家中失火"})
	if err != nil || m.DueOn != "2026-03-16" {
		t.Fatalf("report: %+v %v", m, err)
	}
	items, _, err := DueList(f.ctx, f.db, f.workerA, DueFilter{Window: WindowOpen, WorkerID: f.workerA.UserID})
	if err != nil || len(items) != 1 || items[0].Name != "吴奶奶" || items[0].MajorChange != "意外事故或灾害" {
		t.Fatalf("Sunday's list: %+v %v", items, err)
	}
}

// A visit corrected to a time before the report no longer answers it.
func TestCorrectedVisitTimeReopensAMajorChange(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	p := f.person("郑爷爷", "1935-05-05", f.stA)
	m, err := f.report(p, MajorChangeInput{Kind: ChangeCarer, Note: "老伴住院，无人照料"})
	if err != nil {
		t.Fatal(err)
	}
	fixedNow(t, "2026-03-10 12:00")
	v, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-03-10 11:00", Method: MethodHome})
	if err != nil {
		t.Fatal(err)
	}
	if plan, _ := PlanOf(f.ctx, f.db, f.keys, f.head, p.ID); len(plan.MajorChanges) != 0 {
		t.Fatalf("the 11:00 visit did not answer the 10:00 report: %+v", plan.MajorChanges)
	}
	err = f.db.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := Update(f.ctx, tx, f.keys, f.workerA, v.ID, v.Version, Input{VisitedAt: "2026-03-10 09:00", Method: MethodHome, Reason: "时间记错"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := PlanOf(f.ctx, f.db, f.keys, f.head, p.ID)
	if err != nil || len(plan.MajorChanges) != 1 || plan.MajorChanges[0].ID != m.ID || plan.NextVisitDue != m.DueOn {
		t.Fatalf("after moving the visit before the report: %+v %v", plan, err)
	}
}
