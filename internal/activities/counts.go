package activities

import (
	"context"

	"github.com/shegong/shegong/internal/db"
)

// recount refreshes the month counts of the org nodes and months an
// activity touched (before and after a change): each pair is counted
// again from the activities, so the counts cannot drift (on PostgreSQL
// writers of activities take turns: migration 0003).
func recount(ctx context.Context, tx db.Querier, pairs ...[2]string) error {
	seen := map[[2]string]bool{}
	for _, p := range pairs {
		if p[0] == "" || p[1] == "" || seen[p] {
			continue
		}
		seen[p] = true
		var planned, held int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM activities WHERE org_id = ? AND planned_month = ? AND status <> 'cancelled'`, p[0], p[1]).
			Scan(&planned); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM activities WHERE org_id = ? AND held_month = ? AND status IN ('held', 'archived')`, p[0], p[1]).
			Scan(&held); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO act_month_counts (org_id, month, planned, held) VALUES (?, ?, ?, ?)
			ON CONFLICT (org_id, month) DO UPDATE SET planned = excluded.planned, held = excluded.held`, p[0], p[1], planned, held); err != nil {
			return err
		}
	}
	return nil
}

// touched are the (node, month) pairs an activity counts in.
func touched(a Activity) [][2]string {
	out := [][2]string{{a.OrgID, month(a.PlannedOn)}}
	if a.HeldOn != "" {
		out = append(out, [2]string{a.OrgID, month(a.HeldOn)})
	}
	return out
}

func month(day string) string {
	if len(day) < 7 {
		return ""
	}
	return day[:7]
}

// RecountAll rebuilds every month count from the activities (after a
// bulk load that wrote activities directly).
func RecountAll(ctx context.Context, tx db.Querier) error {
	if _, err := tx.Exec(ctx, `DELETE FROM act_month_counts`); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO act_month_counts (org_id, month, planned, held)
		SELECT org_id, month, SUM(planned), SUM(held) FROM (
			SELECT org_id, planned_month AS month, 1 AS planned, 0 AS held FROM activities WHERE status <> 'cancelled'
			UNION ALL
			SELECT org_id, held_month AS month, 0 AS planned, 1 AS held FROM activities WHERE status IN ('held', 'archived')
		) x GROUP BY org_id, month`)
	return err
}
