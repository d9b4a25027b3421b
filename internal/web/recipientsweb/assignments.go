package recipientsweb

import (
	"net/http"
	"strconv"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/web/kit"
	"github.com/shegong/shegong/internal/workforce"
)

// Volunteers' assignments (志愿者任务分派) on the person page: the station
// head gives the person to a volunteer of the registry for a task, and
// ends it. The rules are recipients.Assign / EndAssignment.

// AssignmentsPanel is the person page's 志愿者任务 panel.
func (s *Handlers) AssignmentsPanel(c *kit.Ctx) error {
	return s.renderAssignments(c, http.StatusOK, kit.NewForm(nil), "")
}

func (s *Handlers) renderAssignments(c *kit.Ctx, status int, f *kit.Form, msg string) error {
	id := c.PathValue("id")
	r, err := recipients.Get(c.Context(), s.App.DB, c.Actor, id)
	if err != nil {
		return err
	}
	list, err := recipients.Assignments(c.Context(), s.App.DB, c.Actor, id)
	if err != nil {
		return err
	}
	vols, _, err := workforce.ListVolunteers(c.Context(), s.App.DB, s.App.Keys, c.Actor, workforce.VolunteerFilter{OrgID: r.OrgID, Status: "active", Limit: 200})
	if err != nil {
		return err
	}
	opts := make([]kit.Option, 0, len(vols))
	for _, v := range vols {
		label := v.Name
		if v.UserID == "" {
			label += "（未关联登录账号）"
		}
		opts = append(opts, kit.Option{Code: v.ID, Label: label})
	}
	return c.RenderStatus(status, "recipients_assignments_panel", &kit.Page{Title: "志愿者任务", Form: f, Error: msg,
		Data: map[string]any{"R": r, "Items": list, "Volunteers": opts}})
}

// AssignmentCreate assigns the person to a volunteer (form).
func (s *Handlers) AssignmentCreate(c *kit.Ctx) error {
	id := c.PathValue("id")
	f := kit.FormFrom(c.R)
	pf := c.R.PostForm
	err := c.Write(func(tx *db.Tx) error {
		_, err := recipients.Assign(c.Context(), tx, c.Actor, id, recipients.AssignmentInput{ID: pf.Get("id"), VolunteerID: pf.Get("volunteer_id"),
			Task: pf.Get("task"), StartsOn: pf.Get("starts_on"), EndsOn: pf.Get("ends_on")})
		return err
	})
	if err != nil {
		msg, other := f.Fail(err)
		if other != nil {
			return other
		}
		status := http.StatusUnprocessableEntity
		if ae, ok := apperr.As(err); ok {
			status = ae.Status()
		}
		return s.renderAssignments(c, status, f, msg)
	}
	return c.Redirect("/recipients/"+id+"#assignments", "已分派给志愿者")
}

// AssignmentEnd ends an assignment at once (form).
func (s *Handlers) AssignmentEnd(c *kit.Ctx) error {
	id := c.PathValue("id")
	version, _ := strconv.Atoi(c.R.PostForm.Get("version"))
	err := c.Write(func(tx *db.Tx) error {
		_, err := recipients.EndAssignment(c.Context(), tx, c.Actor, c.PathValue("aid"), version, "")
		return err
	})
	if err != nil {
		return err
	}
	return c.Redirect("/recipients/"+id+"#assignments", "任务已结束")
}

// ApiAssignments lists a person's assignments.
func (s *Handlers) ApiAssignments(c *kit.Ctx) error {
	list, err := recipients.Assignments(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

// ApiAssignmentCreate assigns a person to a volunteer.
func (s *Handlers) ApiAssignmentCreate(c *kit.Ctx) error {
	var in recipients.AssignmentInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var a recipients.Assignment
	err := c.Write(func(tx *db.Tx) (err error) {
		a, err = recipients.Assign(c.Context(), tx, c.Actor, c.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

// ApiAssignmentEnd ends an assignment ({"version", "ends_on"}).
func (s *Handlers) ApiAssignmentEnd(c *kit.Ctx) error {
	var in struct {
		Version int    `json:"version"`
		EndsOn  string `json:"ends_on"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var a recipients.Assignment
	err := c.Write(func(tx *db.Tx) (err error) {
		a, err = recipients.EndAssignment(c.Context(), tx, c.Actor, c.PathValue("aid"), in.Version, in.EndsOn)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

// RecipientConsentScan stores the scan of the signed consent form
// (multipart field "scan").
func (s *Handlers) RecipientConsentScan(c *kit.Ctx) error {
	id := c.PathValue("id")
	files := c.R.MultipartForm
	if files == nil || len(files.File["scan"]) == 0 {
		return s.renderRecipient(c, http.StatusUnprocessableEntity, nil, kit.NewForm(nil), "请选择同意书扫描件（照片）")
	}
	err := c.Write(func(tx *db.Tx) error {
		_, err := recipients.AttachConsentScan(c.Context(), tx, s.App.Attach, c.Actor, id, files.File["scan"][0])
		return err
	})
	if err != nil {
		f := kit.NewForm(nil)
		msg, other := f.Fail(err)
		if other != nil {
			return other
		}
		if m := f.Errors["scan"]; m != "" {
			msg = m
		}
		return s.renderRecipient(c, http.StatusUnprocessableEntity, nil, f, msg)
	}
	return c.Redirect("/recipients/"+id, "同意书扫描件已上传")
}
