package org_test

import (
	"context"
	"testing"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
)

type fixture struct {
	t   *testing.T
	ctx context.Context
	d   *db.DB
}

func (f *fixture) unit(code string) org.Unit {
	f.t.Helper()
	var id string
	if err := f.d.QueryRow(f.ctx, `SELECT id FROM org_units WHERE division_code = ?`, code).Scan(&id); err != nil {
		f.t.Fatalf("unit %s: %v", code, err)
	}
	u, err := org.Get(f.ctx, f.d, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) update(actor *authz.Actor, u org.Unit, name, code string, active bool) (org.Unit, error) {
	var out org.Unit
	err := f.d.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		out, err = org.Update(f.ctx, tx, actor, u.ID, u.Version, name, code, active)
		return err
	})
	return out, err
}

func (f *fixture) create(actor *authz.Actor, in org.Input) (org.Unit, error) {
	var out org.Unit
	err := f.d.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		out, err = org.Create(f.ctx, tx, actor, in)
		return err
	})
	return out, err
}

func fieldErr(t *testing.T, err error, field string) {
	t.Helper()
	if e, ok := apperr.As(err); !ok || e.Fields[field] == "" {
		t.Fatalf("want a field error on %s, got %v", field, err)
	}
}

// The generic organisation edit follows the station and room rules: a
// station head renames their station but neither deactivates it nor
// moves it to another township by its code; only the county's
// administrator deactivates, and codes are checked against the code list
// and the parent's area.
func TestOrgEditRulesPerRole(t *testing.T) {
	a := apptest.OpenApp(t)
	f := &fixture{t: t, ctx: context.Background(), d: a.DB}
	county, chaoge, lingshan := f.unit("410622"), f.unit("410622001"), f.unit("410622004")
	admin := &authz.Actor{UserID: "a", Role: authz.RoleAdmin, OrgPath: county.Path}
	head := &authz.Actor{UserID: "h", Role: authz.RoleStationHead, OrgPath: chaoge.Path}

	// Other roles edit no node, not even a name in their scope.
	for _, r := range []authz.Role{authz.RoleWorker, authz.RoleSupervisor, authz.RoleVolunteer, authz.RoleEvaluator, authz.RoleLeader} {
		if _, err := f.update(&authz.Actor{UserID: "x", Role: r, OrgPath: chaoge.Path}, chaoge, "改名", chaoge.DivisionCode, true); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("%s renamed a station: %v", r, err)
		}
	}
	if _, err := f.update(nil, chaoge, "改名", chaoge.DivisionCode, true); err == nil {
		t.Fatal("a nil actor edited a station")
	}

	// Station head, own station.
	if _, err := f.update(head, chaoge, chaoge.Name, chaoge.DivisionCode, false); err == nil {
		t.Fatal("a station head deactivated their own station")
	} else {
		fieldErr(t, err, "active")
	}
	if _, err := f.update(head, chaoge, chaoge.Name, "410622004", true); err == nil {
		t.Fatal("a station head moved their station to another township")
	} else {
		fieldErr(t, err, "division_code")
	}
	if _, err := f.update(head, chaoge, chaoge.Name, "", true); err == nil {
		t.Fatal("a station head cleared their station's code")
	}
	renamed, err := f.update(head, chaoge, "朝歌街道社会工作服务站", chaoge.DivisionCode, true)
	if err != nil {
		t.Fatalf("a station head renames their station: %v", err)
	}
	// Nor another station (scope).
	if _, err := f.update(head, lingshan, lingshan.Name, lingshan.DivisionCode, false); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("a station head edited another station: %v", err)
	}

	// County administrator.
	if _, err := f.update(admin, renamed, renamed.Name, "410622004", true); err == nil {
		t.Fatal("an administrator changed a station's township code")
	} else {
		fieldErr(t, err, "division_code")
	}
	off, err := f.update(admin, renamed, renamed.Name, renamed.DivisionCode, false)
	if err != nil || off.Active {
		t.Fatalf("the administrator deactivates a station: %v", err)
	}
	if _, err := f.update(admin, off, off.Name, off.DivisionCode, true); err != nil {
		t.Fatalf("the administrator reactivates a station: %v", err)
	}
	// Not the node of their own scope.
	if _, err := f.update(admin, county, county.Name, county.DivisionCode, false); err == nil {
		t.Fatal("an administrator deactivated their own county")
	} else {
		fieldErr(t, err, "active")
	}
	if _, err := f.update(admin, county, county.Name, "410621", true); err == nil {
		t.Fatal("an administrator changed their own county's code")
	}

	// Codes of new and edited nodes.
	for _, c := range []struct{ code, why string }{
		{"4106220042", "wrong length"},
		{"41062200420A", "not digits"},
		{"410622004999", "not in the code list"},
		{"410621001200", "in another county"},
		{"410622001200", "under another township"},
	} {
		if _, err := f.create(admin, org.Input{ParentID: lingshan.ID, Kind: org.KindRoom, Name: "测试社工室", DivisionCode: c.code}); err == nil {
			t.Fatalf("room code %s (%s) accepted", c.code, c.why)
		} else {
			fieldErr(t, err, "division_code")
		}
	}
	bare, err := f.create(admin, org.Input{ParentID: lingshan.ID, Kind: org.KindRoom, Name: "测试社工室"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.update(admin, bare, bare.Name, "410622001200", true); err == nil {
		t.Fatal("a code under another township set on a room")
	}
	var village string
	if err := f.d.QueryRow(f.ctx, `SELECT code FROM divisions WHERE parent_code = '410622004' AND code NOT IN (SELECT division_code FROM org_units) ORDER BY code LIMIT 1`).Scan(&village); err != nil {
		t.Fatal(err)
	}
	set, err := f.update(admin, bare, bare.Name, village, true)
	if err != nil || set.DivisionCode != village {
		t.Fatalf("the administrator sets a valid village code on a new room: %v", err)
	}
	headL := &authz.Actor{UserID: "h2", Role: authz.RoleStationHead, OrgPath: lingshan.Path}
	if _, err := f.update(headL, set, set.Name, set.DivisionCode, false); err == nil {
		t.Fatal("a station head deactivated a room")
	}
}
