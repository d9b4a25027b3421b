package recipientsweb

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/timeline"
	"github.com/shegong/shegong/internal/web/exportsweb"
	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/exports"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
)

// Pages of the recipient registry (服务对象): list with filters and Excel
// export, detail with masked values and audited reveal, entry and edit
// forms with the duplicate check, households, and the county's category
// list. The JSON API is in recipients_api.go.

// homeRecipients counts the people in care in the actor's scope and,
// for a social worker, those assigned to them.
func (s *Handlers) HomeRecipients(c *kit.Ctx) (*kit.HomeSection, error) {
	if !c.Actor.Can(authz.PermRecipientsRead) {
		return nil, nil
	}
	sec := &kit.HomeSection{Key: "recipients", Title: "服务对象", Order: 30}
	card := func(label, link string, f recipients.Filter) error {
		n, capped, err := recipients.Count(c.Context(), s.App.DB, s.App.Keys, c.Actor, f)
		if err != nil {
			return err
		}
		v := strconv.Itoa(n)
		if capped {
			v += "+"
		}
		sec.Cards = append(sec.Cards, kit.HomeCard{Label: label, Value: v, Link: link})
		return nil
	}
	if c.Actor.Can(authz.PermFiguresRead) {
		fc, err := kit.FigureCard(c, "recipients.in_care", "在册服务对象", "/recipients?status=active", figures.Month)
		if err != nil {
			return nil, err
		}
		sec.Cards = append(sec.Cards, fc)
	} else if err := card("在册服务对象", "/recipients?status=active", recipients.Filter{Status: recipients.StatusActive}); err != nil {
		return nil, err
	}
	if c.Actor.Role == authz.RoleWorker {
		if err := card("由我负责", "/recipients?status=active&mine=1", recipients.Filter{Status: recipients.StatusActive, WorkerID: c.Actor.UserID}); err != nil {
			return nil, err
		}
	}
	return sec, nil
}

// recipientFilterFrom reads the list's filters from query (or form) values.
func recipientFilterFrom(actor *authz.Actor, q url.Values, p kit.ListParams) recipients.Filter {
	f := recipients.Filter{Text: strings.TrimSpace(q.Get("q")), OrgID: q.Get("org"), VillageCode: q.Get("village"),
		Category: q.Get("category"), WorkerID: q.Get("worker"), Status: q.Get("status"), HouseholdID: q.Get("household"),
		Name: q.Get("name"), Initials: q.Get("initials"), IDNumber: q.Get("id_number"), Phone: q.Get("phone"),
		Sort: q.Get("sort"), Desc: q.Get("dir") == "desc", Offset: p.Offset(), Limit: p.Size}
	if q.Get("mine") == "1" {
		f.WorkerID = actor.UserID
	}
	for _, lf := range recipients.ListFilters() {
		if v := q.Get(lf.Name); v != "" {
			if f.Extra == nil {
				f.Extra = map[string]string{}
			}
			f.Extra[lf.Name] = v
		}
	}
	return f
}

// describeFilter says in words what an export contained, for the audit
// log, without copying an ID number or phone typed as a search into it.
func describeFilter(q url.Values) string {
	var parts []string
	names := map[string]string{"org": "机构", "village": "村（社区）", "category": "类别", "worker": "责任社工", "status": "状态", "household": "家庭"}
	if t := strings.TrimSpace(q.Get("q")); t != "" {
		if recipients.LookupKind(t) != "" {
			parts = append(parts, "按证件号或电话精确查找")
		} else {
			parts = append(parts, "关键词“"+t+"”")
		}
	}
	for _, k := range []string{"org", "village", "category", "worker", "status", "household"} {
		if v := q.Get(k); v != "" {
			if k == "status" {
				v = recipients.StatusLabel(v)
			}
			parts = append(parts, names[k]+"="+v)
		}
	}
	for _, lf := range recipients.ListFilters() {
		if v := q.Get(lf.Name); v != "" {
			parts = append(parts, lf.Label+"="+v)
		}
	}
	if len(parts) == 0 {
		return "全部"
	}
	return strings.Join(parts, "，")
}

func statusOptions() []kit.Option {
	var out []kit.Option
	for _, st := range recipients.Statuses {
		out = append(out, kit.Option{Code: st, Label: recipients.StatusLabel(st)})
	}
	return out
}

func (s *Handlers) RecipientList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	f := recipientFilterFrom(c.Actor, p.Query, p)
	items, total, capped, err := recipients.List(c.Context(), s.App.DB, s.App.Keys, c.Actor, f)
	if err != nil {
		return err
	}
	q := p.Query
	data, err := s.recipientFilterData(c, q.Get("org"), q.Get("village"), q.Get("worker"))
	if err != nil {
		return err
	}
	// Village names of the rows shown (the picker no longer lists them all).
	villageNames := map[string]string{}
	for _, it := range items {
		if _, ok := villageNames[it.VillageCode]; it.VillageCode != "" && !ok {
			if villageNames[it.VillageCode], err = s.PickerLabel(c, kit.PickVillages, it.VillageCode); err != nil {
				return err
			}
		}
	}
	// The export form repeats the current filters as hidden fields.
	var hidden []kit.Option
	for k, vs := range p.Query {
		if k == "page" || k == "size" {
			continue
		}
		for _, v := range vs {
			hidden = append(hidden, kit.Option{Code: k, Label: v})
		}
	}
	slices.SortFunc(hidden, func(a, b kit.Option) int { return strings.Compare(a.Code+a.Label, b.Code+b.Label) })
	data["Items"], data["Pager"], data["Capped"], data["Params"] = items, kit.NewPager(p, total), capped, p
	data["VillageNames"], data["ExportFields"] = villageNames, hidden
	// The export form carries the id of the job it may queue.
	data["ExportForm"] = kit.NewCreateForm(nil)
	data["CountCap"] = recipients.CountCap
	data["Columns"] = recipients.ListColumns()
	// The card's one main action: recording a visit, where the route
	// exists and the role may use it.
	data["CanVisit"] = s.RouteAllowed(c, "GET", "/visits/new")
	active := p.Q != ""
	for k := range p.Query {
		if k != "q" && k != "page" && k != "size" && k != "sort" && k != "desc" && p.Query.Get(k) != "" {
			active = true
		}
	}
	data["FiltersActive"] = active
	data["Sees"] = seenFields(c.Actor) // filters on fields the role does not see are not offered
	return c.Render("recipients_list", &kit.Page{Title: "服务对象", Data: data})
}

// recipientFilterData is what the filter form and the entry form offer:
// the pickers of station, village and worker (with their current
// values) and the lists of categories, statuses and other modules'
// filters. The worker picker is there only for roles that may search
// workers.
func (s *Handlers) recipientFilterData(c *kit.Ctx, org, village, worker string) (map[string]any, error) {
	orgs, err := s.Picker(c, kit.PickStations, "org", org)
	if err != nil {
		return nil, err
	}
	villages, err := s.Picker(c, kit.PickVillages, "village", village)
	if err != nil {
		return nil, err
	}
	cats, err := recipients.CategoriesFor(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"OrgPicker": orgs, "VillagePicker": villages, "Categories": cats,
		"Statuses": statusOptions(), "Extensions": recipients.ListFilters()}
	if s.RouteAllowed(c, "GET", kit.PickerPath(kit.PickWorkers)) {
		workers, err := s.Picker(c, kit.PickWorkers, "worker", worker)
		if err != nil {
			return nil, err
		}
		data["WorkerPicker"] = workers
	}
	return data, nil
}

// recipientFormPage builds the entry or edit form.
func (s *Handlers) recipientFormPage(c *kit.Ctx, f *kit.Form, creating bool, action, back string, r *recipients.Recipient) (*kit.Page, error) {
	data, err := s.recipientFilterData(c, f.Get("org_id"), f.Get("village_code"), f.Get("worker_id"))
	if err != nil {
		return nil, err
	}
	for key, name := range map[string]string{"OrgPicker": "org_id", "VillagePicker": "village_code", "WorkerPicker": "worker_id"} {
		if p, ok := data[key].(kit.Picker); ok {
			p.Name = name
			data[key] = p
		}
	}
	// A category no longer offered stays checkable on a record that has it.
	if cats := f.Multi["categories"]; len(cats) > 0 {
		list := data["Categories"].([]string)
		for _, cat := range cats {
			if !slices.Contains(list, cat) {
				list = append(list, cat)
			}
		}
		data["Categories"] = list
	}
	title := "登记服务对象"
	if !creating {
		title = "编辑服务对象"
	}
	data["Creating"], data["Action"], data["Back"], data["Recipient"] = creating, action, back, r
	data["Sexes"], data["Ethnicities"], data["LivingSituations"] = recipients.Sexes, recipients.Ethnicities, recipients.LivingSituations
	data["GuardianRelations"], data["DisabilityTypes"], data["DisabilityGrades"] = recipients.GuardianRelations, recipients.DisabilityTypes, recipients.DisabilityGrades
	data["IncomeSources"], data["Today"] = recipients.IncomeSources, cst.Today()
	data["ConsentMethods"] = recipients.ConsentMethods
	return &kit.Page{Title: title, Form: f, Data: data}, nil
}

func (s *Handlers) RecipientNew(c *kit.Ctx) error {
	f := kit.NewCreateForm(map[string]string{"status": recipients.StatusActive, "ethnicity": "汉族"})
	if u, err := org.Get(c.Context(), s.App.DB, c.Actor.OrgID); err == nil && (u.Kind == org.KindStation || u.Kind == org.KindRoom) {
		f.Values["org_id"] = u.ID
		if u.Kind == org.KindRoom {
			f.Values["village_code"] = u.DivisionCode
		}
	}
	if c.Actor.Role == authz.RoleWorker {
		f.Values["worker_id"] = c.Actor.UserID
	}
	p, err := s.recipientFormPage(c, f, true, "/recipients", "/recipients", nil)
	if err != nil {
		return err
	}
	return c.Render("recipients_form", p)
}

func recipientInputFrom(f *kit.Form) recipients.Input {
	return recipients.Input{ID: f.Get("id"), OrgID: f.Get("org_id"), Name: f.Get("name"), Sex: f.Get("sex"), BirthDate: f.Get("birth_date"),
		IDNumber: f.Get("id_number"), Ethnicity: f.Get("ethnicity"), Phone: f.Get("phone"), HukouAddress: f.Get("hukou_address"),
		CurrentAddress: f.Get("current_address"), VillageCode: f.Get("village_code"), LivingSituation: f.Get("living_situation"),
		GuardianName: f.Get("guardian_name"), GuardianRelation: f.Get("guardian_relation"), GuardianPhone: f.Get("guardian_phone"),
		Categories: f.Multi["categories"], DisabilityType: f.Get("disability_type"), DisabilityGrade: f.Get("disability_grade"),
		HealthNotes: f.Get("health_notes"), IncomeSource: f.Get("income_source"), WorkerID: f.Get("worker_id"), Status: f.Get("status"),
		StatusReason: f.Get("status_reason"), StatusDate: f.Get("status_date"), ConfirmDuplicate: f.Get("confirm_duplicate") == "1",
		ConsentBy: f.Get("consent_by"), ConsentName: f.Get("consent_name"), ConsentOn: f.Get("consent_on"), ConsentMethod: f.Get("consent_method"),
		ConsentPurpose: f.Get("consent_purpose"),
		Clear:          f.Multi["clear"]}
}

func (s *Handlers) RecipientCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	in := recipientInputFrom(f)
	var r recipients.Recipient
	var replayed bool
	err := c.Write(func(tx *db.Tx) error {
		var err error
		r, replayed, err = recipients.Record(c.Context(), tx, s.App.Keys, c.Actor, in)
		return err
	})
	if err != nil {
		kit.EnsureCreateID(f)
		p, perr := s.recipientFormPage(c, f, true, "/recipients", "/recipients", nil)
		if perr != nil {
			return perr
		}
		if apperr.Is(err, apperr.Conflict) {
			dups, derr := recipients.FindDuplicates(c.Context(), s.App.DB, s.App.Keys, c.Actor, recipients.DuplicateQuery{
				Name: in.Name, BirthDate: in.BirthDate, IDNumber: in.IDNumber, VillageCode: in.VillageCode})
			if derr != nil {
				return derr
			}
			p.Data.(map[string]any)["Duplicates"] = dups
		}
		return c.RenderForm("recipients_form", p, err)
	}
	if replayed {
		return c.Redirect("/recipients/"+r.ID, "该服务对象已登记过，未重复登记："+r.Name)
	}
	return c.Redirect("/recipients/"+r.ID, "已登记服务对象："+r.Name)
}

// recipientDuplicates answers the entry form's duplicate check (htmx):
// a POST, so a typed ID number never lands in a URL or a log.
func (s *Handlers) RecipientDuplicates(c *kit.Ctx) error {
	pf := c.R.PostForm
	dups, err := recipients.FindDuplicates(c.Context(), s.App.DB, s.App.Keys, c.Actor, recipients.DuplicateQuery{
		Name: pf.Get("name"), BirthDate: pf.Get("birth_date"), IDNumber: pf.Get("id_number"), VillageCode: pf.Get("village_code"),
		ExcludeID: pf.Get("exclude_id")})
	if err != nil {
		return err
	}
	return c.RenderPart("recipients_form", "recipients-dups", map[string]any{"Duplicates": dups, "Form": kit.FormFrom(c.R)})
}

func (s *Handlers) RecipientShow(c *kit.Ctx) error {
	return s.renderRecipient(c, http.StatusOK, nil, kit.NewForm(nil), "")
}

// seenFields are the fields of a person the actor's role sees at all
// (recipients.FieldAccess): the page leaves the others out rather than
// showing them empty, which reads as missing data.
func seenFields(actor *authz.Actor) map[string]bool {
	out := map[string]bool{}
	for _, f := range recipients.AccessFields {
		out[f] = recipients.AccessOf(actor, f) != recipients.AccessHidden
	}
	return out
}

// renderRecipient draws the detail page, with any values just revealed
// and the household form's errors.
func (s *Handlers) renderRecipient(c *kit.Ctx, status int, revealed map[string]string, f *kit.Form, errMsg string) error {
	r, err := recipients.Get(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	data := map[string]any{"R": r, "Revealed": revealed, "VillageName": s.VillageName(c, r.VillageCode),
		"CanReveal": c.Actor.Can(authz.PermRecipientsReveal), "CanEdit": c.Actor.Can(authz.PermRecipientsManage),
		"Panels": s.PersonPanels(c, r.ID), "Sees": seenFields(c.Actor)}
	return c.RenderStatus(status, "recipients_show", &kit.Page{Title: r.Name, Form: f, Error: errMsg, Data: data})
}

// HouseholdPanel is the person page's 家庭成员 panel: the household's
// members the actor may see, and the forms that add and remove them.
func (s *Handlers) HouseholdPanel(c *kit.Ctx) error {
	r, err := recipients.Get(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	data := map[string]any{"R": r, "CanEdit": c.Actor.Can(authz.PermRecipientsManage), "Relations": recipients.Relations,
		"Hidden": recipients.AccessOf(c.Actor, "household") == recipients.AccessHidden}
	if r.HouseholdID != "" {
		h, err := recipients.GetHousehold(c.Context(), s.App.DB, c.Actor, r.HouseholdID)
		if err != nil && !apperr.Is(err, apperr.OutOfScope) {
			return err
		}
		if err == nil {
			data["Household"] = h
		}
	}
	return c.Render("recipients_household_panel", &kit.Page{Title: "家庭成员", Form: kit.NewForm(nil), Data: data})
}

// TimelinePanel is the person page's 时间线 panel: the newest entries of
// every module's timeline source, with a link to the next page.
func (s *Handlers) TimelinePanel(c *kit.Ctx) error {
	id, before := c.PathValue("id"), c.R.URL.Query().Get("before")
	entries, next, err := timeline.Page(c.Context(), s.App.DB, c.Actor, id, before, 20)
	if err != nil {
		return err
	}
	return c.Render("recipients_timeline_panel", &kit.Page{Title: "时间线", Data: map[string]any{"ID": id, "Entries": entries, "Next": next}})
}

// APITimeline serves a person's timeline, newest first; ?before= is the
// cursor the previous page returned as next ("" on the last page).
func (s *Handlers) APITimeline(c *kit.Ctx) error {
	q := c.R.URL.Query()
	before := q.Get("before")
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > kit.MaxPageSize {
			return apperr.Fields{"limit": "应为 1 到 200 之间的整数"}.Err()
		}
		limit = n
	}
	entries, next, err := timeline.Page(c.Context(), s.App.DB, c.Actor, c.PathValue("id"), before, limit)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []timeline.Entry{}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": entries, "next": next})
}

func (s *Handlers) RecipientEdit(c *kit.Ctx) error {
	r, err := recipients.Get(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := recipientForm(r)
	p, err := s.recipientFormPage(c, f, false, "/recipients/"+r.ID, "/recipients/"+r.ID, &r)
	if err != nil {
		return err
	}
	return c.Render("recipients_form", p)
}

// recipientForm fills the edit form from a record. Sealed fields stay
// empty: showing them would be a reveal; left empty, they keep their value.
func recipientForm(r recipients.Recipient) *kit.Form {
	in := recipients.InputOf(r)
	f := kit.NewForm(map[string]string{"org_id": in.OrgID, "name": in.Name, "sex": in.Sex, "birth_date": in.BirthDate, "ethnicity": in.Ethnicity,
		"village_code": in.VillageCode, "living_situation": in.LivingSituation, "guardian_name": in.GuardianName,
		"guardian_relation": in.GuardianRelation, "disability_type": in.DisabilityType, "disability_grade": in.DisabilityGrade,
		"income_source": in.IncomeSource, "worker_id": in.WorkerID, "status": in.Status, "status_reason": in.StatusReason,
		"status_date": in.StatusDate, "version": strconv.Itoa(r.Version), "consent_by": in.ConsentBy, "consent_name": in.ConsentName,
		"consent_on": in.ConsentOn, "consent_method": in.ConsentMethod, "consent_purpose": in.ConsentPurpose})
	f.Multi["categories"] = in.Categories
	return f
}

func (s *Handlers) RecipientUpdate(c *kit.Ctx) error {
	id := c.PathValue("id")
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	var r recipients.Recipient
	err = c.Write(func(tx *db.Tx) error {
		var err error
		r, err = recipients.Update(c.Context(), tx, s.App.Keys, c.Actor, id, version, recipientInputFrom(f))
		return err
	})
	if err != nil {
		cur, gerr := recipients.Get(c.Context(), s.App.DB, c.Actor, id)
		if gerr != nil {
			return gerr
		}
		p, perr := s.recipientFormPage(c, f, false, "/recipients/"+id, "/recipients/"+id, &cur)
		if perr != nil {
			return perr
		}
		return c.RenderForm("recipients_form", p, err)
	}
	return c.Redirect("/recipients/"+r.ID, "已保存")
}

// recipientReveal shows full personal values (one field, or all) and
// logs it. For htmx it returns the one field's cell; otherwise the
// detail page with the values shown.
func (s *Handlers) RecipientReveal(c *kit.Ctx) error {
	id := c.PathValue("id")
	field := c.R.PostForm.Get("field")
	var fields []string
	if field != "" && field != "all" {
		fields = []string{field}
	}
	var values map[string]string
	err := c.Write(func(tx *db.Tx) error {
		var err error
		values, err = recipients.Reveal(c.Context(), tx, s.App.Keys, c.Actor, id, fields)
		return err
	})
	if err != nil {
		return err
	}
	if c.IsHTMX() && len(fields) == 1 {
		return c.RenderPart("recipients_show", "recipients-revealed", map[string]any{"Field": field, "Value": values[field]})
	}
	return s.renderRecipient(c, http.StatusOK, values, kit.NewForm(nil), "")
}

// findMember resolves what a user typed to add a household member: an ID
// number, a phone or a name, which must match exactly one person.
func (s *Handlers) findMember(c *kit.Ctx, text string) (recipients.Recipient, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return recipients.Recipient{}, (apperr.Fields{"member": "请输入成员的姓名或身份证号"}).Err()
	}
	items, _, _, err := recipients.List(c.Context(), s.App.DB, s.App.Keys, c.Actor, recipients.Filter{Text: text, Limit: 2})
	if err != nil {
		return recipients.Recipient{}, err
	}
	exact := items[:0:0]
	for _, it := range items {
		if it.Name == text || recipients.LookupKind(text) != "" {
			exact = append(exact, it)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) == 0:
		return recipients.Recipient{}, (apperr.Fields{"member": "没有找到该服务对象，请先登记"}).Err()
	}
	return recipients.Recipient{}, (apperr.Fields{"member": "找到多个同名的服务对象，请输入身份证号"}).Err()
}

func (s *Handlers) RecipientHouseholdAdd(c *kit.Ctx) error {
	id := c.PathValue("id")
	pf := c.R.PostForm
	f := kit.FormFrom(c.R)
	err := c.Write(func(tx *db.Tx) error {
		r, err := recipients.Get(c.Context(), tx, c.Actor, id)
		if err != nil {
			return err
		}
		var member *recipients.MemberInput
		if strings.TrimSpace(pf.Get("member")) != "" || r.HouseholdID != "" {
			m, err := s.findMember(c, pf.Get("member"))
			if err != nil {
				return err
			}
			member = &recipients.MemberInput{RecipientID: m.ID, Relation: pf.Get("relation")}
		}
		if r.HouseholdID == "" {
			members := []recipients.MemberInput{{RecipientID: r.ID, Relation: "户主"}}
			if member != nil {
				members = append(members, *member)
			}
			_, err := recipients.CreateHousehold(c.Context(), tx, c.Actor, recipients.HouseholdInput{OrgID: r.OrgID, Members: members})
			return err
		}
		h, err := recipients.GetHousehold(c.Context(), tx, c.Actor, r.HouseholdID)
		if err != nil {
			return err
		}
		version, _ := strconv.Atoi(pf.Get("household_version"))
		var members []recipients.MemberInput
		for _, m := range h.Members {
			members = append(members, recipients.MemberInput{RecipientID: m.RecipientID, Relation: m.Relation})
		}
		members = append(members, *member)
		_, err = recipients.UpdateHousehold(c.Context(), tx, c.Actor, h.ID, version, nil, members)
		return err
	})
	if err != nil {
		msg, other := f.Fail(err)
		if other != nil {
			return other
		}
		// Member-list errors are keyed members[i]…; show them by the form.
		for k, v := range f.Errors {
			if strings.HasPrefix(k, "members") {
				f.Errors["member"] = v
			}
		}
		status := http.StatusUnprocessableEntity
		if ae, ok := apperr.As(err); ok {
			status = ae.Status()
		}
		// The household form lives in its panel: say what was wrong above.
		if m := f.Errors["member"]; m != "" {
			msg = strings.TrimSuffix(msg, "。") + "：" + m
		}
		return s.renderRecipient(c, status, nil, f, msg)
	}
	return c.Redirect("/recipients/"+id+"#household", "家庭成员已更新")
}

func (s *Handlers) RecipientHouseholdRemove(c *kit.Ctx) error {
	id := c.PathValue("id")
	pf := c.R.PostForm
	err := c.Write(func(tx *db.Tx) error {
		r, err := recipients.Get(c.Context(), tx, c.Actor, id)
		if err != nil {
			return err
		}
		if r.HouseholdID == "" {
			return apperr.New(apperr.Invalid, "该服务对象不属于任何家庭")
		}
		h, err := recipients.GetHousehold(c.Context(), tx, c.Actor, r.HouseholdID)
		if err != nil {
			return err
		}
		version, _ := strconv.Atoi(pf.Get("household_version"))
		members := []recipients.MemberInput{}
		for _, m := range h.Members {
			if m.RecipientID != pf.Get("member_id") {
				members = append(members, recipients.MemberInput{RecipientID: m.RecipientID, Relation: m.Relation})
			}
		}
		_, err = recipients.UpdateHousehold(c.Context(), tx, c.Actor, h.ID, version, nil, members)
		return err
	})
	if err != nil {
		ae, ok := apperr.As(err)
		if !ok || ae.Kind != apperr.Invalid {
			return err
		}
		msg := ae.Message
		for _, v := range ae.Fields {
			msg = v
		}
		return s.renderRecipient(c, ae.Status(), nil, kit.NewForm(nil), msg)
	}
	return c.Redirect("/recipients/"+id+"#household", "家庭成员已更新")
}

func (s *Handlers) RecipientExport(c *kit.Ctx) error {
	q := url.Values{}
	for k, v := range c.R.PostForm {
		if k != "csrf_token" && k != "full" && k != "id" {
			q[k] = v
		}
	}
	full := c.R.PostForm.Get("full") == "1"
	f := recipientFilterFrom(c.Actor, q, kit.ListParams{Page: 1, Size: 1})
	params := recipients.ExportParams{Filter: f, Full: full, Describe: describeFilter(q)}
	var n int
	err := c.Read(func(rq db.Querier) error {
		var err error
		n, err = exports.Count(c.Context(), rq, s.App.Keys, c.Actor, recipients.ExportKind, params)
		return err
	})
	if err != nil {
		return err
	}
	if n > exports.SyncMax {
		return exportsweb.Start(c, c.R.PostForm.Get("id"), recipients.ExportKind, params, params.Describe, n)
	}
	spool, err := exports.NewSpool()
	if err != nil {
		return err
	}
	defer spool.Close()
	var file recipients.ExportFile
	err = c.Read(func(rq db.Querier) error {
		var err error
		file, err = recipients.BuildExport(c.Context(), rq, s.App.Keys, c.Actor, f, full, params.Describe, spool, nil)
		return err
	})
	if err == nil {
		err = c.Write(func(tx *db.Tx) error { return audit.Record(c.Context(), tx, c.Actor, file.Audit) })
	}
	if err != nil {
		return err
	}
	kit.SendXLSX(c.W, "服务对象名册-"+strings.ReplaceAll(cst.Today(), "-", "")+".xlsx", spool)
	return nil
}

// The county's recipient categories.

func (s *Handlers) categoryCounty(c *kit.Ctx) (org.Unit, error) {
	id, err := recipients.CategoryOwner(c.Context(), s.App.DB, c.Actor.OrgID)
	if err != nil {
		return org.Unit{}, err
	}
	if id == "" {
		return org.Unit{}, apperr.New(apperr.Invalid, "对象类别按县维护：请使用县级管理员账号")
	}
	return org.Get(c.Context(), s.App.DB, id)
}

func (s *Handlers) renderCategories(c *kit.Ctx, status int, f *kit.Form, errMsg string) error {
	county, err := s.categoryCounty(c)
	if err != nil {
		return err
	}
	cats, err := recipients.Categories(c.Context(), s.App.DB, county.ID, false)
	if err != nil {
		return err
	}
	years, err := recipients.RetentionYears(c.Context(), s.App.DB, county.ID)
	if err != nil {
		return err
	}
	return c.RenderStatus(status, "recipients_categories", &kit.Page{Title: "服务对象类别", Form: f, Error: errMsg,
		Data: map[string]any{"County": county, "Categories": cats, "Groups": recipients.Groups, "RetentionYears": years}})
}

func (s *Handlers) RecipientCategories(c *kit.Ctx) error {
	return s.renderCategories(c, http.StatusOK, kit.NewForm(nil), "")
}

func (s *Handlers) RecipientCategoryAdd(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	county, err := s.categoryCounty(c)
	if err != nil {
		return err
	}
	err = c.Write(func(tx *db.Tx) error {
		_, err := recipients.AddCategory(c.Context(), tx, c.Actor, county.ID, f.Get("name"), f.Get("group"))
		return err
	})
	if err != nil {
		msg, other := f.Fail(err)
		if other != nil {
			return other
		}
		ae, _ := apperr.As(err)
		return s.renderCategories(c, ae.Status(), f, msg)
	}
	return c.Redirect("/recipient-categories", "已新增类别："+strings.TrimSpace(f.Get("name")))
}

func (s *Handlers) RecipientCategoryToggle(c *kit.Ctx) error {
	active := c.R.PostForm.Get("active") == "1"
	var cat recipients.Category
	err := c.Write(func(tx *db.Tx) error {
		var err error
		cat, err = recipients.SetCategoryActive(c.Context(), tx, c.Actor, c.PathValue("id"), active)
		return err
	})
	if err != nil {
		return err
	}
	word := "停用"
	if active {
		word = "启用"
	}
	return c.Redirect("/recipient-categories", "已"+word+"类别："+cat.Name)
}
