package visits

import (
	"testing"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// A visit is corrected or deleted, with a reason, only by whoever
// recorded it or the station head; deleting replans the person from the
// visits left, and the deleted id cannot be sent again.
func TestCorrectAndDeleteVisit(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	p := f.person("李桂英", "1938-02-01", f.stA)
	first, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-03-01 10:00", Method: MethodHome})
	if err != nil {
		t.Fatal(err)
	}
	in := Input{ID: "0190a000-0000-7000-8000-000000000001", RecipientID: p.ID, VisitedAt: "2026-03-09 10:00", Method: MethodHome,
		Assessment: assessed(1, 5, 1, 1)}
	second, _, err := f.record(f.workerA, in)
	if err != nil {
		t.Fatal(err)
	}
	// Another worker of the same station neither corrects nor deletes it.
	as := &auth.Service{DB: f.db, Keys: f.keys}
	u, err := as.CreateUser(f.ctx, nil, auth.UserInput{Username: "workerc", DisplayName: "丙", Role: authz.RoleWorker, OrgID: f.stA.ID, Password: "Abc-12345678"})
	if err != nil {
		t.Fatal(err)
	}
	other := &authz.Actor{UserID: u.ID, Role: authz.RoleWorker, OrgID: f.stA.ID, OrgPath: f.stA.Path}
	del := func(a *authz.Actor, id string, version int, reason string) error {
		return f.db.InTx(f.ctx, func(tx *db.Tx) error { return Delete(f.ctx, tx, f.keys, a, id, version, reason) })
	}
	if err := del(other, second.ID, 1, "重复"); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("another worker deletes: %v", err)
	}
	if err := del(f.workerA, second.ID, 1, ""); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("no reason: %v", err)
	}
	if tier, last, _ := f.plan(p.ID); tier != "high" || last != "2026-03-09" {
		t.Fatalf("before delete: %s %s", tier, last)
	}
	if err := del(f.head, second.ID, 1, "录错了对象"); err != nil {
		t.Fatal(err)
	}
	if tier, last, _ := f.plan(p.ID); tier != "" || last != first.VisitDate {
		t.Fatalf("after delete the plan follows the first visit: %q %s", tier, last)
	}
	if _, _, err := f.record(f.workerA, in); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("resend of a deleted visit: %v", err)
	}
	var audited int
	if err := f.db.QueryRow(f.ctx, `SELECT COUNT(*) FROM audit_log WHERE entity = 'visit' AND action = 'delete' AND summary LIKE '%录错了对象%'`).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("audited %d %v", audited, err)
	}
}
