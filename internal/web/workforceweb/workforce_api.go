package workforceweb

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/workforce"
)

// The workforce JSON API, on the same services and permissions as the
// pages. Documented in openapi/workforce.json.

func wfNonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (s *Handlers) ApiWfWorkers(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	ws, total, err := workforce.ListWorkers(c.Context(), c.DB(), s.App.Keys, c.Actor, wfWorkerFilter(p))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: wfNonNil(ws), Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiWfWorker(c *kit.Ctx) error {
	w, err := workforce.GetWorker(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

func (s *Handlers) ApiWfWorkerCreate(c *kit.Ctx) error {
	var in workforce.WorkerInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var w workforce.Worker
	err := c.Write(func(tx *db.Tx) error {
		var err error
		w, err = workforce.CreateWorker(c.Context(), tx, s.App.Keys, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, w)
}

func (s *Handlers) ApiWfWorkerUpdate(c *kit.Ctx) error {
	var in struct {
		workforce.WorkerInput
		Version int `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := kit.RequireVersion(in.Version); err != nil {
		return err
	}
	var w workforce.Worker
	err := c.Write(func(tx *db.Tx) error {
		var err error
		w, err = workforce.UpdateWorker(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in.Version, in.WorkerInput)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

func (s *Handlers) ApiWfWorkerReveal(c *kit.Ctx) error {
	var full workforce.Revealed
	err := c.Write(func(tx *db.Tx) error {
		var err error
		full, err = workforce.RevealWorker(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, full)
}

func (s *Handlers) ApiWfQualificationAdd(c *kit.Ctx) error {
	var in workforce.QualificationInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var q workforce.Qualification
	err := c.Write(func(tx *db.Tx) error {
		var err error
		q, err = workforce.AddQualification(c.Context(), tx, c.Actor, c.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, q)
}

func (s *Handlers) ApiWfQualificationDelete(c *kit.Ctx) error {
	if err := c.Write(func(tx *db.Tx) error {
		return workforce.DeleteQualification(c.Context(), tx, c.Actor, c.PathValue("id"), c.PathValue("qid"))
	}); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// apiWfImport takes the .xlsx as the request body (or a multipart "file"
// field) and ?mode=check|all|valid.
func (s *Handlers) ApiWfImport(c *kit.Ctx) error {
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
	rep, err := workforce.ImportRoster(c.Context(), s.App.DB, s.App.Keys, c.Actor, name, data, mode)
	if err != nil {
		return err
	}
	rep.Errors = wfNonNil(rep.Errors)
	// The rejected rows come back masked: a full roster cell is shown
	// only in the rejected-rows download, which is audit-logged.
	return c.JSON(http.StatusOK, map[string]any{"report": rep, "rejected": wfNonNil(rep.MaskedRejected())})
}

func (s *Handlers) ApiWfVolunteers(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	vs, total, err := workforce.ListVolunteers(c.Context(), c.DB(), s.App.Keys, c.Actor, workforce.VolunteerFilter{Text: p.Q, OrgID: p.Query.Get("org"),
		Status: p.Query.Get("status"), Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: wfNonNil(vs), Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiWfVolunteer(c *kit.Ctx) error {
	v, err := workforce.GetVolunteer(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	logs, err := workforce.ServiceLogs(c.Context(), c.DB(), c.Actor, v.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"volunteer": v, "hours": logs, "by_month": wfNonNil(workforce.HoursByMonth(logs))})
}

func (s *Handlers) ApiWfVolunteerCreate(c *kit.Ctx) error {
	var in workforce.VolunteerInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var v workforce.Volunteer
	err := c.Write(func(tx *db.Tx) error {
		var err error
		v, err = workforce.CreateVolunteer(c.Context(), tx, s.App.Keys, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Handlers) ApiWfVolunteerUpdate(c *kit.Ctx) error {
	var in struct {
		workforce.VolunteerInput
		Version int `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := kit.RequireVersion(in.Version); err != nil {
		return err
	}
	var v workforce.Volunteer
	err := c.Write(func(tx *db.Tx) error {
		var err error
		v, err = workforce.UpdateVolunteer(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in.Version, in.VolunteerInput)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Handlers) ApiWfHoursAdd(c *kit.Ctx) error {
	var in workforce.HoursInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var l workforce.ServiceLog
	var replayed bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		l, replayed, err = workforce.LogHours(c.Context(), tx, c.Actor, c.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	if replayed {
		return c.JSON(http.StatusOK, l)
	}
	return c.JSON(http.StatusCreated, l)
}

// hoursCorrection is a correction of an hours entry: the new values, the
// version the editor saw and why.
type hoursCorrection struct {
	workforce.HoursInput
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

func (s *Handlers) ApiWfHoursCorrect(c *kit.Ctx) error {
	var in hoursCorrection
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var l workforce.ServiceLog
	err := c.Write(func(tx *db.Tx) error {
		var err error
		l, err = workforce.CorrectHours(c.Context(), tx, c.Actor, c.PathValue("id"), c.PathValue("hid"), in.Version, in.HoursInput, in.Reason)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (s *Handlers) ApiWfHoursDelete(c *kit.Ctx) error {
	version, err := kit.QueryVersion(c)
	if err != nil {
		return err
	}
	if err := c.Write(func(tx *db.Tx) error {
		return workforce.DeleteHours(c.Context(), tx, c.Actor, c.PathValue("id"), c.PathValue("hid"), version, c.R.URL.Query().Get("reason"))
	}); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handlers) ApiWfTrainings(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	year, _ := strconv.Atoi(p.Query.Get("year"))
	ts, total, err := workforce.ListTrainings(c.Context(), c.DB(), c.Actor, workforce.TrainingFilter{Text: p.Q, Kind: p.Query.Get("kind"), Year: year,
		Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: wfNonNil(ts), Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiWfTraining(c *kit.Ctx) error {
	t, err := workforce.GetTraining(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Handlers) ApiWfTrainingCreate(c *kit.Ctx) error {
	var in workforce.TrainingInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var t workforce.Training
	err := c.Write(func(tx *db.Tx) error {
		var err error
		t, err = workforce.CreateTraining(c.Context(), tx, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (s *Handlers) ApiWfAttendeeAdd(c *kit.Ctx) error {
	var in workforce.AttendeeInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := c.Write(func(tx *db.Tx) error {
		return workforce.AddAttendee(c.Context(), tx, c.Actor, c.PathValue("id"), in)
	}); err != nil {
		return err
	}
	t, err := workforce.GetTraining(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (s *Handlers) ApiWfProgrammes(c *kit.Ctx) error {
	ps, err := workforce.ListProgrammes(c.Context(), c.DB(), c.Actor)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: ps, Total: len(ps), Limit: len(ps), Offset: 0})
}

func (s *Handlers) ApiWfProgramme(c *kit.Ctx) error {
	p, err := workforce.GetProgramme(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Handlers) ApiWfProgrammeCreate(c *kit.Ctx) error {
	var in workforce.ProgrammeInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var p workforce.Programme
	err := c.Write(func(tx *db.Tx) error {
		var err error
		p, err = workforce.CreateProgramme(c.Context(), tx, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (s *Handlers) ApiWfRoundAdd(c *kit.Ctx) error {
	var in workforce.RoundInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var r workforce.Round
	err := c.Write(func(tx *db.Tx) error {
		var err error
		r, err = workforce.AddRound(c.Context(), tx, c.Actor, c.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

func (s *Handlers) ApiWfNomineeAdd(c *kit.Ctx) error {
	var in workforce.NomineeInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var n workforce.Nominee
	err := c.Write(func(tx *db.Tx) error {
		var err error
		n, err = workforce.Nominate(c.Context(), tx, c.Actor, c.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, n)
}

func (s *Handlers) ApiWfNomineeUpdate(c *kit.Ctx) error {
	var in struct {
		Status  string `json:"status"`
		Version int    `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := kit.RequireVersion(in.Version); err != nil {
		return err
	}
	if err := c.Write(func(tx *db.Tx) error {
		return workforce.SetNomineeStatus(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.Status)
	}); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handlers) ApiWfAllowanceCreate(c *kit.Ctx) error {
	var in workforce.AllowanceInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var sc workforce.Schedule
	err := c.Write(func(tx *db.Tx) error {
		var err error
		sc, err = workforce.CreateAllowance(c.Context(), tx, c.Actor, c.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, sc)
}

func (s *Handlers) ApiWfLines(c *kit.Ctx) error {
	q := c.R.URL.Query()
	year, _ := strconv.Atoi(q.Get("year"))
	lines, err := workforce.ListLines(c.Context(), c.DB(), c.Actor, workforce.LineFilter{Year: year, Paid: q.Get("paid")})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: lines, Total: len(lines), Limit: len(lines), Offset: 0})
}

func (s *Handlers) ApiWfLineUpdate(c *kit.Ctx) error {
	var in struct {
		Paid    bool   `json:"paid"`
		PaidOn  string `json:"paid_on"`
		Version int    `json:"version"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := kit.RequireVersion(in.Version); err != nil {
		return err
	}
	var l workforce.Line
	err := c.Write(func(tx *db.Tx) error {
		var err error
		l, err = workforce.ConfirmPayment(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.Paid, in.PaidOn)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (s *Handlers) ApiWfStats(c *kit.Ctx) error {
	st, err := workforce.Statistics(c.Context(), c.DB(), c.Actor, wfStatsFilter(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
