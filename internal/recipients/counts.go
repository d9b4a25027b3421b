package recipients

import (
	"context"
	"time"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

// Rollups. The number of people per org node, status and visibility
// class is kept in recipient_counts by triggers on recipients (migration
// 0020), in the transaction that changes a person, so figures read a few
// rows however many people there are. Other modules keep rollups of
// their own the same way (visits: due_counts); each keys its rows by the
// visibility class below.

// CountsClass is the highest visibility class (the rollups' hidden
// column) the actor's role counts: 1 when it may see children, 0 when
// the children rule hides them (children and people with no birth date),
// so a figure counts exactly the people the role's lists show. The
// system (snapshots of stock figures) counts everyone.
func CountsClass(actor *authz.Actor) int {
	if CanSeeChildren(actor) || actor != nil && actor.Role == authz.RoleSystem {
		return 1
	}
	return 0
}

// CountInCare is the number of people in care (在册) under org node
// nodeID (its whole subtree) that the actor's role counts (CountsClass),
// read from the rollup. The caller checks the node against the actor's
// scope (figures.Scope).
func CountInCare(ctx context.Context, q db.Querier, actor *authz.Actor, nodeID string) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM recipient_counts WHERE node_id = ? AND status = ? AND hidden <= ?`,
		nodeID, StatusActive, CountsClass(actor)).Scan(&n)
	return n, err
}

// RollupLock is the PostgreSQL transaction lock (pg_advisory_xact_lock)
// every trigger keeping a rollup of people takes first, and
// RollChildCutoff too: PostgreSQL runs writers side by side, and without
// it two could update the same count rows in opposite orders, or a roll
// of the line run between a writer reading it and committing. SQLite has
// one writer at a time and needs none.
const RollupLock = 7210001

// A CutoffHook moves a module's rollup rows when the children line moves:
// the people born in (from, to] change class, to class hidden (0 or 1).
// It runs in RollChildCutoff's transaction, before the line is stored.
type CutoffHook func(ctx context.Context, tx *db.Tx, from, to string, hidden int) error

var cutoffHooks []CutoffHook

// OnChildCutoff registers a module's CutoffHook; call it from an init
// function of a module whose rollup has a visibility class.
func OnChildCutoff(h CutoffHook) { cutoffHooks = append(cutoffHooks, h) }

// RollChildCutoff sets the rollups' children line (child_cutoff) to the
// line of day now (China date) and moves every person who crossed it
// since it was last set, in recipient_counts and in the rollups of
// modules that registered OnChildCutoff. It returns how many people
// moved. Cheap when the line is already today's (one row read): run it
// at start and every minute, so the classes change at midnight.
func RollChildCutoff(ctx context.Context, tx *db.Tx, now time.Time) (int64, error) {
	if tx.Dialect() == db.Postgres {
		// Writers of people hold it until they commit (the rollup triggers
		// take it): the line moves between writers, and once.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, RollupLock); err != nil {
			return 0, err
		}
	}
	due, have, err := childCutoffDue(ctx, tx, now)
	if err != nil || !due {
		return 0, err
	}
	day, want := now.In(cst.Loc).Format(cst.DateLayout), ChildCutoffOn(now)
	var moved int64
	if have != want {
		// Normally the line only moves forward: people born in (have, want]
		// have reached ChildAge and become visible. A line set ahead (a
		// clock put back) moves them the other way.
		from, to, hidden := have, want, 0
		if want < have {
			from, to, hidden = want, have, 1
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM recipients WHERE birth_date > ? AND birth_date <= ?`, from, to).Scan(&moved); err != nil {
			return 0, err
		}
		if moved > 0 {
			if err := moveCounts(ctx, tx, from, to, hidden); err != nil {
				return 0, err
			}
			for _, h := range cutoffHooks {
				if err := h(ctx, tx, from, to, hidden); err != nil {
					return 0, err
				}
			}
		}
	}
	_, err = tx.Exec(ctx, `UPDATE child_cutoff SET day = ?, child_after = ? WHERE id = 1`, day, want)
	return moved, err
}

// ChildCutoffDue reports whether RollChildCutoff has work to do at now:
// a read, so a caller checks before it takes the write lock.
func ChildCutoffDue(ctx context.Context, q db.Querier, now time.Time) (bool, error) {
	due, _, err := childCutoffDue(ctx, q, now)
	return due, err
}

func childCutoffDue(ctx context.Context, q db.Querier, now time.Time) (due bool, have string, err error) {
	var setFor string
	if err := q.QueryRow(ctx, `SELECT day, child_after FROM child_cutoff WHERE id = 1`).Scan(&setFor, &have); err != nil {
		return false, "", err
	}
	return setFor != now.In(cst.Loc).Format(cst.DateLayout) || have != ChildCutoffOn(now), have, nil
}

// moveCounts moves the people born in (from, to] to class hidden in
// recipient_counts: off their old class, onto the new one.
func moveCounts(ctx context.Context, tx *db.Tx, from, to string, hidden int) error {
	for _, step := range []struct{ class, sign int }{{1 - hidden, -1}, {hidden, 1}} {
		if _, err := tx.Exec(ctx, `INSERT INTO recipient_counts (node_id, status, hidden, n)
			SELECT a.ancestor_id, t.status, CAST(? AS INTEGER), SUM(t.n) * CAST(? AS BIGINT) FROM (
				SELECT org_id, status, COUNT(*) AS n FROM recipients WHERE birth_date > ? AND birth_date <= ? GROUP BY org_id, status
			) t JOIN org_ancestors a ON a.org_id = t.org_id GROUP BY a.ancestor_id, t.status
			ON CONFLICT (node_id, status, hidden) DO UPDATE SET n = recipient_counts.n + excluded.n`,
			step.class, step.sign, from, to); err != nil {
			return err
		}
	}
	return nil
}
