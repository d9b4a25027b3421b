package workforce

import (
	"context"
	"database/sql"
	"errors"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// MyService is a volunteer's own view of their service: who they are in
// the registry, their total and this year's hours, and their latest
// logged service (by hand or derived from group sessions and
// activities).
type MyService struct {
	VolunteerID  string       `json:"volunteer_id"`
	Name         string       `json:"name"`
	OrgName      string       `json:"org_name"`
	TotalMinutes int          `json:"total_minutes"`
	TotalHours   string       `json:"total_hours"`
	YearHours    string       `json:"yearMinuteshours"`
	Months       []MonthHours `json:"months"`
	Logs         []ServiceLog `json:"logs"` // newest first, at most 50
}

// Mine is the service of the volunteer linked to the actor's account
// (wf_volunteers.user_id); NotFound when the account is not linked to a
// volunteer. Any role may ask: it reads only the actor's own record.
func Mine(ctx context.Context, q db.Querier, actor *authz.Actor, year string) (MyService, error) {
	if actor == nil {
		return MyService{}, apperr.ErrForbidden()
	}
	var m MyService
	err := q.QueryRow(ctx, `SELECT v.id, v.name, o.name FROM wf_volunteers v JOIN org_units o ON o.id = v.org_id WHERE v.user_id = ?`, actor.UserID).
		Scan(&m.VolunteerID, &m.Name, &m.OrgName)
	if errors.Is(err, sql.ErrNoRows) {
		return m, apperr.ErrNotFound("与您账号关联的志愿者")
	} else if err != nil {
		return m, err
	}
	rows, err := q.Query(ctx, `SELECT id, volunteer_id, served_on, minutes, activity, source, source_id FROM wf_volunteer_hours WHERE volunteer_id = ?
		ORDER BY served_on DESC, id DESC`, m.VolunteerID)
	logs, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (l ServiceLog, err error) {
		err = row.Scan(&l.ID, &l.VolunteerID, &l.ServedOn, &l.Minutes, &l.Activity, &l.Source, &l.SourceID)
		l.Hours = FormatHours(l.Minutes)
		return l, err
	})
	if err != nil {
		return m, err
	}
	yearMinutes := 0
	for _, l := range logs {
		m.TotalMinutes += l.Minutes
		if len(l.ServedOn) >= 4 && l.ServedOn[:4] == year {
			yearMinutes += l.Minutes
		}
	}
	m.TotalHours, m.YearHours = FormatHours(m.TotalMinutes), FormatHours(yearMinutes)
	m.Months = HoursByMonth(logs)
	if len(logs) > 50 {
		logs = logs[:50]
	}
	m.Logs = logs
	if m.Logs == nil {
		m.Logs = []ServiceLog{}
	}
	return m, nil
}
