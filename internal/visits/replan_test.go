package visits

import (
	"testing"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
)

// An edit that gives someone a category with its own rule recomputes
// their next visit at once, in the same transaction; an edit that
// changes nothing the rules read leaves the plan alone.
func TestEditingCategoriesReplansTheNextVisit(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	rules := DefaultRules()
	rules.Categories["事实无人抚养儿童"] = Interval{2, UnitWeek}
	if err := f.db.InTx(f.ctx, func(tx *db.Tx) error { _, err := SaveRules(f.ctx, tx, f.admin, rules); return err }); err != nil {
		t.Fatal(err)
	}
	p := f.person("孙小军", "2012-06-01", f.stA, "低保对象")
	if _, _, err := f.record(f.workerA, Input{RecipientID: p.ID, VisitedAt: "2026-03-02 09:00", Method: MethodHome, Assessment: assessed(2, 2, 2, 2), RiskTier: TierGeneral}); err != nil {
		t.Fatal(err)
	}
	if _, _, due := f.plan(p.ID); due != "2026-06-02" {
		t.Fatalf("一般, quarterly: %s", due)
	}
	edit := func(change func(*recipients.Input)) {
		t.Helper()
		cur, err := recipients.GetUnchecked(f.ctx, f.db, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := recipients.InputOf(cur)
		in.ConfirmDuplicate = true
		change(&in)
		if err := f.db.InTx(f.ctx, func(tx *db.Tx) error {
			_, err := recipients.Update(f.ctx, tx, f.keys, f.head, p.ID, cur.Version, in)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	planAudits := func() int {
		return f.count(`SELECT COUNT(*) FROM audit_log WHERE entity = 'recipient' AND entity_id = ? AND summary LIKE '更新探访计划%'`, p.ID)
	}
	before := planAudits()
	edit(func(in *recipients.Input) { in.LivingSituation = "与（外）祖父母" })
	if _, _, due := f.plan(p.ID); due != "2026-06-02" || planAudits() != before {
		t.Fatalf("an edit of the living situation moved the plan: %s", due)
	}
	edit(func(in *recipients.Input) { in.Categories = append(in.Categories, "事实无人抚养儿童") })
	if _, _, due := f.plan(p.ID); due != "2026-03-16" {
		t.Fatalf("事实无人抚养儿童 every 2 weeks from 03-02: %s", due)
	}
	if planAudits() != before+1 {
		t.Fatalf("the recomputed plan is not in the audit log")
	}
	edit(func(in *recipients.Input) { in.Categories = []string{"低保对象"} })
	if _, _, due := f.plan(p.ID); due != "2026-06-02" {
		t.Fatalf("back to quarterly once the category is gone: %s", due)
	}
}

// Nobody is visited after they died or moved away; a visit from before
// that date can still be entered late.
func TestNoVisitsAfterDeathOrMovingAway(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	withStatus := func(name, status, date string) recipients.Recipient {
		p := f.person(name, "1936-02-02", f.stA)
		in := recipients.InputOf(p)
		in.Status, in.StatusReason, in.StatusDate, in.ConfirmDuplicate = status, "登记", date, true
		var out recipients.Recipient
		if err := f.db.InTx(f.ctx, func(tx *db.Tx) error {
			var err error
			out, err = recipients.Update(f.ctx, tx, f.keys, f.admin, p.ID, p.Version, in)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	died := withStatus("周老汉", recipients.StatusDeceased, "2026-03-05")
	moved := withStatus("吴大娘", recipients.StatusMoved, "2026-02-20")
	legacy := withStatus("王大爷", recipients.StatusMoved, "2026-02-20")
	// Records from before the status date was required have none.
	if _, err := f.db.Exec(f.ctx, `UPDATE recipients SET status_date = '' WHERE id = ?`, legacy.ID); err != nil {
		t.Fatal(err)
	}
	closed := withStatus("郑奶奶", recipients.StatusClosed, "2026-03-01")
	refused := []struct {
		who   recipients.Recipient
		at    string
		field string
	}{{died, "2026-03-06 09:00", "visited_at"}, {moved, "2026-03-01 09:00", "visited_at"}, {legacy, "2026-01-01 09:00", "recipient_id"}}
	for _, c := range refused {
		_, _, err := f.record(f.workerA, Input{RecipientID: c.who.ID, VisitedAt: c.at, Method: MethodHome})
		if ae, ok := apperr.As(err); !ok || ae.Fields[c.field] == "" {
			t.Errorf("%s (%s) visited on %s: %v", c.who.Name, c.who.StatusLabel, c.at, err)
		}
	}
	if n := f.count(`SELECT COUNT(*) FROM visits`); n != 0 {
		t.Fatalf("%d visits written", n)
	}
	for _, ok := range []struct {
		who recipients.Recipient
		at  string
	}{{died, "2026-03-05 08:00"}, {closed, "2026-03-09 09:00"}} {
		if _, _, err := f.record(f.workerA, Input{RecipientID: ok.who.ID, VisitedAt: ok.at, Method: MethodHome}); err != nil {
			t.Errorf("%s (%s) on %s: %v", ok.who.Name, ok.who.StatusLabel, ok.at, err)
		}
	}
}

// Saving new rules leaves due dates alone unless the administrator asks
// to recompute them; then everyone visited follows the new rules, and an
// open major change still comes first.
func TestReplanAllAfterARulesChange(t *testing.T) {
	f := newFixture(t)
	fixedNow(t, "2026-03-10 10:00")
	general := f.person("甲大爷", "1940-01-01", f.stA)
	urgent := f.person("乙奶奶", "1941-01-01", f.stA)
	never := f.person("丙老人", "1942-01-01", f.stA)
	other := f.person("丁大爷", "1943-01-01", f.stB)
	for _, p := range []recipients.Recipient{general, urgent, other} {
		if _, _, err := f.record(f.workerFor(p), Input{RecipientID: p.ID, VisitedAt: "2026-03-01 09:00", Method: MethodHome, Assessment: assessed(2, 2, 2, 2), RiskTier: TierGeneral}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.report(urgent, MajorChangeInput{Kind: ChangeHospital}); err != nil {
		t.Fatal(err)
	}
	rules := DefaultRules()
	rules.Tiers[TierGeneral] = Interval{1, UnitMonth}
	if err := f.db.InTx(f.ctx, func(tx *db.Tx) error { _, err := SaveRules(f.ctx, tx, f.admin, rules); return err }); err != nil {
		t.Fatal(err)
	}
	if _, _, due := f.plan(general.ID); due != "2026-06-01" {
		t.Fatalf("saving the rules moved a due date: %s", due)
	}
	if err := f.db.InTx(f.ctx, func(tx *db.Tx) error { _, err := ReplanAll(f.ctx, tx, f.head); return err }); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a station head recomputed the county: %v", err)
	}
	var changed int
	if err := f.db.InTx(f.ctx, func(tx *db.Tx) (err error) { changed, err = ReplanAll(f.ctx, tx, f.admin); return err }); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{general.ID: "2026-04-01", urgent.ID: "2026-03-11", never.ID: "", other.ID: "2026-04-01"}
	for id, due := range want {
		if _, _, got := f.plan(id); got != due {
			t.Errorf("%s due %s, want %s", id, got, due)
		}
	}
	if changed != 2 {
		t.Errorf("%d dates changed, want 2 (甲 and 丁; 乙 stays on the major change)", changed)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE entity = 'visit_rules' AND summary LIKE '按现行探访频次规则重算%'`); n != 1 {
		t.Errorf("%d audit entries for the recomputation", n)
	}
}

// workerFor is the worker of the person's station.
func (f *fixture) workerFor(p recipients.Recipient) *authz.Actor {
	if p.OrgID == f.stB.ID {
		return f.workerB
	}
	return f.workerA
}
