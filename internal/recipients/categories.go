package recipients

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
)

// Category is one recipient category (对象类别) of a county. Categories
// differ between places, so each county keeps its own list, starting from
// DefaultCategories.
type Category struct {
	ID       string `json:"id"`
	CountyID string `json:"county_id"`
	Name     string `json:"name"`
	Group    string `json:"group"` // 一老 / 一小 / 一残 / 一困
	Sort     int    `json:"sort"`
	Active   bool   `json:"active"`
}

// Groups are the target groups categories are summarised by.
var Groups = []string{"一老", "一小", "一残", "一困", "其他"}

// DefaultCategories are the categories of domain.md §3, seeded for a
// county the first time it needs its list.
var DefaultCategories = []struct{ Name, Group string }{
	{"低保对象", "一困"}, {"低保边缘家庭", "一困"}, {"特困供养人员", "一困"}, {"低收入", "一困"}, {"临时救助对象", "一困"}, {"支出型困难家庭", "一困"},
	{"孤儿", "一小"}, {"事实无人抚养儿童", "一小"}, {"困境儿童", "一小"}, {"农村留守儿童", "一小"},
	{"独居老人", "一老"}, {"空巢老人", "一老"}, {"留守老人", "一老"}, {"失能老人", "一老"}, {"失智老人", "一老"},
	{"残疾人", "一残"},
}

// EnsureCategories seeds a county's list with the defaults when it has
// none yet. Concurrent seeding is harmless (ON CONFLICT DO NOTHING).
func EnsureCategories(ctx context.Context, q db.Querier, countyID string) error {
	if countyID == "" {
		return nil
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM recipient_categories WHERE county_id = ?`, countyID).Scan(&n); err != nil || n > 0 {
		return err
	}
	// One statement: on a read path (q the DB) it is one short turn for
	// the writer, not one per category.
	now := cst.NowStamp()
	values := make([]string, len(DefaultCategories))
	args := make([]any, 0, 6*len(DefaultCategories))
	for i, c := range DefaultCategories {
		values[i] = "(?, ?, ?, ?, ?, 1, ?)"
		args = append(args, ids.New(), countyID, c.Name, c.Group, (i+1)*10, now)
	}
	_, err := q.Exec(ctx, `INSERT INTO recipient_categories (id, county_id, name, grp, sort, active, created_at) VALUES `+
		strings.Join(values, ", ")+` ON CONFLICT (county_id, name) DO NOTHING`, args...)
	return err
}

// Categories lists a county's categories in display order (seeding the
// defaults first if needed).
func Categories(ctx context.Context, q db.Querier, countyID string, activeOnly bool) ([]Category, error) {
	if err := EnsureCategories(ctx, q, countyID); err != nil {
		return nil, err
	}
	query := `SELECT id, county_id, name, grp, sort, active FROM recipient_categories WHERE county_id = ?`
	if activeOnly {
		query += ` AND active = 1`
	}
	rows, err := q.Query(ctx, query+` ORDER BY sort, name`, countyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Category
	for rows.Next() {
		var c Category
		if err := rows.Scan(&c.ID, &c.CountyID, &c.Name, &c.Group, &c.Sort, &c.Active); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func activeCategoryNames(ctx context.Context, q db.Querier, countyID string) ([]string, error) {
	cats, err := Categories(ctx, q, countyID, true)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(cats))
	for i, c := range cats {
		names[i] = c.Name
	}
	return names, nil
}

// CategoryOwner returns the id of the org node whose category list applies
// to org node orgID: its county, the root for a station or room with no
// county above it, "" for a node above county level.
func CategoryOwner(ctx context.Context, q db.Querier, orgID string) (string, error) {
	u, err := org.Get(ctx, q, orgID)
	if err != nil {
		return "", err
	}
	return categoryOwner(ctx, q, u.Path)
}

// CategoriesFor lists the category names an actor can pick or filter by:
// their county's active list, or the defaults for an actor above county
// level (a province sees several counties).
func CategoriesFor(ctx context.Context, q db.Querier, actor *authz.Actor) ([]string, error) {
	county, err := categoryOwner(ctx, q, actor.OrgPath)
	if err != nil {
		return nil, err
	}
	if county == "" {
		names := make([]string, len(DefaultCategories))
		for i, c := range DefaultCategories {
			names[i] = c.Name
		}
		return names, nil
	}
	return activeCategoryNames(ctx, q, county)
}

// AddCategory adds a category to a county's list (county administrators).
func AddCategory(ctx context.Context, q db.Querier, actor *authz.Actor, countyID, name, group string) (Category, error) {
	county, err := org.GetFor(ctx, q, actor, countyID)
	if err != nil {
		return Category{}, err
	}
	name, group = strings.TrimSpace(name), strings.TrimSpace(group)
	fe := apperr.Fields{}
	switch {
	case name == "":
		fe.Add("name", "请填写类别名称")
	case len([]rune(name)) > 20:
		fe.Add("name", "类别名称不能超过 20 个字")
	case strings.Contains(name, categorySep) || strings.Contains(name, ","):
		fe.Add("name", "类别名称不能含有顿号或逗号")
	}
	if group != "" && !containsStr(Groups, group) {
		fe.Add("group", "请从列表中选择分组")
	}
	if err := fe.Err(); err != nil {
		return Category{}, err
	}
	if err := EnsureCategories(ctx, q, county.ID); err != nil {
		return Category{}, err
	}
	var sort int
	if err := q.QueryRow(ctx, `SELECT COALESCE(MAX(sort), 0) FROM recipient_categories WHERE county_id = ?`, county.ID).Scan(&sort); err != nil {
		return Category{}, err
	}
	c := Category{ID: ids.New(), CountyID: county.ID, Name: name, Group: group, Sort: sort + 10, Active: true}
	var exists int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM recipient_categories WHERE county_id = ? AND name = ?`, county.ID, name).Scan(&exists); err != nil {
		return Category{}, err
	}
	if exists > 0 {
		return Category{}, &apperr.Error{Kind: apperr.Conflict, Message: "该类别已存在", Fields: map[string]string{"name": "类别“" + name + "”已存在"}}
	}
	if _, err := q.Exec(ctx, `INSERT INTO recipient_categories (id, county_id, name, grp, sort, active, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)`,
		c.ID, c.CountyID, c.Name, c.Group, c.Sort, cst.NowStamp()); err != nil {
		return Category{}, err
	}
	return c, audit.Record(ctx, q, actor, audit.Entry{Action: audit.ActionCreate, Entity: "recipient_category", EntityID: c.ID, OrgPath: county.Path,
		Summary: "新增服务对象类别：" + name, Changes: []audit.Change{{Field: "name", Label: "类别", After: name}, {Field: "group", Label: "分组", After: group}}})
}

// SetCategoryActive enables or disables a category. A disabled category
// stays on the records that carry it but can no longer be chosen.
func SetCategoryActive(ctx context.Context, q db.Querier, actor *authz.Actor, id string, active bool) (Category, error) {
	var c Category
	err := q.QueryRow(ctx, `SELECT id, county_id, name, grp, sort, active FROM recipient_categories WHERE id = ?`, id).
		Scan(&c.ID, &c.CountyID, &c.Name, &c.Group, &c.Sort, &c.Active)
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.ErrNotFound("对象类别")
	}
	if err != nil {
		return c, err
	}
	county, err := org.GetFor(ctx, q, actor, c.CountyID)
	if err != nil {
		return c, err
	}
	if c.Active == active {
		return c, nil
	}
	if _, err := q.Exec(ctx, `UPDATE recipient_categories SET active = ? WHERE id = ?`, db.Bool(active), id); err != nil {
		return c, err
	}
	before, after := "是", "否"
	if active {
		before, after = after, before
	}
	c.Active = active
	return c, audit.Record(ctx, q, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "recipient_category", EntityID: id, OrgPath: county.Path,
		Summary: "修改服务对象类别：" + c.Name, Changes: []audit.Change{{Field: "active", Label: "启用", Before: before, After: after}}})
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
