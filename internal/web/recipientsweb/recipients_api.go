package recipientsweb

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/roster"
)

// The JSON API of the recipient registry, on the same services and
// permissions as the pages. Documented in openapi/recipients.json.

// recipientPageJSON is a page of recipients; total_capped says the total
// stopped counting at recipients.CountCap.
type recipientPageJSON struct {
	Items       []recipients.Recipient `json:"items"`
	Total       int                    `json:"total"`
	TotalCapped bool                   `json:"total_capped"`
	Limit       int                    `json:"limit"`
	Offset      int                    `json:"offset"`
}

func (s *Handlers) ApiRecipients(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	f := recipientFilterFrom(c.Actor, p.Query, p)
	items, total, capped, err := recipients.List(c.Context(), s.App.DB, s.App.Keys, c.Actor, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, recipientPageJSON{Items: items, Total: total, TotalCapped: capped, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiRecipient(c *kit.Ctx) error {
	r, err := recipients.Get(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Handlers) ApiRecipientCreate(c *kit.Ctx) error {
	var in recipients.Input
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var r recipients.Recipient
	var replayed bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		r, replayed, err = recipients.Record(c.Context(), tx, s.App.Keys, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	if replayed {
		return c.JSON(http.StatusOK, r)
	}
	return c.JSON(http.StatusCreated, r)
}

// recipientPatch is a partial update: absent fields keep their values;
// a sealed field sent as "" is cleared.
type recipientPatch struct {
	Version          int       `json:"version"`
	OrgID            *string   `json:"org_id"`
	Name             *string   `json:"name"`
	Sex              *string   `json:"sex"`
	BirthDate        *string   `json:"birth_date"`
	IDNumber         *string   `json:"id_number"`
	Ethnicity        *string   `json:"ethnicity"`
	Phone            *string   `json:"phone"`
	HukouAddress     *string   `json:"hukou_address"`
	CurrentAddress   *string   `json:"current_address"`
	VillageCode      *string   `json:"village_code"`
	LivingSituation  *string   `json:"living_situation"`
	GuardianName     *string   `json:"guardian_name"`
	GuardianRelation *string   `json:"guardian_relation"`
	GuardianPhone    *string   `json:"guardian_phone"`
	Categories       *[]string `json:"categories"`
	DisabilityType   *string   `json:"disability_type"`
	DisabilityGrade  *string   `json:"disability_grade"`
	HealthNotes      *string   `json:"health_notes"`
	IncomeSource     *string   `json:"income_source"`
	WorkerID         *string   `json:"worker_id"`
	Status           *string   `json:"status"`
	StatusReason     *string   `json:"status_reason"`
	StatusDate       *string   `json:"status_date"`
	ConsentBy        *string   `json:"consent_by"`
	ConsentName      *string   `json:"consent_name"`
	ConsentOn        *string   `json:"consent_on"`
	ConsentMethod    *string   `json:"consent_method"`
	ConsentPurpose   *string   `json:"consent_purpose"`
}

func (s *Handlers) ApiRecipientUpdate(c *kit.Ctx) error {
	var in recipientPatch
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if in.Version <= 0 {
		return &apperr.Error{Kind: apperr.Invalid, Message: "缺少版本号", Fields: map[string]string{"version": "请提供读取记录时得到的 version"}}
	}
	cur, err := recipients.Get(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	ri := recipients.InputOf(cur)
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	sealed := func(name string, dst *string, src *string) {
		if src != nil {
			*dst = *src
			if *src == "" {
				ri.Clear = append(ri.Clear, name)
			}
		}
	}
	set(&ri.OrgID, in.OrgID)
	set(&ri.Name, in.Name)
	set(&ri.Sex, in.Sex)
	set(&ri.BirthDate, in.BirthDate)
	set(&ri.Ethnicity, in.Ethnicity)
	set(&ri.VillageCode, in.VillageCode)
	set(&ri.LivingSituation, in.LivingSituation)
	set(&ri.GuardianName, in.GuardianName)
	set(&ri.GuardianRelation, in.GuardianRelation)
	set(&ri.DisabilityType, in.DisabilityType)
	set(&ri.DisabilityGrade, in.DisabilityGrade)
	set(&ri.IncomeSource, in.IncomeSource)
	set(&ri.WorkerID, in.WorkerID)
	set(&ri.Status, in.Status)
	set(&ri.StatusReason, in.StatusReason)
	set(&ri.StatusDate, in.StatusDate)
	set(&ri.ConsentBy, in.ConsentBy)
	set(&ri.ConsentName, in.ConsentName)
	set(&ri.ConsentOn, in.ConsentOn)
	set(&ri.ConsentMethod, in.ConsentMethod)
	set(&ri.ConsentPurpose, in.ConsentPurpose)
	sealed("id_number", &ri.IDNumber, in.IDNumber)
	sealed("phone", &ri.Phone, in.Phone)
	sealed("hukou_address", &ri.HukouAddress, in.HukouAddress)
	sealed("current_address", &ri.CurrentAddress, in.CurrentAddress)
	sealed("guardian_phone", &ri.GuardianPhone, in.GuardianPhone)
	sealed("health_notes", &ri.HealthNotes, in.HealthNotes)
	if in.Categories != nil {
		ri.Categories = *in.Categories
	}
	var r recipients.Recipient
	err = c.Write(func(tx *db.Tx) error {
		var err error
		r, err = recipients.Update(c.Context(), tx, s.App.Keys, c.Actor, cur.ID, in.Version, ri)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Handlers) ApiRecipientReveal(c *kit.Ctx) error {
	var in struct {
		Fields []string `json:"fields"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var values map[string]string
	err := c.Write(func(tx *db.Tx) error {
		var err error
		values, err = recipients.Reveal(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in.Fields)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": c.PathValue("id"), "values": values})
}

func (s *Handlers) ApiRecipientDuplicates(c *kit.Ctx) error {
	var in recipients.DuplicateQuery
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	dups, err := recipients.FindDuplicates(c.Context(), s.App.DB, s.App.Keys, c.Actor, in)
	if err != nil {
		return err
	}
	if dups == nil {
		dups = []recipients.Duplicate{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": dups})
}

func (s *Handlers) ApiRecipientCategories(c *kit.Ctx) error {
	names, err := recipients.CategoriesFor(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return err
	}
	if names == nil {
		names = []string{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": names})
}

func (s *Handlers) ApiHouseholds(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	items, total, err := recipients.ListHouseholds(c.Context(), s.App.DB, c.Actor, recipients.HouseholdFilter{Text: p.Q, OrgID: p.Query.Get("org"),
		Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiHousehold(c *kit.Ctx) error {
	h, err := recipients.GetHousehold(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h)
}

func (s *Handlers) ApiHouseholdCreate(c *kit.Ctx) error {
	var in recipients.HouseholdInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var h recipients.Household
	err := c.Write(func(tx *db.Tx) error {
		var err error
		h, err = recipients.CreateHousehold(c.Context(), tx, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, h)
}

func (s *Handlers) ApiHouseholdUpdate(c *kit.Ctx) error {
	var in struct {
		Version int                       `json:"version"`
		Name    *string                   `json:"name"`
		Members *[]recipients.MemberInput `json:"members"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if in.Version <= 0 {
		return &apperr.Error{Kind: apperr.Invalid, Message: "缺少版本号", Fields: map[string]string{"version": "请提供读取记录时得到的 version"}}
	}
	var members []recipients.MemberInput
	if in.Members != nil {
		members = append([]recipients.MemberInput{}, *in.Members...)
	}
	var h recipients.Household
	err := c.Write(func(tx *db.Tx) error {
		var err error
		h, err = recipients.UpdateHousehold(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.Name, members)
		return err
	})
	if err != nil {
		return err
	}
	if h.ID == "" {
		c.W.WriteHeader(http.StatusNoContent) // the last member left: the household is dissolved
		return nil
	}
	return c.JSON(http.StatusOK, h)
}

// ApiRecipientImport takes the roster .xlsx as the request body (or a
// multipart "file" field), ?mode=check|all|valid (default all),
// ?filename= and ?target= (the org id of the station or room rows with an
// empty 所属站点 belong to), and the decisions on the rows in doubt
// (report.doubts of a check) by row number: ?import_rows=5,9 (导入)
// and ?skip_rows=7 (跳过). With mode all and any problem, or a row in
// doubt without a decision, nothing is written: 422 with fields keyed
// "第3行·身份证号".
func (s *Handlers) ApiRecipientImport(c *kit.Ctx) error {
	q := c.R.URL.Query()
	mode := q.Get("mode")
	switch mode {
	case "":
		mode = recipients.ImportAll
	case recipients.ImportCheck, recipients.ImportAll, recipients.ImportValid:
	default:
		return &apperr.Error{Kind: apperr.BadRequest, Message: "mode 应为 check、all 或 valid", Fields: map[string]string{"mode": "应为 check、all 或 valid"}}
	}
	var body io.Reader = c.R.Body
	name := q.Get("filename")
	if strings.HasPrefix(c.R.Header.Get("Content-Type"), "multipart/form-data") {
		f, h, err := c.R.FormFile("file")
		if err != nil {
			return apperr.New(apperr.BadRequest, "请在 file 字段上传服务对象名册（.xlsx）")
		}
		defer f.Close()
		body, name = f, h.Filename
	}
	data, err := io.ReadAll(io.LimitReader(body, recipients.MaxImportBytes+1))
	if err != nil {
		return err
	}
	decisions := map[int]string{}
	for param, decision := range map[string]string{"import_rows": recipients.DecideImport, "skip_rows": recipients.DecideSkip} {
		for _, n := range strings.Split(q.Get(param), ",") {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			row, err := strconv.Atoi(n)
			if err != nil || row < 1 {
				return &apperr.Error{Kind: apperr.BadRequest, Message: param + " 应为逗号分隔的行号", Fields: map[string]string{param: "应为逗号分隔的行号，如 5,9"}}
			}
			if _, twice := decisions[row]; twice {
				return &apperr.Error{Kind: apperr.BadRequest, Message: "第 " + n + " 行不能既导入又跳过", Fields: map[string]string{param: "第 " + n + " 行同时出现在 import_rows 和 skip_rows 中"}}
			}
			decisions[row] = decision
		}
	}
	rep, err := recipients.ImportDecided(c.Context(), s.App.DB, s.App.Keys, c.Actor, name, data, mode, q.Get("target"), decisions)
	if err != nil {
		return err
	}
	if rep.Errors == nil {
		rep.Errors = []roster.CellError{}
	}
	// The rejected rows come back masked: a full roster cell is shown
	// only in the rejected-rows download, which is audit-logged.
	rejected := rep.MaskedRejected()
	if rejected == nil {
		rejected = []roster.Record{}
	}
	return c.JSON(http.StatusOK, map[string]any{"report": rep, "rejected": rejected})
}
