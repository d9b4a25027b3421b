package visitsweb

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/web/exportsweb"
	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/exports"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/visits"
)

// Screening visits (探访排查): recording a visit on a phone, the visit
// list and record, the due and overdue lists, campaigns, the county's
// visit rules, and the visits panel of a recipient's page.

// UploadLimit allows a visit form with a few phone photos.
const UploadLimit = 40 << 20

// visitFormData is what the record-a-visit form needs besides the form.
func (s *Handlers) visitFormPage(c *kit.Ctx, f *kit.Form, title, action, back string, person *recipients.Recipient, editing *visits.Visit) (*kit.Page, error) {
	ctx := c.Context()
	visitors, err := visits.VisitorOptions(ctx, s.App.DB, c.Actor)
	if err != nil {
		return nil, err
	}
	campaigns, _, err := visits.ListCampaigns(ctx, s.App.DB, c.Actor, visits.CampaignFilter{Active: true, Limit: 50})
	if err != nil {
		return nil, err
	}
	data := map[string]any{
		"Action": action, "Back": back, "Person": person, "Editing": editing, "Visitors": visitors, "Campaigns": campaigns,
		"Methods": visits.Methods, "Dimensions": visits.Dimensions, "ScoreLabels": visits.ScoreLabels[1:], "Tiers": visits.Tiers,
		"FollowUps": visits.FollowUps, "Photos": s.App.Attach != nil,
		// The latest time the browser offers: the end of today, so a form
		// left open can still be set to the real time (the domain checks
		// the instant against the moment it is saved).
		"Latest": cst.Today() + "T23:59",
	}
	if person == nil && editing == nil {
		// Registering a person met on the visit.
		units, err := s.Picker(c, kit.PickStations, "new_recipient.org_id", f.Get("new_recipient.org_id"))
		if err != nil {
			return nil, err
		}
		villages, err := s.Picker(c, kit.PickVillages, "new_recipient.village_code", f.Get("new_recipient.village_code"))
		if err != nil {
			return nil, err
		}
		data["VillagePicker"] = villages
		cats, err := recipients.CategoriesFor(ctx, s.App.DB, c.Actor)
		if err != nil {
			return nil, err
		}
		data["OrgPicker"], data["Categories"], data["Sexes"] = units, cats, recipients.Sexes
	}
	if editing != nil {
		photos, err := s.visitPhotos(c, editing.ID)
		if err != nil {
			return nil, err
		}
		data["SavedPhotos"] = photos
	}
	return &kit.Page{Title: title, Form: f, Data: data}, nil
}

func (s *Handlers) visitPhotos(c *kit.Ctx, visitID string) ([]attach.Attachment, error) {
	if s.App.Attach == nil {
		return nil, nil
	}
	return s.App.Attach.List(c.Context(), s.App.DB, "visit", visitID)
}

// visitWithPhotos loads a visit the actor may read, with its photos.
func (s *Handlers) visitWithPhotos(c *kit.Ctx, id string) (visits.Visit, []attach.Attachment, error) {
	v, err := visits.Get(c.Context(), s.App.DB, s.App.Keys, c.Actor, id)
	if err != nil {
		return v, nil, err
	}
	photos, err := s.visitPhotos(c, v.ID)
	return v, photos, err
}

// visitNew shows the form: for a person (?recipient=), or a search to
// pick one, or (?new=1) the form with a new person's registration.
func (s *Handlers) VisitNew(c *kit.Ctx) error {
	q := c.R.URL.Query()
	f := kit.NewCreateForm(map[string]string{"visited_at": cst.Now().Format("2006-01-02T15:04"), "method": string(visits.MethodHome),
		"follow_up": string(visits.FollowNone), "campaign_id": q.Get("campaign"), "visitor": c.Actor.UserID})
	f.Multi["visitor"] = []string{c.Actor.UserID}
	var person *recipients.Recipient
	if id := q.Get("recipient"); id != "" {
		r, err := recipients.Get(c.Context(), s.App.DB, c.Actor, id)
		if err != nil {
			return err
		}
		person = &r
		f.Values["recipient_id"] = r.ID
	} else if q.Get("new") != "1" {
		return c.Render("visits_pick", &kit.Page{Title: "记录探访：选择对象", Data: map[string]any{"Q": "", "Campaign": q.Get("campaign")}})
	} else {
		f.Values["new_recipient.org_id"] = c.Actor.OrgID
		f.Values["new"] = "1"
	}
	p, err := s.visitFormPage(c, f, "记录探访", "/visits", "/visits", person, nil)
	if err != nil {
		return err
	}
	return c.Render("visits_form", p)
}

// visitPick searches the people the actor may see, for the form (an
// htmx fragment, or the whole page without script).
func (s *Handlers) VisitPick(c *kit.Ctx) error {
	text := strings.TrimSpace(c.R.URL.Query().Get("q"))
	var found []recipients.Recipient
	if text != "" {
		var err error
		found, _, _, err = recipients.List(c.Context(), s.App.DB, s.App.Keys, c.Actor, recipients.Filter{Text: text, Status: recipients.StatusActive, Limit: 20})
		if err != nil {
			return err
		}
	}
	return c.Render("visits_pick", &kit.Page{Title: "记录探访：选择对象", Data: map[string]any{"Q": text, "Found": found, "Searched": text != "",
		"Campaign": c.R.URL.Query().Get("campaign")}})
}

// visitInputFrom reads the form: assessment selects score_<dim> and
// note_<dim>, visitors as checked accounts plus typed names.
func visitInputFrom(f *kit.Form) visits.Input {
	in := visits.Input{ID: f.Get("id"), Reason: f.Get("reason"), RecipientID: f.Get("recipient_id"), CampaignID: f.Get("campaign_id"), VisitedAt: f.Get("visited_at"),
		Method: visits.Method(f.Get("method")), Findings: f.Get("findings"), Needs: f.Get("needs"), RiskTier: visits.Tier(f.Get("risk_tier")),
		FollowUp: visits.FollowUp(f.Get("follow_up"))}
	scores := map[string]*visits.Score{"living": &in.Assessment.Living, "safety": &in.Assessment.Safety, "family": &in.Assessment.Family, "care": &in.Assessment.Care}
	for key, sc := range scores {
		sc.Score, _ = strconv.Atoi(f.Get("score_" + key))
		sc.Note = f.Get("note_" + key)
	}
	for _, id := range f.Multi["visitor"] {
		if id != "" {
			in.Visitors = append(in.Visitors, visits.Visitor{UserID: id})
		}
	}
	for _, name := range strings.FieldsFunc(f.Get("other_visitors"), func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' }) {
		in.Visitors = append(in.Visitors, visits.Visitor{Name: name})
	}
	if f.Get("new") == "1" {
		in.RecipientID = ""
		in.NewRecipient = &visits.NewRecipient{OrgID: f.Get("new_recipient.org_id"), Name: f.Get("new_recipient.name"),
			Sex: f.Get("new_recipient.sex"), BirthDate: f.Get("new_recipient.birth_date"), IDNumber: f.Get("new_recipient.id_number"),
			Phone: f.Get("new_recipient.phone"), VillageCode: f.Get("new_recipient.village_code"), GuardianName: f.Get("new_recipient.guardian_name"),
			Categories: f.Multi["new_recipient.categories"], ConfirmDuplicate: f.Get("new_recipient.confirm_duplicate") == "1"}
		if c := f.Get("new_recipient.current_address"); c != "" {
			in.NewRecipient.CurrentAddress = c
		}
	}
	return in
}

// savePhotos stores the form's photos for a visit inside tx.
func (s *Handlers) savePhotos(c *kit.Ctx, tx *db.Tx, v visits.Visit) error {
	if s.App.Attach == nil || c.R.MultipartForm == nil {
		return nil
	}
	for _, fh := range c.R.MultipartForm.File["photos"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		if _, err := s.App.Attach.SaveImage(c.Context(), tx, c.Actor, attach.Owner{Entity: "visit", ID: v.ID, OrgPath: v.OrgPath}, "photos", fh); err != nil {
			return err
		}
	}
	return nil
}

func (s *Handlers) VisitCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	in := visitInputFrom(f)
	var v visits.Visit
	var replayed bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		if v, replayed, err = visits.Record(c.Context(), tx, s.App.Keys, c.Actor, in); err != nil {
			return err
		}
		if replayed {
			// The same form sent again: its photos were saved the first time.
			return nil
		}
		return s.savePhotos(c, tx, v)
	})
	if err != nil {
		var person *recipients.Recipient
		if in.RecipientID != "" {
			if r, gerr := recipients.Get(c.Context(), s.App.DB, c.Actor, in.RecipientID); gerr == nil {
				person = &r
			}
		}
		p, perr := s.visitFormPage(c, f, "记录探访", "/visits", "/visits", person, nil)
		if perr != nil {
			return perr
		}
		return c.RenderForm("visits_form", p, err)
	}
	flash := "已记录对" + v.RecipientName + "的探访"
	if replayed {
		flash = "这次探访已保存过，未重复记录"
	}
	if v.NextDue != "" {
		flash += "，下次应于 " + v.NextDue + " 前探访"
	}
	if f.Get("next") == "1" {
		// 保存并探访下一位: straight on to the next person due, or back
		// to the list when nobody is left.
		next, ok, err := visits.NextToVisit(c.Context(), s.App.DB, c.Actor, v.RecipientID)
		if err != nil {
			return err
		}
		if !ok {
			return c.Redirect("/visits/due?mine=1&window=open", flash+"。名单上没有其他待探访的人了")
		}
		return c.Redirect("/visits/new?recipient="+url.QueryEscape(next.RecipientID), flash+"。下一位："+next.Name)
	}
	return c.Redirect("/visits/"+v.ID, flash)
}

// VisitDelete deletes a visit, with a reason (the person who recorded it
// or the station head).
func (s *Handlers) VisitDelete(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, _ := strconv.Atoi(f.Get("version"))
	id := c.PathValue("id")
	v, err := visits.Get(c.Context(), s.App.DB, s.App.Keys, c.Actor, id)
	if err != nil {
		return err
	}
	err = c.Write(func(tx *db.Tx) error {
		return visits.Delete(c.Context(), tx, s.App.Keys, c.Actor, id, version, f.Get("reason"))
	})
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		return c.Redirect("/visits/"+id, "未删除："+firstField(ae))
	} else if err != nil {
		return err
	}
	return c.Redirect("/recipients/"+v.RecipientID, "已删除对"+v.RecipientName+"的一条探访记录（"+v.VisitDate+"）")
}

func firstField(ae *apperr.Error) string {
	for _, k := range []string{"reason", "version"} {
		if m := ae.Fields[k]; m != "" {
			return m
		}
	}
	return ae.Message
}

func (s *Handlers) VisitShow(c *kit.Ctx) error {
	v, photos, err := s.visitWithPhotos(c, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("visits_show", &kit.Page{Title: "探访记录：" + v.RecipientName, Data: map[string]any{"Visit": v, "Photos": photos,
		"Dimensions": visits.Dimensions, "ScoreLabels": visits.ScoreLabels, "CanCorrect": visits.CanCorrect(c.Actor, v)}})
}

// visitFormValues fills the edit form from a saved visit.
func visitFormValues(v visits.Visit) *kit.Form {
	t, _ := cst.ParseStamp(v.VisitedAt)
	f := kit.NewForm(map[string]string{"recipient_id": v.RecipientID, "campaign_id": v.CampaignID, "visited_at": t.In(cst.Loc).Format("2006-01-02T15:04"),
		"method": string(v.Method), "findings": v.Findings, "needs": v.Needs, "risk_tier": string(v.RiskTier), "follow_up": string(v.FollowUp),
		"version": strconv.Itoa(v.Version)})
	var names []string
	for _, p := range v.Visitors {
		if p.UserID != "" {
			f.Multi["visitor"] = append(f.Multi["visitor"], p.UserID)
		} else {
			names = append(names, p.Name)
		}
	}
	f.Values["other_visitors"] = strings.Join(names, "、")
	for _, d := range visits.Dimensions {
		sc := v.Assessment.Get(d.Key)
		if sc.Score > 0 {
			f.Values["score_"+d.Key] = strconv.Itoa(sc.Score)
		}
		f.Values["note_"+d.Key] = sc.Note
	}
	return f
}

func (s *Handlers) VisitEdit(c *kit.Ctx) error {
	v, err := visits.Get(c.Context(), s.App.DB, s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	if !visits.CanCorrect(c.Actor, v) {
		return apperr.New(apperr.Forbidden, "只有记录这次探访的人或本站站长可以更正这条探访记录")
	}
	p, err := s.visitFormPage(c, visitFormValues(v), "修改探访记录", "/visits/"+v.ID, "/visits/"+v.ID, nil, &v)
	if err != nil {
		return err
	}
	return c.Render("visits_form", p)
}

func (s *Handlers) VisitUpdate(c *kit.Ctx) error {
	id := c.PathValue("id")
	f := kit.FormFrom(c.R)
	version, _ := strconv.Atoi(f.Get("version"))
	in := visitInputFrom(f)
	var v visits.Visit
	err := c.Write(func(tx *db.Tx) error {
		var err error
		if v, err = visits.Update(c.Context(), tx, s.App.Keys, c.Actor, id, version, in); err != nil {
			return err
		}
		return s.savePhotos(c, tx, v)
	})
	if err != nil {
		cur, gerr := visits.Get(c.Context(), s.App.DB, s.App.Keys, c.Actor, id)
		if gerr != nil {
			return gerr
		}
		p, perr := s.visitFormPage(c, f, "修改探访记录", "/visits/"+id, "/visits/"+id, nil, &cur)
		if perr != nil {
			return perr
		}
		return c.RenderForm("visits_form", p, err)
	}
	return c.Redirect("/visits/"+v.ID, "已保存")
}

func visitFilterFrom(p kit.ListParams) visits.Filter {
	q := p.Query
	return visits.Filter{RecipientID: q.Get("recipient"), OrgID: q.Get("org"), CampaignID: q.Get("campaign"), Method: visits.Method(q.Get("method")),
		Tier: visits.Tier(q.Get("tier")), VisitorID: q.Get("visitor"), From: q.Get("from"), To: q.Get("to"), Text: p.Q,
		Offset: p.Offset(), Limit: p.Size}
}

func (s *Handlers) VisitList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	f := visitFilterFrom(p)
	if p.Query.Get("mine") == "1" {
		f.VisitorID = c.Actor.UserID
	}
	items, total, capped, err := visits.ListCounted(c.Context(), s.App.DB, c.Actor, f)
	if err != nil {
		return err
	}
	opts, err := s.Picker(c, kit.PickOrgs, "org", p.Query.Get("org"))
	if err != nil {
		return err
	}
	return c.Render("visits_list", &kit.Page{Title: "探访记录", Data: map[string]any{"Visits": items, "Pager": kit.NewPager(p, total), "Params": p,
		"Capped": capped, "CountCap": visits.CountCap, "OrgPicker": opts, "Methods": visits.Methods, "Tiers": visits.Tiers}})
}

// visitPanel is the visits panel of a recipient's page (loaded by htmx):
// the plan, open major changes with the form to report one, and the
// latest visits.
func (s *Handlers) VisitPanel(c *kit.Ctx) error {
	p, err := s.visitPanelPage(c, c.PathValue("id"), kit.NewForm(nil), "")
	if err != nil {
		return err
	}
	return c.Render("visits_panel", p)
}

func (s *Handlers) visitPanelPage(c *kit.Ctx, recipientID string, form *kit.Form, notice string) (*kit.Page, error) {
	ctx := c.Context()
	plan, err := visits.PlanOf(ctx, s.App.DB, s.App.Keys, c.Actor, recipientID)
	if err != nil {
		return nil, err
	}
	items, total, err := visits.List(ctx, s.App.DB, c.Actor, visits.Filter{RecipientID: plan.RecipientID, Limit: 10})
	if err != nil {
		return nil, err
	}
	kinds := make([]kit.Option, len(visits.ChangeKinds))
	for i, k := range visits.ChangeKinds {
		kinds[i] = kit.Option{Code: string(k), Label: k.Label()}
	}
	// The report form carries the id it is drawn with: a double tap
	// reports the change once.
	kit.EnsureCreateID(form)
	return &kit.Page{Title: "探访记录", Form: form, Data: map[string]any{"RecipientID": plan.RecipientID, "Plan": plan,
		"Visits": items, "Total": total, "ChangeKinds": kinds, "Notice": notice}}, nil
}

// majorChangeReport records a major change from the form on the visits
// panel; the panel is drawn again with the new due date or the errors.
func (s *Handlers) MajorChangeReport(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	id := c.PathValue("id")
	in := visits.MajorChangeInput{ID: f.Get("id"), Kind: visits.ChangeKind(f.Get("kind")), Note: f.Get("note")}
	var m visits.MajorChange
	err := c.Write(func(tx *db.Tx) error {
		var err error
		m, err = visits.ReportMajorChange(c.Context(), tx, s.App.Keys, c.Actor, id, in)
		return err
	})
	notice := ""
	if err == nil {
		notice = "已登记重大变化，最迟 " + m.DueOn + " 当天探访"
		if !c.IsHTMX() {
			return c.Redirect("/recipients/"+id+"#visits-panel", notice)
		}
		f = kit.NewForm(nil)
	}
	p, perr := s.visitPanelPage(c, id, f, notice)
	if perr != nil {
		return perr
	}
	if err != nil {
		return c.RenderForm("visits_panel", p, err)
	}
	return c.Render("visits_panel", p)
}

func dueFilterFrom(c *kit.Ctx, q url.Values) visits.DueFilter {
	f := visits.DueFilter{Window: visits.Window(q.Get("window")), OrgID: q.Get("org"), Tier: visits.Tier(q.Get("tier")), WorkerID: q.Get("worker")}
	if q.Get("mine") == "1" {
		f.WorkerID = c.Actor.UserID
	}
	if !f.Window.Valid() {
		f.Window = visits.WindowOverdue
		if f.WorkerID != "" {
			f.Window = visits.WindowOpen
		}
	}
	return f
}

// dueSection is one list of the due page's overview.
type dueSection struct {
	Window visits.Window
	Items  []visits.DueItem
	Total  int
}

// dueSectionSize is how many people each overview section shows.
const dueSectionSize = 20

// VisitDue is the due page. Without a window it shows the three lists
// that hold everyone due within 30 days or never visited — this week
// including overdue, never visited (with how long they have waited) and
// the next 30 days — so nobody drops off it after a visit; with one, that
// list alone, paged.
func (s *Handlers) VisitDue(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	f := dueFilterFrom(c, p.Query)
	overview := !visits.Window(p.Query.Get("window")).Valid()
	data := map[string]any{"Params": p, "Filter": f, "Overview": overview}
	if overview {
		var sections []dueSection
		for _, w := range visits.DueSections {
			sf := f
			sf.Window, sf.Limit = w, dueSectionSize
			items, total, err := visits.DueList(c.Context(), s.App.DB, c.Actor, sf)
			if err != nil {
				return err
			}
			sections = append(sections, dueSection{Window: w, Items: items, Total: total})
		}
		data["Sections"] = sections
	} else {
		f.Offset, f.Limit = p.Offset(), p.Size
		items, total, err := visits.DueList(c.Context(), s.App.DB, c.Actor, f)
		if err != nil {
			return err
		}
		data["Items"], data["Pager"] = items, kit.NewPager(p, total)
	}
	// Cards name the village, not its code.
	villages := map[string]string{}
	name := func(items []visits.DueItem) {
		for _, it := range items {
			if _, ok := villages[it.VillageCode]; !ok && it.VillageCode != "" {
				villages[it.VillageCode] = s.VillageName(c, it.VillageCode)
			}
		}
	}
	if sections, ok := data["Sections"].([]dueSection); ok {
		for _, sec := range sections {
			name(sec.Items)
		}
	} else if items, ok := data["Items"].([]visits.DueItem); ok {
		name(items)
	}
	data["Villages"] = villages
	opts, err := s.Picker(c, kit.PickOrgs, "org", c.R.URL.Query().Get("org"))
	if err != nil {
		return err
	}
	title := "待探访名单"
	if f.WorkerID == c.Actor.UserID {
		title = "我的待探访"
	}
	now := cst.Now()
	data["Windows"], data["Tiers"], data["OrgPicker"], data["Today"] = visits.Windows, visits.Tiers, opts, cst.Today()
	data["TodayWeekday"], data["WeekEnd"] = visits.WeekdayOf(now), visits.WeekEndLabel(now)
	if c.Actor.Can(authz.PermVisitsExport) {
		// The export button is a form repeating the list's filters, with
		// the id of the background job it may queue (a double tap queues
		// one job).
		data["ExportForm"], data["ExportFields"] = kit.NewCreateForm(nil), kit.FilterFields(p.Query)
	}
	data["FiltersActive"] = p.Query.Get("org") != "" || p.Query.Get("tier") != "" || p.Query.Get("mine") == "1"
	return c.Render("visits_due", &kit.Page{Title: title, Data: data})
}

// VisitDueExport is the due page's export button (a POST form with the
// list's filters and the create id of the job it may queue): a list of
// at most exports.SyncMax people is sent at once, a longer one becomes a
// background export with a progress page, as the recipients export.
func (s *Handlers) VisitDueExport(c *kit.Ctx) error {
	f := dueFilterFrom(c, c.R.PostForm)
	var n int
	err := c.Read(func(q db.Querier) error {
		var err error
		n, err = exports.Count(c.Context(), q, s.App.Keys, c.Actor, visits.DueExportKind, f)
		return err
	})
	if err != nil {
		return err
	}
	if n > exports.SyncMax {
		return exportsweb.Start(c, c.R.PostForm.Get("id"), visits.DueExportKind, f, dueDescribe(c, f), n)
	}
	return s.sendDueExport(c, f)
}

// dueDescribe says what a due-list export selects, for the job list and
// the audit log.
func dueDescribe(c *kit.Ctx, f visits.DueFilter) string {
	parts := []string{f.Window.Label()}
	if f.OrgID != "" {
		if u, err := org.GetFor(c.Context(), c.DB(), c.Actor, f.OrgID); err == nil {
			parts = append(parts, "站点："+u.Name)
		}
	}
	if f.Tier != "" {
		parts = append(parts, "风险等级："+f.Tier.Label())
	}
	if f.WorkerID == c.Actor.UserID {
		parts = append(parts, "只看我负责的")
	}
	return strings.Join(parts, "，")
}

func (s *Handlers) sendDueExport(c *kit.Ctx, f visits.DueFilter) error {
	// The workbook is streamed to a temporary file from one snapshot, and
	// sent only once the audit entry is written, so an export is logged
	// when sent.
	spool, err := exports.NewSpool()
	if err != nil {
		return err
	}
	defer spool.Close()
	var entry audit.Entry
	err = c.Read(func(q db.Querier) error {
		var err error
		_, entry, err = visits.BuildDueExport(c.Context(), q, c.Actor, f, spool, nil)
		return err
	})
	if err == nil {
		entry.Summary += "；筛选：" + dueDescribe(c, f)
		err = c.Write(func(tx *db.Tx) error { return audit.Record(c.Context(), tx, c.Actor, entry) })
	}
	if err != nil {
		return err
	}
	kit.SendXLSX(c.W, "待探访名单-"+strings.ReplaceAll(cst.Today(), "-", "")+".xlsx", spool)
	return nil
}

func (s *Handlers) VisitOverview(c *kit.Ctx) error {
	per, total, err := visits.DueCounts(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return err
	}
	return c.Render("visits_overview", &kit.Page{Title: "各站探访情况", Data: map[string]any{"Stations": per, "Total": total,
		"CanList": c.Actor.Can(authz.PermVisitsRead)}})
}

// homeVisits is a worker's "我本周待探访", first on their home page; a
// station head's, county's or leader's due figures.
func (s *Handlers) HomeVisits(c *kit.Ctx) (*kit.HomeSection, error) {
	ctx := c.Context()
	if c.Actor.Role == authz.RoleWorker {
		my, err := visits.MyCounts(ctx, s.App.DB, c.Actor)
		if err != nil {
			return nil, err
		}
		sec := &kit.HomeSection{Key: "my-visits", Title: "我本周待探访", Order: 10, Cards: []kit.HomeCard{
			{Label: "已逾期", Value: strconv.Itoa(my.Overdue), Link: "/visits/due?mine=1&window=overdue"},
			{Label: "本周到期（至 " + visits.WeekEnd(cst.Now()).Format("01-02") + "）", Value: strconv.Itoa(my.DueWeek), Link: "/visits/due?mine=1&window=week"},
			{Label: "从未探访", Value: strconv.Itoa(my.Never), Link: "/visits/due?mine=1&window=never"},
		}}
		// The people next, one tap from their visit form: due this week
		// (overdue first), then never visited, as the counts above say.
		const next = 8
		items, _, err := visits.DueList(ctx, s.App.DB, c.Actor, visits.DueFilter{Window: visits.WindowOpen, WorkerID: c.Actor.UserID, Limit: next})
		if err != nil {
			return nil, err
		}
		if len(items) < next {
			never, _, err := visits.DueList(ctx, s.App.DB, c.Actor, visits.DueFilter{Window: visits.WindowNever, WorkerID: c.Actor.UserID, Limit: next - len(items)})
			if err != nil {
				return nil, err
			}
			items = append(items, never...)
		}
		for _, it := range items {
			var when string
			switch {
			case it.LastVisitOn == "" && it.DaysWaiting >= 0 && it.RegisteredOn != "":
				when = "从未探访 · 登记 " + strconv.Itoa(it.DaysWaiting) + " 天"
			case it.DaysOverdue > 0:
				when = "逾期 " + strconv.Itoa(it.DaysOverdue) + " 天"
			case len(it.NextVisitDue) == 10:
				when = "应于 " + it.NextVisitDue[5:]
			}
			sec.Items = append(sec.Items, kit.HomeCard{Label: when + " · " + it.RiskTierLabel, Value: it.Name, Link: "/visits/new?recipient=" + it.RecipientID})
		}
		if len(items) == 0 {
			sec.Note = "本周没有到期的探访。"
		}
		return sec, nil
	}
	if !c.Actor.Can(authz.PermVisitsStats) {
		return nil, nil
	}
	// The figures registry's values, so the home page, the figures page
	// and reports agree; each card opens the list it counts.
	sec := &kit.HomeSection{Key: "visits", Title: "探访排查", Order: 20, Note: "逾期指已过应探访日期仍未探访；频次按县级探访规则计算。"}
	for _, w := range []struct{ key, label, window string }{
		{"visits.overdue", "探访已逾期", "overdue"}, {"visits.due_week", "本周到期", "week"}, {"visits.never", "从未探访", "never"},
	} {
		list := ""
		if c.Actor.Can(authz.PermVisitsRead) {
			list = "/visits/due?window=" + w.window
		}
		card, err := kit.FigureCard(c, w.key, w.label, list, figures.Month)
		if err != nil {
			return nil, err
		}
		sec.Cards = append(sec.Cards, card)
	}
	return sec, nil
}

// Campaigns.

func campaignInputFrom(f *kit.Form) visits.CampaignInput {
	villages := append([]string{}, f.Multi["villages"]...)
	if t := f.Get("villages_text"); t != "" {
		villages = append(villages, t)
	}
	return visits.CampaignInput{ID: f.Get("id"), OrgID: f.Get("org_id"), Name: f.Get("name"), StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on"),
		Notes: f.Get("notes"), Villages: villages}
}

func (s *Handlers) CampaignList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	items, total, err := visits.ListCampaigns(c.Context(), s.App.DB, c.Actor, visits.CampaignFilter{Active: p.Query.Get("active") == "1",
		Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.Render("visits_campaigns", &kit.Page{Title: "探访排查计划", Data: map[string]any{"Campaigns": items, "Pager": kit.NewPager(p, total), "Params": p}})
}

func (s *Handlers) campaignFormPage(c *kit.Ctx, f *kit.Form, title, action, back string) (*kit.Page, error) {
	opts, err := s.OrgOptions(c, true)
	if err != nil {
		return nil, err
	}
	var units []kit.OrgOption
	var rooms []kit.OrgOption
	for _, o := range opts {
		switch o.Kind {
		case org.KindStation, org.KindCounty:
			units = append(units, o)
		case org.KindRoom:
			rooms = append(rooms, o)
		}
	}
	return &kit.Page{Title: title, Form: f, Data: map[string]any{"Action": action, "Back": back, "Units": units, "Rooms": rooms}}, nil
}

func (s *Handlers) CampaignNew(c *kit.Ctx) error {
	today := cst.Now()
	f := kit.NewCreateForm(map[string]string{"org_id": c.Actor.OrgID, "starts_on": today.Format(cst.DateLayout),
		"ends_on": today.AddDate(0, 0, 30).Format(cst.DateLayout)})
	p, err := s.campaignFormPage(c, f, "新建探访排查计划", "/visit-campaigns", "/visit-campaigns")
	if err != nil {
		return err
	}
	return c.Render("visits_campaign_form", p)
}

func (s *Handlers) CampaignCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var cp visits.Campaign
	err := c.Write(func(tx *db.Tx) error {
		var err error
		cp, err = visits.CreateCampaign(c.Context(), tx, c.Actor, campaignInputFrom(f))
		return err
	})
	if err != nil {
		p, perr := s.campaignFormPage(c, f, "新建探访排查计划", "/visit-campaigns", "/visit-campaigns")
		if perr != nil {
			return perr
		}
		return c.RenderForm("visits_campaign_form", p, err)
	}
	return c.Redirect("/visit-campaigns/"+cp.ID, "已新建排查计划："+cp.Name)
}

func (s *Handlers) CampaignShow(c *kit.Ctx) error {
	cp, err := visits.GetCampaign(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	p := kit.ListParamsFrom(c.R, 20)
	items, total, err := visits.List(c.Context(), s.App.DB, c.Actor, visits.Filter{CampaignID: cp.ID, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.Render("visits_campaign", &kit.Page{Title: cp.Name, Data: map[string]any{"Campaign": cp, "Visits": items, "Pager": kit.NewPager(p, total)}})
}

func (s *Handlers) CampaignEdit(c *kit.Ctx) error {
	cp, err := visits.GetCampaign(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.NewForm(map[string]string{"org_id": cp.OrgID, "name": cp.Name, "starts_on": cp.StartsOn, "ends_on": cp.EndsOn, "notes": cp.Notes,
		"version": strconv.Itoa(cp.Version)})
	f.Multi["villages"] = cp.Villages
	p, err := s.campaignFormPage(c, f, "修改探访排查计划", "/visit-campaigns/"+cp.ID, "/visit-campaigns/"+cp.ID)
	if err != nil {
		return err
	}
	return c.Render("visits_campaign_form", p)
}

func (s *Handlers) CampaignUpdate(c *kit.Ctx) error {
	id := c.PathValue("id")
	f := kit.FormFrom(c.R)
	version, _ := strconv.Atoi(f.Get("version"))
	var cp visits.Campaign
	err := c.Write(func(tx *db.Tx) error {
		var err error
		cp, err = visits.UpdateCampaign(c.Context(), tx, c.Actor, id, version, campaignInputFrom(f))
		return err
	})
	if err != nil {
		p, perr := s.campaignFormPage(c, f, "修改探访排查计划", "/visit-campaigns/"+id, "/visit-campaigns/"+id)
		if perr != nil {
			return perr
		}
		return c.RenderForm("visits_campaign_form", p, err)
	}
	return c.Redirect("/visit-campaigns/"+cp.ID, "已保存")
}

// Rules.

type ruleRow struct {
	Key, Label string
	N          string
	Unit       string
}

func rulesForm(r visits.Rules) *kit.Form {
	f := kit.NewForm(nil)
	for _, t := range visits.Tiers {
		iv := r.IntervalFor(t)
		f.Values["tier_"+string(t)+"_n"], f.Values["tier_"+string(t)+"_unit"] = strconv.Itoa(iv.N), string(iv.Unit)
	}
	for _, k := range r.CategoryKeys() {
		iv := r.Categories[k]
		f.Multi["category"] = append(f.Multi["category"], k)
		f.Multi["category_n"] = append(f.Multi["category_n"], strconv.Itoa(iv.N))
		f.Multi["category_unit"] = append(f.Multi["category_unit"], string(iv.Unit))
	}
	return f
}

func (s *Handlers) rulesPageData(c *kit.Ctx, f *kit.Form, current visits.Rules) (*kit.Page, error) {
	cats, err := recipients.CategoriesFor(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return nil, err
	}
	var overrides []ruleRow
	keys, ns, units := f.Multi["category"], f.Multi["category_n"], f.Multi["category_unit"]
	for i, k := range keys {
		row := ruleRow{Key: k}
		if i < len(ns) {
			row.N = ns[i]
		}
		if i < len(units) {
			row.Unit = units[i]
		}
		if k != "" {
			overrides = append(overrides, row)
		}
	}
	// Two empty rows to add overrides without script.
	overrides = append(overrides, ruleRow{Unit: string(visits.UnitMonth)}, ruleRow{Unit: string(visits.UnitMonth)})
	inherited := current.OrgID != "" && current.OrgID != c.Actor.OrgID
	return &kit.Page{Title: "探访频次规则", Form: f, Data: map[string]any{"Tiers": visits.Tiers, "Units": visits.Units, "Categories": cats,
		"Overrides": overrides, "Defaults": current.OrgID == "", "Inherited": inherited}}, nil
}

func (s *Handlers) RulesPage(c *kit.Ctx) error {
	r, err := visits.RulesFor(c.Context(), s.App.DB, c.Actor.OrgPath)
	if err != nil {
		return err
	}
	p, err := s.rulesPageData(c, rulesForm(r), r)
	if err != nil {
		return err
	}
	return c.Render("visits_rules", p)
}

func (s *Handlers) RulesSave(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	in := visits.Rules{Tiers: map[visits.Tier]visits.Interval{}, Categories: map[string]visits.Interval{}}
	fe := apperr.Fields{}
	for _, t := range visits.Tiers {
		iv, err := visits.ParseInterval(f.Get("tier_"+string(t)+"_n"), f.Get("tier_"+string(t)+"_unit"))
		if err != nil {
			fe.Add("tier_"+string(t), err.Error())
		}
		in.Tiers[t] = iv
	}
	keys, ns, units := f.Multi["category"], f.Multi["category_n"], f.Multi["category_unit"]
	for i, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" || i >= len(ns) || strings.TrimSpace(ns[i]) == "" {
			continue
		}
		unit := ""
		if i < len(units) {
			unit = units[i]
		}
		iv, err := visits.ParseInterval(ns[i], unit)
		if err != nil {
			fe.Add("category_"+k, "“"+k+"”："+err.Error())
		}
		in.Categories[k] = iv
	}
	err := fe.Err()
	replanned := -1
	if err == nil {
		err = c.Write(func(tx *db.Tx) error {
			if _, err := visits.SaveRules(c.Context(), tx, c.Actor, in); err != nil {
				return err
			}
			if f.Get("replan") != "1" {
				return nil
			}
			var err error
			replanned, err = visits.ReplanAll(c.Context(), tx, c.Actor)
			return err
		})
	}
	if err != nil {
		cur, rerr := visits.RulesFor(c.Context(), s.App.DB, c.Actor.OrgPath)
		if rerr != nil {
			return rerr
		}
		p, perr := s.rulesPageData(c, f, cur)
		if perr != nil {
			return perr
		}
		return c.RenderForm("visits_rules", p, err)
	}
	if replanned >= 0 {
		return c.Redirect("/visit-rules", "已保存探访频次规则，并按新规则重算了下次探访日期（"+strconv.Itoa(replanned)+" 人的日期改变）")
	}
	return c.Redirect("/visit-rules", "已保存探访频次规则；每位对象下次探访后按新规则计算应探访日期")
}
