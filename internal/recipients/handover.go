package recipients

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// HandoverHook moves one module's work (cases, tasks, groups…) from a
// worker who leaves or moves (fromUser) to another (toUser), in the
// handover's transaction, and says how many records it moved. An error
// undoes the whole handover.
type HandoverHook func(ctx context.Context, tx *db.Tx, actor *authz.Actor, fromUser, toUser string) (int, error)

type handoverPart struct {
	label string
	hook  HandoverHook
}

var handoverParts []handoverPart

// OnHandover registers a module's part of a handover; label names what
// it moves ("个案", "任务"…) in the result and the audit entry. Call it
// from an init function.
func OnHandover(label string, h HandoverHook) {
	handoverParts = append(handoverParts, handoverPart{label, h})
}

func init() { OnHandover("服务对象", handoverRecipients) }

// HandoverCount is how many records of one kind a handover moved.
type HandoverCount struct {
	Label string `json:"label"`
	N     int    `json:"n"`
}

// HandoverResult is what a handover did.
type HandoverResult struct {
	FromUserID string          `json:"from_user_id"`
	FromName   string          `json:"from_name"`
	ToUserID   string          `json:"to_user_id"`
	ToName     string          `json:"to_name"`
	Counts     []HandoverCount `json:"counts"`
	Total      int             `json:"total"`
}

type handoverUser struct {
	id, name, role, path string
	active               bool
}

func loadHandoverUser(ctx context.Context, q db.Querier, id string) (handoverUser, error) {
	var u handoverUser
	var active int
	err := q.QueryRow(ctx, `SELECT u.id, u.display_name, u.role, o.path, u.active FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ?`, id).
		Scan(&u.id, &u.name, &u.role, &u.path, &active)
	u.active = active == 1
	return u, err
}

// Handover moves, in one step, everything a worker is responsible for —
// their people (责任社工) and what other modules register with
// OnHandover — to another worker, when the first leaves or moves. The
// actor (a station head or the county administrator) must cover both;
// the new worker must be an active social worker or station head.
// Recorded in the audit log: one entry per person moved and one for the
// handover with its counts.
func Handover(ctx context.Context, tx *db.Tx, actor *authz.Actor, fromUser, toUser string) (HandoverResult, error) {
	if err := actor.Require(authz.PermRecipientsHandover); err != nil {
		return HandoverResult{}, err
	}
	fe := apperr.Fields{}
	fromUser, toUser = strings.TrimSpace(fromUser), strings.TrimSpace(toUser)
	from, err := loadHandoverUser(ctx, tx, fromUser)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !actor.Covers(from.path) {
		fe.Add("from_user_id", "请选择本辖区内要交接的社工")
	} else if err != nil {
		return HandoverResult{}, err
	}
	to, err := loadHandoverUser(ctx, tx, toUser)
	switch {
	case errors.Is(err, sql.ErrNoRows) || err == nil && !actor.Covers(to.path):
		fe.Add("to_user_id", "请选择本辖区内接手的社工")
	case err != nil:
		return HandoverResult{}, err
	case !to.active:
		fe.Add("to_user_id", "接手的账号已停用")
	case to.role != string(authz.RoleWorker) && to.role != string(authz.RoleStationHead):
		fe.Add("to_user_id", "只能交接给社工或站长")
	case fromUser == toUser:
		fe.Add("to_user_id", "接手人不能是交出人本人")
	}
	if err := fe.Err(); err != nil {
		return HandoverResult{}, err
	}
	res := HandoverResult{FromUserID: from.id, FromName: from.name, ToUserID: to.id, ToName: to.name, Counts: []HandoverCount{}}
	var parts []string
	for _, p := range handoverParts {
		n, err := p.hook(ctx, tx, actor, from.id, to.id)
		if err != nil {
			return HandoverResult{}, err
		}
		res.Counts = append(res.Counts, HandoverCount{Label: p.label, N: n})
		res.Total += n
		parts = append(parts, p.label+" "+itoa(n))
	}
	err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "handover", EntityID: from.id, OrgPath: from.path,
		Summary: "工作交接：" + from.name + " → " + to.name + "（" + strings.Join(parts, "，") + "）"})
	return res, err
}

// handoverRecipients makes toUser the responsible worker (责任社工) of
// fromUser's people, each recorded in the audit log.
func handoverRecipients(ctx context.Context, tx *db.Tx, actor *authz.Actor, fromUser, toUser string) (int, error) {
	rows, err := tx.Query(ctx, `SELECT r.id, r.version, o.path FROM recipients r JOIN org_units o ON o.id = r.org_id WHERE r.worker_id = ? ORDER BY r.id`, fromUser)
	if err != nil {
		return 0, err
	}
	type person struct {
		id      string
		version int
		path    string
	}
	people, err := db.Collect(rows, nil, func(row interface{ Scan(...any) error }) (p person, err error) {
		err = row.Scan(&p.id, &p.version, &p.path)
		return p, err
	})
	if err != nil {
		return 0, err
	}
	fromName, _ := workerName(ctx, tx, fromUser)
	toName, err := workerName(ctx, tx, toUser)
	if err != nil {
		return 0, err
	}
	for _, p := range people {
		if !actor.Covers(p.path) {
			// Someone of the leaving worker's outside the actor's scope
			// (they served two stations): left to that station's head.
			continue
		}
		if err := db.Versioned(tx.Exec(ctx, `UPDATE recipients SET worker_id = ?, version = version + 1 WHERE id = ? AND version = ?`, toUser, p.id, p.version)); err != nil {
			return 0, err
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "recipient", EntityID: p.id, OrgPath: p.path,
			Summary: "工作交接：责任社工变更", Changes: []audit.Change{{Field: "worker_id", Label: FieldLabels["worker_id"], Before: fromName, After: toName}}}); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, p := range people {
		if actor.Covers(p.path) {
			n++
		}
	}
	return n, nil
}

// HandoverUser is an account a handover may move work from or to.
type HandoverUser struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	OrgName string `json:"org_name"`
	Active  bool   `json:"active"`
	People  int    `json:"people"`  // people they are responsible for, in care or not (a handover moves them all)
	InCare  int    `json:"in_care"` // of them, in care (在册), as a worker's 由我负责 counts
}

// HandoverUsers lists the social workers and station heads in the
// actor's scope (deactivated accounts too: a worker who left), with how
// many people each is responsible for, and how many of them are in care.
func HandoverUsers(ctx context.Context, q db.Querier, actor *authz.Actor) ([]HandoverUser, error) {
	if err := actor.Require(authz.PermRecipientsHandover); err != nil {
		return nil, err
	}
	cond, args := actor.ScopeCond(q.Dialect(), "o.path")
	rows, err := q.Query(ctx, `SELECT u.id, u.display_name, o.name, u.active, (SELECT COUNT(*) FROM recipients r WHERE r.worker_id = u.id),
		(SELECT COUNT(*) FROM recipients r WHERE r.worker_id = u.id AND `+InCareCond("r")+`)
		FROM users u JOIN org_units o ON o.id = u.org_id WHERE `+cond+` AND u.role IN ('worker', 'station_head') ORDER BY o.path, u.display_name LIMIT 1000`, args...)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (u HandoverUser, err error) {
		var active int
		err = row.Scan(&u.ID, &u.Name, &u.OrgName, &active, &u.People, &u.InCare)
		u.Active = active == 1
		return u, err
	})
}
