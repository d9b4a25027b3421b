package workforce

import (
	"testing"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/ids"
)

// The same hours form sent twice is one entry; an entry is corrected or
// deleted, with a reason, by whoever logged it or the station head, and
// a deleted entry's form cannot bring it back.
func TestHoursReplayCorrectDelete(t *testing.T) {
	f := newFixture(t)
	v, err := f.svc.CreateVolunteer(f.ctx, f.admin, VolunteerInput{OrgID: f.chaoge.ID, Name: "志愿者乙", RegisteredOn: "2025-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	in := HoursInput{ID: ids.New(), ServedOn: "2026-03-01", Hours: "2", Activity: "助餐"}
	first, replayed, err := f.svc.LogHours(f.ctx, f.headChaoge, v.ID, in)
	if err != nil || replayed {
		t.Fatalf("first send: %v replayed=%v", err, replayed)
	}
	again, replayed, err := f.svc.LogHours(f.ctx, f.headChaoge, v.ID, in)
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("second send: %v replayed=%v %s", err, replayed, again.ID)
	}
	if n := f.count("wf_volunteer_hours"); n != 1 {
		t.Fatalf("two sends made %d entries", n)
	}
	other := in
	other.Hours = "3"
	if _, _, err := f.svc.LogHours(f.ctx, f.headChaoge, v.ID, other); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("same id, other content: %v", err)
	}

	// A worker of the station did not log it and is not its head.
	if _, err := f.svc.CorrectHours(f.ctx, f.staff, v.ID, first.ID, 1, HoursInput{ServedOn: "2026-03-01", Hours: "1", Activity: "助餐"}, "记错"); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("worker corrects: %v", err)
	}
	_, err = f.svc.CorrectHours(f.ctx, f.headChaoge, v.ID, first.ID, 1, HoursInput{ServedOn: "2026-03-01", Hours: "1", Activity: "助餐"}, " ")
	wantField(t, err, "reason")
	fixed, err := f.svc.CorrectHours(f.ctx, f.headChaoge, v.ID, first.ID, 1, HoursInput{ServedOn: "2026-03-01", Hours: "1.5", Activity: "助餐"}, "多记了半小时")
	if err != nil || fixed.Minutes != 90 || fixed.Version != 2 {
		t.Fatalf("correct: %v %+v", err, fixed)
	}
	if _, err := f.svc.CorrectHours(f.ctx, f.headChaoge, v.ID, first.ID, 1, HoursInput{ServedOn: "2026-03-01", Hours: "1", Activity: "助餐"}, "再改"); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale correction: %v", err)
	}
	if err := f.svc.DeleteHours(f.ctx, f.headChaoge, v.ID, first.ID, 2, ""); err == nil {
		t.Fatal("delete without a reason")
	}
	if err := f.svc.DeleteHours(f.ctx, f.headChaoge, v.ID, first.ID, 2, "重复登记"); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.GetVolunteer(f.ctx, f.admin, v.ID)
	if got.TotalMinutes != 0 {
		t.Fatalf("after delete %d minutes", got.TotalMinutes)
	}
	if _, _, err := f.svc.LogHours(f.ctx, f.headChaoge, v.ID, in); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("resend of a deleted entry: %v", err)
	}
	var audited int
	if err := f.svc.DB.QueryRow(f.ctx, `SELECT COUNT(*) FROM audit_log WHERE summary LIKE '%原因：重复登记%'`).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("delete audit %d %v", audited, err)
	}
}
