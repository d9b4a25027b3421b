package workforce

import (
	"testing"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/ids"
)

// The same hours form sent twice is one entry; an entry is corrected or
// deleted, with a reason, by whoever logged it or the station head, and
// a deleted entry's form cannot bring it back.
func TestHoursReplayCorrectDelete(t *testing.T) {
	f := newFixture(t)
	logHours := func(actor *authz.Actor, volunteerID string, in HoursInput) (l ServiceLog, replayed bool, err error) {
		err = f.d.InTx(f.ctx, func(tx *db.Tx) error {
			var err error
			l, replayed, err = LogHours(f.ctx, tx, actor, volunteerID, in)
			return err
		})
		return l, replayed, err
	}
	correct := func(actor *authz.Actor, volunteerID, id string, version int, in HoursInput, reason string) (ServiceLog, error) {
		return write(f, func(tx *db.Tx) (ServiceLog, error) {
			return CorrectHours(f.ctx, tx, actor, volunteerID, id, version, in, reason)
		})
	}
	remove := func(actor *authz.Actor, volunteerID, id string, version int, reason string) error {
		return f.d.InTx(f.ctx, func(tx *db.Tx) error { return DeleteHours(f.ctx, tx, actor, volunteerID, id, version, reason) })
	}
	v, err := write(f, func(tx *db.Tx) (Volunteer, error) {
		return CreateVolunteer(f.ctx, tx, f.keys, f.admin, VolunteerInput{OrgID: f.chaoge.ID, Name: "志愿者乙", RegisteredOn: "2025-01-01"})
	})
	if err != nil {
		t.Fatal(err)
	}
	in := HoursInput{ID: ids.New(), ServedOn: "2026-03-01", Hours: "2", Activity: "助餐"}
	first, replayed, err := logHours(f.headChaoge, v.ID, in)
	if err != nil || replayed {
		t.Fatalf("first send: %v replayed=%v", err, replayed)
	}
	again, replayed, err := logHours(f.headChaoge, v.ID, in)
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("second send: %v replayed=%v %s", err, replayed, again.ID)
	}
	if n := f.count("wf_volunteer_hours"); n != 1 {
		t.Fatalf("two sends made %d entries", n)
	}
	other := in
	other.Hours = "3"
	if _, _, err := logHours(f.headChaoge, v.ID, other); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("same id, other content: %v", err)
	}

	// A worker of the station did not log it and is not its head.
	if _, err := correct(f.staff, v.ID, first.ID, 1, HoursInput{ServedOn: "2026-03-01", Hours: "1", Activity: "助餐"}, "记错"); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("worker corrects: %v", err)
	}
	_, err = correct(f.headChaoge, v.ID, first.ID, 1, HoursInput{ServedOn: "2026-03-01", Hours: "1", Activity: "助餐"}, " ")
	wantField(t, err, "reason")
	fixed, err := correct(f.headChaoge, v.ID, first.ID, 1, HoursInput{ServedOn: "2026-03-01", Hours: "1.5", Activity: "助餐"}, "多记了半小时")
	if err != nil || fixed.Minutes != 90 || fixed.Version != 2 {
		t.Fatalf("correct: %v %+v", err, fixed)
	}
	if _, err := correct(f.headChaoge, v.ID, first.ID, 1, HoursInput{ServedOn: "2026-03-01", Hours: "1", Activity: "助餐"}, "再改"); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale correction: %v", err)
	}
	if err := remove(f.headChaoge, v.ID, first.ID, 2, ""); err == nil {
		t.Fatal("delete without a reason")
	}
	if err := remove(f.headChaoge, v.ID, first.ID, 2, "重复登记"); err != nil {
		t.Fatal(err)
	}
	got, _ := GetVolunteer(f.ctx, f.d, f.keys, f.admin, v.ID)
	if got.TotalMinutes != 0 {
		t.Fatalf("after delete %d minutes", got.TotalMinutes)
	}
	if _, _, err := logHours(f.headChaoge, v.ID, in); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("resend of a deleted entry: %v", err)
	}
	var audited int
	if err := f.d.QueryRow(f.ctx, `SELECT COUNT(*) FROM audit_log WHERE summary LIKE '%原因：重复登记%'`).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("delete audit %d %v", audited, err)
	}
}
