package services

import (
	"context"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
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

// SetCategories replaces the list of an org node (a county) in scope:
// codes are short ASCII words, labels Chinese, both unique. Codes in use
// by records may be dropped from the list: old records keep showing
// their code. Requires services.categories.
func SetCategories(ctx context.Context, tx *db.Tx, actor *authz.Actor, orgID string, cats []Category) error {
	if err := actor.Require(authz.PermServicesCategories); err != nil {
		return err
	}
	var path string
	if err := tx.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, orgID).Scan(&path); err != nil {
		return apperr.ErrNotFound("机构")
	}
	if err := actor.RequireScope(path); err != nil {
		return err
	}
	fe := apperr.Fields{}
	if len(cats) == 0 {
		fe.Add("categories", "至少保留一个服务内容分类")
	}
	seen := map[string]bool{}
	for i, c := range cats {
		c.Code, c.Label = strings.TrimSpace(c.Code), strings.TrimSpace(c.Label)
		cats[i] = c
		if c.Code == "" || len(c.Code) > 40 || strings.ContainsAny(c.Code, " /") {
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
		return err
	}
	before, err := Categories(ctx, tx, path)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM service_categories WHERE org_id = ?`, orgID); err != nil {
		return err
	}
	for i, c := range cats {
		if _, err := tx.Exec(ctx, `INSERT INTO service_categories (org_id, code, label, position) VALUES (?, ?, ?, ?)`, orgID, c.Code, c.Label, i+1); err != nil {
			return err
		}
	}
	list := func(cs []Category) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Label)
		}
		return strings.Join(s, "、")
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "service_categories", EntityID: orgID, OrgPath: path,
		Summary: "修改服务内容分类", Changes: []audit.Change{{Field: "categories", Label: "服务内容分类", Before: list(before), After: list(cats)}}})
}
