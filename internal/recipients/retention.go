package recipients

import (
	"context"
	"database/sql"
	"errors"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
)

// DefaultRetentionYears is how long, in years after they left service
// (迁出, 死亡, 结束服务: the status date), a county keeps a person's data
// unless it set its own period (个人信息保护法 Art. 19: no longer than the
// purpose needs; archives of assistance are commonly kept 3 years).
const DefaultRetentionYears = 3

// Retention limits of a county's own period, in years.
const (
	MinRetentionYears = 1
	MaxRetentionYears = 30
)

// AnonymisedName replaces the name of an anonymised record.
const AnonymisedName = "（已匿名）"

// leftStatuses are the statuses of people who left service.
var leftStatuses = []any{StatusMoved, StatusDeceased, StatusClosed}

// RetentionYears is the county's retention period (DefaultRetentionYears
// when it set none).
func RetentionYears(ctx context.Context, q db.Querier, countyID string) (int, error) {
	var years int
	err := q.QueryRow(ctx, `SELECT years FROM recipient_retention WHERE county_id = ?`, countyID).Scan(&years)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultRetentionYears, nil
	}
	return years, err
}

// SetRetentionYears sets a county's retention period (1–30 years), for
// an actor holding recipients.categories (the county's business
// configuration) whose scope covers the county; recorded in the audit
// log.
func SetRetentionYears(ctx context.Context, tx *db.Tx, actor *authz.Actor, countyID string, years int) error {
	if err := actor.Require(authz.PermRecipientsCategories); err != nil {
		return err
	}
	county, err := org.Get(ctx, tx, countyID)
	if err != nil {
		return err
	}
	if county.Kind != org.KindCounty {
		return apperr.Fields{"county_id": "保存期限按县（区）设置"}.Err()
	}
	if err := actor.RequireScope(county.Path); err != nil {
		return err
	}
	if years < MinRetentionYears || years > MaxRetentionYears {
		return apperr.Fields{"years": "保存期限应为 1 到 30 年"}.Err()
	}
	before, err := RetentionYears(ctx, tx, countyID)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM recipient_retention WHERE county_id = ?`, countyID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO recipient_retention (county_id, years, updated_by, updated_at) VALUES (?, ?, ?, ?)`,
		countyID, years, actor.UserID, cst.NowStamp()); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "recipient_retention", EntityID: countyID, OrgPath: county.Path,
		Summary: "设置离开服务人员信息保存期限：" + county.Name,
		Changes: []audit.Change{{Field: "years", Label: "保存期限（年）", Before: itoa(before), After: itoa(years)}}})
}

// RetentionCounty is what a retention run found and did in one county.
type RetentionCounty struct {
	CountyID   string `json:"county_id"`
	CountyName string `json:"county_name"`
	Years      int    `json:"years"`
	Cutoff     string `json:"cutoff"` // people who left on or before this day are due
	Due        int    `json:"due"`
	Anonymised int    `json:"anonymised"`
}

// RetentionReport is the outcome of RunRetention.
type RetentionReport struct {
	DryRun   bool              `json:"dry_run"`
	Counties []RetentionCounty `json:"counties"`
	Due      int               `json:"due"`
	Done     int               `json:"anonymised"`
}

// AnonymiseHook is work another module does, in the run's transaction,
// when a person's record is anonymised (visits: the findings and notes
// of their visits). An error undoes the whole run.
type AnonymiseHook func(ctx context.Context, tx *db.Tx, recipientID string) error

var anonymiseHooks []AnonymiseHook

// OnAnonymise registers a hook run for every record RunRetention
// anonymises. Call it from an init function.
func OnAnonymise(h AnonymiseHook) { anonymiseHooks = append(anonymiseHooks, h) }

// RunRetention anonymises, in tx, the records of people who left service
// (迁出, 死亡, 结束服务) longer ago than their county's retention period:
// the name becomes AnonymisedName, the birth date keeps its year, and
// every sealed value, mask and blind index, the guardian, the status
// reason, the consent's signer and scan, the household and the
// volunteers' assignments are removed; what figures count (station,
// sex, year of birth, categories, status and dates) stays. With dryRun
// it only counts. Only the system actor (a command) runs it; each
// record anonymised gets an audit entry that does not name the person,
// and each county one with its count.
func RunRetention(ctx context.Context, tx *db.Tx, actor *authz.Actor, dryRun bool) (RetentionReport, error) {
	rep := RetentionReport{DryRun: dryRun, Counties: []RetentionCounty{}}
	if actor == nil || actor.Role != authz.RoleSystem {
		return rep, apperr.ErrForbidden()
	}
	rows, err := tx.Query(ctx, `SELECT id, name, path FROM org_units WHERE kind = ? ORDER BY path`, string(org.KindCounty))
	if err != nil {
		return rep, err
	}
	type county struct{ id, name, path string }
	counties, err := db.Collect(rows, nil, func(row interface{ Scan(...any) error }) (c county, err error) {
		err = row.Scan(&c.id, &c.name, &c.path)
		return c, err
	})
	if err != nil {
		return rep, err
	}
	now := cst.Now()
	for _, c := range counties {
		years, err := RetentionYears(ctx, tx, c.id)
		if err != nil {
			return rep, err
		}
		rc := RetentionCounty{CountyID: c.id, CountyName: c.name, Years: years, Cutoff: now.AddDate(-years, 0, 0).Format(cst.DateLayout)}
		sub, subArgs := authz.SubtreeCond(tx.Dialect(), "o.path", c.path)
		args := append(append([]any{}, subArgs...), leftStatuses...)
		rows, err := tx.Query(ctx, `SELECT r.id, r.status, r.status_date, o.path FROM recipients r JOIN org_units o ON o.id = r.org_id
			WHERE `+sub+` AND r.status IN (?, ?, ?) AND r.anonymised_at = '' AND r.status_date <> '' AND r.status_date <= ?
			ORDER BY r.status_date, r.id`, append(args, rc.Cutoff)...)
		if err != nil {
			return rep, err
		}
		type due struct{ id, status, left, path string }
		list, err := db.Collect(rows, nil, func(row interface{ Scan(...any) error }) (d due, err error) {
			err = row.Scan(&d.id, &d.status, &d.left, &d.path)
			return d, err
		})
		if err != nil {
			return rep, err
		}
		rc.Due = len(list)
		if !dryRun {
			for _, d := range list {
				if err := anonymise(ctx, tx, d.id); err != nil {
					return rep, err
				}
				if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "recipient", EntityID: d.id, OrgPath: d.path,
					Summary: "保存期满（" + StatusLabel(d.status) + "于 " + d.left + "，保存 " + itoa(years) + " 年），已匿名化服务对象记录"}); err != nil {
					return rep, err
				}
				rc.Anonymised++
			}
			if rc.Anonymised > 0 {
				if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "recipient_retention", EntityID: c.id, OrgPath: c.path,
					Summary: "个人信息保存期满处理：" + c.name + " 匿名化 " + itoa(rc.Anonymised) + " 人（离开服务满 " + itoa(years) + " 年）"}); err != nil {
					return rep, err
				}
			}
		}
		rep.Due += rc.Due
		rep.Done += rc.Anonymised
		rep.Counties = append(rep.Counties, rc)
	}
	return rep, nil
}

// anonymise strips one record of its personal data (see RunRetention).
func anonymise(ctx context.Context, tx *db.Tx, id string) error {
	var name, householdID, scanID string
	if err := tx.QueryRow(ctx, `SELECT name, COALESCE(household_id, ''), consent_scan_id FROM recipients WHERE id = ?`, id).Scan(&name, &householdID, &scanID); err != nil {
		return err
	}
	if householdID != "" {
		// A household is named after its head: the name goes too, and a
		// household left empty is dissolved.
		if _, err := tx.Exec(ctx, `UPDATE households SET name = REPLACE(name, ?, ?) WHERE id = ?`, name, AnonymisedName, householdID); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE recipients SET name = ?, name_initials = '',
		birth_date = CASE WHEN birth_date = '' THEN '' ELSE SUBSTR(birth_date, 1, 4) || '-01-01' END,
		id_enc = '', id_index = '', id_masked = '', phone_enc = '', phone_index = '', phone_masked = '',
		hukou_address_enc = '', hukou_address_masked = '', current_address_enc = '', current_address_masked = '',
		guardian_name = '', guardian_relation = '', guardian_phone_enc = '', guardian_phone_masked = '', health_notes_enc = '',
		status_reason = '', consent_name = '', consent_scan_id = '', household_id = NULL, household_relation = '',
		anonymised_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`, AnonymisedName, cst.NowStamp(), cst.NowStamp(), id); err != nil {
		return err
	}
	if householdID != "" {
		if _, err := tx.Exec(ctx, `DELETE FROM households WHERE id = ? AND NOT EXISTS (SELECT 1 FROM recipients WHERE household_id = ?)`, householdID, householdID); err != nil {
			return err
		}
	}
	for _, q := range []string{
		`DELETE FROM recipient_assignments WHERE recipient_id = ?`,
		`UPDATE recipient_status_history SET reason = '' WHERE recipient_id = ?`,
		`UPDATE recipient_household_history SET household_name = '` + AnonymisedName + `' WHERE recipient_id = ?`,
		// The consent form's scan: its row goes (the sealed file is no
		// longer reachable and is left to the attachments' own cleanup).
		`DELETE FROM attachments WHERE owner_entity = '` + ConsentEntity + `' AND owner_id = ?`,
	} {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return err
		}
	}
	for _, h := range anonymiseHooks {
		if err := h(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}
