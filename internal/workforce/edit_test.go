package workforce

import (
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// auditOf returns the audit entries about an entity, newest first.
func (f *fixture) auditOf(entityID, action string) []audit.Entry {
	f.t.Helper()
	root := &authz.Actor{UserID: "root", Role: authz.RoleAdmin, OrgPath: "/"}
	es, _, err := audit.List(f.ctx, f.d, root, audit.Filter{EntityID: entityID, Action: action, Limit: 200})
	if err != nil {
		f.t.Fatal(err)
	}
	return es
}

func change(e audit.Entry, field string) (audit.Change, bool) {
	for _, c := range e.Changes {
		if c.Field == field {
			return c, true
		}
	}
	return audit.Change{}, false
}

func TestTrainingEditDeleteAndAttendeeRemoval(t *testing.T) {
	f := newFixture(t)
	tr, err := write(f, func(tx *db.Tx) (Training, error) {
		return CreateTraining(f.ctx, tx, f.headChaoge, TrainingInput{OrgID: f.chaoge.ID, Title: "站内共学", Kind: "peer", StartOn: "2026-03-01", Hours: "2"})
	})
	if err != nil {
		t.Fatal(err)
	}
	w := f.worker(f.chaoge, "参训甲", "1990-01-01", "")
	if err := f.write(func(tx *db.Tx) error {
		return AddAttendee(f.ctx, tx, f.headChaoge, tr.ID, AttendeeInput{Kind: PersonWorker, PersonID: w.ID})
	}); err != nil {
		t.Fatal(err)
	}

	// Edit: the same rules as creating, then the change is saved and logged.
	in := TrainingInput{OrgID: f.chaoge.ID, Title: "站内共学（修订）", Kind: "peer", StartOn: "2026-03-01", Hours: "30"}
	_, err = write(f, func(tx *db.Tx) (Training, error) {
		return UpdateTraining(f.ctx, tx, f.headChaoge, tr.ID, tr.Version, in)
	})
	wantField(t, err, "hours")
	in.Hours = "3"
	in.OrgID = f.beiyang.ID
	_, err = write(f, func(tx *db.Tx) (Training, error) {
		return UpdateTraining(f.ctx, tx, f.headChaoge, tr.ID, tr.Version, in)
	})
	wantField(t, err, "org_id") // another station: out of the head's scope
	in.OrgID = f.chaoge.ID
	got, err := write(f, func(tx *db.Tx) (Training, error) {
		return UpdateTraining(f.ctx, tx, f.headChaoge, tr.ID, tr.Version, in)
	})
	if err != nil || got.Title != "站内共学（修订）" || got.Hours != "3" || got.Version != tr.Version+1 {
		t.Fatalf("update: %+v %v", got, err)
	}
	hours, _ := TrainingHoursByYear(f.ctx, f.d, f.admin, PersonWorker, w.ID)
	if len(hours) != 1 || hours[0].Hours != "3" {
		t.Fatalf("hours after edit: %+v", hours)
	}
	if _, err := write(f, func(tx *db.Tx) (Training, error) {
		return UpdateTraining(f.ctx, tx, f.headChaoge, tr.ID, tr.Version, in)
	}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale update: %v", err)
	}
	ups := f.auditOf(tr.ID, audit.ActionUpdate)
	var edit audit.Entry
	for _, e := range ups {
		if strings.HasPrefix(e.Summary, "修改培训") {
			edit = e
		}
	}
	if c, ok := change(edit, "hours"); !ok || c.Before != "2" || c.After != "3" {
		t.Fatalf("update audit: %+v", edit)
	}
	if _, ok := change(edit, "kind"); ok {
		t.Fatalf("unchanged field logged: %+v", edit.Changes)
	}

	// Another station's head may not touch it.
	other := &authz.Actor{UserID: "u-by", Role: authz.RoleStationHead, OrgID: f.beiyang.ID, OrgPath: f.beiyang.Path}
	if _, err := write(f, func(tx *db.Tx) (Training, error) { return UpdateTraining(f.ctx, tx, other, tr.ID, got.Version, in) }); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("other head edits: %v", err)
	}
	if err := f.write(func(tx *db.Tx) error { return DeleteTraining(f.ctx, tx, other, tr.ID, got.Version) }); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("other head deletes: %v", err)
	}
	if err := f.write(func(tx *db.Tx) error {
		return RemoveAttendee(f.ctx, tx, other, tr.ID, AttendeeInput{Kind: PersonWorker, PersonID: w.ID})
	}); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("other head removes an attendee: %v", err)
	}

	// Moving a session with attendees to another county is refused.
	system := authz.System()
	in.OrgID = f.xunxian.ID
	_, err = write(f, func(tx *db.Tx) (Training, error) { return UpdateTraining(f.ctx, tx, system, tr.ID, got.Version, in) })
	wantField(t, err, "org_id")

	// Removing an attendee is logged with the name.
	if err := f.write(func(tx *db.Tx) error {
		return RemoveAttendee(f.ctx, tx, f.headChaoge, tr.ID, AttendeeInput{Kind: PersonWorker, PersonID: w.ID})
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.write(func(tx *db.Tx) error {
		return RemoveAttendee(f.ctx, tx, f.headChaoge, tr.ID, AttendeeInput{Kind: PersonWorker, PersonID: w.ID})
	}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("second removal: %v", err)
	}
	rm := f.auditOf(tr.ID, audit.ActionUpdate)[0]
	if c, ok := change(rm, "attendee"); !ok || c.Before != "参训甲（社工）" || c.After != "" {
		t.Fatalf("removal audit: %+v", rm)
	}

	// Delete: stale version refused and nothing removed; then the session
	// and its attendee rows go together.
	if err := f.write(func(tx *db.Tx) error {
		return AddAttendee(f.ctx, tx, f.headChaoge, tr.ID, AttendeeInput{Kind: PersonWorker, PersonID: w.ID})
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.write(func(tx *db.Tx) error { return DeleteTraining(f.ctx, tx, f.headChaoge, tr.ID, tr.Version) }); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale delete: %v", err)
	}
	if f.count("wf_training_attendees") != 1 || f.count("wf_trainings") != 1 {
		t.Fatal("a refused delete removed rows")
	}
	if err := f.write(func(tx *db.Tx) error { return DeleteTraining(f.ctx, tx, f.headChaoge, tr.ID, got.Version) }); err != nil {
		t.Fatal(err)
	}
	if f.count("wf_training_attendees") != 0 || f.count("wf_trainings") != 0 {
		t.Fatal("delete left rows")
	}
	del := f.auditOf(tr.ID, audit.ActionDelete)
	if len(del) != 1 {
		t.Fatalf("delete audit: %+v", del)
	}
	if c, ok := change(del[0], "attendees"); !ok || c.Before != "参训甲（社工）" {
		t.Fatalf("delete audit changes: %+v", del[0].Changes)
	}
	if _, err := GetTraining(f.ctx, f.d, f.admin, tr.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted training: %v", err)
	}
}

func TestProgrammeEditAndDeleteRefusedWhenPaid(t *testing.T) {
	f := newFixture(t)
	w := f.worker(f.chaoge, "之星", "1988-03-03", "2020-01-01")
	p, err := write(f, func(tx *db.Tx) (Programme, error) {
		return CreateProgramme(f.ctx, tx, f.admin, ProgrammeInput{OrgID: f.county.ID, Name: "社工之星", Kind: "honour"})
	})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := write(f, func(tx *db.Tx) (Round, error) {
		return AddRound(f.ctx, tx, f.admin, p.ID, RoundInput{Name: "2024年度", Year: 2024})
	})
	n, err := write(f, func(tx *db.Tx) (Nominee, error) {
		return Nominate(f.ctx, tx, f.admin, r.ID, NomineeInput{WorkerID: w.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.write(func(tx *db.Tx) error { return SetNomineeStatus(f.ctx, tx, f.admin, n.ID, n.Version, "selected") }); err != nil {
		t.Fatal(err)
	}
	sc, err := write(f, func(tx *db.Tx) (Schedule, error) {
		return CreateAllowance(f.ctx, tx, f.admin, n.ID, AllowanceInput{Annual: "3000", Years: 2, StartMonth: "2024-07", Frequency: "year"})
	})
	if err != nil {
		t.Fatal(err)
	}

	// Edit: version-checked, audited; a unit that leaves nominees out is refused.
	_, err = write(f, func(tx *db.Tx) (Programme, error) {
		return UpdateProgramme(f.ctx, tx, f.admin, p.ID, p.Version, ProgrammeInput{OrgID: f.beiyang.ID, Name: "社工之星", Kind: "honour"})
	})
	wantField(t, err, "org_id")
	got, err := write(f, func(tx *db.Tx) (Programme, error) {
		return UpdateProgramme(f.ctx, tx, f.admin, p.ID, p.Version, ProgrammeInput{OrgID: f.county.ID, Name: "淇县社工之星", Kind: "人才计划", Description: "说明"})
	})
	if err != nil || got.Name != "淇县社工之星" || got.Kind != "talent" || got.Version != p.Version+1 {
		t.Fatalf("update: %+v %v", got, err)
	}
	if _, err := write(f, func(tx *db.Tx) (Programme, error) {
		return UpdateProgramme(f.ctx, tx, f.admin, p.ID, p.Version, ProgrammeInput{OrgID: f.county.ID, Name: "x", Kind: "honour"})
	}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale update: %v", err)
	}
	up := f.auditOf(p.ID, audit.ActionUpdate)
	if c, ok := change(up[0], "name"); !ok || c.Before != "社工之星" || c.After != "淇县社工之星" {
		t.Fatalf("update audit: %+v", up[0])
	}
	if _, err := write(f, func(tx *db.Tx) (Programme, error) {
		return UpdateProgramme(f.ctx, tx, f.headChaoge, p.ID, got.Version, ProgrammeInput{OrgID: f.chaoge.ID, Name: "x", Kind: "honour"})
	}); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("station head edits the county's programme: %v", err)
	}

	// The worker's honours list the round.
	hs, err := WorkerHonours(f.ctx, f.d, f.headChaoge, w.ID)
	if err != nil || len(hs) != 1 || hs[0].RoundName != "2024年度" || hs[0].Visible || hs[0].Allowance == nil || hs[0].Allowance.TotalFen != 600000 {
		t.Fatalf("honours: %+v %v", hs, err)
	}

	// A paid line blocks the delete, with the reason in Chinese.
	l := sc.Lines[0]
	if _, err := write(f, func(tx *db.Tx) (Line, error) {
		return ConfirmPayment(f.ctx, tx, f.admin, l.ID, l.Version, true, "2024-07-15")
	}); err != nil {
		t.Fatal(err)
	}
	err = f.write(func(tx *db.Tx) error { return DeleteProgramme(f.ctx, tx, f.admin, p.ID, got.Version) })
	if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.Conflict || !strings.Contains(ae.Message, "已有 1 笔津贴确认发放") {
		t.Fatalf("delete with a paid line: %v", err)
	}
	if f.count("wf_programmes") != 1 || f.count("wf_allowance_lines") != 3 {
		t.Fatal("a refused delete removed rows")
	}
	// Taking the payment back lets it go, with everything under it.
	if _, err := write(f, func(tx *db.Tx) (Line, error) { return ConfirmPayment(f.ctx, tx, f.admin, l.ID, l.Version+1, false, "") }); err != nil {
		t.Fatal(err)
	}
	if err := f.write(func(tx *db.Tx) error { return DeleteProgramme(f.ctx, tx, f.admin, p.ID, p.Version) }); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale delete: %v", err)
	}
	if err := f.write(func(tx *db.Tx) error { return DeleteProgramme(f.ctx, tx, f.admin, p.ID, got.Version) }); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"wf_programmes", "wf_rounds", "wf_nominees", "wf_allowance_schedules", "wf_allowance_lines"} {
		if n := f.count(table); n != 0 {
			t.Fatalf("%s: %d rows left", table, n)
		}
	}
	del := f.auditOf(p.ID, audit.ActionDelete)
	if len(del) != 1 {
		t.Fatalf("delete audit: %+v", del)
	}
	if c, ok := change(del[0], "name"); !ok || c.Before != "淇县社工之星" {
		t.Fatalf("delete audit changes: %+v", del[0].Changes)
	}
	if hs, _ := WorkerHonours(f.ctx, f.d, f.admin, w.ID); len(hs) != 0 {
		t.Fatalf("honours after delete: %+v", hs)
	}
}
