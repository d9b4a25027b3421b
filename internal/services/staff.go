package services

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

func itoa(n int) string { return strconv.Itoa(n) }

// LinkAccount is the person of the workforce registries behind an
// account: the worker (wf_workers.user_id) or volunteer
// (wf_volunteers.user_id) linked to it. An account of a station role
// (站长, 社工: workers; 志愿者: volunteers) with no link yet is linked,
// in tx, to the one unlinked active person of that registry with its
// display name at its org node or below; with none or several, the
// account stays unlinked and Staff carries the account and name only.
func LinkAccount(ctx context.Context, tx db.Querier, userID string) (Staff, error) {
	var name, role, orgID, path string
	err := tx.QueryRow(ctx, `SELECT u.display_name, u.role, u.org_id, o.path FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ?`, userID).
		Scan(&name, &role, &orgID, &path)
	if err != nil {
		return Staff{}, err
	}
	s := Staff{UserID: userID, Name: name}
	err = tx.QueryRow(ctx, `SELECT id, name FROM wf_workers WHERE user_id = ?`, userID).Scan(&s.WorkerID, &s.Name)
	if err == nil {
		return s, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return Staff{}, err
	}
	err = tx.QueryRow(ctx, `SELECT id, name FROM wf_volunteers WHERE user_id = ?`, userID).Scan(&s.VolunteerID, &s.Name)
	if err == nil {
		return s, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return Staff{}, err
	}
	table, kind := "", ""
	switch authz.Role(role) {
	case authz.RoleStationHead, authz.RoleWorker:
		table, kind = "wf_workers", "社工"
	case authz.RoleVolunteer:
		table, kind = "wf_volunteers", "志愿者"
	default:
		return s, nil
	}
	sc, sa := authz.SubtreeCond(tx.Dialect(), "o.path", path)
	rows, err := tx.Query(ctx, `SELECT p.id FROM `+table+` p JOIN org_units o ON o.id = p.org_id
		WHERE p.user_id IS NULL AND p.status = 'active' AND p.name = ? AND `+sc+` LIMIT 2`, append([]any{name}, sa...)...)
	found, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (id string, err error) {
		err = r.Scan(&id)
		return id, err
	})
	if err != nil || len(found) != 1 {
		return s, err
	}
	if _, err := tx.Exec(ctx, `UPDATE `+table+` SET user_id = ? WHERE id = ? AND user_id IS NULL`, userID, found[0]); err != nil {
		return Staff{}, err
	}
	if table == "wf_workers" {
		s.WorkerID = found[0]
	} else {
		s.VolunteerID = found[0]
	}
	err = audit.Record(ctx, tx, nil, audit.Entry{Action: audit.ActionUpdate, Entity: strings.TrimPrefix(table, "wf_"), EntityID: found[0], OrgPath: path,
		Summary: "关联账号：" + kind + name + "（同名、同站点）", Changes: []audit.Change{{Field: "user_id", Label: "账号", After: userID}}})
	return s, err
}

// LinkAccounts links every unlinked station-role account it can (see
// LinkAccount) and returns how many accounts are linked now.
func LinkAccounts(ctx context.Context, tx *db.Tx) (int, error) {
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE active = 1 AND role IN (?, ?, ?) ORDER BY id`,
		authz.RoleStationHead, authz.RoleWorker, authz.RoleVolunteer)
	users, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (id string, err error) {
		err = r.Scan(&id)
		return id, err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range users {
		s, err := LinkAccount(ctx, tx, u)
		if err != nil {
			return n, err
		}
		if s.WorkerID != "" || s.VolunteerID != "" {
			n++
		}
	}
	return n, nil
}

// resolveStaff checks who served: accounts (linked to their person),
// workers or volunteers of the registries (in the actor's scope, or
// above it: a county's worker serving in a station), or names. With
// nobody named, the actor served.
func resolveStaff(ctx context.Context, tx db.Querier, actor *authz.Actor, in []Staff) ([]Staff, error) {
	if len(in) == 0 {
		if actor.UserID == "" {
			return nil, nil
		}
		s, err := LinkAccount(ctx, tx, actor.UserID)
		if errors.Is(err, sql.ErrNoRows) {
			return []Staff{{UserID: actor.UserID, Name: actor.DisplayName}}, nil
		}
		return []Staff{s}, err
	}
	inReach := func(path string) bool {
		return actor.Covers(path) || strings.HasPrefix(actor.OrgPath, path)
	}
	bad := func(i int) error {
		return apperr.Fields{"staff": "第 " + itoa(i+1) + " 位服务人员不存在或不在您的范围内"}.Err()
	}
	in = append([]Staff(nil), in...) // the caller's input stays as sent (it is hashed)
	var out []Staff
	seen := map[string]bool{}
	for i, s := range in {
		var path string
		switch {
		case s.UserID != "":
			err := tx.QueryRow(ctx, `SELECT o.path FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ?`, s.UserID).Scan(&path)
			if errors.Is(err, sql.ErrNoRows) || err == nil && s.UserID != actor.UserID && !inReach(path) {
				return nil, bad(i)
			} else if err != nil {
				return nil, err
			}
			if s, err = LinkAccount(ctx, tx, s.UserID); err != nil {
				return nil, err
			}
			in[i] = s
		case s.WorkerID != "", s.VolunteerID != "":
			table, id := "wf_workers", s.WorkerID
			if id == "" {
				table, id = "wf_volunteers", s.VolunteerID
			}
			err := tx.QueryRow(ctx, `SELECT p.name, o.path, COALESCE(p.user_id, '') FROM `+table+` p JOIN org_units o ON o.id = p.org_id WHERE p.id = ?`, id).
				Scan(&s.Name, &path, &s.UserID)
			if errors.Is(err, sql.ErrNoRows) || err == nil && !inReach(path) {
				return nil, bad(i)
			} else if err != nil {
				return nil, err
			}
			in[i] = s
		default:
			if len([]rune(s.Name)) > 40 {
				return nil, apperr.Fields{"staff": "服务人员姓名不能超过 40 个字"}.Err()
			}
		}
		key := in[i].UserID + "|" + in[i].WorkerID + "|" + in[i].VolunteerID + "|" + in[i].Name
		if !seen[key] {
			seen[key] = true
			out = append(out, in[i])
		}
	}
	return out, nil
}
