package workforceweb

import (
	"net/http"
	"strconv"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/workforce"
)

// Editing and deleting training sessions and honours/talent programmes,
// removing an attendee through the API, and a worker's honours: pages and
// API routes, on the permissions of the create routes.

// Training.

func wfTrainingInput(f *kit.Form) workforce.TrainingInput {
	return workforce.TrainingInput{OrgID: f.Get("org_id"), Title: f.Get("title"), Kind: f.Get("kind"), Organiser: f.Get("organiser"),
		StartOn: f.Get("start_on"), EndOn: f.Get("end_on"), Hours: f.Get("hours"), Place: f.Get("place")}
}

func (s *Handlers) wfTrainingEditPage(c *kit.Ctx, id string, f *kit.Form) (*kit.Page, error) {
	units, err := s.Picker(c, kit.PickOrgs, "org_id", f.Get("org_id"))
	if err != nil {
		return nil, err
	}
	return &kit.Page{Title: "编辑培训", Form: f, Data: map[string]any{"ID": id, "Units": units, "Kinds": wfOpts(workforce.TrainingKinds)}}, nil
}

func (s *Handlers) WfTrainingEdit(c *kit.Ctx) error {
	t, err := workforce.GetTraining(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.NewForm(map[string]string{"org_id": t.OrgID, "title": t.Title, "kind": t.Kind, "organiser": t.Organiser, "start_on": t.StartOn,
		"end_on": t.EndOn, "hours": t.Hours, "place": t.Place, "version": strconv.Itoa(t.Version)})
	p, err := s.wfTrainingEditPage(c, t.ID, f)
	if err != nil {
		return err
	}
	return c.Render("workforce_training_form", p)
}

func (s *Handlers) WfTrainingUpdate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	id := c.PathValue("id")
	var t workforce.Training
	err = c.Write(func(tx *db.Tx) error {
		var err error
		t, err = workforce.UpdateTraining(c.Context(), tx, c.Actor, id, version, wfTrainingInput(f))
		return err
	})
	if ae, ok := apperr.As(err); ok && (ae.Kind == apperr.Invalid || ae.Kind == apperr.Conflict) {
		p, perr := s.wfTrainingEditPage(c, id, f)
		if perr != nil {
			return perr
		}
		return c.RenderForm("workforce_training_form", p, err)
	} else if err != nil {
		return err
	}
	return c.Redirect("/workforce/trainings/"+t.ID, "已保存培训："+t.Title)
}

func (s *Handlers) WfTrainingDelete(c *kit.Ctx) error {
	version, err := kit.FormVersion(kit.FormFrom(c.R))
	if err != nil {
		return err
	}
	if err := c.Write(func(tx *db.Tx) error {
		return workforce.DeleteTraining(c.Context(), tx, c.Actor, c.PathValue("id"), version)
	}); err != nil {
		return err
	}
	return c.Redirect("/workforce/trainings", "已删除该培训及其参训名单")
}

func (s *Handlers) ApiWfTrainingUpdate(c *kit.Ctx) error {
	var in struct {
		workforce.TrainingInput
		Version int `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := kit.RequireVersion(in.Version); err != nil {
		return err
	}
	var t workforce.Training
	err := c.Write(func(tx *db.Tx) error {
		var err error
		t, err = workforce.UpdateTraining(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.TrainingInput)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Handlers) ApiWfTrainingDelete(c *kit.Ctx) error {
	version, err := kit.QueryVersion(c)
	if err != nil {
		return err
	}
	if err := c.Write(func(tx *db.Tx) error {
		return workforce.DeleteTraining(c.Context(), tx, c.Actor, c.PathValue("id"), version)
	}); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handlers) ApiWfAttendeeRemove(c *kit.Ctx) error {
	err := c.Write(func(tx *db.Tx) error {
		return workforce.RemoveAttendee(c.Context(), tx, c.Actor, c.PathValue("id"),
			workforce.AttendeeInput{Kind: c.PathValue("kind"), PersonID: c.PathValue("pid")})
	})
	if err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// Programmes.

func wfProgrammeInput(f *kit.Form) workforce.ProgrammeInput {
	return workforce.ProgrammeInput{OrgID: f.Get("org_id"), Name: f.Get("name"), Kind: f.Get("kind"), Description: f.Get("description")}
}

func (s *Handlers) wfProgrammeEditPage(c *kit.Ctx, id string, f *kit.Form) (*kit.Page, error) {
	units, err := s.Picker(c, kit.PickOrgs, "org_id", f.Get("org_id"))
	if err != nil {
		return nil, err
	}
	return &kit.Page{Title: "编辑人才项目", Form: f, Data: map[string]any{"ID": id, "Units": units, "Kinds": wfOpts(workforce.ProgrammeKinds)}}, nil
}

func (s *Handlers) WfProgrammeEdit(c *kit.Ctx) error {
	pr, err := workforce.GetProgramme(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.NewForm(map[string]string{"org_id": pr.OrgID, "name": pr.Name, "kind": pr.Kind, "description": pr.Description,
		"version": strconv.Itoa(pr.Version)})
	p, err := s.wfProgrammeEditPage(c, pr.ID, f)
	if err != nil {
		return err
	}
	return c.Render("workforce_programme_form", p)
}

func (s *Handlers) WfProgrammeUpdate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	id := c.PathValue("id")
	var pr workforce.Programme
	err = c.Write(func(tx *db.Tx) error {
		var err error
		pr, err = workforce.UpdateProgramme(c.Context(), tx, c.Actor, id, version, wfProgrammeInput(f))
		return err
	})
	if ae, ok := apperr.As(err); ok && (ae.Kind == apperr.Invalid || ae.Kind == apperr.Conflict) {
		p, perr := s.wfProgrammeEditPage(c, id, f)
		if perr != nil {
			return perr
		}
		return c.RenderForm("workforce_programme_form", p, err)
	} else if err != nil {
		return err
	}
	return c.Redirect("/workforce/programmes/"+pr.ID, "已保存："+pr.Name)
}

func (s *Handlers) WfProgrammeDelete(c *kit.Ctx) error {
	version, err := kit.FormVersion(kit.FormFrom(c.R))
	if err != nil {
		return err
	}
	id := c.PathValue("id")
	err = c.Write(func(tx *db.Tx) error {
		return workforce.DeleteProgramme(c.Context(), tx, c.Actor, id, version)
	})
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Conflict {
		// Paid allowances (or a stale page): back to the programme, saying why.
		return s.wfProgrammePage(c, id, kit.NewForm(nil), err)
	} else if err != nil {
		return err
	}
	return c.Redirect("/workforce/programmes", "已删除该项目及其评选批次、提名和未发放的津贴计划")
}

func (s *Handlers) ApiWfProgrammeUpdate(c *kit.Ctx) error {
	var in struct {
		workforce.ProgrammeInput
		Version int `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := kit.RequireVersion(in.Version); err != nil {
		return err
	}
	var p workforce.Programme
	err := c.Write(func(tx *db.Tx) error {
		var err error
		p, err = workforce.UpdateProgramme(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.ProgrammeInput)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Handlers) ApiWfProgrammeDelete(c *kit.Ctx) error {
	version, err := kit.QueryVersion(c)
	if err != nil {
		return err
	}
	if err := c.Write(func(tx *db.Tx) error {
		return workforce.DeleteProgramme(c.Context(), tx, c.Actor, c.PathValue("id"), version)
	}); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// A worker's honours and training hours by year.

func (s *Handlers) ApiWfWorkerHonours(c *kit.Ctx) error {
	id := c.PathValue("id")
	honours, err := workforce.WorkerHonours(c.Context(), c.DB(), c.Actor, id)
	if err != nil {
		return err
	}
	training, err := workforce.TrainingHoursByYear(c.Context(), c.DB(), c.Actor, workforce.PersonWorker, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"honours": honours, "training": wfNonNil(training)})
}
