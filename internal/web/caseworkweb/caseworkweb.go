// Package caseworkweb serves casework (个案): the case list, task list
// and approvals, a case's page with the form of each stage, print-ready
// forms, and the API.
package caseworkweb

import (
	"embed"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/visits"
	"github.com/shegong/shegong/internal/web/kit"
)

// Handlers serve this module's pages and API; the routes that reach them
// are listed in internal/web/routes.go.
type Handlers struct{ *kit.Server }

// Templates are this module's pages.
//
//go:embed templates/*.html
var Templates embed.FS

// OpenAPI documents this module's API routes.
//
//go:embed openapi.json
var OpenAPI []byte

func stageOptions() []kit.Option {
	out := []kit.Option{{Code: "open", Label: "在案（未结案）"}}
	for _, s := range casework.Stages {
		out = append(out, kit.Option{Code: string(s), Label: s.Label()})
	}
	return out
}

func (s *Handlers) List(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	q := c.R.URL.Query()
	f := casework.Filter{OrgID: q.Get("org"), Stage: casework.Stage(q.Get("stage")), RecipientID: q.Get("recipient"), Limit: p.Size, Offset: p.Offset()}
	if q.Get("mine") == "1" {
		f.WorkerID = c.Actor.UserID
	}
	f.Returned = q.Get("returned") == "1"
	items, total, err := casework.List(c.Context(), c.DB(), c.Actor, f)
	if err != nil {
		return err
	}
	return c.Render("casework_list", &kit.Page{Title: "个案", Form: kit.FormFrom(c.R),
		Data: map[string]any{"Items": items, "Pager": kit.NewPager(p, total), "Stages": stageOptions()}})
}

func (s *Handlers) Tasks(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	q := c.R.URL.Query()
	f := casework.TaskFilter{OrgID: q.Get("org"), OverdueOnly: q.Get("overdue") == "1", Limit: p.Size, Offset: p.Offset()}
	if q.Get("mine") == "1" {
		f.UserID = c.Actor.UserID
	}
	items, total, err := casework.Tasks(c.Context(), c.DB(), c.Actor, f)
	if err != nil {
		return err
	}
	return c.Render("casework_tasks", &kit.Page{Title: "个案任务", Data: map[string]any{"Items": items, "Pager": kit.NewPager(p, total), "Today": cst.Today()}})
}

func (s *Handlers) Approvals(c *kit.Ctx) error {
	items, err := casework.Pending(c.Context(), c.DB(), c.Actor, 200)
	if err != nil {
		return err
	}
	return c.Render("casework_approvals", &kit.Page{Title: "待审批", Data: map[string]any{"Items": items}})
}

func sourceOptions() []kit.Option {
	var out []kit.Option
	for _, k := range []string{"self", "outreach", "visit", "referral"} {
		out = append(out, kit.Option{Code: k, Label: casework.SourceLabels[k]})
	}
	return out
}

func (s *Handlers) New(c *kit.Ctx) error {
	q := c.R.URL.Query()
	f := kit.NewCreateForm(map[string]string{"recipient_id": q.Get("recipient"), "source_visit_id": q.Get("visit"), "opened_on": cst.Today()})
	if q.Get("visit") != "" {
		f.Values["source"] = "visit"
	}
	p, err := s.newPage(c, f)
	if err != nil {
		return err
	}
	return c.Render("casework_new", p)
}

// newPage is the intake form: the person chosen with the recipients
// picker (their name shown, the id a hidden value) and the recent visits
// of the chosen person for 探访发现.
func (s *Handlers) newPage(c *kit.Ctx, f *kit.Form) (*kit.Page, error) {
	pk, err := s.Picker(c, kit.PickRecipients, "recipient_id", strings.TrimSpace(f.Get("recipient_id")))
	if err != nil {
		return nil, err
	}
	vs, err := s.sourceVisits(c, pk.Value, f.Get("source_visit_id"))
	if err != nil {
		return nil, err
	}
	return &kit.Page{Title: "接案", Form: f, Data: map[string]any{"Sources": sourceOptions(), "Person": pk, "Visits": vs}}, nil
}

// visitChoice is the select of a person's recent visits (探访发现).
type visitChoice struct {
	Form    *kit.Form
	Chosen  bool // a person is chosen
	Options []kit.Option
}

// recentVisits is how many of a person's visits the intake form offers.
const recentVisits = 20

// sourceVisits lists the recent visits of person (none chosen: none),
// keeping the chosen visit selectable.
func (s *Handlers) sourceVisits(c *kit.Ctx, person, chosen string) (visitChoice, error) {
	v := visitChoice{Chosen: person != "", Options: []kit.Option{}}
	if person == "" || !c.Actor.Can(authz.PermVisitsRead) {
		return v, nil
	}
	items, _, err := visits.List(c.Context(), c.DB(), c.Actor, visits.Filter{RecipientID: person, Limit: recentVisits})
	if err != nil {
		return v, err
	}
	for _, it := range items {
		label := it.VisitDate + " " + it.MethodLabel
		if it.CreatedByName != "" {
			label += " · " + it.CreatedByName
		}
		v.Options = append(v.Options, kit.Option{Code: it.ID, Label: label})
	}
	if chosen != "" && !slices.ContainsFunc(v.Options, func(o kit.Option) bool { return o.Code == chosen }) {
		v.Options = append(v.Options, kit.Option{Code: chosen, Label: "所选探访记录"})
	}
	return v, nil
}

// NewVisits draws the visits select of the intake form for the person
// just chosen (htmx, on a change of recipient_id).
func (s *Handlers) NewVisits(c *kit.Ctx) error {
	q := c.R.URL.Query()
	f := kit.NewForm(map[string]string{"source_visit_id": q.Get("source_visit_id")})
	v, err := s.sourceVisits(c, strings.TrimSpace(q.Get("recipient_id")), "")
	if err != nil {
		return err
	}
	v.Form = f
	return c.RenderPart("casework_new", "source-visits", v)
}

func intakeFrom(f *kit.Form, r *http.Request) casework.IntakeInput {
	return casework.IntakeInput{ID: f.Get("id"), RecipientID: strings.TrimSpace(f.Get("recipient_id")), MemberIDs: r.Form["member_ids"],
		Source: f.Get("source"), SourceVisitID: strings.TrimSpace(f.Get("source_visit_id")), SourceReferrer: f.Get("source_referrer"),
		OpenedOn: f.Get("opened_on"), Risk: f.Get("risk"), Intake: f.Get("intake"), CoWorkerIDs: r.Form["co_worker_ids"]}
}

func (s *Handlers) Create(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var cs casework.Case
	err := c.Write(func(tx *db.Tx) error {
		var err error
		cs, _, err = casework.OpenCase(c.Context(), tx, s.App.Keys, c.Actor, intakeFrom(f, c.R))
		return err
	})
	if err != nil {
		p, perr := s.newPage(c, f)
		if perr != nil {
			return perr
		}
		return c.RenderForm("casework_new", p, err)
	}
	return c.Redirect("/cases/"+cs.ID, "已接案："+cs.Number)
}

// view is what the case page shows.
type view struct {
	Case             casework.Case
	History          casework.History
	File             *casework.File // nil: the reader sees metadata only
	Answer           []casework.Approval
	Settings         casework.Settings
	Reasons          []kit.Option
	LogKinds         []kit.Option
	Levels           []kit.Option
	Scores           []kit.Option
	Today            string
	Now              string
	PrintForms       []kit.Option
	SourceLabels     map[string]string
	CloseReasonLabel string
	LevelLabels      map[int]string
	Blank            []int // empty goal rows of the plan form
	Scans            []attach.Attachment
}

var printForms = []kit.Option{{Code: "intake", Label: "接案登记表"}, {Code: "assessment", Label: "预估表"}, {Code: "plan", Label: "服务计划表"},
	{Code: "log", Label: "服务记录表"}, {Code: "evaluation", Label: "评估表"}, {Code: "closing", Label: "结案表"}}

func (s *Handlers) load(c *kit.Ctx, id string) (*view, error) {
	v := &view{Today: cst.Today(), Now: cst.Now().Format("2006-01-02 15:04"), PrintForms: printForms,
		SourceLabels: casework.SourceLabels, LevelLabels: casework.AttainmentLabels, Blank: []int{1, 2}}
	err := c.Write(func(tx *db.Tx) error {
		cs, err := casework.Get(c.Context(), tx, c.Actor, id)
		if err != nil {
			return err
		}
		ok, err := casework.CanReadContent(c.Context(), tx, c.Actor, cs)
		if err != nil {
			return err
		}
		if ok {
			f, err := casework.Open(c.Context(), tx, s.App.Keys, c.Actor, id)
			if err != nil {
				return err
			}
			v.File, v.Case, v.History, v.Settings = &f, f.Case, f.History, f.Settings
			if s.App.Attach != nil {
				if v.Scans, err = s.App.Attach.List(c.Context(), tx, casework.AgreementEntity, id); err != nil {
					return err
				}
			}
		} else {
			if v.Case, v.History, err = casework.GetHistory(c.Context(), tx, c.Actor, id); err != nil {
				return err
			}
			if v.Settings, err = casework.SettingsFor(c.Context(), tx, cs.OrgPath); err != nil {
				return err
			}
		}
		for _, a := range v.History.Approvals {
			if casework.CanAnswer(c.Context(), tx, c.Actor, v.Case, a) {
				v.Answer = append(v.Answer, a)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	v.CloseReasonLabel = casework.CloseReasonLabel(v.Case.CloseReason)
	for _, r := range casework.CloseReasons {
		v.Reasons = append(v.Reasons, kit.Option{Code: r, Label: casework.CloseReasonLabel(r)})
	}
	for _, k := range casework.LogKinds {
		v.LogKinds = append(v.LogKinds, kit.Option{Code: k, Label: casework.LogKindLabel(k)})
	}
	for i := 1; i <= 5; i++ {
		v.Levels = append(v.Levels, kit.Option{Code: strconv.Itoa(i), Label: strconv.Itoa(i) + " " + casework.AttainmentLabels[i]})
		v.Scores = append(v.Scores, kit.Option{Code: strconv.Itoa(i), Label: strconv.Itoa(i)})
	}
	return v, nil
}

func (s *Handlers) Show(c *kit.Ctx) error {
	v, err := s.load(c, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.NewCreateForm(map[string]string{"assessed_on": v.Today, "evaluated_on": v.Today, "logged_at": v.Now}) // the log form's id
	ensureCreateIDs(f)
	return c.Render("casework_show", &kit.Page{Title: "个案 " + v.Case.Number, Form: f, Data: v})
}

// createIDKeys are the ids of the case page's create forms besides the
// log's (kit's "id"): each form carries its own, made when drawn and kept
// when the page is drawn again after an error, so a double tap or a
// resend stores one record.
var createIDKeys = []string{"assessment_id", "evaluation_id"}

func ensureCreateIDs(f *kit.Form) {
	kit.EnsureCreateID(f)
	for _, k := range createIDKeys {
		if f.Values[k] == "" {
			f.Values[k] = ids.New()
		}
	}
}

// act runs a stage's write and comes back to the case page, or shows
// the page again with the form's errors.
func (s *Handlers) act(c *kit.Ctx, flash string, fn func(tx *db.Tx, f *kit.Form) error) error {
	id := c.PathValue("id")
	f := kit.FormFrom(c.R)
	err := c.Write(func(tx *db.Tx) error { return fn(tx, f) })
	if err != nil {
		v, lerr := s.load(c, id)
		if lerr != nil {
			return lerr
		}
		ensureCreateIDs(f)
		return c.RenderForm("casework_show", &kit.Page{Title: "个案 " + v.Case.Number, Form: f, Data: v}, err)
	}
	return c.Redirect("/cases/"+id, flash)
}

// yuanToFen reads an amount typed in 元 ("12.5") as 分; unreadable is 0.
func yuanToFen(s string) int64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0
	}
	if v < 0 {
		return -1
	}
	return int64(v*100 + 0.5)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func (s *Handlers) Decide(c *kit.Ctx) error {
	return s.act(c, "已记录接案决定", func(tx *db.Tx, f *kit.Form) error {
		cs, err := casework.Decide(c.Context(), tx, c.Actor, c.PathValue("id"), atoi(f.Get("version")), casework.DecisionInput{
			Decision: f.Get("decision"), Reason: f.Get("reason"), Referral: f.Get("referral"), AgreementOn: f.Get("agreement_on")})
		if err != nil || s.App.Attach == nil || c.R.MultipartForm == nil {
			return err
		}
		// The signed agreement's scan, stored with the decision.
		for _, fh := range c.R.MultipartForm.File["agreement_scan"] {
			if _, err := s.App.Attach.SaveImage(c.Context(), tx, c.Actor, attach.Owner{Entity: casework.AgreementEntity, ID: cs.ID, OrgPath: cs.OrgPath},
				"agreement_scan", fh); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Handlers) Assess(c *kit.Ctx) error {
	return s.act(c, "已记录预估", func(tx *db.Tx, f *kit.Form) error {
		cs, err := casework.Get(c.Context(), tx, c.Actor, c.PathValue("id"))
		if err != nil {
			return err
		}
		st, err := casework.SettingsFor(c.Context(), tx, cs.OrgPath)
		if err != nil {
			return err
		}
		in := casework.AssessmentInput{ID: f.Get("assessment_id"), AssessedOn: f.Get("assessed_on"), History: f.Get("history"), Problems: f.Get("problems"),
			Strengths: f.Get("strengths"), Scores: map[string]map[string]int{}}
		for _, d := range st.Domains {
			in.Scores[d.Key] = map[string]int{}
			for _, item := range d.Items {
				in.Scores[d.Key][item] = atoi(f.Get("score." + d.Key + "." + item))
			}
		}
		rel, age, sit := c.R.Form["family_relation"], c.R.Form["family_age"], c.R.Form["family_situation"]
		for i := range rel {
			if strings.TrimSpace(rel[i]) == "" {
				continue
			}
			m := casework.FamilyMember{Relation: strings.TrimSpace(rel[i])}
			if i < len(age) {
				m.Age = atoi(age[i])
			}
			if i < len(sit) {
				m.Situation = strings.TrimSpace(sit[i])
			}
			in.Family = append(in.Family, m)
		}
		_, _, err = casework.AddAssessment(c.Context(), tx, s.App.Keys, c.Actor, cs.ID, in)
		return err
	})
}

func planFrom(r *http.Request, f *kit.Form) casework.PlanInput {
	in := casework.PlanInput{Strategy: f.Get("strategy"), Roles: f.Get("roles"), Steps: f.Get("steps")}
	dom, text, meas, due := r.Form["goal_domain"], r.Form["goal_text"], r.Form["goal_measures"], r.Form["goal_due"]
	for i := range text {
		if strings.TrimSpace(text[i]) == "" {
			continue
		}
		g := casework.Goal{Text: text[i]}
		if i < len(dom) {
			g.Domain = dom[i]
		}
		if i < len(meas) {
			g.Measures = meas[i]
		}
		if i < len(due) {
			g.DueOn = due[i]
		}
		in.Goals = append(in.Goals, g)
	}
	return in
}

func (s *Handlers) SavePlan(c *kit.Ctx) error {
	return s.act(c, "已保存服务计划", func(tx *db.Tx, f *kit.Form) error {
		_, err := casework.SavePlan(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), atoi(f.Get("plan_version")), planFrom(c.R, f))
		return err
	})
}

func (s *Handlers) SubmitPlan(c *kit.Ctx) error {
	return s.act(c, "服务计划已提交审批", func(tx *db.Tx, f *kit.Form) error {
		_, err := casework.SubmitPlan(c.Context(), tx, c.Actor, c.PathValue("id"))
		return err
	})
}

func (s *Handlers) AddLog(c *kit.Ctx) error {
	return s.act(c, "已记录服务", func(tx *db.Tx, f *kit.Form) error {
		_, _, err := casework.AddLog(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), casework.LogInput{ID: f.Get("id"),
			LoggedAt: f.Get("logged_at"), Kind: f.Get("kind"), Minutes: atoi(f.Get("minutes")), Content: f.Get("content"), NextStep: f.Get("next_step"),
			ValueFen: yuanToFen(f.Get("value_yuan"))})
		return err
	})
}

func (s *Handlers) Evaluate(c *kit.Ctx) error {
	return s.act(c, "已记录评估", func(tx *db.Tx, f *kit.Form) error {
		in := casework.EvaluationInput{ID: f.Get("evaluation_id"), EvaluatedOn: f.Get("evaluated_on"), Summary: f.Get("summary"), Attainment: map[string]int{}}
		for k, vs := range c.R.PostForm {
			if g, ok := strings.CutPrefix(k, "attainment."); ok && len(vs) > 0 {
				in.Attainment[g] = atoi(vs[0])
			}
		}
		_, _, err := casework.AddEvaluation(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in)
		return err
	})
}

func (s *Handlers) Close(c *kit.Ctx) error {
	return s.act(c, "结案申请已提交审批", func(tx *db.Tx, f *kit.Form) error {
		_, err := casework.RequestClosure(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), casework.ClosureInput{Reason: f.Get("close_reason"),
			Summary: f.Get("close_summary"), FollowUps: strings.FieldsFunc(f.Get("follow_ups"), func(r rune) bool { return r == ',' || r == '，' || r == ' ' })})
		return err
	})
}

func (s *Handlers) Reopen(c *kit.Ctx) error {
	return s.act(c, "个案已重开", func(tx *db.Tx, f *kit.Form) error {
		_, err := casework.Reopen(c.Context(), tx, c.Actor, c.PathValue("id"), atoi(f.Get("version")), f.Get("reopen_reason"))
		return err
	})
}

func (s *Handlers) Answer(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var a casework.Approval
	err := c.Write(func(tx *db.Tx) error {
		var err error
		a, err = casework.Answer(c.Context(), tx, c.Actor, c.PathValue("id"), f.Get("decision") == "approve", f.Get("answer_reason"))
		return err
	})
	if err != nil {
		caseID := f.Get("case_id")
		if caseID == "" {
			return err
		}
		v, lerr := s.load(c, caseID)
		if lerr != nil {
			return lerr
		}
		ensureCreateIDs(f)
		return c.RenderForm("casework_show", &kit.Page{Title: "个案 " + v.Case.Number, Form: f, Data: v}, err)
	}
	msg := "已批准"
	if a.Decision == "returned" {
		msg = "已退回"
	}
	return c.Redirect("/cases/"+a.CaseID, msg+a.SubjectLabel)
}

func (s *Handlers) LogPage(c *kit.Ctx) error {
	id, err := casework.LogCase(c.Context(), c.DB(), c.PathValue("id"))
	if err != nil {
		return err
	}
	if _, err := casework.Get(c.Context(), c.DB(), c.Actor, id); err != nil {
		return err
	}
	http.Redirect(c.W, c.R, "/cases/"+id+"#log-"+c.PathValue("id"), http.StatusSeeOther)
	return nil
}

// Print renders an A4 form of a case (接案登记表, 预估表…) for filing:
// browsers print it; no PDF is made.
func (s *Handlers) Print(c *kit.Ctx) error {
	form := c.PathValue("form")
	title := ""
	for _, p := range printForms {
		if p.Code == form {
			title = p.Label
		}
	}
	if title == "" {
		return apperr.ErrNotFound("表单")
	}
	var f casework.File
	err := c.Write(func(tx *db.Tx) error {
		var err error
		f, err = casework.Open(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	return c.Render("casework_print", &kit.Page{Title: title, Data: map[string]any{"Form": form, "File": f, "Unit": f.Case.OrgName,
		"Levels": casework.AttainmentLabels, "Sources": casework.SourceLabels, "Printed": cst.Today()}})
}

// returnedLink is the list of the actor's cases whose plan or closure
// was returned; returnedFilter is what it lists.
const returnedLink = "/cases?mine=1&returned=1"

func returnedFilter(a *authz.Actor) casework.Filter {
	return casework.Filter{WorkerID: a.UserID, Returned: true, Limit: 1}
}

// pendingCap is the most pending approvals the home page counts; it asks
// for one more to know whether there are more (Pending lists at most 200).
const pendingCap = 199

// HomeCasework shows pending approvals and overdue tasks.
func (s *Handlers) HomeCasework(c *kit.Ctx) (*kit.HomeSection, error) {
	if !c.Actor.Can(authz.PermCaseworkRead) || c.Actor.Role == authz.RoleLeader {
		return nil, nil
	}
	ctx := c.Context()
	sec := &kit.HomeSection{Key: "casework", Title: "个案", Order: 15}
	if c.Actor.Can(authz.PermCaseworkWrite) {
		// The actor's cases whose plan or closure came back: the count is
		// the total of the list the card opens.
		_, n, err := casework.List(ctx, c.DB(), c.Actor, returnedFilter(c.Actor))
		if err != nil {
			return nil, err
		}
		sec.Cards = append(sec.Cards, kit.HomeCard{Label: "退回待修改", Value: strconv.Itoa(n), Link: returnedLink})
	}
	if c.Actor.Can(authz.PermCaseworkApprove) {
		pend, err := casework.Pending(ctx, c.DB(), c.Actor, pendingCap+1)
		if err != nil {
			return nil, err
		}
		v := strconv.Itoa(len(pend))
		if len(pend) > pendingCap {
			v = strconv.Itoa(pendingCap) + "+" // a capped count says so
		}
		sec.Cards = append(sec.Cards, kit.HomeCard{Label: "待我审批", Value: v, Link: "/cases/approvals"})
	}
	// A worker's own overdue tasks; anyone else's are the node's, from the
	// figure's rollup, which counts what the task list lists for roles
	// that see every case of their scope.
	if c.Actor.Role != authz.RoleWorker && casework.TasksAllVisible(c.Actor) {
		card, err := kit.FigureCard(c, "casework.overdue_tasks", "逾期任务", "/cases/tasks?overdue=1", figures.Month)
		if err != nil {
			return nil, err
		}
		sec.Cards = append(sec.Cards, card)
		return sec, nil
	}
	f := casework.TaskFilter{OverdueOnly: true, Limit: 1}
	link := "/cases/tasks?overdue=1"
	if c.Actor.Role == authz.RoleWorker {
		f.UserID, link = c.Actor.UserID, link+"&mine=1"
	}
	_, overdue, err := casework.Tasks(ctx, c.DB(), c.Actor, f)
	if err != nil {
		return nil, err
	}
	sec.Cards = append(sec.Cards, kit.HomeCard{Label: "逾期任务", Value: strconv.Itoa(overdue), Link: link})
	return sec, nil
}
