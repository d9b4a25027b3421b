package servicesweb

import (
	"net/http"
	"strconv"

	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/web/kit"
)

// categoriesFrom reads the rows as typed: an existing category keeps its
// code, a new row (no code) gets one on save, a blank new row is left out.
func categoriesFrom(f *kit.Form) []services.Category {
	codes, labels := f.Multi["code"], f.Multi["label"]
	var out []services.Category
	for i := range labels {
		c := services.Category{Label: labels[i]}
		if i < len(codes) {
			c.Code = codes[i]
		}
		if c.Code == "" && c.Label == "" {
			continue
		}
		out = append(out, c)
	}
	return out
}

func categoriesPage(l services.CategoryList, f *kit.Form, rows []services.Category) *kit.Page {
	return &kit.Page{Title: "服务内容分类", Form: f, Data: map[string]any{"List": l, "Rows": rows}}
}

// CategoriesPage shows the county's list of content categories for
// editing.
func (s *Handlers) CategoriesPage(c *kit.Ctx) error {
	l, err := services.CategoriesOf(c.Context(), c.DB(), c.Actor, c.Actor.OrgID)
	if err != nil {
		return err
	}
	return c.Render("services_categories", categoriesPage(l, kit.NewForm(map[string]string{"version": strconv.Itoa(l.Version)}), l.Items))
}

// CategoriesSave saves the list against the version the page was drawn
// from; with remove it removes that one category (the page asks first).
func (s *Handlers) CategoriesSave(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	rows := categoriesFrom(f)
	remove := f.Get("remove")
	flash := "已保存服务内容分类"
	err := c.Write(func(tx *db.Tx) error {
		cats := rows
		if remove != "" {
			cur, err := services.CategoriesOf(c.Context(), tx, c.Actor, c.Actor.OrgID)
			if err != nil {
				return err
			}
			cats = nil
			for _, x := range cur.Items {
				if x.Code == remove {
					flash = "已删除分类“" + x.Label + "”"
				} else {
					cats = append(cats, x)
				}
			}
		}
		_, err := services.SetCategories(c.Context(), tx, c.Actor, c.Actor.OrgID, atoi(f.Get("version")), cats)
		return err
	})
	if err == nil {
		return c.Redirect("/service-categories", flash)
	}
	l, lerr := services.CategoriesOf(c.Context(), c.DB(), c.Actor, c.Actor.OrgID)
	if lerr != nil {
		return lerr
	}
	if remove != "" {
		f, rows = kit.NewForm(map[string]string{"version": strconv.Itoa(l.Version)}), l.Items
	}
	return c.RenderForm("services_categories", categoriesPage(l, f, rows), err)
}

func (s *Handlers) ApiCategories(c *kit.Ctx) error {
	l, err := services.CategoriesOf(c.Context(), c.DB(), c.Actor, c.Actor.OrgID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (s *Handlers) ApiCategoriesSave(c *kit.Ctx) error {
	var in struct {
		OrgID      string              `json:"org_id"`
		Version    int                 `json:"version"`
		Categories []services.Category `json:"categories"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if in.OrgID == "" {
		in.OrgID = c.Actor.OrgID
	}
	var l services.CategoryList
	err := c.Write(func(tx *db.Tx) error {
		if _, err := services.SetCategories(c.Context(), tx, c.Actor, in.OrgID, in.Version, in.Categories); err != nil {
			return err
		}
		var err error
		l, err = services.CategoriesOf(c.Context(), tx, c.Actor, in.OrgID)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}
