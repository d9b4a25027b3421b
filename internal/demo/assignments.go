package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/workforce"
)

// DemoAssigned are the demo recipients the station head of 朝歌 has
// assigned to the demo volunteer (zhiyuan): all they see of the registry.
var DemoAssigned = map[string]string{"张三": "每周二上门陪伴、代购生活用品", "张三丰": "重阳节敬老活动联络"}

// loadAssignments links the demo volunteer account to the first volunteer
// of 朝歌 in the registry and assigns them DemoAssigned, once.
func loadAssignments(ctx context.Context, a *app.App, admin *authz.Actor) error {
	u, err := a.Auth.UserByUsername(ctx, "zhiyuan")
	if err != nil {
		return nil // no demo volunteer account
	}
	chaoge, err := Unit(ctx, a.DB, "410622001", org.KindStation)
	if err != nil {
		return err
	}
	return a.DB.InTx(ctx, func(tx *db.Tx) error {
		// The account is this volunteer (the roster links it; else the first
		// volunteer of 朝歌); assignments are made once.
		var volunteerID string
		err := tx.QueryRow(ctx, `SELECT id FROM wf_volunteers WHERE user_id = ?`, u.ID).Scan(&volunteerID)
		if errors.Is(err, sql.ErrNoRows) {
			vs, _, err := workforce.ListVolunteers(ctx, tx, a.Keys, admin, workforce.VolunteerFilter{OrgID: chaoge.ID, Sort: "registered", Limit: 1})
			if err != nil || len(vs) == 0 {
				return err
			}
			if _, err := workforce.LinkVolunteerAccount(ctx, tx, admin, vs[0].ID, u.ID); err != nil {
				return fmt.Errorf("demo volunteer account: %w", err)
			}
			volunteerID = vs[0].ID
		} else if err != nil {
			return err
		}
		var assigned int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM recipient_assignments WHERE volunteer_id = ?`, volunteerID).Scan(&assigned); err != nil || assigned > 0 {
			return err
		}
		for name, task := range DemoAssigned {
			people, _, _, err := recipients.List(ctx, tx, a.Keys, admin, recipients.Filter{Name: name, OrgID: chaoge.ID, Limit: 5})
			if err != nil {
				return err
			}
			for _, p := range people {
				if p.Name != name {
					continue
				}
				if _, err := recipients.Assign(ctx, tx, admin, p.ID, recipients.AssignmentInput{VolunteerID: volunteerID, Task: task, StartsOn: "2026-01-01"}); err != nil {
					return fmt.Errorf("demo assignment %s: %w", name, err)
				}
			}
		}
		return nil
	})
}
