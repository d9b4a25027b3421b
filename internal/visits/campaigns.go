package visits

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
)

// Campaign is a 探访排查 plan: visit everyone in care in a list of
// villages within a date range. Visits are recorded one by one and link
// to it; its progress counts the people in those villages visited within
// the range (linked or not: a visit is a visit).
type Campaign struct {
	ID        string   `json:"id"`
	Version   int      `json:"version"`
	OrgID     string   `json:"org_id"`
	OrgName   string   `json:"org_name"`
	OrgPath   string   `json:"-"`
	Name      string   `json:"name"`
	StartsOn  string   `json:"starts_on"`
	EndsOn    string   `json:"ends_on"`
	Notes     string   `json:"notes"`
	Villages  []string `json:"villages"`
	CreatedBy string   `json:"created_by"`
	CreatedAt string   `json:"created_at"`
	UpdatedAt string   `json:"updated_at"`
	// Progress (filled by GetCampaign and ListCampaigns).
	Visits  int `json:"visits"`  // visits linked to the campaign
	Targets int `json:"targets"` // people in care in the villages
	Reached int `json:"reached"` // of them, visited within the range
}

// Status is 未开始 / 进行中 / 已结束 on today's date.
func (c Campaign) Status() string {
	today := cst.Today()
	switch {
	case today < c.StartsOn:
		return "未开始"
	case today > c.EndsOn:
		return "已结束"
	}
	return "进行中"
}

// CampaignInput is what a station head submits.
type CampaignInput struct {
	// ID is the id the create form was drawn with: the same form sent
	// twice is saved once (create only).
	ID       string   `json:"id,omitempty"`
	OrgID    string   `json:"org_id"`
	Name     string   `json:"name"`
	StartsOn string   `json:"starts_on"`
	EndsOn   string   `json:"ends_on"`
	Notes    string   `json:"notes,omitempty"`
	Villages []string `json:"villages"`
}

func (in *CampaignInput) check(ctx context.Context, q db.Querier, actor *authz.Actor) (org.Unit, error) {
	in.Name, in.Notes = strings.TrimSpace(in.Name), strings.TrimSpace(in.Notes)
	fe := apperr.Fields{}
	if in.Name == "" {
		fe.Add("name", "请填写计划名称")
	} else if len([]rune(in.Name)) > 60 {
		fe.Add("name", "名称不能超过 60 个字")
	}
	s, errS := cst.ParseDate(in.StartsOn)
	e, errE := cst.ParseDate(in.EndsOn)
	if errS != nil {
		fe.Add("starts_on", "请填写开始日期")
	}
	if errE != nil {
		fe.Add("ends_on", "请填写结束日期")
	} else if errS == nil && e.Before(s) {
		fe.Add("ends_on", "结束日期不能早于开始日期")
	} else if errS == nil && e.Sub(s).Hours() > 24*366 {
		fe.Add("ends_on", "一次排查不超过一年")
	}
	if in.OrgID == "" {
		in.OrgID = actor.OrgID
	}
	unit, err := org.Get(ctx, q, in.OrgID)
	if apperr.Is(err, apperr.NotFound) || err == nil && !actor.Covers(unit.Path) {
		fe.Add("org_id", "请选择您负责范围内的社工站")
	} else if err != nil {
		return org.Unit{}, err
	} else if unit.Kind != org.KindStation && unit.Kind != org.KindCounty {
		fe.Add("org_id", "排查计划由社工站或县（区）民政局制定")
	}
	seen := map[string]bool{}
	var villages []string
	for _, v := range in.Villages {
		for _, code := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\n' || r == '\r' }) {
			if seen[code] {
				continue
			}
			seen[code] = true
			if len(code) != 12 || strings.Trim(code, "0123456789") != "" {
				fe.Add("villages", "村（社区）代码应为 12 位数字："+code)
			} else if len(unit.DivisionCode) >= 6 && !strings.HasPrefix(code, unit.DivisionCode) {
				fe.Add("villages", "村（社区）"+code+"不在"+unit.Name+"辖区内")
			}
			villages = append(villages, code)
		}
	}
	if len(villages) == 0 {
		fe.Add("villages", "请至少选择一个村（社区）")
	} else if len(villages) > 500 {
		fe.Add("villages", "一次排查最多 500 个村（社区）")
	}
	sort.Strings(villages)
	in.Villages = villages
	return unit, fe.Err()
}

// CreateCampaign adds a campaign.
func CreateCampaign(ctx context.Context, tx db.Querier, actor *authz.Actor, in CampaignInput) (Campaign, error) {
	if err := actor.Require(authz.PermVisitsPlan); err != nil {
		return Campaign{}, err
	}
	id := strings.TrimSpace(in.ID)
	if id != "" {
		if !ids.Valid(id) {
			return Campaign{}, (apperr.Fields{"id": "记录编号应为小写的 UUID，或留空由系统生成"}).Err()
		}
		if c, err := GetCampaign(ctx, tx, actor, id); err == nil {
			return c, nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return Campaign{}, err
		}
	} else {
		id = ids.New()
	}
	unit, err := in.check(ctx, tx, actor)
	if err != nil {
		return Campaign{}, err
	}
	now := cst.NowStamp()
	c := Campaign{ID: id, Version: 1, OrgID: unit.ID, OrgName: unit.Name, OrgPath: unit.Path, Name: in.Name, StartsOn: in.StartsOn,
		EndsOn: in.EndsOn, Notes: in.Notes, Villages: in.Villages, CreatedBy: actorID(actor), CreatedAt: now, UpdatedAt: now}
	if _, err := tx.Exec(ctx, `INSERT INTO visit_campaigns (id, version, org_id, name, starts_on, ends_on, notes, created_by, created_at, updated_at)
		VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.OrgID, c.Name, c.StartsOn, c.EndsOn, c.Notes, c.CreatedBy, now, now); err != nil {
		return Campaign{}, err
	}
	if err := saveVillages(ctx, tx, c.ID, c.Villages); err != nil {
		return Campaign{}, err
	}
	err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "visit_campaign", EntityID: c.ID, OrgPath: c.OrgPath,
		Summary: "新增探访排查计划：" + c.Name, Changes: audit.Diff(nil, c.fields())})
	return c, err
}

// UpdateCampaign changes a campaign, checking the version.
func UpdateCampaign(ctx context.Context, tx db.Querier, actor *authz.Actor, id string, version int, in CampaignInput) (Campaign, error) {
	if err := actor.Require(authz.PermVisitsPlan); err != nil {
		return Campaign{}, err
	}
	before, err := GetCampaign(ctx, tx, actor, id)
	if err != nil {
		return Campaign{}, err
	}
	unit, err := in.check(ctx, tx, actor)
	if err != nil {
		return Campaign{}, err
	}
	if err := db.Versioned(tx.Exec(ctx, `UPDATE visit_campaigns SET org_id = ?, name = ?, starts_on = ?, ends_on = ?, notes = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND version = ?`, unit.ID, in.Name, in.StartsOn, in.EndsOn, in.Notes, cst.NowStamp(), id, version)); err != nil {
		return Campaign{}, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM visit_campaign_villages WHERE campaign_id = ?`, id); err != nil {
		return Campaign{}, err
	}
	if err := saveVillages(ctx, tx, id, in.Villages); err != nil {
		return Campaign{}, err
	}
	after, err := GetCampaign(ctx, tx, actor, id)
	if err != nil {
		return Campaign{}, err
	}
	if changes := audit.Diff(before.fields(), after.fields()); len(changes) > 0 {
		err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "visit_campaign", EntityID: id, OrgPath: after.OrgPath,
			Summary: "修改探访排查计划：" + after.Name, Changes: changes})
	}
	return after, err
}

func saveVillages(ctx context.Context, tx db.Querier, id string, villages []string) error {
	for _, v := range villages {
		if _, err := tx.Exec(ctx, `INSERT INTO visit_campaign_villages (campaign_id, village_code) VALUES (?, ?)`, id, v); err != nil {
			return err
		}
	}
	return nil
}

func (c Campaign) fields() []audit.Field {
	return []audit.Field{
		{Name: "name", Label: "名称", Value: c.Name},
		{Name: "org", Label: "负责机构", Value: c.OrgName},
		{Name: "starts_on", Label: "开始日期", Value: c.StartsOn},
		{Name: "ends_on", Label: "结束日期", Value: c.EndsOn},
		{Name: "villages", Label: "村（社区）", Value: strings.Join(c.Villages, "、")},
		{Name: "notes", Label: "说明", Value: c.Notes},
	}
}

const campaignColumns = `c.id, c.version, c.org_id, o.name, o.path, c.name, c.starts_on, c.ends_on, c.notes, c.created_by, c.created_at, c.updated_at`

func scanCampaign(row interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	err := row.Scan(&c.ID, &c.Version, &c.OrgID, &c.OrgName, &c.OrgPath, &c.Name, &c.StartsOn, &c.EndsOn, &c.Notes, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

// getCampaign loads a campaign without a scope check.
func getCampaign(ctx context.Context, q db.Querier, id string) (Campaign, error) {
	c, err := scanCampaign(q.QueryRow(ctx, `SELECT `+campaignColumns+` FROM visit_campaigns c JOIN org_units o ON o.id = c.org_id WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, apperr.ErrNotFound("探访排查计划")
	}
	return c, err
}

// GetCampaign loads a campaign in the actor's scope, with its villages
// and progress. A worker of a station sees the county's campaigns too
// (they carry them out), hence the two-way scope test.
func GetCampaign(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Campaign, error) {
	c, err := getCampaign(ctx, q, id)
	if err != nil {
		return Campaign{}, err
	}
	if !actor.Covers(c.OrgPath) && !strings.HasPrefix(actor.OrgPath, c.OrgPath) {
		return Campaign{}, apperr.ErrOutOfScope()
	}
	rows, err := q.Query(ctx, `SELECT village_code FROM visit_campaign_villages WHERE campaign_id = ? ORDER BY village_code`, id)
	if err != nil {
		return Campaign{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return Campaign{}, err
		}
		c.Villages = append(c.Villages, v)
	}
	if err := rows.Err(); err != nil {
		return Campaign{}, err
	}
	return c, progress(ctx, q, &c)
}

func progress(ctx context.Context, q db.Querier, c *Campaign) error {
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM visits WHERE campaign_id = ?`, c.ID).Scan(&c.Visits); err != nil {
		return err
	}
	// People in care in the villages, under the campaign's node; reached
	// = with a visit dated within the range.
	under, underArgs := authz.SubtreeCond(q.Dialect(), "o.path", c.OrgPath)
	return q.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM visits v WHERE v.recipient_id = r.id AND v.visit_date >= ? AND v.visit_date <= ?) THEN 1 ELSE 0 END), 0)
		FROM recipients r JOIN org_units o ON o.id = r.org_id
		WHERE r.village_code IN (SELECT village_code FROM visit_campaign_villages WHERE campaign_id = ?) AND `+recipients.InCareCond("r")+` AND `+under,
		append([]any{c.StartsOn, c.EndsOn, c.ID}, underArgs...)...).Scan(&c.Targets, &c.Reached)
}

// CampaignFilter selects campaigns.
type CampaignFilter struct {
	Active bool // running today
	Offset int
	Limit  int
}

// ListCampaigns returns the campaigns in the actor's scope and above it
// (a station sees the county's), newest first.
func ListCampaigns(ctx context.Context, q db.Querier, actor *authz.Actor, f CampaignFilter) ([]Campaign, int, error) {
	if err := actor.Require(authz.PermVisitsRead); err != nil {
		return nil, 0, err
	}
	var c db.Conds
	c.Add("(o.path LIKE ? OR ? LIKE o.path || '%')", actor.OrgPath+"%", actor.OrgPath)
	if f.Active {
		today := cst.Today()
		c.Add("c.starts_on <= ? AND c.ends_on >= ?", today, today)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	out, total, err := db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*) FROM visit_campaigns c JOIN org_units o ON o.id = c.org_id`,
		Select: `SELECT ` + campaignColumns + ` FROM visit_campaigns c JOIN org_units o ON o.id = c.org_id`,
		Where:  c,
		Order:  "c.starts_on DESC, c.id DESC",
		Limit:  f.Limit,
		Offset: f.Offset,
	}, scanCampaign)
	if err != nil {
		return nil, 0, err
	}
	// Page has closed its rows: progress runs its own queries, which a
	// transaction's connection serves one at a time.
	for i := range out {
		if err := progress(ctx, q, &out[i]); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}
