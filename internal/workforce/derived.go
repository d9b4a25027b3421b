package workforce

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
)

// DerivedHours is one volunteer's service in a record of another module
// (a group session, a community activity): who, which day, how long.
type DerivedHours struct {
	VolunteerID string
	ServedOn    string // China date
	Minutes     int
	Activity    string // what was done, shown on the volunteer's log
}

// SetDerivedHours replaces, in the caller's transaction, the hours a
// source record (source kind, id) gave its volunteers: the volunteer's
// service log then needs no second entry and is corrected only through
// the source. Each volunteer must be active and in the actor's scope
// (or above it), and a day holds at most 24 hours for one person,
// counting what is already logged. Field errors name
// "volunteers" with the position (1-based) of the bad entry.
func SetDerivedHours(ctx context.Context, tx db.Querier, actor *authz.Actor, source, sourceID string, hours []DerivedHours) error {
	if actor == nil {
		return apperr.ErrForbidden()
	}
	if source == "" || sourceID == "" {
		return errors.New("workforce: derived hours need a source")
	}
	if _, err := tx.Exec(ctx, `DELETE FROM wf_volunteer_hours WHERE source = ? AND source_id = ?`, source, sourceID); err != nil {
		return err
	}
	fe := apperr.Fields{}
	now := cst.NowStamp()
	for i, h := range hours {
		pos := "第 " + strconv.Itoa(i+1) + " 位志愿者"
		var path, status, name string
		err := tx.QueryRow(ctx, `SELECT o.path, v.status, v.name FROM wf_volunteers v JOIN org_units o ON o.id = v.org_id WHERE v.id = ?`, h.VolunteerID).
			Scan(&path, &status, &name)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !actor.Covers(path) && !strings.HasPrefix(actor.OrgPath, path) {
			fe.Add("volunteers", pos+"不存在或不在您的范围内")
			continue
		} else if err != nil {
			return err
		}
		if h.Minutes <= 0 {
			fe.Add("volunteers", pos+"（"+name+"）的服务时长应大于 0")
			continue
		}
		var already int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(minutes), 0) FROM wf_volunteer_hours WHERE volunteer_id = ? AND served_on = ?`,
			h.VolunteerID, h.ServedOn).Scan(&already); err != nil {
			return err
		}
		if int(already)+h.Minutes > MaxMinutesPerDay {
			fe.Add("volunteers", pos+"（"+name+"）当天已登记 "+FormatHours(int(already))+" 小时，合计不能超过 24 小时")
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO wf_volunteer_hours (id, volunteer_id, served_on, minutes, activity, created_by, created_at, source, source_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ids.New(), h.VolunteerID, h.ServedOn, h.Minutes, h.Activity, actor.UserID, now, source, sourceID); err != nil {
			return err
		}
	}
	return fe.Err()
}

// UnsetDerivedHours removes the hours of a source record that was
// cancelled or deleted.
func UnsetDerivedHours(ctx context.Context, tx db.Querier, source, sourceID string) error {
	_, err := tx.Exec(ctx, `DELETE FROM wf_volunteer_hours WHERE source = ? AND source_id = ?`, source, sourceID)
	return err
}
