package workforce

import (
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// A station head may put only their own station's people on a training
// list, and the refusal names nobody outside their scope.
func TestAttendeeFromAnotherStationRefusedWithoutNamingThem(t *testing.T) {
	f := newFixture(t)
	tr, err := write(f, func(tx *db.Tx) (Training, error) {
		return CreateTraining(f.ctx, tx, f.headChaoge, TrainingInput{OrgID: f.chaoge.ID, Title: "站内学习", Kind: "peer", StartOn: "2026-03-01", Hours: "2"})
	})
	if err != nil {
		t.Fatal(err)
	}
	stranger := f.worker(f.beiyang, "北阳某某", "1990-01-01", "")
	vol, err := write(f, func(tx *db.Tx) (Volunteer, error) {
		return CreateVolunteer(f.ctx, tx, f.keys, f.admin, VolunteerInput{OrgID: f.beiyang.ID, Name: "北阳志愿者", RegisteredOn: "2025-01-01"})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []AttendeeInput{{Kind: PersonWorker, PersonID: stranger.ID}, {Kind: PersonVolunteer, PersonID: vol.ID}} {
		err := f.write(func(tx *db.Tx) error { return AddAttendee(f.ctx, tx, f.headChaoge, tr.ID, in) })
		wantField(t, err, "person_id")
		if ae, _ := apperr.As(err); strings.Contains(ae.Fields["person_id"], "北阳") {
			t.Fatalf("the refusal names a person out of scope: %q", ae.Fields["person_id"])
		}
	}
	if n := f.count("wf_training_attendees"); n != 0 {
		t.Fatalf("attendees written: %d", n)
	}
	// The county administrator's training takes anyone in the county.
	county, err := write(f, func(tx *db.Tx) (Training, error) {
		return CreateTraining(f.ctx, tx, f.admin, TrainingInput{OrgID: f.county.ID, Title: "全县培训", Kind: "short", StartOn: "2026-03-01", Hours: "6"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.write(func(tx *db.Tx) error {
		return AddAttendee(f.ctx, tx, f.admin, county.ID, AttendeeInput{Kind: PersonWorker, PersonID: stranger.ID})
	}); err != nil {
		t.Fatal(err)
	}
}

// Nominating a worker out of the actor's scope does not reveal the name.
func TestNomineeOutOfScopeNotNamed(t *testing.T) {
	f := newFixture(t)
	p, err := write(f, func(tx *db.Tx) (Programme, error) {
		return CreateProgramme(f.ctx, tx, f.admin, ProgrammeInput{OrgID: f.county.ID, Name: "社工之星", Kind: "honour"})
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := write(f, func(tx *db.Tx) (Round, error) {
		return AddRound(f.ctx, tx, f.admin, p.ID, RoundInput{Name: "2026 年", Year: 2026})
	})
	if err != nil {
		t.Fatal(err)
	}
	outsider, err := write(f, func(tx *db.Tx) (Worker, error) {
		return CreateWorker(f.ctx, tx, f.keys, authz.System(), WorkerInput{OrgID: f.xunxian.ID, Name: "外县社工", IDNumber: f.id("1991-01-01", true)})
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = write(f, func(tx *db.Tx) (Nominee, error) {
		return Nominate(f.ctx, tx, f.admin, r.ID, NomineeInput{WorkerID: outsider.ID})
	})
	wantField(t, err, "worker_id")
	if ae, _ := apperr.As(err); strings.Contains(ae.Fields["worker_id"], "外县社工") {
		t.Fatalf("the refusal names a person out of scope: %q", ae.Fields["worker_id"])
	}
	if n := f.count("wf_nominees"); n != 0 {
		t.Fatalf("nominees written: %d", n)
	}
}
