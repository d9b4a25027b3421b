package recipients

import (
	"context"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/timeline"
)

// A person's history (migration 0010): registration, status changes and
// household changes, written by Create, Update and the household
// functions in the transaction of the change, and read by the timeline.

func actorID(actor *authz.Actor) string {
	if actor == nil {
		return ""
	}
	return actor.UserID
}

// writeStatusHistory records a registration (kind "registered") or a
// change of status (kind "status").
func writeStatusHistory(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID, kind string, in Input) error {
	_, err := q.Exec(ctx, `INSERT INTO recipient_status_history (id, recipient_id, at, kind, status, reason, effective_on, actor_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ids.New(), recipientID, cst.NowStamp(), kind, in.Status, in.StatusReason, in.StatusDate, actorID(actor))
	return err
}

// Household changes of one person.
const (
	householdJoined   = "joined"
	householdLeft     = "left"
	householdRelation = "relation"
)

// writeHouseholdHistory records, per person, how the members of a
// household changed from before to after (joined, left, a new relation
// to the head).
func writeHouseholdHistory(ctx context.Context, q db.Querier, actor *authz.Actor, householdID, name string, before, after []MemberInput) error {
	now, who := cst.NowStamp(), actorID(actor)
	write := func(recipientID, change, relation string) error {
		_, err := q.Exec(ctx, `INSERT INTO recipient_household_history (id, recipient_id, at, change, household_id, household_name, relation, actor_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ids.New(), recipientID, now, change, householdID, name, relation, who)
		return err
	}
	was := map[string]string{}
	for _, m := range before {
		was[m.RecipientID] = m.Relation
	}
	stays := map[string]bool{}
	for _, m := range after {
		stays[m.RecipientID] = true
		old, ok := was[m.RecipientID]
		var err error
		switch {
		case !ok:
			err = write(m.RecipientID, householdJoined, m.Relation)
		case old != m.Relation:
			err = write(m.RecipientID, householdRelation, m.Relation)
		}
		if err != nil {
			return err
		}
	}
	for _, m := range before {
		if !stays[m.RecipientID] {
			if err := write(m.RecipientID, householdLeft, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// The timeline: who may see a person's timeline is who may load the
// person (scope, the children rule) with the registry's read permission,
// in a role that sees the person's status (FieldAccess): the timeline
// tells of status changes, households and every module's records.
func init() {
	timeline.SetGuard(func(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID string) error {
		if err := actor.Require(authz.PermRecipientsRead); err != nil {
			return err
		}
		if err := requireAccess(actor, "status", AccessMasked); err != nil {
			return err
		}
		_, err := Get(ctx, q, actor, recipientID)
		return err
	})
	timeline.Register(timeline.Source{Name: "recipients.status", Module: "recipients", Entries: statusEntries})
	timeline.Register(timeline.Source{Name: "recipients.household", Module: "recipients", Entries: householdEntries})
}

func statusEntries(ctx context.Context, q db.Querier, _ *authz.Actor, recipientID, before string, limit int) ([]timeline.Entry, error) {
	rows, err := q.Query(ctx, `SELECT h.at, h.kind, h.status, h.reason, h.effective_on, COALESCE(u.display_name, '')
		FROM recipient_status_history h LEFT JOIN users u ON u.id = h.actor_id
		WHERE h.recipient_id = ? AND h.at < ? ORDER BY h.at DESC, h.id DESC LIMIT ?`, recipientID, before, limit)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (timeline.Entry, error) {
		var e timeline.Entry
		var status, reason, on, by string
		if err := row.Scan(&e.At, &e.Kind, &status, &reason, &on, &by); err != nil {
			return e, err
		}
		e.Link = "/recipients/" + recipientID
		if e.Kind == "registered" {
			e.Title = "登记为服务对象"
			if status != "" && status != StatusActive {
				e.Title += "（" + StatusLabel(status) + "）"
			}
		} else {
			e.Title = "状态变为“" + StatusLabel(status) + "”"
		}
		e.Detail = joinDetail(labelled("原因", reason), labelled("生效日期", on), labelled("经办", by))
		return e, nil
	})
}

var householdTitles = map[string]string{householdJoined: "加入家庭", householdLeft: "离开家庭", householdRelation: "与户主关系变更"}

func householdEntries(ctx context.Context, q db.Querier, _ *authz.Actor, recipientID, before string, limit int) ([]timeline.Entry, error) {
	rows, err := q.Query(ctx, `SELECT h.at, h.change, h.household_id, h.household_name, h.relation, COALESCE(u.display_name, ''),
		CASE WHEN EXISTS (SELECT 1 FROM households x WHERE x.id = h.household_id) THEN 1 ELSE 0 END
		FROM recipient_household_history h LEFT JOIN users u ON u.id = h.actor_id
		WHERE h.recipient_id = ? AND h.at < ? ORDER BY h.at DESC, h.id DESC LIMIT ?`, recipientID, before, limit)
	return db.Collect(rows, err, func(row interface{ Scan(...any) error }) (timeline.Entry, error) {
		var e timeline.Entry
		var change, hid, name, relation, by string
		var exists int
		if err := row.Scan(&e.At, &change, &hid, &name, &relation, &by, &exists); err != nil {
			return e, err
		}
		e.Kind, e.Title = "household", householdTitles[change]+"：“"+name+"”"
		e.Detail = joinDetail(labelled("与户主关系", relation), labelled("经办", by))
		if exists == 1 {
			e.Link = "/households/" + hid
		}
		return e, nil
	})
}

func labelled(label, value string) string {
	if value == "" {
		return ""
	}
	return label + "：" + value
}

func joinDetail(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += "；"
		}
		out += p
	}
	return out
}
