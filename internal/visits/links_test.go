package visits

import (
	"github.com/shegong/shegong/internal/authz"
	"slices"
	"testing"

	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
)

// The category links mirror the recipient columns lists filter on
// (recipients migration 0006, visits migration 0002); the database keeps
// the copy. These are the changes that must reach it.
func TestCategoryLinksFollowTheRecipient(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	old := f.person("王秀兰", "1940-05-01", f.stA, "低保对象", "独居老人")
	f.person("李桂芝", "1942-07-09", f.stA, "低保对象")
	child := f.person("赵小雨", "2018-04-02", f.room, "低保对象", "农村留守儿童")

	mirrorDrift := func() int {
		return f.count(`SELECT COUNT(*) FROM recipient_category_links l JOIN recipients r ON r.id = l.recipient_id
			WHERE l.org_id <> r.org_id OR l.name <> r.name OR l.birth_date <> r.birth_date OR l.status <> r.status OR l.risk_tier <> r.risk_tier`)
	}
	list := func(filter recipients.Filter) []string {
		t.Helper()
		items, _, _, err := recipients.List(f.ctx, f.db, f.keys, f.admin, filter)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range items {
			out = append(out, r.Name)
		}
		return out
	}
	high := recipients.Filter{Category: "低保对象", Extra: map[string]string{"tier": string(TierHigh)}}
	if got := list(high); len(got) != 0 {
		t.Fatalf("nobody is assessed yet, 高风险+低保: %v", got)
	}

	// A visit sets the tier on the recipient, and so on its links.
	if _, _, err := f.record(f.workerA, Input{RecipientID: old.ID, VisitedAt: "2026-03-09 10:00", Method: MethodHome, Assessment: assessed(4, 5, 3, 3)}); err != nil {
		t.Fatal(err)
	}
	if got := list(high); !slices.Equal(got, []string{"王秀兰"}) {
		t.Fatalf("高风险+低保 after the visit: %v", got)
	}
	if n := mirrorDrift(); n != 0 {
		t.Fatalf("%d links differ from their recipient after a visit", n)
	}

	// An edit renames her, moves her to station B and closes her case:
	// the links follow, and the filters on them see it.
	old, err := recipients.GetUnchecked(f.ctx, f.db, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := recipients.InputOf(old)
	in.OrgID, in.VillageCode, in.WorkerID = f.stB.ID, f.stB.DivisionCode+"200", f.workerB.UserID
	in.Name, in.Status, in.StatusReason, in.StatusDate = "王秀英", recipients.StatusClosed, "迁往子女家", "2026-03-10"
	in.ConfirmDuplicate = true
	err = f.db.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := recipients.Update(f.ctx, tx, f.keys, f.admin, old.ID, old.Version, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := mirrorDrift(); n != 0 {
		t.Fatalf("%d links differ from their recipient after an edit", n)
	}
	if got := list(recipients.Filter{Category: "独居老人", OrgID: f.stB.ID, Status: recipients.StatusClosed}); !slices.Equal(got, []string{"王秀英"}) {
		t.Fatalf("独居老人 at B, closed: %v", got)
	}
	if got := list(recipients.Filter{Category: "独居老人", OrgID: f.stA.ID}); len(got) != 0 {
		t.Fatalf("独居老人 still at A: %v", got)
	}

	// Station A's worker no longer sees her through a category list; the
	// children rule holds on the links for a role without it.
	items, _, _, err := recipients.List(f.ctx, f.db, f.keys, f.workerA, recipients.Filter{Category: "低保对象"})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Name != "李桂芝" || items[1].Name != "赵小雨" {
		t.Fatalf("station A's 低保 for its worker: %v", items)
	}
	// Leaders see no records at all (recipients.FieldAccess); an
	// evaluator of the same scope does, without children.
	evaluator := *f.leader
	evaluator.Role = authz.RoleEvaluator
	items, _, _, err = recipients.List(f.ctx, f.db, f.keys, &evaluator, recipients.Filter{Category: "低保对象"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range items {
		if r.ID == child.ID {
			t.Fatalf("an evaluator sees a child through a category list")
		}
	}
	if len(items) != 2 {
		t.Fatalf("evaluator's 低保 list: %d", len(items))
	}
	// A filter the links do not mirror (the worker) still combines with
	// the category, through recipients.
	if got := list(recipients.Filter{Category: "低保对象", WorkerID: f.workerB.UserID}); !slices.Equal(got, []string{"王秀英"}) {
		t.Fatalf("低保 of worker B: %v", got)
	}
	// Changing categories writes fresh links, filled from the recipient.
	saved, err := recipients.GetUnchecked(f.ctx, f.db, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	in = recipients.InputOf(saved)
	in.Categories, in.ConfirmDuplicate = []string{"特困供养人员"}, true
	err = f.db.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := recipients.Update(f.ctx, tx, f.keys, f.admin, saved.ID, saved.Version, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := mirrorDrift(); n != 0 {
		t.Fatalf("%d links differ from their recipient after new categories", n)
	}
	high.Category = "特困供养人员"
	if got := list(high); !slices.Equal(got, []string{"王秀英"}) {
		t.Fatalf("高风险+特困供养 after the category change: %v", got)
	}
}
