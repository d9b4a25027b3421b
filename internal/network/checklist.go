package network

import (
	"context"
	"database/sql"
	"errors"
	"mime/multipart"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/validate"
)

// ChecklistItem is one line of a county's standardisation checklist.
type ChecklistItem struct {
	ID       string `json:"id"`
	CountyID string `json:"county_id"`
	Position int    `json:"position"`
	Category string `json:"category"`
	Title    string `json:"title"`
	Guidance string `json:"guidance"`
	MaxScore int    `json:"max_score"`
	Active   bool   `json:"active"`
	Version  int    `json:"version"`
}

// DefaultChecklist is the checklist a county starts with, after the
// construction standard of domain.md §1 (场地、设备、人员、服务功能, rooms
// for casework and groups, posted rules). Counties change it as they
// wish; 100 points in all.
var DefaultChecklist = []ChecklistItem{
	{Category: "场地", Title: "有固定的办公服务场地，面积达到县定标准", Guidance: "实地查看；查阅场地使用协议", MaxScore: 15},
	{Category: "场地", Title: "设有独立的个案工作室", Guidance: "实地查看：私密、可安静谈话", MaxScore: 10},
	{Category: "场地", Title: "设有小组活动室", Guidance: "实地查看：可容纳 8–12 人活动", MaxScore: 10},
	{Category: "设备", Title: "办公设备齐全（电脑、打印机、档案柜、网络等）", Guidance: "实地查看", MaxScore: 10},
	{Category: "人员", Title: "驻站社会工作者不少于 2 名", Guidance: "查阅人员名册与考勤", MaxScore: 15},
	{Category: "人员", Title: "持证社工占驻站人员比例达标", Guidance: "查阅职业资格证书", MaxScore: 10},
	{Category: "服务功能", Title: "开展个案、小组、社区活动等专业服务，服务有记录", Guidance: "听取汇报；查阅服务档案与台账", MaxScore: 20},
	{Category: "制度", Title: "岗位职责、站点管理职责、档案管理制度上墙", Guidance: "实地查看", MaxScore: 10},
}

// Methods are the ways an assessment gathers evidence.
var Methods = []string{"听取汇报", "查阅档案", "实地查看", "访谈"}

// MaxItemScore caps one item's maximum.
const MaxItemScore = 100

const itemColumns = `id, org_id, position, category, title, guidance, max_score, active, version`

func scanItem(row interface{ Scan(...any) error }) (ChecklistItem, error) {
	var it ChecklistItem
	err := row.Scan(&it.ID, &it.CountyID, &it.Position, &it.Category, &it.Title, &it.Guidance, &it.MaxScore, &it.Active, &it.Version)
	return it, err
}

// Checklist returns a county's items in order (all, or only active ones).
func Checklist(ctx context.Context, q db.Querier, countyID string, activeOnly bool) ([]ChecklistItem, error) {
	query := `SELECT ` + itemColumns + ` FROM checklist_items WHERE org_id = ?`
	if activeOnly {
		query += ` AND active = 1`
	}
	rows, err := q.Query(ctx, query+` ORDER BY position, id`, countyID)
	out, err := db.Collect(rows, err, scanItem)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EnsureChecklist gives a county the default checklist the first time it
// is needed, and returns its items. The system writes it (no actor).
func EnsureChecklist(ctx context.Context, tx db.Querier, county org.Unit) ([]ChecklistItem, error) {
	items, err := Checklist(ctx, tx, county.ID, false)
	if err != nil || len(items) > 0 {
		return items, err
	}
	now := cst.NowStamp()
	res, err := tx.Exec(ctx, `INSERT INTO checklist_seeded (org_id, created_at) VALUES (?, ?) ON CONFLICT (org_id) DO NOTHING`, county.ID, now)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 0 { // seeded by a concurrent first view, or emptied on purpose
		return Checklist(ctx, tx, county.ID, false)
	}
	for i, d := range DefaultChecklist {
		it := d
		it.ID, it.CountyID, it.Position, it.Active, it.Version = ids.New(), county.ID, (i+1)*10, true, 1
		if _, err := tx.Exec(ctx, `INSERT INTO checklist_items (id, org_id, position, category, title, guidance, max_score, active, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 1)`, it.ID, it.CountyID, it.Position, it.Category, it.Title, it.Guidance, it.MaxScore, now, now); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	err = audit.Record(ctx, tx, nil, audit.Entry{Action: audit.ActionCreate, Entity: EntityChecklist, EntityID: county.ID, OrgPath: county.Path,
		Summary: "为" + county.Name + "建立默认标准化建设清单（" + strconv.Itoa(len(items)) + " 项）"})
	return items, err
}

// ItemInput is what a user submits for a checklist item.
type ItemInput struct {
	ID       string `json:"id,omitempty"` // AddItem only: the id the form was drawn with
	Position int    `json:"position"`
	Category string `json:"category"`
	Title    string `json:"title"`
	Guidance string `json:"guidance"`
	MaxScore int    `json:"max_score"`
	Active   *bool  `json:"active"`
}

func (in *ItemInput) check() error {
	fe := apperr.Fields{}
	in.Category = validate.Text(fe, "category", "类别", in.Category, 20, true)
	in.Title = validate.Text(fe, "title", "检查内容", in.Title, 120, true)
	in.Guidance = validate.Text(fe, "guidance", "检查方法", in.Guidance, 200, false)
	if in.MaxScore < 1 || in.MaxScore > MaxItemScore {
		fe.Add("max_score", "满分应在 1–"+strconv.Itoa(MaxItemScore)+" 之间")
	}
	if in.Position < 0 || in.Position > 100000 {
		fe.Add("position", "顺序号应为 0–100000 的整数")
	}
	return fe.Err()
}

func (it ChecklistItem) fields() []audit.Field {
	return []audit.Field{
		{Name: "position", Label: "顺序", Value: strconv.Itoa(it.Position)},
		{Name: "category", Label: "类别", Value: it.Category},
		{Name: "title", Label: "检查内容", Value: it.Title},
		{Name: "guidance", Label: "检查方法", Value: it.Guidance},
		{Name: "max_score", Label: "满分", Value: strconv.Itoa(it.MaxScore)},
		{Name: "active", Label: "启用", Value: yesNo(it.Active)},
	}
}

// AddItem adds an item to a county's checklist.
func AddItem(ctx context.Context, tx db.Querier, actor *authz.Actor, countyID string, in ItemInput) (ChecklistItem, error) {
	county, err := countyFor(ctx, tx, actor, countyID)
	if err != nil {
		return ChecklistItem{}, err
	}
	if !actor.Covers(county.Path) {
		return ChecklistItem{}, apperr.ErrOutOfScope()
	}
	id, err := createID(in.ID)
	if err != nil {
		return ChecklistItem{}, err
	}
	if in.ID != "" {
		// The same form sent again: answer with the item it added.
		it, err := scanItem(tx.QueryRow(ctx, `SELECT `+itemColumns+` FROM checklist_items WHERE id = ? AND org_id = ?`, id, county.ID))
		if err == nil {
			return it, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return ChecklistItem{}, err
		}
	}
	if _, err := EnsureChecklist(ctx, tx, county); err != nil {
		return ChecklistItem{}, err
	}
	if in.Position == 0 {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) + 10 FROM checklist_items WHERE org_id = ?`, county.ID).Scan(&in.Position); err != nil {
			return ChecklistItem{}, err
		}
	}
	if err := in.check(); err != nil {
		return ChecklistItem{}, err
	}
	now := cst.NowStamp()
	it := ChecklistItem{ID: id, CountyID: county.ID, Position: in.Position, Category: in.Category, Title: in.Title, Guidance: in.Guidance,
		MaxScore: in.MaxScore, Active: true, Version: 1}
	if _, err := tx.Exec(ctx, `INSERT INTO checklist_items (id, org_id, position, category, title, guidance, max_score, active, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 1)`, it.ID, it.CountyID, it.Position, it.Category, it.Title, it.Guidance, it.MaxScore, now, now); err != nil {
		return ChecklistItem{}, err
	}
	err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: EntityChecklist, EntityID: it.ID, OrgPath: county.Path,
		Summary: "标准化清单新增：" + it.Title, Changes: audit.Diff(nil, it.fields())})
	return it, err
}

// UpdateItem changes an item (its wording, maximum, order or whether it
// is still used). Past assessments keep the wording they were scored on.
func UpdateItem(ctx context.Context, tx db.Querier, actor *authz.Actor, id string, version int, in ItemInput) (ChecklistItem, error) {
	before, err := scanItem(tx.QueryRow(ctx, `SELECT `+itemColumns+` FROM checklist_items WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ChecklistItem{}, apperr.ErrNotFound("清单项目")
	}
	if err != nil {
		return ChecklistItem{}, err
	}
	county, err := org.GetFor(ctx, tx, actor, before.CountyID)
	if err != nil {
		return ChecklistItem{}, err
	}
	if err := in.check(); err != nil {
		return ChecklistItem{}, err
	}
	after := before
	after.Position, after.Category, after.Title, after.Guidance, after.MaxScore = in.Position, in.Category, in.Title, in.Guidance, in.MaxScore
	if in.Active != nil {
		after.Active = *in.Active
	}
	if err := db.Versioned(tx.Exec(ctx, `UPDATE checklist_items SET position = ?, category = ?, title = ?, guidance = ?, max_score = ?, active = ?, updated_at = ?,
		version = version + 1 WHERE id = ? AND version = ?`, after.Position, after.Category, after.Title, after.Guidance, after.MaxScore,
		db.Bool(after.Active), cst.NowStamp(), id, version)); err != nil {
		return ChecklistItem{}, err
	}
	after.Version = version + 1
	if changes := audit.Diff(before.fields(), after.fields()); len(changes) > 0 {
		err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: EntityChecklist, EntityID: id, OrgPath: county.Path,
			Summary: "修改标准化清单项目：" + after.Title, Changes: changes})
	}
	return after, err
}

// Assessment is a dated, scored check of a station against the checklist.
type Assessment struct {
	ID            string              `json:"id"`
	StationID     string              `json:"station_id"`
	StationName   string              `json:"station_name"`
	AssessedOn    string              `json:"assessed_on"`
	Assessors     string              `json:"assessors"`
	Methods       []string            `json:"methods"`
	TotalScore    int                 `json:"total_score"`
	MaxScore      int                 `json:"max_score"`
	Demonstration bool                `json:"demonstration"` // marked 标准化示范站
	Notes         string              `json:"notes"`
	Scores        []ItemScore         `json:"scores,omitempty"`
	Photos        []attach.Attachment `json:"photos,omitempty"`
	CreatedAt     string              `json:"created_at"`
	Path          string              `json:"-"`
}

// ItemScore is one item's score in an assessment, with the item as it
// was worded then.
type ItemScore struct {
	ItemID   string `json:"item_id"`
	Category string `json:"category"`
	Title    string `json:"title"`
	MaxScore int    `json:"max_score"`
	Score    int    `json:"score"`
	Note     string `json:"note,omitempty"`
}

const assessmentSelect = `SELECT a.id, a.station_id, o.name, a.assessed_on, a.assessors, a.methods, a.total_score, a.max_score,
	a.demonstration, a.notes, a.created_at, o.path FROM assessments a JOIN org_units o ON o.id = a.station_id`

func scanAssessment(row interface{ Scan(...any) error }) (Assessment, error) {
	var a Assessment
	var methods string
	err := row.Scan(&a.ID, &a.StationID, &a.StationName, &a.AssessedOn, &a.Assessors, &methods, &a.TotalScore, &a.MaxScore,
		&a.Demonstration, &a.Notes, &a.CreatedAt, &a.Path)
	a.Methods = []string{}
	if methods != "" {
		a.Methods = strings.Split(methods, ",")
	}
	return a, err
}

// GetAssessment loads an assessment in the actor's scope with its scores
// (photos are attached by the caller, who holds the attachment store).
func GetAssessment(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Assessment, error) {
	a, err := scanAssessment(q.QueryRow(ctx, assessmentSelect+` WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Assessment{}, apperr.ErrNotFound("评估记录")
	}
	if err != nil {
		return a, err
	}
	if err := actor.RequireScope(a.Path); err != nil {
		return Assessment{}, err
	}
	rows, err := q.Query(ctx, `SELECT item_id, category, title, max_score, score, note FROM assessment_scores WHERE assessment_id = ? ORDER BY position, item_id`, id)
	if err != nil {
		return a, err
	}
	defer rows.Close()
	for rows.Next() {
		var s ItemScore
		if err := rows.Scan(&s.ItemID, &s.Category, &s.Title, &s.MaxScore, &s.Score, &s.Note); err != nil {
			return a, err
		}
		a.Scores = append(a.Scores, s)
	}
	return a, rows.Err()
}

// ListAssessments returns a station's assessments, newest first.
func ListAssessments(ctx context.Context, q db.Querier, actor *authz.Actor, stationID string, offset, limit int) ([]Assessment, int, error) {
	st, err := GetStation(ctx, q, actor, stationID)
	if err != nil {
		return nil, 0, err
	}
	var c db.Conds
	c.Add("a.station_id = ?", st.ID)
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*) FROM assessments a`,
		Select: assessmentSelect,
		Where:  c,
		Order:  "a.assessed_on DESC, a.id DESC",
		Limit:  clampLimit(limit),
		Offset: max(offset, 0),
	}, scanAssessment)
}

// AssessmentInput is what an assessor submits. Scores maps item id →
// points; every active item of the county's checklist needs one.
type AssessmentInput struct {
	// ID is the id the form was drawn with (create only): the same form
	// sent twice records one assessment.
	ID            string            `json:"id,omitempty"`
	AssessedOn    string            `json:"assessed_on"`
	Assessors     string            `json:"assessors"`
	Methods       []string          `json:"methods"`
	Scores        map[string]int    `json:"scores"`
	ItemNotes     map[string]string `json:"item_notes,omitempty"`
	Demonstration bool              `json:"demonstration"`
	Notes         string            `json:"notes"`
	// ScoreText holds scores as typed in a form (item id → text), so a
	// non-number is reported on its field rather than lost; it wins over
	// Scores for the items it names.
	ScoreText map[string]string `json:"-"`
}

// ScoreField is the form/JSON field name of an item's score in errors.
func ScoreField(itemID string) string { return "score_" + itemID }

// PhotoField names the photos in errors.
const PhotoField = "photos"

// MaxPhotos caps the photos of one assessment.
const MaxPhotos = 9

// CreateAssessment records an assessment of a station with its item
// scores and photos, all in the caller's transaction, and updates the
// station's latest result (and 示范站 mark) when it is the newest.
// store may be nil when there are no photos.
func CreateAssessment(ctx context.Context, tx db.Querier, actor *authz.Actor, store *attach.Store, stationID string, in AssessmentInput, photos []*multipart.FileHeader) (Assessment, error) {
	st, err := GetStation(ctx, tx, actor, stationID)
	if err != nil {
		return Assessment{}, err
	}
	id, err := createID(in.ID)
	if err != nil {
		return Assessment{}, err
	}
	if in.ID != "" {
		if a, err := GetAssessment(ctx, tx, actor, id); err == nil {
			return a, nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return Assessment{}, err
		}
	}
	county, err := org.Get(ctx, tx, st.CountyID)
	if err != nil {
		return Assessment{}, err
	}
	items, err := EnsureChecklist(ctx, tx, county)
	if err != nil {
		return Assessment{}, err
	}
	fe := apperr.Fields{}
	in.AssessedOn, _, _ = validate.Date(fe, "assessed_on", "评估日期", in.AssessedOn, true)
	in.Assessors = validate.Text(fe, "assessors", "评估人", in.Assessors, 100, true)
	in.Notes = validate.Text(fe, "notes", "评估意见", in.Notes, 2000, false)
	var methods []string
	for _, m := range in.Methods {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if !contains(Methods, m) {
			fe.Add("methods", "评估方式只能是："+strings.Join(Methods, "、"))
			break
		}
		if !contains(methods, m) {
			methods = append(methods, m)
		}
	}
	known := map[string]bool{}
	var scores []ItemScore
	total, maxTotal := 0, 0
	for _, it := range items {
		known[it.ID] = true
		if !it.Active {
			continue
		}
		field := ScoreField(it.ID)
		score, given := in.Scores[it.ID]
		if txt, ok := in.ScoreText[it.ID]; ok {
			txt = strings.TrimSpace(txt)
			given = txt != ""
			if given {
				n, err := strconv.Atoi(txt)
				if err != nil {
					fe.Add(field, "“"+it.Title+"”的得分应为整数")
					continue
				}
				score = n
			}
		}
		switch {
		case !given:
			fe.Add(field, "请为“"+it.Title+"”打分")
		case score < 0 || score > it.MaxScore:
			fe.Add(field, "“"+it.Title+"”的得分应在 0–"+strconv.Itoa(it.MaxScore)+" 之间")
		}
		note := validate.Text(fe, "note_"+it.ID, "说明", in.ItemNotes[it.ID], 200, false)
		scores = append(scores, ItemScore{ItemID: it.ID, Category: it.Category, Title: it.Title, MaxScore: it.MaxScore, Score: score, Note: note})
		total += score
		maxTotal += it.MaxScore
	}
	for id := range in.Scores {
		if !known[id] {
			fe.Add(ScoreField(id), "不是本县标准化清单中的项目")
		}
	}
	if len(scores) == 0 {
		fe.Add("scores", "本县的标准化清单没有启用的项目，请先配置清单")
	}
	if len(photos) > MaxPhotos {
		fe.Add(PhotoField, "每次评估最多上传 "+strconv.Itoa(MaxPhotos)+" 张照片")
	}
	if err := fe.Err(); err != nil {
		return Assessment{}, err
	}
	a := Assessment{ID: id, StationID: st.ID, StationName: st.Name, AssessedOn: in.AssessedOn, Assessors: in.Assessors,
		Methods: methods, TotalScore: total, MaxScore: maxTotal, Demonstration: in.Demonstration, Notes: in.Notes, Scores: scores,
		CreatedAt: cst.NowStamp(), Path: st.Path}
	if a.Methods == nil {
		a.Methods = []string{}
	}
	createdBy := ""
	if actor != nil {
		createdBy = actor.UserID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO assessments (id, station_id, assessed_on, assessors, methods, total_score, max_score, demonstration, notes, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.StationID, a.AssessedOn, a.Assessors, strings.Join(a.Methods, ","), a.TotalScore, a.MaxScore,
		db.Bool(a.Demonstration), a.Notes, createdBy, a.CreatedAt); err != nil {
		return Assessment{}, err
	}
	positions := map[string]int{}
	for _, it := range items {
		positions[it.ID] = it.Position
	}
	for _, s := range scores {
		if _, err := tx.Exec(ctx, `INSERT INTO assessment_scores (assessment_id, item_id, position, category, title, max_score, score, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, s.ItemID, positions[s.ItemID], s.Category, s.Title, s.MaxScore, s.Score, s.Note); err != nil {
			return Assessment{}, err
		}
	}
	for _, fh := range photos {
		if store == nil {
			return Assessment{}, errors.New("network: photos given without an attachment store")
		}
		ph, err := store.SaveImage(ctx, tx, actor, attach.Owner{Entity: EntityAssessment, ID: a.ID, OrgPath: st.Path}, PhotoField, fh)
		if err != nil {
			return Assessment{}, err
		}
		a.Photos = append(a.Photos, ph)
	}
	// The station shows its latest result: this one, unless an assessment
	// with a later date was recorded before it.
	if a.AssessedOn >= st.LastAssessedOn {
		if _, err := tx.Exec(ctx, `UPDATE stations SET last_assessed_on = ?, last_score = ?, last_max_score = ?, demonstration = ? WHERE org_id = ?`,
			a.AssessedOn, a.TotalScore, a.MaxScore, db.Bool(a.Demonstration), st.ID); err != nil {
			return Assessment{}, err
		}
	}
	summary := "评估社工站：" + st.Name + "（" + a.AssessedOn + "，" + strconv.Itoa(a.TotalScore) + "/" + strconv.Itoa(a.MaxScore) + " 分"
	if a.Demonstration {
		summary += "，标准化示范站"
	}
	err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: EntityAssessment, EntityID: a.ID, OrgPath: st.Path,
		Summary: summary + "）", Changes: audit.Diff(nil, []audit.Field{
			{Name: "assessed_on", Label: "评估日期", Value: a.AssessedOn},
			{Name: "assessors", Label: "评估人", Value: a.Assessors},
			{Name: "total_score", Label: "总分", Value: strconv.Itoa(a.TotalScore) + "/" + strconv.Itoa(a.MaxScore)},
			{Name: "demonstration", Label: "标准化示范站", Value: yesNo(a.Demonstration)},
			{Name: "photos", Label: "照片", Value: strconv.Itoa(len(a.Photos)) + " 张"},
		})})
	return a, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Categories lists a checklist's categories in order of first appearance.
func Categories(items []ChecklistItem) []string {
	var out []string
	for _, it := range items {
		if !contains(out, it.Category) {
			out = append(out, it.Category)
		}
	}
	return out
}
