package workforce

import (
	"testing"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// TestVolunteerAccountLink: a volunteer in the registry is linked to one
// login account of role volunteer in scope, by a manager; an account
// belongs to one volunteer at most.
func TestVolunteerAccountLink(t *testing.T) {
	f := newFixture(t)
	mk := func(id, role string, org string) {
		if _, err := f.d.Exec(f.ctx, `INSERT INTO users (id, username, display_name, role, org_id, password_hash, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'x', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`, id, id, "账号"+id, role, org); err != nil {
			t.Fatal(err)
		}
	}
	mk("vol1", string(authz.RoleVolunteer), f.chaoge.ID)
	mk("vol2", string(authz.RoleVolunteer), f.xunxian.ID)
	mk("wrk1", string(authz.RoleWorker), f.chaoge.ID)
	newVol := func(name string) Volunteer {
		v, err := write(f, func(tx *db.Tx) (Volunteer, error) {
			return CreateVolunteer(f.ctx, tx, f.keys, f.admin, VolunteerInput{OrgID: f.chaoge.ID, Name: name, RegisteredOn: "2026-01-01"})
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	a, b := newVol("甲志愿者"), newVol("乙志愿者")
	link := func(actor *authz.Actor, v Volunteer, user string) (Volunteer, error) {
		return write(f, func(tx *db.Tx) (Volunteer, error) { return LinkVolunteerAccount(f.ctx, tx, actor, v.ID, user) })
	}
	if _, err := link(f.staff, a, "vol1"); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a worker links: %v", err)
	}
	if _, err := link(f.admin, a, "wrk1"); err == nil {
		t.Error("a worker's account linked as a volunteer")
	} else {
		wantField(t, err, "user_id")
	}
	if _, err := link(f.admin, a, "vol2"); err == nil {
		t.Error("an account of another county linked")
	}
	got, err := link(f.headChaoge, a, "vol1")
	if err != nil || got.UserID != "vol1" {
		t.Fatalf("link: %+v %v", got, err)
	}
	if _, err := link(f.admin, b, "vol1"); err == nil {
		t.Error("one account linked to two volunteers")
	}
	if got, err := link(f.admin, a, ""); err != nil || got.UserID != "" {
		t.Errorf("unlink: %+v %v", got, err)
	}
	if got, err := link(f.admin, b, "vol1"); err != nil || got.UserID != "vol1" {
		t.Errorf("relink to another volunteer: %+v %v", got, err)
	}
}
