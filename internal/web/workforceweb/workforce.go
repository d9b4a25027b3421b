package workforceweb

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/web/exportsweb"
	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/exports"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/workforce"
)

// The workforce pages (队伍建设): the roster of social workers with their
// qualifications, the Excel roster import, volunteers and their hours,
// training, honours and talent programmes with allowances, and the
// workforce statistics. The JSON API is in workforce_api.go.

// UploadLimit is the request limit of roster uploads: the file limit
// plus room for the multipart envelope, so an over-size file is reported
// by the importer with its own message.
func UploadLimit() int64 { return workforce.MaxImportBytes + 64<<10 }

func wfOpts(in []workforce.Option) []kit.Option {
	out := make([]kit.Option, len(in))
	for i, o := range in {
		out[i] = kit.Option(o)
	}
	return out
}

func (s *Handlers) wfWorkerOpts(c *kit.Ctx) ([]kit.Option, error) {
	ws, _, err := workforce.ListWorkers(c.Context(), c.DB(), s.App.Keys, c.Actor, workforce.WorkerFilter{Status: "active", Limit: -1})
	if err != nil {
		return nil, err
	}
	out := make([]kit.Option, len(ws))
	for i, w := range ws {
		out[i] = kit.Option{Code: w.ID, Label: w.Name + "（" + w.OrgName + "）"}
	}
	return out, nil
}

func wfYearOpts() []kit.Option {
	var out []kit.Option
	for y := cst.Now().Year(); y >= workforce.TrendFrom-5; y-- {
		out = append(out, kit.Option{Code: strconv.Itoa(y), Label: strconv.Itoa(y) + " 年"})
	}
	return out
}

// Social workers.

func wfWorkerFilter(p kit.ListParams) workforce.WorkerFilter {
	q := p.Query
	return workforce.WorkerFilter{Text: p.Q, OrgID: q.Get("org"), Level: q.Get("level"), Status: q.Get("status"), Post: q.Get("post"),
		Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size}
}

func (s *Handlers) WfWorkerList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	ws, total, err := workforce.ListWorkers(c.Context(), c.DB(), s.App.Keys, c.Actor, wfWorkerFilter(p))
	if err != nil {
		return err
	}
	units, err := s.Picker(c, kit.PickOrgs, "org", p.Query.Get("org"))
	if err != nil {
		return err
	}
	levels := append([]kit.Option{{Code: "any", Label: "持证（任一等级）"}}, wfOpts(workforce.Levels)...)
	levels = append(levels, kit.Option{Code: "none", Label: "未持证"})
	return c.Render("workforce_workers", &kit.Page{Title: "社工花名册", Data: map[string]any{
		"Workers": ws, "Pager": kit.NewPager(p, total), "Params": p, "OrgPicker": units, "Levels": levels, "StaffRule": workforce.StaffRule,
		"Statuses": wfOpts(workforce.WorkerStatuses), "Posts": wfOpts(workforce.Posts),
		"SeesID": c.Actor.Can(authz.PermWorkforceManage),
		// The export form repeats the list's filters, with the id of the
		// job it may queue.
		"ExportForm": kit.NewCreateForm(nil), "ExportFields": kit.FilterFields(p.Query),
	}})
}

// WfWorkerExport is the roster page's export button (a POST form with
// the list's filters and the create id of the job it may queue): up to
// exports.SyncMax workers the workbook is sent at once, a longer roster
// becomes a background export with a progress page.
func (s *Handlers) WfWorkerExport(c *kit.Ctx) error {
	q := c.R.PostForm
	p := kit.ListParams{Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Desc: q.Get("dir") == "desc", Query: q, Page: 1, Size: 1}
	f := wfWorkerFilter(p)
	f.Offset, f.Limit = 0, 0
	var n int
	err := c.Read(func(rq db.Querier) error {
		var err error
		n, err = exports.Count(c.Context(), rq, s.App.Keys, c.Actor, workforce.WorkersExportKind, f)
		return err
	})
	if err != nil {
		return err
	}
	if n > exports.SyncMax {
		return exportsweb.Start(c, q.Get("id"), workforce.WorkersExportKind, f, wfWorkerDescribe(c, f), n)
	}
	spool, err := exports.NewSpool()
	if err != nil {
		return err
	}
	defer spool.Close()
	var entry audit.Entry
	err = c.Read(func(rq db.Querier) error {
		var err error
		_, entry, err = workforce.BuildWorkersExport(c.Context(), rq, s.App.Keys, c.Actor, f, spool, nil)
		return err
	})
	if err == nil {
		if d := wfWorkerDescribe(c, f); d != "" {
			entry.Summary += "；筛选：" + d
		}
		err = c.Write(func(tx *db.Tx) error { return audit.Record(c.Context(), tx, c.Actor, entry) })
	}
	if err != nil {
		return err
	}
	kit.SendXLSX(c.W, "社工花名册-"+strings.ReplaceAll(cst.Today(), "-", "")+".xlsx", spool)
	return nil
}

// wfWorkerDescribe says what a roster export selects, for the job list
// and the audit log ("" for the whole roster in scope).
func wfWorkerDescribe(c *kit.Ctx, f workforce.WorkerFilter) string {
	var parts []string
	if f.Text != "" {
		parts = append(parts, "搜索："+f.Text)
	}
	if f.OrgID != "" {
		if u, err := org.GetFor(c.Context(), c.DB(), c.Actor, f.OrgID); err == nil {
			parts = append(parts, "站点："+u.Name)
		}
	}
	label := func(opts []workforce.Option, code string) string {
		for _, o := range opts {
			if o.Code == code {
				return o.Label
			}
		}
		return code
	}
	switch f.Level {
	case "":
	case "any":
		parts = append(parts, "持证（任一等级）")
	case "none":
		parts = append(parts, "未持证")
	default:
		parts = append(parts, "持证等级："+workforce.LevelLabel(f.Level))
	}
	if f.Post != "" {
		parts = append(parts, "岗位："+label(workforce.Posts, f.Post))
	}
	if f.Status != "" {
		parts = append(parts, "状态："+label(workforce.WorkerStatuses, f.Status))
	}
	return strings.Join(parts, "，")
}

func (s *Handlers) WfWorkerShow(c *kit.Ctx) error {
	return s.wfWorkerPage(c, kit.NewForm(nil), nil, http.StatusOK)
}

// wfWorkerPage renders a worker's page: the qualification form keeps its
// values and errors, and a reveal shows the full values once.
func (s *Handlers) wfWorkerPage(c *kit.Ctx, f *kit.Form, revealed *workforce.Revealed, status int) error {
	w, err := workforce.GetWorker(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	kit.EnsureCreateID(f) // the add-qualification form's id
	training, err := workforce.TrainingHoursByYear(c.Context(), c.DB(), c.Actor, workforce.PersonWorker, w.ID)
	if err != nil {
		return err
	}
	honours, err := workforce.WorkerHonours(c.Context(), c.DB(), c.Actor, w.ID)
	if err != nil {
		return err
	}
	p := &kit.Page{Title: w.Name, Form: f, Data: map[string]any{
		"Worker": w, "Training": training, "Honours": honours, "Revealed": revealed, "Levels": wfOpts(workforce.Levels),
		"Stages":    []kit.Option{{Code: workforce.StageCertificate, Label: "证书"}, {Code: workforce.StageExam, Label: "考试合格（仅高级）"}},
		"CanManage": c.Actor.Can(authz.PermWorkforceManage), "CanReveal": c.Actor.Can(authz.PermWorkforceReveal),
		"ExamYears": workforce.SeniorExamValidYears,
	}}
	if status != http.StatusOK {
		return c.RenderForm("workforce_worker", p, (apperr.Fields(f.Errors)).Err())
	}
	return c.Render("workforce_worker", p)
}

func (s *Handlers) wfWorkerFormPage(c *kit.Ctx, f *kit.Form, creating bool, action, back, idHint, phoneHint string) (*kit.Page, error) {
	units, err := s.Picker(c, kit.PickStations, "org_id", f.Get("org_id"))
	if err != nil {
		return nil, err
	}
	users, err := s.Picker(c, kit.PickAccounts, "user_id", f.Get("user_id"))
	if err != nil {
		return nil, err
	}
	title := "编辑社工信息"
	if creating {
		title = "登记社工"
	}
	return &kit.Page{Title: title, Form: f, Data: map[string]any{
		"Creating": creating, "Action": action, "Back": back, "Units": units, "Users": users,
		"Educations": wfOpts(workforce.Educations), "Posts": wfOpts(workforce.Posts), "Statuses": wfOpts(workforce.WorkerStatuses),
		"Levels": wfOpts(workforce.Levels), "Sexes": []kit.Option{{Code: "男", Label: "男"}, {Code: "女", Label: "女"}},
		"Stages": []kit.Option{{Code: workforce.StageCertificate, Label: "证书"}, {Code: workforce.StageExam, Label: "考试合格（仅高级）"}},
		"IDHint": idHint, "PhoneHint": phoneHint,
	}}, nil
}

func (s *Handlers) WfWorkerNew(c *kit.Ctx) error {
	f := kit.NewCreateForm(map[string]string{"org_id": c.R.URL.Query().Get("org")})
	if f.Get("org_id") == "" {
		f.Values["org_id"] = c.Actor.OrgID
	}
	p, err := s.wfWorkerFormPage(c, f, true, "/workforce/workers", "/workforce/workers", "18 位居民身份证号；性别和出生日期由其自动得出", "选填")
	if err != nil {
		return err
	}
	return c.Render("workforce_worker_form", p)
}

func wfWorkerInput(f *kit.Form) workforce.WorkerInput {
	in := workforce.WorkerInput{ID: f.Get("id"), OrgID: f.Get("org_id"), Name: f.Get("name"), IDNumber: f.Get("id_number"), Sex: f.Get("sex"),
		BirthDate: f.Get("birth_date"), Phone: f.Get("phone"), Education: f.Get("education"), Major: f.Get("major"), Post: f.Get("post"),
		Employer: f.Get("employer"), HiredOn: f.Get("hired_on"), LeftOn: f.Get("left_on"), Status: f.Get("status"), UserID: f.Get("user_id")}
	if f.Get("q_level") != "" || f.Get("q_obtained_on") != "" || f.Get("q_cert_no") != "" {
		in.Qualifications = []workforce.QualificationInput{{Level: f.Get("q_level"), Stage: f.Get("q_stage"), CertNo: f.Get("q_cert_no"), ObtainedOn: f.Get("q_obtained_on")}}
	}
	return in
}

// wfFormErrors renames the service's field names to the form's: the
// first qualification of a new worker is q_level, q_obtained_on….
func wfFormErrors(err error) error {
	ae, ok := apperr.As(err)
	if !ok || len(ae.Fields) == 0 {
		return err
	}
	out := &apperr.Error{Kind: ae.Kind, Message: ae.Message, Fields: map[string]string{}}
	for k, v := range ae.Fields {
		out.Fields["q_"+strings.TrimPrefix(k, "qualifications[0].")] = v
		if !strings.HasPrefix(k, "qualifications[0].") {
			delete(out.Fields, "q_"+k)
			out.Fields[k] = v
		}
	}
	return out
}

func (s *Handlers) WfWorkerCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var w workforce.Worker
	err := c.Write(func(tx *db.Tx) error {
		var err error
		w, err = workforce.CreateWorker(c.Context(), tx, s.App.Keys, c.Actor, wfWorkerInput(f))
		return err
	})
	if err != nil {
		p, perr := s.wfWorkerFormPage(c, f, true, "/workforce/workers", "/workforce/workers", "18 位居民身份证号；性别和出生日期由其自动得出", "选填")
		if perr != nil {
			return perr
		}
		return c.RenderForm("workforce_worker_form", p, wfFormErrors(err))
	}
	return c.Redirect("/workforce/workers/"+w.ID, "已登记社工："+w.Name)
}

func (s *Handlers) wfWorkerEditPage(c *kit.Ctx, w workforce.Worker, f *kit.Form) (*kit.Page, error) {
	idHint := "不修改请留空"
	if w.IDNumber != "" {
		idHint = "已保存：" + w.IDNumber + "；不修改请留空，修改请填写完整号码"
	}
	phoneHint := "选填"
	if w.Phone != "" {
		phoneHint = "已保存：" + w.Phone + "；不修改请留空"
	}
	return s.wfWorkerFormPage(c, f, false, "/workforce/workers/"+w.ID, "/workforce/workers/"+w.ID, idHint, phoneHint)
}

func (s *Handlers) WfWorkerEdit(c *kit.Ctx) error {
	w, err := workforce.GetWorker(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	// ID number and phone are not filled in: showing them would be a
	// reveal. Left empty, the saved values stay.
	f := kit.NewForm(map[string]string{"org_id": w.OrgID, "name": w.Name, "education": w.Education, "major": w.Major, "post": w.Post,
		"employer": w.Employer, "hired_on": w.HiredOn, "left_on": w.LeftOn, "status": w.Status, "user_id": w.UserID, "version": strconv.Itoa(w.Version)})
	p, err := s.wfWorkerEditPage(c, w, f)
	if err != nil {
		return err
	}
	return c.Render("workforce_worker_form", p)
}

func (s *Handlers) WfWorkerUpdate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	var w workforce.Worker
	err = c.Write(func(tx *db.Tx) error {
		var err error
		w, err = workforce.UpdateWorker(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), version, wfWorkerInput(f))
		return err
	})
	if err != nil {
		cur, gerr := workforce.GetWorker(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
		if gerr != nil {
			return gerr
		}
		p, perr := s.wfWorkerEditPage(c, cur, f)
		if perr != nil {
			return perr
		}
		return c.RenderForm("workforce_worker_form", p, err)
	}
	return c.Redirect("/workforce/workers/"+w.ID, "已保存")
}

func (s *Handlers) WfWorkerReveal(c *kit.Ctx) error {
	var full workforce.Revealed
	err := c.Write(func(tx *db.Tx) error {
		var err error
		full, err = workforce.RevealWorker(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	return s.wfWorkerPage(c, kit.NewForm(nil), &full, http.StatusOK)
}

func (s *Handlers) WfQualificationAdd(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	err := c.Write(func(tx *db.Tx) error {
		_, err := workforce.AddQualification(c.Context(), tx, c.Actor, c.PathValue("id"), workforce.QualificationInput{ID: f.Get("id"),
			Level: f.Get("level"), Stage: f.Get("stage"), CertNo: f.Get("cert_no"), ObtainedOn: f.Get("obtained_on")})
		return err
	})
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		for k, v := range ae.Fields {
			f.Errors[k] = v
		}
		return s.wfWorkerPage(c, f, nil, http.StatusUnprocessableEntity)
	} else if err != nil {
		return err
	}
	return c.Redirect("/workforce/workers/"+c.PathValue("id"), "已添加资格证书")
}

func (s *Handlers) WfQualificationDelete(c *kit.Ctx) error {
	if err := c.Write(func(tx *db.Tx) error {
		return workforce.DeleteQualification(c.Context(), tx, c.Actor, c.PathValue("id"), c.PathValue("qid"))
	}); err != nil {
		return err
	}
	return c.Redirect("/workforce/workers/"+c.PathValue("id"), "已删除该资格证书记录")
}

// Roster import.

func (s *Handlers) WfImportPage(c *kit.Ctx) error {
	targets, err := s.StationOptions(c)
	if err != nil {
		return err
	}
	return c.Render("workforce_import", &kit.Page{Title: "导入社工花名册", Form: kit.NewForm(nil), Data: wfImportData(nil, targets, "")})
}

// wfImportData is the import page's data; targets are the stations and
// rooms the roster may belong to (所属站点/社工室), target the chosen one.
func wfImportData(rep *workforce.ImportReport, targets []kit.OrgOption, target string) map[string]any {
	return map[string]any{"Report": rep, "Limit": workforce.SizeLabel(workforce.MaxImportBytes), "MaxRows": workforce.MaxImportRows,
		"Columns": workforce.RosterColumns, "Targets": targets, "Target": target}
}

func (s *Handlers) WfImportTemplate(c *kit.Ctx) error {
	body, err := workforce.RosterTemplate()
	if err != nil {
		return err
	}
	return kit.SendFile(c, "社工花名册导入模板.xlsx", kit.XLSX, body)
}

func (s *Handlers) WfImportUpload(c *kit.Ctx) error {
	target := c.R.FormValue("target")
	targets, err := s.StationOptions(c)
	if err != nil {
		return err
	}
	page := func(status int, msg string, rep *workforce.ImportReport) error {
		return c.RenderStatus(status, "workforce_import", &kit.Page{Title: "导入社工花名册", Error: msg, Form: kit.NewForm(nil), Data: wfImportData(rep, targets, target)})
	}
	file, header, err := c.R.FormFile("file")
	if err != nil {
		return page(http.StatusBadRequest, "请选择要上传的花名册文件（.xlsx）", nil)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, workforce.MaxImportBytes+1))
	if err != nil {
		return err
	}
	var rejected *apperr.Error
	// The import checks in a read transaction and writes in its own short
	// write transaction (roster.Importer), so it gets the database itself.
	rep, err := workforce.ImportRosterTo(c.Context(), s.App.DB, s.App.Keys, c.Actor, header.Filename, data, workforce.ImportAll, target)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		// Some rows are wrong: nothing was written. Keep the file so the
		// user may import the valid rows without sending it again.
		rejected = ae
		err = c.Write(func(tx *db.Tx) error {
			var err error
			rep.BatchID, err = workforce.StageRosterTo(c.Context(), tx, s.App.Keys, c.Actor, header.Filename, data, target)
			return err
		})
	}
	if ae, ok := apperr.As(err); ok && rejected == nil {
		return page(ae.Status(), ae.Message, nil)
	} else if err != nil {
		return err
	}
	if rejected != nil {
		return page(http.StatusUnprocessableEntity, rejected.Message, &rep)
	}
	return c.Redirect("/workforce/workers", fmt.Sprintf("已导入花名册“%s”：%d 人", header.Filename, rep.Imported))
}

func (s *Handlers) WfImportCommit(c *kit.Ctx) error {
	rep, err := workforce.CommitBatch(c.Context(), s.App.DB, s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("workforce_import", &kit.Page{Title: "导入社工花名册", Form: kit.NewForm(nil),
		Flash: fmt.Sprintf("已导入有效的 %d 行；%d 行未导入，可下载含错误原因的文件修改后重新上传", rep.Imported, rep.Invalid),
		Data:  map[string]any{"Report": &rep, "Committed": true, "Limit": workforce.SizeLabel(workforce.MaxImportBytes), "MaxRows": workforce.MaxImportRows, "Columns": workforce.RosterColumns, "Target": rep.Target}})
}

func (s *Handlers) WfImportRejected(c *kit.Ctx) error {
	rows, name, err := workforce.RejectedOf(c.Context(), s.App.DB, s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := rows.Workbook()
	if err != nil {
		return err
	}
	return kit.SendFile(c, "未导入_"+strings.TrimSuffix(name, ".xlsx")+".xlsx", kit.XLSX, body)
}

// Volunteers.

func (s *Handlers) WfVolunteerList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	vs, total, err := workforce.ListVolunteers(c.Context(), c.DB(), s.App.Keys, c.Actor, workforce.VolunteerFilter{Text: p.Q, OrgID: p.Query.Get("org"),
		Status: p.Query.Get("status"), Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	units, err := s.Picker(c, kit.PickOrgs, "org", p.Query.Get("org"))
	if err != nil {
		return err
	}
	return c.Render("workforce_volunteers", &kit.Page{Title: "志愿者", Data: map[string]any{
		"Volunteers": vs, "Pager": kit.NewPager(p, total), "Params": p, "OrgPicker": units, "Statuses": wfOpts(workforce.VolunteerStatuses),
	}})
}

func (s *Handlers) WfVolunteerShow(c *kit.Ctx) error {
	return s.wfVolunteerPage(c, kit.NewForm(nil), http.StatusOK)
}

func (s *Handlers) wfVolunteerPage(c *kit.Ctx, f *kit.Form, status int) error {
	v, err := workforce.GetVolunteer(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	logs, err := workforce.ServiceLogs(c.Context(), c.DB(), c.Actor, v.ID)
	if err != nil {
		return err
	}
	training, err := workforce.TrainingHoursByYear(c.Context(), c.DB(), c.Actor, workforce.PersonVolunteer, v.ID)
	if err != nil {
		return err
	}
	if f.Get("served_on") == "" && status == http.StatusOK {
		f.Values["served_on"] = cst.Today()
	}
	kit.EnsureCreateID(f)
	correctable := map[string]bool{}
	for _, l := range logs {
		correctable[l.ID] = workforce.CanCorrectHours(c.Actor, l, v.OrgPath)
	}
	canManage := c.Actor.Can(authz.PermWorkforceManage)
	p := &kit.Page{Title: v.Name, Form: f, Data: map[string]any{"Volunteer": v, "Logs": logs, "Months": workforce.HoursByMonth(logs),
		"Training": training, "CanManage": canManage, "Correctable": correctable}}
	if canManage {
		// The login account this volunteer uses: what they see of
		// recipients follows this person's assignments.
		accounts, err := workforce.VolunteerAccounts(c.Context(), c.DB(), c.Actor)
		if err != nil {
			return err
		}
		account := ""
		for _, a := range accounts {
			if a.Code == v.UserID {
				account = a.Label
			}
		}
		if v.UserID != "" && account == "" {
			account = "（已停用或不在本辖区的账号）"
			accounts = append(accounts, workforce.Option{Code: v.UserID, Label: account})
		}
		if _, ok := f.Values["user_id"]; !ok {
			f.Values["user_id"] = v.UserID
		}
		p.Data.(map[string]any)["Accounts"], p.Data.(map[string]any)["Account"] = wfOpts(accounts), account
	}
	if status != http.StatusOK {
		return c.RenderForm("workforce_volunteer", p, (apperr.Fields(f.Errors)).Err())
	}
	return c.Render("workforce_volunteer", p)
}

func (s *Handlers) wfVolunteerFormPage(c *kit.Ctx, f *kit.Form, creating bool, action, back, phoneHint string) (*kit.Page, error) {
	units, err := s.Picker(c, kit.PickStations, "org_id", f.Get("org_id"))
	if err != nil {
		return nil, err
	}
	title := "编辑志愿者"
	if creating {
		title = "登记志愿者"
	}
	return &kit.Page{Title: title, Form: f, Data: map[string]any{"Creating": creating, "Action": action, "Back": back, "Units": units,
		"Statuses": wfOpts(workforce.VolunteerStatuses), "PhoneHint": phoneHint}}, nil
}

func wfVolunteerInput(f *kit.Form) workforce.VolunteerInput {
	return workforce.VolunteerInput{ID: f.Get("id"), OrgID: f.Get("org_id"), Name: f.Get("name"), Phone: f.Get("phone"), Skills: f.Get("skills"),
		RegisteredOn: f.Get("registered_on"), Status: f.Get("status")}
}

func (s *Handlers) WfVolunteerNew(c *kit.Ctx) error {
	p, err := s.wfVolunteerFormPage(c, kit.NewCreateForm(map[string]string{"org_id": c.Actor.OrgID, "registered_on": cst.Today()}), true,
		"/workforce/volunteers", "/workforce/volunteers", "选填")
	if err != nil {
		return err
	}
	return c.Render("workforce_volunteer_form", p)
}

func (s *Handlers) WfVolunteerCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var v workforce.Volunteer
	err := c.Write(func(tx *db.Tx) error {
		var err error
		v, err = workforce.CreateVolunteer(c.Context(), tx, s.App.Keys, c.Actor, wfVolunteerInput(f))
		return err
	})
	if err != nil {
		p, perr := s.wfVolunteerFormPage(c, f, true, "/workforce/volunteers", "/workforce/volunteers", "选填")
		if perr != nil {
			return perr
		}
		return c.RenderForm("workforce_volunteer_form", p, err)
	}
	return c.Redirect("/workforce/volunteers/"+v.ID, "已登记志愿者："+v.Name)
}

func (s *Handlers) WfVolunteerEdit(c *kit.Ctx) error {
	v, err := workforce.GetVolunteer(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.NewForm(map[string]string{"org_id": v.OrgID, "name": v.Name, "skills": v.Skills, "registered_on": v.RegisteredOn, "status": v.Status,
		"version": strconv.Itoa(v.Version)})
	p, err := s.wfVolunteerFormPage(c, f, false, "/workforce/volunteers/"+v.ID, "/workforce/volunteers/"+v.ID, wfPhoneHint(v.Phone))
	if err != nil {
		return err
	}
	return c.Render("workforce_volunteer_form", p)
}

func wfPhoneHint(masked string) string {
	if masked == "" {
		return "选填"
	}
	return "已保存：" + masked + "；不修改请留空"
}

func (s *Handlers) WfVolunteerUpdate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	id := c.PathValue("id")
	var v workforce.Volunteer
	err = c.Write(func(tx *db.Tx) error {
		var err error
		v, err = workforce.UpdateVolunteer(c.Context(), tx, s.App.Keys, c.Actor, id, version, wfVolunteerInput(f))
		return err
	})
	if err != nil {
		cur, gerr := workforce.GetVolunteer(c.Context(), c.DB(), s.App.Keys, c.Actor, id)
		if gerr != nil {
			return gerr
		}
		p, perr := s.wfVolunteerFormPage(c, f, false, "/workforce/volunteers/"+id, "/workforce/volunteers/"+id, wfPhoneHint(cur.Phone))
		if perr != nil {
			return perr
		}
		return c.RenderForm("workforce_volunteer_form", p, err)
	}
	return c.Redirect("/workforce/volunteers/"+v.ID, "已保存")
}

func (s *Handlers) WfHoursAdd(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var replayed bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		_, replayed, err = workforce.LogHours(c.Context(), tx, c.Actor, c.PathValue("id"), workforce.HoursInput{ID: f.Get("id"), ServedOn: f.Get("served_on"),
			Hours: f.Get("hours"), Activity: f.Get("activity")})
		return err
	})
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		for k, v := range ae.Fields {
			f.Errors[k] = v
		}
		return s.wfVolunteerPage(c, f, http.StatusUnprocessableEntity)
	} else if err != nil {
		return err
	}
	if replayed {
		return c.Redirect("/workforce/volunteers/"+c.PathValue("id"), "这条服务时长已登记过，未重复登记")
	}
	return c.Redirect("/workforce/volunteers/"+c.PathValue("id"), "已登记服务时长")
}

// WfHoursCorrect saves a correction of one hours entry (with a reason).
func (s *Handlers) WfHoursCorrect(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, _ := strconv.Atoi(f.Get("version"))
	err := c.Write(func(tx *db.Tx) error {
		_, err := workforce.CorrectHours(c.Context(), tx, c.Actor, c.PathValue("id"), c.PathValue("hid"), version,
			workforce.HoursInput{ServedOn: f.Get("served_on"), Hours: f.Get("hours"), Activity: f.Get("activity")}, f.Get("reason"))
		return err
	})
	if err != nil {
		return err
	}
	return c.Redirect("/workforce/volunteers/"+c.PathValue("id"), "已更正服务时长")
}

// WfHoursDelete deletes one hours entry (with a reason).
func (s *Handlers) WfHoursDelete(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, _ := strconv.Atoi(f.Get("version"))
	if err := c.Write(func(tx *db.Tx) error {
		return workforce.DeleteHours(c.Context(), tx, c.Actor, c.PathValue("id"), c.PathValue("hid"), version, f.Get("reason"))
	}); err != nil {
		return err
	}
	return c.Redirect("/workforce/volunteers/"+c.PathValue("id"), "已删除服务时长记录")
}

// Training.

func (s *Handlers) WfTrainingList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	year, _ := strconv.Atoi(p.Query.Get("year"))
	ts, total, err := workforce.ListTrainings(c.Context(), c.DB(), c.Actor, workforce.TrainingFilter{Text: p.Q, Kind: p.Query.Get("kind"), Year: year,
		Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.Render("workforce_trainings", &kit.Page{Title: "培训", Data: map[string]any{"Trainings": ts, "Pager": kit.NewPager(p, total), "Params": p,
		"Kinds": wfOpts(workforce.TrainingKinds), "Years": wfYearOpts()}})
}

func (s *Handlers) wfTrainingFormPage(c *kit.Ctx, f *kit.Form) (*kit.Page, error) {
	units, err := s.Picker(c, kit.PickOrgs, "org_id", f.Get("org_id"))
	if err != nil {
		return nil, err
	}
	return &kit.Page{Title: "登记培训", Form: f, Data: map[string]any{"Units": units, "Kinds": wfOpts(workforce.TrainingKinds)}}, nil
}

func (s *Handlers) WfTrainingNew(c *kit.Ctx) error {
	p, err := s.wfTrainingFormPage(c, kit.NewCreateForm(map[string]string{"org_id": c.Actor.OrgID, "start_on": cst.Today()}))
	if err != nil {
		return err
	}
	return c.Render("workforce_training_form", p)
}

func (s *Handlers) WfTrainingCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var t workforce.Training
	err := c.Write(func(tx *db.Tx) error {
		var err error
		t, err = workforce.CreateTraining(c.Context(), tx, c.Actor, workforce.TrainingInput{ID: f.Get("id"), OrgID: f.Get("org_id"), Title: f.Get("title"),
			Kind: f.Get("kind"), Organiser: f.Get("organiser"), StartOn: f.Get("start_on"), EndOn: f.Get("end_on"), Hours: f.Get("hours"), Place: f.Get("place")})
		return err
	})
	if err != nil {
		p, perr := s.wfTrainingFormPage(c, f)
		if perr != nil {
			return perr
		}
		return c.RenderForm("workforce_training_form", p, err)
	}
	return c.Redirect("/workforce/trainings/"+t.ID, "已登记培训："+t.Title+"，请添加参训人员")
}

func (s *Handlers) WfTrainingShow(c *kit.Ctx) error {
	return s.wfTrainingPage(c, kit.NewForm(nil), http.StatusOK)
}

func (s *Handlers) wfTrainingPage(c *kit.Ctx, f *kit.Form, status int) error {
	t, err := workforce.GetTraining(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	canManage := c.Actor.Can(authz.PermWorkforceManage)
	var people []kit.Option
	if canManage {
		ws, err := s.wfWorkerOpts(c)
		if err != nil {
			return err
		}
		for _, w := range ws {
			people = append(people, kit.Option{Code: workforce.PersonWorker + ":" + w.Code, Label: "社工 · " + w.Label})
		}
		vs, _, err := workforce.ListVolunteers(c.Context(), c.DB(), s.App.Keys, c.Actor, workforce.VolunteerFilter{Status: "active", Limit: 200})
		if err != nil {
			return err
		}
		for _, v := range vs {
			people = append(people, kit.Option{Code: workforce.PersonVolunteer + ":" + v.ID, Label: "志愿者 · " + v.Name + "（" + v.OrgName + "）"})
		}
	}
	p := &kit.Page{Title: t.Title, Form: f, Data: map[string]any{"Training": t, "People": people, "CanManage": canManage}}
	if status != http.StatusOK {
		return c.RenderForm("workforce_training", p, (apperr.Fields(f.Errors)).Err())
	}
	return c.Render("workforce_training", p)
}

func wfAttendee(v string) workforce.AttendeeInput {
	kind, id, _ := strings.Cut(v, ":")
	return workforce.AttendeeInput{Kind: kind, PersonID: id}
}

func (s *Handlers) WfAttendeeAdd(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	err := c.Write(func(tx *db.Tx) error {
		return workforce.AddAttendee(c.Context(), tx, c.Actor, c.PathValue("id"), wfAttendee(f.Get("person")))
	})
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		for _, v := range ae.Fields {
			f.Errors["person"] = v
		}
		return s.wfTrainingPage(c, f, http.StatusUnprocessableEntity)
	} else if err != nil {
		return err
	}
	return c.Redirect("/workforce/trainings/"+c.PathValue("id"), "已添加参训人员")
}

func (s *Handlers) WfAttendeeRemove(c *kit.Ctx) error {
	if err := c.Write(func(tx *db.Tx) error {
		return workforce.RemoveAttendee(c.Context(), tx, c.Actor, c.PathValue("id"), wfAttendee(c.R.PostForm.Get("person")))
	}); err != nil {
		return err
	}
	return c.Redirect("/workforce/trainings/"+c.PathValue("id"), "已移除参训人员")
}

// Programmes and allowances.

func (s *Handlers) WfProgrammeList(c *kit.Ctx) error {
	ps, err := workforce.ListProgrammes(c.Context(), c.DB(), c.Actor)
	if err != nil {
		return err
	}
	return c.Render("workforce_programmes", &kit.Page{Title: "人才与荣誉", Data: map[string]any{"Programmes": ps}})
}

func (s *Handlers) wfProgrammeFormPage(c *kit.Ctx, f *kit.Form) (*kit.Page, error) {
	units, err := s.Picker(c, kit.PickOrgs, "org_id", f.Get("org_id"))
	if err != nil {
		return nil, err
	}
	return &kit.Page{Title: "新建人才项目", Form: f, Data: map[string]any{"Units": units, "Kinds": wfOpts(workforce.ProgrammeKinds)}}, nil
}

func (s *Handlers) WfProgrammeNew(c *kit.Ctx) error {
	p, err := s.wfProgrammeFormPage(c, kit.NewCreateForm(map[string]string{"org_id": c.Actor.OrgID, "kind": "honour"}))
	if err != nil {
		return err
	}
	return c.Render("workforce_programme_form", p)
}

func (s *Handlers) WfProgrammeCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var pr workforce.Programme
	err := c.Write(func(tx *db.Tx) error {
		var err error
		pr, err = workforce.CreateProgramme(c.Context(), tx, c.Actor, workforce.ProgrammeInput{ID: f.Get("id"), OrgID: f.Get("org_id"), Name: f.Get("name"),
			Kind: f.Get("kind"), Description: f.Get("description")})
		return err
	})
	if err != nil {
		p, perr := s.wfProgrammeFormPage(c, f)
		if perr != nil {
			return perr
		}
		return c.RenderForm("workforce_programme_form", p, err)
	}
	return c.Redirect("/workforce/programmes/"+pr.ID, "已新建："+pr.Name+"，请添加评选批次")
}

func (s *Handlers) WfProgrammeShow(c *kit.Ctx) error {
	return s.wfProgrammePage(c, c.PathValue("id"), kit.NewForm(map[string]string{"year": strconv.Itoa(cst.Now().Year())}), nil)
}

// wfProgrammePage renders a programme; a failed sub-form (round, nominee,
// allowance, payment) comes back with its values, its target's id in
// "target", and the errors listed.
func (s *Handlers) wfProgrammePage(c *kit.Ctx, id string, f *kit.Form, failed error) error {
	pr, err := workforce.GetProgramme(c.Context(), c.DB(), c.Actor, id)
	if err != nil {
		return err
	}
	kit.EnsureCreateID(f) // the add-round form's id
	canManage := c.Actor.Can(authz.PermWorkforceProgrammes)
	var workers []kit.Option
	if canManage {
		if workers, err = s.wfWorkerOpts(c); err != nil {
			return err
		}
	}
	if f.Get("start_month") == "" {
		f.Values["start_month"] = cst.Now().Format(cst.MonthLayout)
	}
	if f.Get("paid_on") == "" {
		f.Values["paid_on"] = cst.Today()
	}
	p := &kit.Page{Title: pr.Name, Form: f, Data: map[string]any{"Programme": pr, "Workers": workers, "CanManage": canManage,
		"Statuses": wfOpts(workforce.NomineeStatuses), "Frequencies": wfOpts(workforce.Frequencies)}}
	if failed != nil {
		return c.RenderForm("workforce_programme", p, failed)
	}
	return c.Render("workforce_programme", p)
}

// wfProgrammeOf finds the programme a sub-record belongs to, for the
// page to return to.
func (s *Handlers) wfProgrammeOf(c *kit.Ctx, kind, id string) (string, error) {
	return workforce.ProgrammeOf(c.Context(), c.DB(), c.Actor, kind, id)
}

// wfProgrammeResult redirects back to the programme, or re-renders it
// with the sub-form's errors.
func (s *Handlers) wfProgrammeResult(c *kit.Ctx, pid string, f *kit.Form, err error, flash string) error {
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		return s.wfProgrammePage(c, pid, f, err)
	} else if err != nil {
		return err
	}
	return c.Redirect("/workforce/programmes/"+pid, flash)
}

func (s *Handlers) WfRoundAdd(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	f.Values["target"] = "round"
	year, _ := strconv.Atoi(f.Get("year"))
	err := c.Write(func(tx *db.Tx) error {
		_, err := workforce.AddRound(c.Context(), tx, c.Actor, c.PathValue("id"), workforce.RoundInput{ID: f.Get("id"), Name: f.Get("name"), Year: year, Benefits: f.Get("benefits")})
		return err
	})
	return s.wfProgrammeResult(c, c.PathValue("id"), f, err, "已添加评选批次")
}

func (s *Handlers) WfNomineeAdd(c *kit.Ctx) error {
	pid, err := s.wfProgrammeOf(c, "round", c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.FormFrom(c.R)
	f.Values["target"] = c.PathValue("id")
	err = c.Write(func(tx *db.Tx) error {
		_, err := workforce.Nominate(c.Context(), tx, c.Actor, c.PathValue("id"), workforce.NomineeInput{WorkerID: f.Get("worker_id"), Note: f.Get("note")})
		return err
	})
	return s.wfProgrammeResult(c, pid, f, err, "已提名")
}

const wfNomineeProgramme = "nominee"

func (s *Handlers) WfNomineeStatus(c *kit.Ctx) error {
	pid, err := s.wfProgrammeOf(c, wfNomineeProgramme, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.FormFrom(c.R)
	f.Values["target"] = c.PathValue("id")
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	err = c.Write(func(tx *db.Tx) error {
		return workforce.SetNomineeStatus(c.Context(), tx, c.Actor, c.PathValue("id"), version, f.Get("status"))
	})
	return s.wfProgrammeResult(c, pid, f, err, "已保存评选结果")
}

func (s *Handlers) WfAllowanceCreate(c *kit.Ctx) error {
	pid, err := s.wfProgrammeOf(c, wfNomineeProgramme, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.FormFrom(c.R)
	f.Values["target"] = c.PathValue("id")
	years, _ := strconv.Atoi(f.Get("years"))
	err = c.Write(func(tx *db.Tx) error {
		_, err := workforce.CreateAllowance(c.Context(), tx, c.Actor, c.PathValue("id"), workforce.AllowanceInput{Annual: f.Get("annual"), Years: years,
			StartMonth: f.Get("start_month"), Frequency: f.Get("frequency")})
		return err
	})
	return s.wfProgrammeResult(c, pid, f, err, "已设置津贴，发放明细已生成")
}

func (s *Handlers) WfLinePaid(c *kit.Ctx) error {
	pid, err := s.wfProgrammeOf(c, "line", c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.FormFrom(c.R)
	f.Values["target"] = c.PathValue("id")
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	paid := f.Get("paid") != "0"
	err = c.Write(func(tx *db.Tx) error {
		_, err := workforce.ConfirmPayment(c.Context(), tx, c.Actor, c.PathValue("id"), version, paid, f.Get("paid_on"))
		return err
	})
	flash := "已确认发放"
	if !paid {
		flash = "已撤销发放确认"
	}
	if back := f.Get("back"); err == nil && back == "allowances" {
		return c.Redirect("/workforce/allowances?"+f.Get("back_query"), flash)
	}
	return s.wfProgrammeResult(c, pid, f, err, flash)
}

func (s *Handlers) WfAllowanceList(c *kit.Ctx) error {
	q := c.R.URL.Query()
	year, _ := strconv.Atoi(q.Get("year"))
	lines, err := workforce.ListLines(c.Context(), c.DB(), c.Actor, workforce.LineFilter{Year: year, Paid: q.Get("paid")})
	if err != nil {
		return err
	}
	var due, paid int64
	for _, l := range lines {
		if l.Paid {
			paid += l.AmountFen
		} else {
			due += l.AmountFen
		}
	}
	return c.Render("workforce_allowances", &kit.Page{Title: "津贴发放", Form: kit.NewForm(map[string]string{"paid_on": cst.Today()}), Data: map[string]any{
		"Lines": lines, "Years": wfYearOpts(), "Year": q.Get("year"), "Paid": q.Get("paid"), "DueTotal": workforce.FormatYuan(due),
		"PaidTotal": workforce.FormatYuan(paid), "Query": q.Encode(), "CanManage": c.Actor.Can(authz.PermWorkforceProgrammes), "Today": cst.Today()}})
}

// Statistics.

func wfStatsFilter(c *kit.Ctx) workforce.StatsFilter {
	q := c.R.URL.Query()
	year, _ := strconv.Atoi(q.Get("year"))
	return workforce.StatsFilter{OrgID: q.Get("org"), Year: year}
}

func (s *Handlers) WfStats(c *kit.Ctx) error {
	f := wfStatsFilter(c)
	st, err := workforce.Statistics(c.Context(), c.DB(), c.Actor, f)
	if err != nil {
		return err
	}
	units, err := s.Picker(c, kit.PickOrgs, "org", f.OrgID)
	if err != nil {
		return err
	}
	charts, err := wfCharts(st)
	if err != nil {
		return err
	}
	return c.Render("workforce_stats", &kit.Page{Title: "队伍统计", Data: map[string]any{"StaffRule": workforce.StaffRule, "Stats": st, "OrgPicker": units, "Years": wfYearOpts(),
		"Org": f.OrgID, "Year": strconv.Itoa(st.Year), "Charts": charts, "Query": c.R.URL.RawQuery}})
}

// WfStatsExport computes the statistics in a read transaction and
// records the export in a short write afterwards: the write lock is not
// held while the figures are computed.
func (s *Handlers) WfStatsExport(c *kit.Ctx) error {
	var body []byte
	var name string
	var entry audit.Entry
	err := c.Read(func(q db.Querier) error {
		var err error
		body, name, entry, err = workforce.ExportStatistics(c.Context(), q, c.Actor, wfStatsFilter(c))
		return err
	})
	if err == nil {
		err = c.Write(func(tx *db.Tx) error { return audit.Record(c.Context(), tx, c.Actor, entry) })
	}
	if err != nil {
		return err
	}
	return kit.SendFile(c, name, kit.XLSX, body)
}

// wfCharts builds the ECharts options of the statistics page, as JSON
// for data-chart attributes (static/js/app.js renders them).
func wfCharts(st workforce.Stats) (map[string]string, error) {
	var years, heads, certs, junior, mid, senior []any
	for _, p := range st.Trend {
		years = append(years, strconv.Itoa(p.Year))
		heads, certs = append(heads, p.HeadCount), append(certs, p.Certified)
		junior, mid, senior = append(junior, p.Junior), append(mid, p.Intermediate), append(senior, p.Senior)
	}
	grid := map[string]any{"left": 40, "right": 16, "top": 40, "bottom": 30, "containLabel": true}
	bar := func(name string, data []any, stack bool) map[string]any {
		m := map[string]any{"name": name, "type": "bar", "data": data}
		if stack {
			m["stack"] = "level"
		}
		return m
	}
	labels := func(cs []workforce.Count) ([]any, []any) {
		var ls, vs []any
		for _, c := range cs {
			ls, vs = append(ls, c.Label), append(vs, c.Count)
		}
		return ls, vs
	}
	var pie []any
	for _, c := range st.Total.ByLevel {
		pie = append(pie, map[string]any{"name": c.Label, "value": c.Count})
	}
	ageL, ageV := labels(st.AgeBands)
	eduL, eduV := labels(st.Education)
	var stNames, stHead, stCert []any
	for _, f := range st.Stations {
		stNames, stHead, stCert = append(stNames, strings.TrimSuffix(f.Name, "社工站")), append(stHead, f.HeadCount), append(stCert, f.Certified)
	}
	options := map[string]any{
		"trend": map[string]any{
			"title":   map[string]any{"text": "持证社工年度趋势", "left": "center", "textStyle": map[string]any{"fontSize": 14}},
			"tooltip": map[string]any{"trigger": "axis"}, "legend": map[string]any{"bottom": 0}, "grid": grid,
			"xAxis": map[string]any{"type": "category", "data": years}, "yAxis": map[string]any{"type": "value", "minInterval": 1},
			"series": []any{bar("助理社会工作师", junior, true), bar("社会工作师", mid, true), bar("高级社会工作师", senior, true),
				map[string]any{"name": "社工人数", "type": "line", "data": heads}, map[string]any{"name": "持证人数", "type": "line", "data": certs}},
		},
		"levels": map[string]any{
			"title":   map[string]any{"text": "持证等级", "left": "center", "textStyle": map[string]any{"fontSize": 14}},
			"tooltip": map[string]any{"trigger": "item"}, "legend": map[string]any{"bottom": 0},
			"series": []any{map[string]any{"type": "pie", "radius": []any{"35%", "62%"}, "data": pie}},
		},
		"ages": map[string]any{
			"title": map[string]any{"text": "年龄结构", "left": "center", "textStyle": map[string]any{"fontSize": 14}}, "tooltip": map[string]any{}, "grid": grid,
			"xAxis": map[string]any{"type": "category", "data": ageL}, "yAxis": map[string]any{"type": "value", "minInterval": 1},
			"series": []any{bar("人数", ageV, false)},
		},
		"education": map[string]any{
			"title": map[string]any{"text": "学历结构", "left": "center", "textStyle": map[string]any{"fontSize": 14}}, "tooltip": map[string]any{}, "grid": grid,
			"xAxis": map[string]any{"type": "category", "data": eduL}, "yAxis": map[string]any{"type": "value", "minInterval": 1},
			"series": []any{bar("人数", eduV, false)},
		},
		"stations": map[string]any{
			"title":   map[string]any{"text": "各站点社工与持证人数", "left": "center", "textStyle": map[string]any{"fontSize": 14}},
			"tooltip": map[string]any{"trigger": "axis"}, "legend": map[string]any{"bottom": 0}, "grid": grid,
			"xAxis":  map[string]any{"type": "category", "data": stNames, "axisLabel": map[string]any{"interval": 0, "rotate": 30}},
			"yAxis":  map[string]any{"type": "value", "minInterval": 1},
			"series": []any{bar("社工人数", stHead, false), bar("持证人数", stCert, false)},
		},
	}
	out := map[string]string{}
	for k, v := range options {
		b, err := kit.JSONMarshal(v)
		if err != nil {
			return nil, err
		}
		out[k] = string(b)
	}
	return out, nil
}

// homeWorkforce shows the workforce in scope on the home page.
func (s *Handlers) HomeWorkforce(c *kit.Ctx) (*kit.HomeSection, error) {
	if !c.Actor.Can(authz.PermWorkforceRead) {
		return nil, nil
	}
	// From the figures registry, as the figures page and reports count.
	sec := &kit.HomeSection{Key: "workforce", Title: "队伍建设", Order: 60}
	for _, fc := range []struct {
		key, label, link string
		period           figures.PeriodKind
	}{
		{"workforce.workers", "在岗社工", "/workforce/workers?status=active", figures.Month},
		{"workforce.certified", "持证社工", "/workforce/workers?level=any&status=active", figures.Month},
		{"workforce.volunteer_hours", "今年志愿服务（小时）", "/workforce/volunteers", figures.Year},
	} {
		card, err := kit.FigureCard(c, fc.key, fc.label, fc.link, fc.period)
		if err != nil {
			return nil, err
		}
		sec.Cards = append(sec.Cards, card)
	}
	workers, _ := strconv.Atoi(sec.Cards[0].Value)
	certified, _ := strconv.Atoi(sec.Cards[1].Value)
	share := kit.HomeCard{Label: "持证比例", Value: workforce.Share(certified, workers), Link: "/workforce/stats"}
	sec.Cards = append(sec.Cards[:2], share, sec.Cards[2])
	return sec, nil
}
