package networkweb

import (
	"mime/multipart"
	"strconv"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/network"
	"github.com/shegong/shegong/internal/org"
)

// The standardisation checklist of a county and the assessments of
// stations against it.

// checklistPage shows a county's checklist; assessors edit it in place.
// A county without items gets the default list on first view.
func (s *Handlers) ChecklistPage(c *kit.Ctx) error {
	return s.renderChecklist(c, kit.NewForm(nil), "", nil)
}

// renderChecklist shows the checklist, with a failed form (failedID = the
// item being edited, "" for the add form) if there is one.
func (s *Handlers) renderChecklist(c *kit.Ctx, f *kit.Form, failedID string, formErr error) error {
	kit.EnsureCreateID(f) // the add-item form's id
	counties, err := network.Counties(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return err
	}
	countyID := c.R.URL.Query().Get("county")
	if countyID == "" {
		countyID = f.Get("county_id")
	}
	var county org.Unit
	for _, cu := range counties {
		if countyID == "" || cu.ID == countyID {
			county = cu
			break
		}
	}
	var items []network.ChecklistItem
	if county.ID != "" {
		// A write transaction only for the first view that seeds it.
		items, err = network.Checklist(c.Context(), s.App.DB, county.ID, false)
		if err == nil && len(items) == 0 {
			err = c.Write(func(tx *db.Tx) error {
				var err error
				items, err = network.EnsureChecklist(c.Context(), tx, county)
				return err
			})
		}
		if err != nil {
			return err
		}
	}
	total := 0
	for _, it := range items {
		if it.Active {
			total += it.MaxScore
		}
	}
	p := &kit.Page{Title: "标准化建设清单", Form: f, Data: map[string]any{
		"County": county, "Counties": counties, "Items": items, "Total": total, "FailedID": failedID,
		"CanEdit": c.Actor.Can(authz.PermNetworkAssess) && c.Actor.Covers(county.Path),
	}}
	if formErr != nil {
		return c.RenderForm("network_checklist", p, formErr)
	}
	return c.Render("network_checklist", p)
}

func itemInputFrom(f *kit.Form) (network.ItemInput, error) {
	fe := apperr.Fields{}
	num := func(field, label string) int {
		v := f.Get(field)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			fe.Add(field, label+"应为整数")
		}
		return n
	}
	active := f.Get("active") == "1"
	in := network.ItemInput{ID: f.Get("id"), Position: num("position", "顺序号"), Category: f.Get("category"), Title: f.Get("title"), Guidance: f.Get("guidance"),
		MaxScore: num("max_score", "满分"), Active: &active}
	return in, fe.Err()
}

func (s *Handlers) ChecklistAdd(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	in, err := itemInputFrom(f)
	if err == nil {
		err = c.Write(func(tx *db.Tx) error {
			_, err := network.AddItem(c.Context(), tx, c.Actor, f.Get("county_id"), in)
			return err
		})
	}
	if err != nil {
		return s.renderChecklist(c, f, "", err)
	}
	return c.Redirect("/network/checklist?county="+f.Get("county_id"), "已新增清单项目")
}

func (s *Handlers) ChecklistUpdate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	id := c.PathValue("id")
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	in, err := itemInputFrom(f)
	if err == nil {
		err = c.Write(func(tx *db.Tx) error {
			_, err := network.UpdateItem(c.Context(), tx, c.Actor, id, version, in)
			return err
		})
	}
	if err != nil {
		return s.renderChecklist(c, f, id, err)
	}
	return c.Redirect("/network/checklist?county="+f.Get("county_id"), "已保存清单项目")
}

// ---- assessments ----

func (s *Handlers) assessmentFormPage(c *kit.Ctx, f *kit.Form, stationID string) (*kit.Page, error) {
	st, err := network.GetStation(c.Context(), s.App.DB, c.Actor, stationID)
	if err != nil {
		return nil, err
	}
	items, err := network.Checklist(c.Context(), s.App.DB, st.CountyID, true)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		county, err := org.Get(c.Context(), s.App.DB, st.CountyID)
		if err != nil {
			return nil, err
		}
		err = c.Write(func(tx *db.Tx) error {
			var err error
			items, err = network.EnsureChecklist(c.Context(), tx, county)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return &kit.Page{Title: "评估：" + st.Name, Form: f, Data: map[string]any{"Station": st, "Items": items, "Methods": network.Methods,
		"MaxPhotos": network.MaxPhotos}}, nil
}

func (s *Handlers) AssessmentNew(c *kit.Ctx) error {
	f := kit.NewCreateForm(nil)
	for _, m := range network.Methods {
		f.Multi["methods"] = append(f.Multi["methods"], m)
	}
	p, err := s.assessmentFormPage(c, f, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("network_assessment_form", p)
}

func (s *Handlers) AssessmentCreate(c *kit.Ctx) error {
	stationID := c.PathValue("id")
	f := kit.FormFrom(c.R)
	p, err := s.assessmentFormPage(c, f, stationID)
	if err != nil {
		return err
	}
	items := p.Data.(map[string]any)["Items"].([]network.ChecklistItem)
	in := network.AssessmentInput{ID: f.Get("id"), AssessedOn: f.Get("assessed_on"), Assessors: f.Get("assessors"), Methods: f.Multi["methods"],
		Demonstration: f.Get("demonstration") == "1", Notes: f.Get("notes"), ScoreText: map[string]string{}, ItemNotes: map[string]string{}}
	for _, it := range items {
		in.ScoreText[it.ID] = f.Get(network.ScoreField(it.ID))
		in.ItemNotes[it.ID] = f.Get("note_" + it.ID)
	}
	var photos []*multipart.FileHeader
	if mf := c.R.MultipartForm; mf != nil {
		for _, fh := range mf.File[network.PhotoField] {
			if fh.Filename != "" || fh.Size > 0 {
				photos = append(photos, fh)
			}
		}
	}
	var a network.Assessment
	err = c.Write(func(tx *db.Tx) error {
		var err error
		a, err = network.CreateAssessment(c.Context(), tx, c.Actor, s.App.Attach, stationID, in, photos)
		return err
	})
	if err != nil {
		if len(photos) > 0 {
			if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
				p.Form.Errors["photos_again"] = "页面无法保留已选的照片，请改正后重新选择照片"
			}
		}
		return c.RenderForm("network_assessment_form", p, err)
	}
	return c.Redirect("/network/assessments/"+a.ID, "已保存评估："+strconv.Itoa(a.TotalScore)+"/"+strconv.Itoa(a.MaxScore)+" 分")
}

func (s *Handlers) AssessmentShow(c *kit.Ctx) error {
	a, err := network.GetAssessment(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	photos, err := s.App.Attach.List(c.Context(), s.App.DB, network.EntityAssessment, a.ID)
	if err != nil {
		return err
	}
	a.Photos = photos
	return c.Render("network_assessment", &kit.Page{Title: "评估记录：" + a.StationName, Data: map[string]any{"A": a}})
}
