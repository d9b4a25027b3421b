package caseworkweb

import (
	"net/http"

	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/web/kit"
)

// The casework API, documented in openapi.json. Creates take a client
// id (UUIDv7): a repeat answers 200 with the saved record.

func (s *Handlers) ApiList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	q := c.R.URL.Query()
	f := casework.Filter{OrgID: q.Get("org"), Stage: casework.Stage(q.Get("stage")), RecipientID: q.Get("recipient"), WorkerID: q.Get("worker"),
		Limit: p.Size, Offset: p.Offset()}
	items, total, err := casework.List(c.Context(), c.DB(), c.Actor, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiCreate(c *kit.Ctx) error {
	var in casework.IntakeInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var cs casework.Case
	var replayed bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		cs, replayed, err = casework.OpenCase(c.Context(), tx, s.App.Keys, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	if replayed {
		return c.JSON(http.StatusOK, cs)
	}
	return c.JSON(http.StatusCreated, cs)
}

func (s *Handlers) ApiGet(c *kit.Ctx) error {
	cs, h, err := casework.GetHistory(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"case": cs, "history": h})
}

func (s *Handlers) ApiFile(c *kit.Ctx) error {
	var f casework.File
	err := c.Write(func(tx *db.Tx) error {
		var err error
		f, err = casework.Open(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}

// write runs one case write from a JSON body and answers with the case.
func write[T any](s *Handlers, c *kit.Ctx, status int, fn func(tx *db.Tx, in T) (any, error)) error {
	var in T
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var out any
	err := c.Write(func(tx *db.Tx) error {
		var err error
		out, err = fn(tx, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(status, out)
}

func (s *Handlers) ApiDecide(c *kit.Ctx) error {
	return write(s, c, http.StatusOK, func(tx *db.Tx, in struct {
		Version int `json:"version"`
		casework.DecisionInput
	}) (any, error) {
		return casework.Decide(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.DecisionInput)
	})
}

// create runs one client-id create from a JSON body: 201 with the new
// record, 200 with the stored one for a resend.
func create[T, R any](s *Handlers, c *kit.Ctx, fn func(tx *db.Tx, in T) (R, bool, error)) error {
	var in T
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var out R
	var again bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		out, again, err = fn(tx, in)
		return err
	})
	if err != nil {
		return err
	}
	if again {
		return c.JSON(http.StatusOK, out)
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Handlers) ApiAssess(c *kit.Ctx) error {
	return create(s, c, func(tx *db.Tx, in casework.AssessmentInput) (casework.Assessment, bool, error) {
		return casework.AddAssessment(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in)
	})
}

func (s *Handlers) ApiPlan(c *kit.Ctx) error {
	return write(s, c, http.StatusOK, func(tx *db.Tx, in struct {
		Version int `json:"version"`
		casework.PlanInput
	}) (any, error) {
		return casework.SavePlan(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in.Version, in.PlanInput)
	})
}

func (s *Handlers) ApiSubmitPlan(c *kit.Ctx) error {
	var a casework.Approval
	err := c.Write(func(tx *db.Tx) error {
		var err error
		a, err = casework.SubmitPlan(c.Context(), tx, c.Actor, c.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

func (s *Handlers) ApiLog(c *kit.Ctx) error {
	var in casework.LogInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var l casework.Log
	var replayed bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		l, replayed, err = casework.AddLog(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in)
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

func (s *Handlers) ApiEvaluate(c *kit.Ctx) error {
	return create(s, c, func(tx *db.Tx, in casework.EvaluationInput) (casework.Evaluation, bool, error) {
		return casework.AddEvaluation(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in)
	})
}

func (s *Handlers) ApiClose(c *kit.Ctx) error {
	return write(s, c, http.StatusCreated, func(tx *db.Tx, in casework.ClosureInput) (any, error) {
		return casework.RequestClosure(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in)
	})
}

func (s *Handlers) ApiReopen(c *kit.Ctx) error {
	return write(s, c, http.StatusOK, func(tx *db.Tx, in struct {
		Version int    `json:"version"`
		Reason  string `json:"reason"`
	}) (any, error) {
		return casework.Reopen(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.Reason)
	})
}

func (s *Handlers) ApiPending(c *kit.Ctx) error {
	items, err := casework.Pending(c.Context(), c.DB(), c.Actor, 200)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (s *Handlers) ApiAnswer(c *kit.Ctx) error {
	return write(s, c, http.StatusOK, func(tx *db.Tx, in struct {
		Approve bool   `json:"approve"`
		Reason  string `json:"reason"`
	}) (any, error) {
		return casework.Answer(c.Context(), tx, c.Actor, c.PathValue("id"), in.Approve, in.Reason)
	})
}

func (s *Handlers) ApiTasks(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	q := c.R.URL.Query()
	items, total, err := casework.Tasks(c.Context(), c.DB(), c.Actor, casework.TaskFilter{UserID: q.Get("worker"), OrgID: q.Get("org"),
		OverdueOnly: q.Get("overdue") == "1", Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiSettings(c *kit.Ctx) error {
	r, err := casework.SettingsOf(c.Context(), c.DB(), c.Actor, c.Actor.OrgID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Handlers) ApiSettingsSave(c *kit.Ctx) error {
	return write(s, c, http.StatusOK, func(tx *db.Tx, in casework.SettingsRecord) (any, error) {
		if in.OrgID == "" {
			in.OrgID = c.Actor.OrgID
		}
		if _, err := casework.SetSettings(c.Context(), tx, c.Actor, in.OrgID, in.Version, in.Settings); err != nil {
			return nil, err
		}
		return casework.SettingsOf(c.Context(), tx, c.Actor, in.OrgID)
	})
}

func (s *Handlers) ApiSupervisor(c *kit.Ctx) error {
	return write(s, c, http.StatusOK, func(tx *db.Tx, in struct {
		UserID    string `json:"user_id"`
		StationID string `json:"station_id"`
		Remove    bool   `json:"remove"`
	}) (any, error) {
		return in, casework.AssignSupervisor(c.Context(), tx, c.Actor, in.UserID, in.StationID, in.Remove)
	})
}
