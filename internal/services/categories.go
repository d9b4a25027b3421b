package services

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
)

// Category is a content category (服务内容分类) of a county's list.
type Category struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// DefaultCategories is the list a county starts with.
var DefaultCategories = []Category{
	{"policy", "政策宣传咨询"}, {"relief", "社会救助"}, {"comfort", "精神慰藉"}, {"capacity", "能力提升"},
	{"support", "社会支持"}, {"crisis", "危机干预"}, {"rights", "权益维护"}, {"integration", "社会融入"},
	{"participation", "社区参与"}, {"health", "文体健康"},
}

// pathIDs are the ids of an org path "/a/b/c/", root first.
func pathIDs(path string) []string {
	var out []string
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Categories is the list in force at an org node (by its path): that of
// the nearest node above it (itself included) that has one, else the
// defaults.
func Categories(ctx context.Context, q db.Querier, orgPath string) ([]Category, error) {
	nodes := pathIDs(orgPath)
	if len(nodes) == 0 {
		return DefaultCategories, nil
	}
	args := make([]any, len(nodes))
	for i, n := range nodes {
		args[i] = n
	}
	rows, err := q.Query(ctx, `SELECT org_id, code, label FROM service_categories WHERE org_id IN (`+db.Placeholders(len(nodes))+`) ORDER BY position`, args...)
	type row struct{ org, code, label string }
	all, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (x row, err error) {
		err = r.Scan(&x.org, &x.code, &x.label)
		return x, err
	})
	if err != nil {
		return nil, err
	}
	for i := len(nodes) - 1; i >= 0; i-- {
		var out []Category
		for _, x := range all {
			if x.org == nodes[i] {
				out = append(out, Category{x.code, x.label})
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return DefaultCategories, nil
}

// CategoryLabel names a code of the list (the code itself if unknown).
func CategoryLabel(cats []Category, code string) string {
	for _, c := range cats {
		if c.Code == code {
			return c.Label
		}
	}
	return code
}

func hasCategory(cats []Category, code string) bool {
	for _, c := range cats {
		if c.Code == code {
			return true
		}
	}
	return false
}

// CategoryList is a node's list as its page and the API show it: the
// list in force there and the version of the node's own list (0: it has
// none yet, the list shown is inherited or the defaults).
type CategoryList struct {
	OrgID   string     `json:"org_id"`
	Version int        `json:"version"`
	Own     bool       `json:"own"`
	Items   []Category `json:"items"`
}

// CategoriesOf reads the list of a node in the actor's scope. Errors:
// NotFound, OutOfScope.
func CategoriesOf(ctx context.Context, q db.Querier, actor *authz.Actor, orgID string) (CategoryList, error) {
	if err := actor.Require(authz.PermServicesRead); err != nil {
		return CategoryList{}, err
	}
	var path string
	if err := q.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, orgID).Scan(&path); err != nil {
		return CategoryList{}, apperr.ErrNotFound("机构")
	}
	if err := actor.RequireScope(path); err != nil {
		return CategoryList{}, err
	}
	items, err := Categories(ctx, q, path)
	if err != nil {
		return CategoryList{}, err
	}
	l := CategoryList{OrgID: orgID, Items: items}
	err = q.QueryRow(ctx, `SELECT version FROM service_category_lists WHERE org_id = ?`, orgID).Scan(&l.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return l, nil
	}
	l.Own = err == nil
	return l, err
}

// SetCategories replaces the list of an org node (a county) in scope:
// codes are short ASCII words, labels Chinese, both unique; a category
// sent without a code gets one ("c" and a number not yet used). Codes
// in use by records may be dropped from the list: old records keep
// showing their code. version is the version of the node's own list the
// edit started from (0 when it had none): another save in between is
// ErrStale. Returns the new version. Requires services.categories.
func SetCategories(ctx context.Context, tx *db.Tx, actor *authz.Actor, orgID string, version int, cats []Category) (int, error) {
	if err := actor.Require(authz.PermServicesCategories); err != nil {
		return 0, err
	}
	var path string
	if err := tx.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, orgID).Scan(&path); err != nil {
		return 0, apperr.ErrNotFound("机构")
	}
	if err := actor.RequireScope(path); err != nil {
		return 0, err
	}
	fe := apperr.Fields{}
	if len(cats) == 0 {
		fe.Add("categories", "服务内容分类：至少保留一个")
	}
	used := map[string]bool{}
	for i, c := range cats {
		c.Code, c.Label = strings.TrimSpace(c.Code), strings.TrimSpace(c.Label)
		cats[i] = c
		used[c.Code] = true
	}
	n := 1
	for i := range cats {
		if cats[i].Code != "" {
			continue
		}
		for used["c"+itoa(n)] {
			n++
		}
		cats[i].Code = "c" + itoa(n)
		used[cats[i].Code] = true
	}
	seen := map[string]bool{}
	for i, c := range cats {
		if len(c.Code) > 40 || strings.ContainsAny(c.Code, " /") {
			fe.Add("categories", "第 "+itoa(i+1)+" 个分类的代码应为不含空格的英文或数字")
		}
		if c.Label == "" || len([]rune(c.Label)) > 20 {
			fe.Add("categories", "第 "+itoa(i+1)+" 个分类的名称应为 1–20 个字")
		}
		if seen[c.Code] || seen["label:"+c.Label] {
			fe.Add("categories", "分类“"+c.Label+"”重复")
		}
		seen[c.Code], seen["label:"+c.Label] = true, true
	}
	if err := fe.Err(); err != nil {
		return 0, err
	}
	var current int
	err := tx.QueryRow(ctx, `SELECT version FROM service_category_lists WHERE org_id = ?`, orgID).Scan(&current)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if version != 0 {
			return 0, apperr.ErrStale()
		}
		_, err = tx.Exec(ctx, `INSERT INTO service_category_lists (org_id, version, updated_at) VALUES (?, 1, ?)`, orgID, cst.NowStamp())
	case err != nil:
		return 0, err
	default:
		err = db.Versioned(tx.Exec(ctx, `UPDATE service_category_lists SET version = version + 1, updated_at = ? WHERE org_id = ? AND version = ?`,
			cst.NowStamp(), orgID, version))
	}
	if err != nil {
		return 0, err
	}
	before, err := Categories(ctx, tx, path)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM service_categories WHERE org_id = ?`, orgID); err != nil {
		return 0, err
	}
	for i, c := range cats {
		if _, err := tx.Exec(ctx, `INSERT INTO service_categories (org_id, code, label, position) VALUES (?, ?, ?, ?)`, orgID, c.Code, c.Label, i+1); err != nil {
			return 0, err
		}
	}
	list := func(cs []Category) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Label)
		}
		return strings.Join(s, "、")
	}
	return version + 1, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "service_categories", EntityID: orgID, OrgPath: path,
		Summary: "修改服务内容分类", Changes: []audit.Change{{Field: "categories", Label: "服务内容分类", Before: list(before), After: list(cats)}}})
}
