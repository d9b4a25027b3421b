package visitsweb

import (
	"net/http"
	"strconv"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/visits"
)

// The visits API, documented in openapi/visits.json. A phone that
// records visits offline sends each with its own UUIDv7 id: a repeated
// create with the same id and content answers 200 with the saved record
// instead of 201, so replaying a queue is always safe.

func (s *Handlers) ApiVisits(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	f := visitFilterFrom(p)
	items, total, capped, err := visits.ListCounted(c.Context(), s.App.DB, c.Actor, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, TotalCapped: capped, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiVisitCreate(c *kit.Ctx) error {
	var in visits.Input
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var v visits.Visit
	var replayed bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		v, replayed, err = visits.Record(c.Context(), tx, s.App.Keys, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	if replayed {
		return c.JSON(http.StatusOK, v)
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Handlers) ApiVisitDelete(c *kit.Ctx) error {
	version, err := kit.QueryVersion(c)
	if err != nil {
		return err
	}
	err = c.Write(func(tx *db.Tx) error {
		return visits.Delete(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), version, c.R.URL.Query().Get("reason"))
	})
	if err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Handlers) ApiVisit(c *kit.Ctx) error {
	v, err := visits.Get(c.Context(), s.App.DB, s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// visitUpdateJSON is a full replacement of a visit's editable content,
// with the version read.
type visitUpdateJSON struct {
	Version    int               `json:"version"`
	CampaignID string            `json:"campaign_id,omitempty"`
	VisitedAt  string            `json:"visited_at"`
	Method     visits.Method     `json:"method"`
	Visitors   []visits.Visitor  `json:"visitors,omitempty"`
	Findings   string            `json:"findings,omitempty"`
	Needs      string            `json:"needs,omitempty"`
	Assessment visits.Assessment `json:"assessment"`
	RiskTier   visits.Tier       `json:"risk_tier,omitempty"`
	FollowUp   visits.FollowUp   `json:"follow_up,omitempty"`
	Reason     string            `json:"reason"`
}

func (s *Handlers) ApiVisitUpdate(c *kit.Ctx) error {
	var in visitUpdateJSON
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if in.Version <= 0 {
		return &apperr.Error{Kind: apperr.Invalid, Message: "缺少版本号", Fields: map[string]string{"version": "请提供读取记录时得到的 version"}}
	}
	var v visits.Visit
	err := c.Write(func(tx *db.Tx) error {
		var err error
		v, err = visits.Update(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in.Version, visits.Input{CampaignID: in.CampaignID,
			VisitedAt: in.VisitedAt, Method: in.Method, Visitors: in.Visitors, Findings: in.Findings, Needs: in.Needs, Assessment: in.Assessment,
			RiskTier: in.RiskTier, FollowUp: in.FollowUp, Reason: in.Reason})
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Handlers) ApiVisitsDue(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	f := dueFilterFrom(c, p.Query)
	if p.Query.Get("worker") == "me" {
		f.WorkerID = c.Actor.UserID
	}
	f.Offset, f.Limit = p.Offset(), p.Size
	items, total, err := visits.DueList(c.Context(), s.App.DB, c.Actor, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiVisitsDueCounts(c *kit.Ctx) error {
	per, total, err := visits.DueCounts(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return err
	}
	if per == nil {
		per = []visits.Counts{}
	}
	out := map[string]any{"total": total, "stations": per}
	if c.Actor.Role == authz.RoleWorker {
		mine, err := visits.MyCounts(c.Context(), s.App.DB, c.Actor)
		if err != nil {
			return err
		}
		out["mine"] = mine
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Handlers) ApiCampaigns(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	items, total, err := visits.ListCampaigns(c.Context(), s.App.DB, c.Actor, visits.CampaignFilter{Active: p.Query.Get("active") == "1",
		Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiCampaignCreate(c *kit.Ctx) error {
	var in visits.CampaignInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var cp visits.Campaign
	err := c.Write(func(tx *db.Tx) error {
		var err error
		cp, err = visits.CreateCampaign(c.Context(), tx, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cp)
}

func (s *Handlers) ApiCampaign(c *kit.Ctx) error {
	cp, err := visits.GetCampaign(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cp)
}

func (s *Handlers) ApiCampaignUpdate(c *kit.Ctx) error {
	var in struct {
		Version int `json:"version"`
		visits.CampaignInput
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var cp visits.Campaign
	err := c.Write(func(tx *db.Tx) error {
		var err error
		cp, err = visits.UpdateCampaign(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.CampaignInput)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cp)
}

func (s *Handlers) ApiVisitRules(c *kit.Ctx) error {
	r, err := visits.RulesFor(c.Context(), s.App.DB, c.Actor.OrgPath)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Handlers) ApiVisitRulesSave(c *kit.Ctx) error {
	var in visits.Rules
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if in.Categories == nil {
		in.Categories = map[string]visits.Interval{}
	}
	var r visits.Rules
	err := c.Write(func(tx *db.Tx) error {
		var err error
		if r, err = visits.SaveRules(c.Context(), tx, c.Actor, in); err != nil {
			return err
		}
		if c.R.URL.Query().Get("replan") != "1" {
			return nil
		}
		n, err := visits.ReplanAll(c.Context(), tx, c.Actor)
		if err == nil {
			c.W.Header().Set("X-Replanned", strconv.Itoa(n))
		}
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Handlers) ApiVisitPlan(c *kit.Ctx) error {
	plan, err := visits.PlanOf(c.Context(), s.App.DB, s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, plan)
}

// apiMajorChangeReport answers 201 with the report, or 200 when the
// same report (same id and content) was already saved.
func (s *Handlers) ApiMajorChangeReport(c *kit.Ctx) error {
	var in visits.MajorChangeInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var m visits.MajorChange
	created := false
	err := c.Write(func(tx *db.Tx) error {
		saved, err := visits.MajorChangeSaved(c.Context(), tx, in.ID)
		if err != nil {
			return err
		}
		created = !saved
		m, err = visits.ReportMajorChange(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in)
		return err
	})
	if err != nil {
		return err
	}
	if created {
		return c.JSON(http.StatusCreated, m)
	}
	return c.JSON(http.StatusOK, m)
}

func (s *Handlers) ApiVisitPhotos(c *kit.Ctx) error {
	_, photos, err := s.visitWithPhotos(c, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": apiAttachments(photos)})
}

// apiVisitPhotoUpload adds photos (multipart field "photos", one or
// more) to a visit the actor may record. A photo sent again for the same
// visit is not stored twice, so an offline queue can be replayed.
func (s *Handlers) ApiVisitPhotoUpload(c *kit.Ctx) error {
	if s.App.Attach == nil {
		return apperr.New(apperr.Invalid, "本系统未启用照片上传")
	}
	if err := c.R.ParseMultipartForm(attach.MaxImageBytes); err != nil {
		return (apperr.Fields{"photos": "请以 multipart/form-data 上传照片（字段名 photos）"}).Err()
	}
	files := c.R.MultipartForm.File["photos"]
	if len(files) == 0 {
		return (apperr.Fields{"photos": "请选择要上传的照片"}).Err()
	}
	v, err := visits.Get(c.Context(), s.App.DB, s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	var saved []attach.Attachment
	err = c.Write(func(tx *db.Tx) error {
		for _, fh := range files {
			a, err := s.App.Attach.SaveImage(c.Context(), tx, c.Actor, attach.Owner{Entity: "visit", ID: v.ID, OrgPath: v.OrgPath}, "photos", fh)
			if err != nil {
				return err
			}
			saved = append(saved, a)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"items": apiAttachments(saved)})
}

// apiAttachments points each file at its API download address, which
// takes the bearer token.
func apiAttachments(list []attach.Attachment) []attach.Attachment {
	out := make([]attach.Attachment, len(list))
	for i, a := range list {
		a.URL = "/api/v1/attachments/" + a.ID
		out[i] = a
	}
	return out
}
