package web

import (
	"net/http"
	"strconv"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/workforce"
)

// Editing and deleting training sessions and honours/talent programmes,
// removing an attendee through the API, and a worker's honours: pages and
// API routes, on the permissions of the create routes.

func (s *Server) routesWorkforceEdit() {
	manage, progs := authz.PermWorkforceManage, authz.PermWorkforceProgrammes
	const p = "/api/v1/workforce"
	s.add(
		Route{Method: "GET", Pattern: "/workforce/trainings/{id}/edit", Perm: manage, Handle: s.wfTrainingEdit},
		Route{Method: "POST", Pattern: "/workforce/trainings/{id}", Perm: manage, Handle: s.wfTrainingUpdate},
		Route{Method: "POST", Pattern: "/workforce/trainings/{id}/delete", Perm: manage, Handle: s.wfTrainingDelete},
		Route{Method: "GET", Pattern: "/workforce/programmes/{id}/edit", Perm: progs, Handle: s.wfProgrammeEdit},
		Route{Method: "POST", Pattern: "/workforce/programmes/{id}", Perm: progs, Handle: s.wfProgrammeUpdate},
		Route{Method: "POST", Pattern: "/workforce/programmes/{id}/delete", Perm: progs, Handle: s.wfProgrammeDelete},

		Route{Method: "PUT", Pattern: p + "/trainings/{id}", Perm: manage, Handle: s.apiWfTrainingUpdate},
		Route{Method: "DELETE", Pattern: p + "/trainings/{id}", Perm: manage, Handle: s.apiWfTrainingDelete},
		Route{Method: "DELETE", Pattern: p + "/trainings/{id}/attendees/{kind}/{pid}", Perm: manage, Handle: s.apiWfAttendeeRemove},
		Route{Method: "PUT", Pattern: p + "/programmes/{id}", Perm: progs, Handle: s.apiWfProgrammeUpdate},
		Route{Method: "DELETE", Pattern: p + "/programmes/{id}", Perm: progs, Handle: s.apiWfProgrammeDelete},
		Route{Method: "GET", Pattern: p + "/workers/{id}/honours", Perm: authz.PermWorkforceRead, Handle: s.apiWfWorkerHonours},
	)
}

// wfQueryVersion reads ?version= of a DELETE.
func wfQueryVersion(c *Ctx) (int, error) {
	v, err := strconv.Atoi(c.R.URL.Query().Get("version"))
	if err != nil || v <= 0 {
		return 0, &apperr.Error{Kind: apperr.Invalid, Message: "缺少版本号", Fields: map[string]string{"version": "请在查询参数中提供读取记录时得到的 version"}}
	}
	return v, nil
}

// Training.

func wfTrainingInput(f *Form) workforce.TrainingInput {
	return workforce.TrainingInput{OrgID: f.Get("org_id"), Title: f.Get("title"), Kind: f.Get("kind"), Organiser: f.Get("organiser"),
		StartOn: f.Get("start_on"), EndOn: f.Get("end_on"), Hours: f.Get("hours"), Place: f.Get("place")}
}

func (s *Server) wfTrainingEditPage(c *Ctx, id string, f *Form) (*Page, error) {
	units, err := s.wfUnitOpts(c, true)
	if err != nil {
		return nil, err
	}
	return &Page{Title: "编辑培训", Form: f, Data: map[string]any{"ID": id, "Units": units, "Kinds": wfOpts(workforce.TrainingKinds)}}, nil
}

func (s *Server) wfTrainingEdit(c *Ctx) error {
	t, err := s.App.Workforce.GetTraining(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := NewForm(map[string]string{"org_id": t.OrgID, "title": t.Title, "kind": t.Kind, "organiser": t.Organiser, "start_on": t.StartOn,
		"end_on": t.EndOn, "hours": t.Hours, "place": t.Place, "version": strconv.Itoa(t.Version)})
	p, err := s.wfTrainingEditPage(c, t.ID, f)
	if err != nil {
		return err
	}
	return c.Render("workforce_training_form", p)
}

func (s *Server) wfTrainingUpdate(c *Ctx) error {
	f := FormFrom(c.R)
	version, err := wfVersion(f)
	if err != nil {
		return err
	}
	id := c.PathValue("id")
	t, err := s.App.Workforce.UpdateTraining(c.Context(), c.Actor, id, version, wfTrainingInput(f))
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

func (s *Server) wfTrainingDelete(c *Ctx) error {
	version, err := wfVersion(FormFrom(c.R))
	if err != nil {
		return err
	}
	if err := s.App.Workforce.DeleteTraining(c.Context(), c.Actor, c.PathValue("id"), version); err != nil {
		return err
	}
	return c.Redirect("/workforce/trainings", "已删除该培训及其参训名单")
}

func (s *Server) apiWfTrainingUpdate(c *Ctx) error {
	var in struct {
		workforce.TrainingInput
		Version int `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := wfRequireVersion(in.Version); err != nil {
		return err
	}
	t, err := s.App.Workforce.UpdateTraining(c.Context(), c.Actor, c.PathValue("id"), in.Version, in.TrainingInput)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) apiWfTrainingDelete(c *Ctx) error {
	version, err := wfQueryVersion(c)
	if err != nil {
		return err
	}
	if err := s.App.Workforce.DeleteTraining(c.Context(), c.Actor, c.PathValue("id"), version); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiWfAttendeeRemove(c *Ctx) error {
	err := s.App.Workforce.RemoveAttendee(c.Context(), c.Actor, c.PathValue("id"),
		workforce.AttendeeInput{Kind: c.PathValue("kind"), PersonID: c.PathValue("pid")})
	if err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// Programmes.

func wfProgrammeInput(f *Form) workforce.ProgrammeInput {
	return workforce.ProgrammeInput{OrgID: f.Get("org_id"), Name: f.Get("name"), Kind: f.Get("kind"), Description: f.Get("description")}
}

func (s *Server) wfProgrammeEditPage(c *Ctx, id string, f *Form) (*Page, error) {
	units, err := s.wfUnitOpts(c, true)
	if err != nil {
		return nil, err
	}
	return &Page{Title: "编辑人才项目", Form: f, Data: map[string]any{"ID": id, "Units": units, "Kinds": wfOpts(workforce.ProgrammeKinds)}}, nil
}

func (s *Server) wfProgrammeEdit(c *Ctx) error {
	pr, err := s.App.Workforce.GetProgramme(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := NewForm(map[string]string{"org_id": pr.OrgID, "name": pr.Name, "kind": pr.Kind, "description": pr.Description,
		"version": strconv.Itoa(pr.Version)})
	p, err := s.wfProgrammeEditPage(c, pr.ID, f)
	if err != nil {
		return err
	}
	return c.Render("workforce_programme_form", p)
}

func (s *Server) wfProgrammeUpdate(c *Ctx) error {
	f := FormFrom(c.R)
	version, err := wfVersion(f)
	if err != nil {
		return err
	}
	id := c.PathValue("id")
	pr, err := s.App.Workforce.UpdateProgramme(c.Context(), c.Actor, id, version, wfProgrammeInput(f))
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

func (s *Server) wfProgrammeDelete(c *Ctx) error {
	version, err := wfVersion(FormFrom(c.R))
	if err != nil {
		return err
	}
	id := c.PathValue("id")
	err = s.App.Workforce.DeleteProgramme(c.Context(), c.Actor, id, version)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Conflict {
		// Paid allowances (or a stale page): back to the programme, saying why.
		return s.wfProgrammePage(c, id, NewForm(nil), err)
	} else if err != nil {
		return err
	}
	return c.Redirect("/workforce/programmes", "已删除该项目及其评选批次、提名和未发放的津贴计划")
}

func (s *Server) apiWfProgrammeUpdate(c *Ctx) error {
	var in struct {
		workforce.ProgrammeInput
		Version int `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := wfRequireVersion(in.Version); err != nil {
		return err
	}
	p, err := s.App.Workforce.UpdateProgramme(c.Context(), c.Actor, c.PathValue("id"), in.Version, in.ProgrammeInput)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) apiWfProgrammeDelete(c *Ctx) error {
	version, err := wfQueryVersion(c)
	if err != nil {
		return err
	}
	if err := s.App.Workforce.DeleteProgramme(c.Context(), c.Actor, c.PathValue("id"), version); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// A worker's honours and training hours by year.

func (s *Server) apiWfWorkerHonours(c *Ctx) error {
	id := c.PathValue("id")
	honours, err := s.App.Workforce.WorkerHonours(c.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	training, err := s.App.Workforce.TrainingHoursByYear(c.Context(), workforce.PersonWorker, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"honours": honours, "training": wfNonNil(training)})
}
