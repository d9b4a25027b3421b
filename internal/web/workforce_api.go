package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/workforce"
)

// The workforce JSON API, on the same services and permissions as the
// pages. Documented in openapi/workforce.json.

func (s *Server) routesWorkforceAPI() {
	read, manage := authz.PermWorkforceRead, authz.PermWorkforceManage
	progs := authz.PermWorkforceProgrammes
	const p = "/api/v1/workforce"
	s.add(
		Route{Method: "GET", Pattern: p + "/workers", Perm: read, Handle: s.apiWfWorkers},
		Route{Method: "POST", Pattern: p + "/workers", Perm: manage, Handle: s.apiWfWorkerCreate},
		Route{Method: "GET", Pattern: p + "/workers/{id}", Perm: read, Handle: s.apiWfWorker},
		Route{Method: "PUT", Pattern: p + "/workers/{id}", Perm: manage, Handle: s.apiWfWorkerUpdate},
		Route{Method: "POST", Pattern: p + "/workers/{id}/reveal", Perm: authz.PermWorkforceReveal, Handle: s.apiWfWorkerReveal},
		Route{Method: "POST", Pattern: p + "/workers/{id}/qualifications", Perm: manage, Handle: s.apiWfQualificationAdd},
		Route{Method: "DELETE", Pattern: p + "/workers/{id}/qualifications/{qid}", Perm: manage, Handle: s.apiWfQualificationDelete},
		Route{Method: "POST", Pattern: p + "/import", Perm: manage, MaxBody: wfUploadLimit(), Handle: s.apiWfImport},

		Route{Method: "GET", Pattern: p + "/volunteers", Perm: read, Handle: s.apiWfVolunteers},
		Route{Method: "POST", Pattern: p + "/volunteers", Perm: manage, Handle: s.apiWfVolunteerCreate},
		Route{Method: "GET", Pattern: p + "/volunteers/{id}", Perm: read, Handle: s.apiWfVolunteer},
		Route{Method: "PUT", Pattern: p + "/volunteers/{id}", Perm: manage, Handle: s.apiWfVolunteerUpdate},
		Route{Method: "POST", Pattern: p + "/volunteers/{id}/hours", Perm: manage, Handle: s.apiWfHoursAdd},

		Route{Method: "GET", Pattern: p + "/trainings", Perm: read, Handle: s.apiWfTrainings},
		Route{Method: "POST", Pattern: p + "/trainings", Perm: manage, Handle: s.apiWfTrainingCreate},
		Route{Method: "GET", Pattern: p + "/trainings/{id}", Perm: read, Handle: s.apiWfTraining},
		Route{Method: "POST", Pattern: p + "/trainings/{id}/attendees", Perm: manage, Handle: s.apiWfAttendeeAdd},

		Route{Method: "GET", Pattern: p + "/programmes", Perm: read, Handle: s.apiWfProgrammes},
		Route{Method: "POST", Pattern: p + "/programmes", Perm: progs, Handle: s.apiWfProgrammeCreate},
		Route{Method: "GET", Pattern: p + "/programmes/{id}", Perm: read, Handle: s.apiWfProgramme},
		Route{Method: "POST", Pattern: p + "/programmes/{id}/rounds", Perm: progs, Handle: s.apiWfRoundAdd},
		Route{Method: "POST", Pattern: p + "/rounds/{id}/nominees", Perm: progs, Handle: s.apiWfNomineeAdd},
		Route{Method: "PATCH", Pattern: p + "/nominees/{id}", Perm: progs, Handle: s.apiWfNomineeUpdate},
		Route{Method: "POST", Pattern: p + "/nominees/{id}/allowance", Perm: progs, Handle: s.apiWfAllowanceCreate},
		Route{Method: "GET", Pattern: p + "/allowance-lines", Perm: read, Handle: s.apiWfLines},
		Route{Method: "PATCH", Pattern: p + "/allowance-lines/{id}", Perm: progs, Handle: s.apiWfLineUpdate},

		Route{Method: "GET", Pattern: p + "/stats", Perm: read, Handle: s.apiWfStats},
	)
}

func wfNonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (s *Server) apiWfWorkers(c *Ctx) error {
	p := listParams(c.R, 20)
	ws, total, err := s.App.Workforce.ListWorkers(c.Context(), c.Actor, wfWorkerFilter(p))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listJSON{Items: wfNonNil(ws), Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Server) apiWfWorker(c *Ctx) error {
	w, err := s.App.Workforce.GetWorker(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

func (s *Server) apiWfWorkerCreate(c *Ctx) error {
	var in workforce.WorkerInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	w, err := s.App.Workforce.CreateWorker(c.Context(), c.Actor, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, w)
}

func wfRequireVersion(v int) error {
	if v <= 0 {
		return &apperr.Error{Kind: apperr.Invalid, Message: "缺少版本号", Fields: map[string]string{"version": "请提供读取记录时得到的 version"}}
	}
	return nil
}

func (s *Server) apiWfWorkerUpdate(c *Ctx) error {
	var in struct {
		workforce.WorkerInput
		Version int `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := wfRequireVersion(in.Version); err != nil {
		return err
	}
	w, err := s.App.Workforce.UpdateWorker(c.Context(), c.Actor, c.PathValue("id"), in.Version, in.WorkerInput)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

func (s *Server) apiWfWorkerReveal(c *Ctx) error {
	full, err := s.App.Workforce.RevealWorker(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, full)
}

func (s *Server) apiWfQualificationAdd(c *Ctx) error {
	var in workforce.QualificationInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	q, err := s.App.Workforce.AddQualification(c.Context(), c.Actor, c.PathValue("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, q)
}

func (s *Server) apiWfQualificationDelete(c *Ctx) error {
	if err := s.App.Workforce.DeleteQualification(c.Context(), c.Actor, c.PathValue("id"), c.PathValue("qid")); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// apiWfImport takes the .xlsx as the request body (or a multipart "file"
// field) and ?mode=check|all|valid.
func (s *Server) apiWfImport(c *Ctx) error {
	mode := c.R.URL.Query().Get("mode")
	switch mode {
	case "":
		mode = workforce.ImportAll
	case workforce.ImportCheck, workforce.ImportAll, workforce.ImportValid:
	default:
		return &apperr.Error{Kind: apperr.BadRequest, Message: "mode 应为 check、all 或 valid", Fields: map[string]string{"mode": "应为 check、all 或 valid"}}
	}
	var body io.Reader = c.R.Body
	name := c.R.URL.Query().Get("filename")
	if strings.HasPrefix(c.R.Header.Get("Content-Type"), "multipart/form-data") {
		f, h, err := c.R.FormFile("file")
		if err != nil {
			return apperr.New(apperr.BadRequest, "请在 file 字段上传花名册（.xlsx）")
		}
		defer f.Close()
		body, name = f, h.Filename
	}
	data, err := io.ReadAll(io.LimitReader(body, workforce.MaxImportBytes+1))
	if err != nil {
		return err
	}
	rep, err := s.App.Workforce.ImportRoster(c.Context(), c.Actor, name, data, mode)
	if err != nil {
		return err
	}
	rep.Errors = wfNonNil(rep.Errors)
	// The rejected rows come back masked: a full roster cell is shown
	// only in the rejected-rows download, which is audit-logged.
	return c.JSON(http.StatusOK, map[string]any{"report": rep, "rejected": wfNonNil(rep.MaskedRejected())})
}

func (s *Server) apiWfVolunteers(c *Ctx) error {
	p := listParams(c.R, 20)
	vs, total, err := s.App.Workforce.ListVolunteers(c.Context(), c.Actor, workforce.VolunteerFilter{Text: p.Q, OrgID: p.Query.Get("org"),
		Status: p.Query.Get("status"), Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listJSON{Items: wfNonNil(vs), Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Server) apiWfVolunteer(c *Ctx) error {
	v, err := s.App.Workforce.GetVolunteer(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	logs, err := s.App.Workforce.ServiceLogs(c.Context(), c.Actor, v.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"volunteer": v, "hours": logs, "by_month": wfNonNil(s.App.Workforce.HoursByMonth(logs))})
}

func (s *Server) apiWfVolunteerCreate(c *Ctx) error {
	var in workforce.VolunteerInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	v, err := s.App.Workforce.CreateVolunteer(c.Context(), c.Actor, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) apiWfVolunteerUpdate(c *Ctx) error {
	var in struct {
		workforce.VolunteerInput
		Version int `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := wfRequireVersion(in.Version); err != nil {
		return err
	}
	v, err := s.App.Workforce.UpdateVolunteer(c.Context(), c.Actor, c.PathValue("id"), in.Version, in.VolunteerInput)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) apiWfHoursAdd(c *Ctx) error {
	var in workforce.HoursInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	l, err := s.App.Workforce.LogHours(c.Context(), c.Actor, c.PathValue("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, l)
}

func (s *Server) apiWfTrainings(c *Ctx) error {
	p := listParams(c.R, 20)
	year, _ := strconv.Atoi(p.Query.Get("year"))
	ts, total, err := s.App.Workforce.ListTrainings(c.Context(), c.Actor, workforce.TrainingFilter{Text: p.Q, Kind: p.Query.Get("kind"), Year: year,
		Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listJSON{Items: wfNonNil(ts), Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Server) apiWfTraining(c *Ctx) error {
	t, err := s.App.Workforce.GetTraining(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) apiWfTrainingCreate(c *Ctx) error {
	var in workforce.TrainingInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	t, err := s.App.Workforce.CreateTraining(c.Context(), c.Actor, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (s *Server) apiWfAttendeeAdd(c *Ctx) error {
	var in workforce.AttendeeInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := s.App.Workforce.AddAttendee(c.Context(), c.Actor, c.PathValue("id"), in); err != nil {
		return err
	}
	t, err := s.App.Workforce.GetTraining(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (s *Server) apiWfProgrammes(c *Ctx) error {
	ps, err := s.App.Workforce.ListProgrammes(c.Context(), c.Actor)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listJSON{Items: ps, Total: len(ps), Limit: len(ps), Offset: 0})
}

func (s *Server) apiWfProgramme(c *Ctx) error {
	p, err := s.App.Workforce.GetProgramme(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) apiWfProgrammeCreate(c *Ctx) error {
	var in workforce.ProgrammeInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	p, err := s.App.Workforce.CreateProgramme(c.Context(), c.Actor, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (s *Server) apiWfRoundAdd(c *Ctx) error {
	var in workforce.RoundInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	r, err := s.App.Workforce.AddRound(c.Context(), c.Actor, c.PathValue("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) apiWfNomineeAdd(c *Ctx) error {
	var in workforce.NomineeInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	n, err := s.App.Workforce.Nominate(c.Context(), c.Actor, c.PathValue("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, n)
}

func (s *Server) apiWfNomineeUpdate(c *Ctx) error {
	var in struct {
		Status  string `json:"status"`
		Version int    `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := wfRequireVersion(in.Version); err != nil {
		return err
	}
	if err := s.App.Workforce.SetNomineeStatus(c.Context(), c.Actor, c.PathValue("id"), in.Version, in.Status); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiWfAllowanceCreate(c *Ctx) error {
	var in workforce.AllowanceInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	sc, err := s.App.Workforce.CreateAllowance(c.Context(), c.Actor, c.PathValue("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, sc)
}

func (s *Server) apiWfLines(c *Ctx) error {
	q := c.R.URL.Query()
	year, _ := strconv.Atoi(q.Get("year"))
	lines, err := s.App.Workforce.ListLines(c.Context(), c.Actor, workforce.LineFilter{Year: year, Paid: q.Get("paid")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listJSON{Items: lines, Total: len(lines), Limit: len(lines), Offset: 0})
}

func (s *Server) apiWfLineUpdate(c *Ctx) error {
	var in struct {
		Paid    bool   `json:"paid"`
		PaidOn  string `json:"paid_on"`
		Version int    `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := wfRequireVersion(in.Version); err != nil {
		return err
	}
	l, err := s.App.Workforce.ConfirmPayment(c.Context(), c.Actor, c.PathValue("id"), in.Version, in.Paid, in.PaidOn)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (s *Server) apiWfStats(c *Ctx) error {
	st, err := s.App.Workforce.Statistics(c.Context(), c.Actor, wfStatsFilter(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
