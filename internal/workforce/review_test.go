package workforce

import (
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apperr"
)

// A station head may put only their own station's people on a training
// list, and the refusal names nobody outside their scope.
func TestAttendeeFromAnotherStationRefusedWithoutNamingThem(t *testing.T) {
	f := newFixture(t)
	tr, err := f.svc.CreateTraining(f.ctx, f.headChaoge, TrainingInput{OrgID: f.chaoge.ID, Title: "站内学习", Kind: "peer", StartOn: "2026-03-01", Hours: "2"})
	if err != nil {
		t.Fatal(err)
	}
	stranger := f.worker(f.beiyang, "北阳某某", "1990-01-01", "")
	vol, err := f.svc.CreateVolunteer(f.ctx, f.admin, VolunteerInput{OrgID: f.beiyang.ID, Name: "北阳志愿者", RegisteredOn: "2025-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []AttendeeInput{{Kind: PersonWorker, PersonID: stranger.ID}, {Kind: PersonVolunteer, PersonID: vol.ID}} {
		err := f.svc.AddAttendee(f.ctx, f.headChaoge, tr.ID, in)
		wantField(t, err, "person_id")
		if ae, _ := apperr.As(err); strings.Contains(ae.Fields["person_id"], "北阳") {
			t.Fatalf("the refusal names a person out of scope: %q", ae.Fields["person_id"])
		}
	}
	if n := f.count("wf_training_attendees"); n != 0 {
		t.Fatalf("attendees written: %d", n)
	}
	// The county administrator's training takes anyone in the county.
	county, err := f.svc.CreateTraining(f.ctx, f.admin, TrainingInput{OrgID: f.county.ID, Title: "全县培训", Kind: "short", StartOn: "2026-03-01", Hours: "6"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AddAttendee(f.ctx, f.admin, county.ID, AttendeeInput{Kind: PersonWorker, PersonID: stranger.ID}); err != nil {
		t.Fatal(err)
	}
}

// Nominating a worker out of the actor's scope does not reveal the name.
func TestNomineeOutOfScopeNotNamed(t *testing.T) {
	f := newFixture(t)
	p, err := f.svc.CreateProgramme(f.ctx, f.admin, ProgrammeInput{OrgID: f.county.ID, Name: "社工之星", Kind: "honour"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.AddRound(f.ctx, f.admin, p.ID, RoundInput{Name: "2026 年", Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	outsider, err := f.svc.CreateWorker(f.ctx, nil, WorkerInput{OrgID: f.xunxian.ID, Name: "外县社工", IDNumber: f.id("1991-01-01", true)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Nominate(f.ctx, f.admin, r.ID, NomineeInput{WorkerID: outsider.ID})
	wantField(t, err, "worker_id")
	if ae, _ := apperr.As(err); strings.Contains(ae.Fields["worker_id"], "外县社工") {
		t.Fatalf("the refusal names a person out of scope: %q", ae.Fields["worker_id"])
	}
	if n := f.count("wf_nominees"); n != 0 {
		t.Fatalf("nominees written: %d", n)
	}
}
