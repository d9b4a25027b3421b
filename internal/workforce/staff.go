package workforce

import (
	"context"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
)

// Who counts as staff. One definition for every staff figure — the
// coverage's 人员数 (network), the workforce statistics, the period
// figures and the lists' notes: a worker on the registry in post (status
// active) whose node and every node above it are active. The workers of
// a deactivated station, or of a room under it, are not counted until
// they are moved to a running station; their records stay on the
// registry and its lists.

// StaffRule says the definition on the pages that show staff figures.
const StaffRule = "人数只计在职且所在站点、社工室未停用的社工；已停用站点（及其下社工室）的人员不计入，调入运行中的站点后重新计入。"

// UnitInServiceCond is true for an org node alias (o) when neither it
// nor any node above it is deactivated.
func UnitInServiceCond(o string) string {
	return "NOT EXISTS (SELECT 1 FROM org_units xa WHERE xa.active = 0 AND " + o + ".path LIKE xa.path || '%')"
}

// StaffCond is the staff definition on a wf_workers alias (w) joined to
// its org node (o).
func StaffCond(w, o string) string {
	return w + ".status = 'active' AND " + UnitInServiceCond(o)
}

// inactiveUnits are the ids of the deactivated org nodes.
func inactiveUnits(ctx context.Context, q db.Querier) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT id FROM org_units WHERE active = 0`)
	ids, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (id string, err error) {
		err = row.Scan(&id)
		return id, err
	})
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// onInactiveUnit reports whether a node path passes a deactivated node.
func onInactiveUnit(path string, inactive map[string]bool) bool {
	for _, id := range strings.Split(strings.Trim(path, "/"), "/") {
		if inactive[id] {
			return true
		}
	}
	return false
}

// createID reads the id a create form carries (made when the form was
// drawn, so the same form sent twice is saved once): "" makes a new id;
// an id already in table means this create ran before, and exists is
// true so the caller returns that record instead of making another.
func createID(ctx context.Context, q db.Querier, table, id string) (use string, exists bool, err error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return ids.New(), false, nil
	}
	if !ids.Valid(id) {
		return "", false, (apperr.Fields{"id": "记录编号应为小写的 UUID，或留空由系统生成"}).Err()
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = ?`, id).Scan(&n); err != nil {
		return "", false, err
	}
	return id, n > 0, nil
}
