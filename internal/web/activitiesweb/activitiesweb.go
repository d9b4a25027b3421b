// Package activitiesweb serves community activities and policy
// publicity (社区活动 · 政策宣讲): a station's monthly theme calendar
// (month grid and list), the county's station × month grid, planning,
// recording, cancelling, postponing and archiving activities, the
// printed activity record, and the API.
package activitiesweb

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/web/kit"
	"github.com/shegong/shegong/internal/workforce"
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

func kindOptions() []kit.Option {
	var out []kit.Option
	for _, k := range activities.Kinds {
		out = append(out, kit.Option{Code: string(k), Label: k.Label()})
	}
	return out
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// stationOf is the station (or room) a page is about: the one asked
// for, else the actor's own node when it is one ("" otherwise).
func (s *Handlers) stationOf(c *kit.Ctx) (string, error) {
	if id := c.R.URL.Query().Get("org"); id != "" {
		return id, nil
	}
	u, err := org.Get(c.Context(), c.DB(), c.Actor.OrgID)
	if err != nil {
		return "", err
	}
	if u.Kind == org.KindStation || u.Kind == org.KindRoom {
		return u.ID, nil
	}
	return "", nil
}

// Calendar is a station's month (grid and list); at a county it is the
// station × month grid.
func (s *Handlers) Calendar(c *kit.Ctx) error {
	station, err := s.stationOf(c)
	if err != nil {
		return err
	}
	if station == "" {
		return s.Grid(c)
	}
	month := c.R.URL.Query().Get("month")
	if month == "" {
		month = cst.Today()[:7]
	}
	cal, err := activities.StationCalendar(c.Context(), c.DB(), c.Actor, station, month)
	if err != nil {
		return err
	}
	view := c.R.URL.Query().Get("view")
	return c.Render("activities_calendar", &kit.Page{Title: cal.OrgName + " " + month + " 活动日历",
		Data: map[string]any{"Cal": cal, "View": view, "Weekdays": []string{"一", "二", "三", "四", "五", "六", "日"}}})
}

// OpenStatus is the status filter of the activities still to be held
// (planned or postponed: activities.Filter.Open) in the list's query.
const OpenStatus = "open"

// filterFrom reads a list query (page and API): org, month, from, to,
// kind, status (OpenStatus: still to be held).
func filterFrom(q url.Values) activities.Filter {
	f := activities.Filter{OrgID: q.Get("org"), Month: q.Get("month"), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Kind: activities.Kind(q.Get("kind"))}
	if st := q.Get("status"); st == OpenStatus {
		f.Open = true
	} else {
		f.Status = activities.Status(st)
	}
	return f
}

// ListLink is the address of the list page showing exactly what f
// selects (its dates, node, kind and status).
func ListLink(f activities.Filter) string {
	q := url.Values{}
	for k, v := range map[string]string{"org": f.OrgID, "month": f.Month, "from": f.From, "to": f.To, "kind": string(f.Kind), "status": string(f.Status)} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Open && f.Status == "" {
		q.Set("status", OpenStatus)
	}
	return "/activities/list?" + q.Encode()
}

func statusOptions() []kit.Option {
	out := []kit.Option{{Code: OpenStatus, Label: "待开展（计划中、已延期）"}}
	for _, st := range activities.Statuses {
		out = append(out, kit.Option{Code: string(st), Label: st.Label()})
	}
	return out
}

// List is the activities in scope by planned date, filtered by planned
// dates, status, kind and node; the home card 未来两周计划活动 opens it on
// activities.Next(14).
func (s *Handlers) List(c *kit.Ctx) error {
	q := c.R.URL.Query()
	p := kit.ListParamsFrom(c.R, 50)
	f := filterFrom(q)
	f.Limit, f.Offset = p.Size, p.Offset()
	form := kit.NewForm(map[string]string{"from": q.Get("from"), "to": q.Get("to"), "status": q.Get("status"), "kind": q.Get("kind")})
	data := map[string]any{"Org": f.OrgID, "Month": f.Month, "Statuses": statusOptions(), "Kinds": kindOptions()}
	page := &kit.Page{Title: "活动列表", Form: form, Data: data}
	items, total, err := activities.List(c.Context(), c.DB(), c.Actor, f)
	if err != nil {
		data["Pager"] = kit.NewPager(p, 0)
		return c.RenderForm("activities_list", page, err)
	}
	data["Items"], data["Pager"] = items, kit.NewPager(p, total)
	return c.Render("activities_list", page)
}

// Grid is the station × month grid of planned versus held.
func (s *Handlers) Grid(c *kit.Ctx) error {
	year := atoi(c.R.URL.Query().Get("year"))
	if year == 0 {
		year = atoi(cst.Today()[:4])
	}
	node := c.R.URL.Query().Get("county")
	if node == "" {
		node = c.Actor.OrgID
	}
	g, err := activities.CountyGrid(c.Context(), c.DB(), c.Actor, node, year)
	if err != nil {
		return err
	}
	themes, err := activities.Themes(c.Context(), c.DB(), c.Actor, node, year)
	if err != nil {
		return err
	}
	return c.Render("activities_grid", &kit.Page{Title: g.OrgName + " " + strconv.Itoa(year) + " 年活动开展情况",
		Data: map[string]any{"Grid": g, "Themes": themes, "Prev": year - 1, "Next": year + 1}})
}

func (s *Handlers) New(c *kit.Ctx) error {
	q := c.R.URL.Query()
	day := q.Get("date")
	if day == "" {
		day = cst.Today()
	}
	f := kit.NewCreateForm(map[string]string{"org_id": q.Get("org"), "planned_on": day, "kind": "activity", "start_time": "09:00", "end_time": "11:00"})
	return c.Render("activities_plan", &kit.Page{Title: "计划活动", Form: f, Data: map[string]any{"Kinds": kindOptions()}})
}

func planFrom(f *kit.Form) activities.PlanInput {
	return activities.PlanInput{ID: f.Get("id"), OrgID: f.Get("org_id"), Title: f.Get("title"), Theme: f.Get("theme"), Kind: activities.Kind(f.Get("kind")),
		Target: f.Get("target"), PlannedOn: f.Get("planned_on"), StartTime: f.Get("start_time"), EndTime: f.Get("end_time"), Place: f.Get("place"),
		VillageCode: f.Get("village_code")}
}

func (s *Handlers) Create(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var a activities.Activity
	err := c.Write(func(tx *db.Tx) error {
		var err error
		a, err = activities.Plan(c.Context(), tx, c.Actor, planFrom(f))
		return err
	})
	if err != nil {
		return c.RenderForm("activities_plan", &kit.Page{Title: "计划活动", Form: f, Data: map[string]any{"Kinds": kindOptions()}}, err)
	}
	return c.Redirect("/activities?org="+a.OrgID+"&month="+a.PlannedOn[:7], "已加入活动计划")
}

func (s *Handlers) Show(c *kit.Ctx) error {
	a, err := activities.Get(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("activities_show", &kit.Page{Title: a.Title, Form: kit.NewForm(nil), Data: map[string]any{"A": a,
		"Photos": s.photos(c, a.ID)}})
}

// photos are the activity's photos and sign-in scans.
func (s *Handlers) photos(c *kit.Ctx, id string) map[string][]attach.Attachment {
	out := map[string][]attach.Attachment{}
	for _, e := range []string{activities.EntityPhoto, activities.EntitySignin} {
		if list, err := s.App.Attach.List(c.Context(), c.DB(), e, id); err == nil {
			out[e] = list
		}
	}
	return out
}

// Participant opens the activity of a named participant's service record.
func (s *Handlers) Participant(c *kit.Ctx) error {
	a, err := activities.OfParticipant(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Redirect("/activities/"+a.ID, "")
}

// recordPage is the form that records a held activity.
func (s *Handlers) recordPage(c *kit.Ctx, a activities.Activity, f *kit.Form) (*kit.Page, error) {
	vols, _, err := workforce.ListVolunteers(c.Context(), c.DB(), s.App.Keys, c.Actor, workforce.VolunteerFilter{OrgID: a.OrgID, Status: "active", Limit: 200})
	if err != nil {
		return nil, err
	}
	people, _, _, err := recipients.List(c.Context(), c.DB(), s.App.Keys, c.Actor, recipients.Filter{OrgID: a.OrgID, Limit: 200})
	if err != nil {
		return nil, err
	}
	var satOpts []kit.Option
	for i := 5; i >= 1; i-- {
		satOpts = append(satOpts, kit.Option{Code: strconv.Itoa(i), Label: []string{"", "很不满意", "不满意", "一般", "满意", "很满意"}[i]})
	}
	return &kit.Page{Title: "记录活动：" + a.Title, Form: f, Data: map[string]any{"A": a, "Volunteers": vols, "People": people, "Satisfaction": satOpts}}, nil
}

func (s *Handlers) RecordForm(c *kit.Ctx) error {
	a, err := activities.Get(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	v := map[string]string{"version": strconv.Itoa(a.Version), "held_on": a.PlannedOn, "start_time": a.StartTime, "end_time": a.EndTime, "place": a.Place}
	if a.HeldOn != "" {
		v["held_on"], v["content"], v["outcome"] = a.HeldOn, a.Content, a.Outcome
		for k, n := range map[string]int{"male": a.Counts.Male, "female": a.Counts.Female, "children": a.Counts.Children, "youth": a.Counts.Youth,
			"middle": a.Counts.Middle, "elders": a.Counts.Elders, "satisfaction": a.Satisfaction} {
			v[k] = strconv.Itoa(n)
		}
	}
	f := kit.NewForm(v)
	for _, p := range a.Named {
		f.Multi["named"] = append(f.Multi["named"], p.RecipientID)
	}
	for _, vh := range a.Volunteers {
		f.Values["vol_"+vh.VolunteerID] = workforce.FormatHours(vh.Minutes)
	}
	for i, p := range a.Partners {
		n := strconv.Itoa(i + 1)
		f.Values["partner"+n], f.Values["resource"+n], f.Values["value"+n] = p.Name, p.Resource, yuan(p.ValueFen)
	}
	p, err := s.recordPage(c, a, f)
	if err != nil {
		return err
	}
	return c.Render("activities_record", p)
}

func yuan(fen int64) string {
	if fen == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(fen)/100, 'f', -1, 64)
}

func fen(s string) int64 {
	v, _ := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if v < 0 {
		return int64(v*100 - 0.5)
	}
	return int64(v*100 + 0.5)
}

// holdFrom reads the record form: counts, the named participants
// checked, each volunteer's hours (vol_<id>), partners 1–3.
func holdFrom(f *kit.Form) activities.HoldInput {
	in := activities.HoldInput{HeldOn: f.Get("held_on"), StartTime: f.Get("start_time"), EndTime: f.Get("end_time"), Place: f.Get("place"),
		Content: f.Get("content"), Outcome: f.Get("outcome"), Satisfaction: atoi(f.Get("satisfaction")),
		Counts: activities.Counts{Male: atoi(f.Get("male")), Female: atoi(f.Get("female")), Children: atoi(f.Get("children")), Youth: atoi(f.Get("youth")),
			Middle: atoi(f.Get("middle")), Elders: atoi(f.Get("elders"))}}
	for _, id := range f.Multi["named"] {
		in.Named = append(in.Named, activities.Participant{RecipientID: id})
	}
	for _, line := range strings.FieldsFunc(f.Get("named_ids"), func(r rune) bool { return r == '\n' || r == ',' || r == ' ' || r == '\r' }) {
		in.Named = append(in.Named, activities.Participant{RecipientID: line})
	}
	for k, v := range f.Values {
		if id, ok := strings.CutPrefix(k, "vol_"); ok && strings.TrimSpace(v) != "" {
			m, ok := workforce.ParseHours(v)
			if !ok {
				m = -1
			}
			in.Volunteers = append(in.Volunteers, activities.VolunteerHours{VolunteerID: id, Minutes: m})
		}
	}
	for i := 1; i <= 3; i++ {
		n := strconv.Itoa(i)
		in.Partners = append(in.Partners, activities.Partner{Name: f.Get("partner" + n), Resource: f.Get("resource" + n), ValueFen: fen(f.Get("value" + n))})
	}
	return in
}

func (s *Handlers) Record(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	id := c.PathValue("id")
	var a activities.Activity
	err := c.Write(func(tx *db.Tx) error {
		var err error
		a, err = activities.Hold(c.Context(), tx, s.App.Keys, c.Actor, id, atoi(f.Get("version")), holdFrom(f))
		return err
	})
	if err != nil {
		cur, gerr := activities.Get(c.Context(), c.DB(), c.Actor, id)
		if gerr != nil {
			return gerr
		}
		p, perr := s.recordPage(c, cur, f)
		if perr != nil {
			return perr
		}
		return c.RenderForm("activities_record", p, err)
	}
	return c.Redirect("/activities/"+a.ID, "已记录活动开展情况")
}

// status changes: cancel, postpone, archive.
func (s *Handlers) change(c *kit.Ctx, do func(tx *db.Tx, id string, version int, f *kit.Form) (activities.Activity, error), flash string) error {
	f := kit.FormFrom(c.R)
	id := c.PathValue("id")
	err := c.Write(func(tx *db.Tx) error {
		_, err := do(tx, id, atoi(f.Get("version")), f)
		return err
	})
	if err != nil {
		a, gerr := activities.Get(c.Context(), c.DB(), c.Actor, id)
		if gerr != nil {
			return gerr
		}
		return c.RenderForm("activities_show", &kit.Page{Title: a.Title, Form: f, Data: map[string]any{"A": a, "Photos": s.photos(c, a.ID)}}, err)
	}
	return c.Redirect("/activities/"+id, flash)
}

func (s *Handlers) Cancel(c *kit.Ctx) error {
	return s.change(c, func(tx *db.Tx, id string, v int, f *kit.Form) (activities.Activity, error) {
		return activities.Cancel(c.Context(), tx, c.Actor, id, v, f.Get("reason"))
	}, "活动已取消")
}

func (s *Handlers) Postpone(c *kit.Ctx) error {
	return s.change(c, func(tx *db.Tx, id string, v int, f *kit.Form) (activities.Activity, error) {
		return activities.Postpone(c.Context(), tx, c.Actor, id, v, f.Get("planned_on"), f.Get("reason"))
	}, "活动已延期")
}

func (s *Handlers) Archive(c *kit.Ctx) error {
	return s.change(c, func(tx *db.Tx, id string, v int, f *kit.Form) (activities.Activity, error) {
		return activities.Archive(c.Context(), tx, c.Actor, id, v)
	}, "活动已归档")
}

// Photo adds a photo or a scan of the sign-in sheet (activities.AddPhoto).
func (s *Handlers) Photo(c *kit.Ctx) error {
	id := c.PathValue("id")
	_, fh, err := c.R.FormFile(activities.PhotoField)
	if err != nil {
		return apperr.Fields{activities.PhotoField: "请选择照片"}.Err()
	}
	err = c.Write(func(tx *db.Tx) error {
		_, err := activities.AddPhoto(c.Context(), tx, s.App.Attach, c.Actor, id, c.R.FormValue("kind") == "signin", fh)
		return err
	})
	if err != nil {
		return err
	}
	return c.Redirect("/activities/"+id, "已上传")
}

// Themes sets a station's month theme (or the county's, for the
// county's administrators).
func (s *Handlers) Theme(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	orgID := f.Get("org_id")
	if orgID == "" {
		orgID = c.Actor.OrgID
	}
	err := c.Write(func(tx *db.Tx) error {
		return activities.SetTheme(c.Context(), tx, c.Actor, orgID, f.Get("month"), f.Get("theme"), f.Get("notes"))
	})
	if err != nil {
		return err
	}
	if back := f.Get("back"); strings.HasPrefix(back, "/activities") {
		return c.Redirect(back, "已保存主题")
	}
	return c.Redirect("/activities", "已保存主题")
}

// Print is the activity record on A4 (with photos).
func (s *Handlers) Print(c *kit.Ctx) error {
	a, err := activities.Get(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("activities_print", &kit.Page{Title: "社区活动记录表", Data: map[string]any{"A": a, "Photos": s.photos(c, a.ID), "Printed": cst.Today()}})
}

// API

func (s *Handlers) ApiList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 100)
	f := filterFrom(c.R.URL.Query())
	f.Limit, f.Offset = p.Size, p.Offset()
	items, total, err := activities.List(c.Context(), c.DB(), c.Actor, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiCreate(c *kit.Ctx) error {
	var in activities.PlanInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	// A repeat of a create (the client's id already saved) answers 200
	// with the saved activity.
	status := http.StatusCreated
	if in.ID != "" {
		if _, err := activities.Get(c.Context(), c.DB(), c.Actor, in.ID); err == nil {
			status = http.StatusOK
		}
	}
	var a activities.Activity
	err := c.Write(func(tx *db.Tx) error {
		var err error
		a, err = activities.Plan(c.Context(), tx, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(status, a)
}

func (s *Handlers) ApiGet(c *kit.Ctx) error {
	a, err := activities.Get(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

type planJSON struct {
	Version int `json:"version"`
	activities.PlanInput
}

func (s *Handlers) ApiUpdate(c *kit.Ctx) error {
	var in planJSON
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var a activities.Activity
	err := c.Write(func(tx *db.Tx) error {
		var err error
		a, err = activities.UpdatePlan(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.PlanInput)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

type holdJSON struct {
	Version int `json:"version"`
	activities.HoldInput
}

func (s *Handlers) ApiHold(c *kit.Ctx) error {
	var in holdJSON
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var a activities.Activity
	err := c.Write(func(tx *db.Tx) error {
		var err error
		a, err = activities.Hold(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in.Version, in.HoldInput)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

type statusJSON struct {
	Version   int    `json:"version"`
	Reason    string `json:"reason"`
	PlannedOn string `json:"planned_on"`
}

func (s *Handlers) apiStatus(c *kit.Ctx, do func(tx *db.Tx, in statusJSON) (activities.Activity, error)) error {
	var in statusJSON
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var a activities.Activity
	err := c.Write(func(tx *db.Tx) error {
		var err error
		a, err = do(tx, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

func (s *Handlers) ApiCancel(c *kit.Ctx) error {
	return s.apiStatus(c, func(tx *db.Tx, in statusJSON) (activities.Activity, error) {
		return activities.Cancel(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.Reason)
	})
}

func (s *Handlers) ApiPostpone(c *kit.Ctx) error {
	return s.apiStatus(c, func(tx *db.Tx, in statusJSON) (activities.Activity, error) {
		return activities.Postpone(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.PlannedOn, in.Reason)
	})
}

func (s *Handlers) ApiArchive(c *kit.Ctx) error {
	return s.apiStatus(c, func(tx *db.Tx, in statusJSON) (activities.Activity, error) {
		return activities.Archive(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version)
	})
}

func (s *Handlers) ApiCalendar(c *kit.Ctx) error {
	station, err := s.stationOf(c)
	if err != nil {
		return err
	}
	if station == "" {
		return apperr.Fields{"org": "请指定社工站或社工室"}.Err()
	}
	month := c.R.URL.Query().Get("month")
	if month == "" {
		month = cst.Today()[:7]
	}
	cal, err := activities.StationCalendar(c.Context(), c.DB(), c.Actor, station, month)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cal)
}

func (s *Handlers) ApiGrid(c *kit.Ctx) error {
	q := c.R.URL.Query()
	year := atoi(q.Get("year"))
	if year == 0 {
		year = atoi(cst.Today()[:4])
	}
	node := q.Get("org")
	if node == "" {
		node = c.Actor.OrgID
	}
	g, err := activities.CountyGrid(c.Context(), c.DB(), c.Actor, node, year)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, g)
}

func (s *Handlers) ApiThemes(c *kit.Ctx) error {
	q := c.R.URL.Query()
	year := atoi(q.Get("year"))
	if year == 0 {
		year = atoi(cst.Today()[:4])
	}
	node := q.Get("org")
	if node == "" {
		node = c.Actor.OrgID
	}
	t, err := activities.Themes(c.Context(), c.DB(), c.Actor, node, year)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": t})
}

type themeJSON struct {
	OrgID string `json:"org_id"`
	Month string `json:"month"`
	Theme string `json:"theme"`
	Notes string `json:"notes"`
}

func (s *Handlers) apiSetTheme(c *kit.Ctx, station bool) error {
	var in themeJSON
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if in.OrgID == "" {
		in.OrgID = c.Actor.OrgID
	}
	u, err := org.Get(c.Context(), c.DB(), in.OrgID)
	if err != nil {
		return apperr.Fields{"org_id": "机构不存在"}.Err()
	}
	if isStation := u.Kind == org.KindStation || u.Kind == org.KindRoom; isStation != station {
		if station {
			return apperr.Fields{"org_id": "请选择社工站或社工室；全县主题请用 /api/v1/county-themes"}.Err()
		}
		return apperr.Fields{"org_id": "请选择县（区）；站点主题请用 /api/v1/activity-themes"}.Err()
	}
	err = c.Write(func(tx *db.Tx) error {
		return activities.SetTheme(c.Context(), tx, c.Actor, in.OrgID, in.Month, in.Theme, in.Notes)
	})
	if err != nil {
		return err
	}
	t, err := activities.ThemeOf(c.Context(), c.DB(), u.Path, in.Month)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Handlers) ApiSetStationTheme(c *kit.Ctx) error { return s.apiSetTheme(c, true) }

func (s *Handlers) ApiSetCountyTheme(c *kit.Ctx) error { return s.apiSetTheme(c, false) }

// HomeActivities shows the station's activities this month and the
// next ones, for the roles that run or read them.
func (s *Handlers) HomeActivities(c *kit.Ctx) (*kit.HomeSection, error) {
	if !c.Actor.Can(authz.PermActivitiesRead) || c.Actor.Role == authz.RoleVolunteer {
		return nil, nil
	}
	// The number is the total of the list the card opens: the same
	// filter, in the actor's whole scope, across a month's end.
	f := activities.Next(14)
	f.Limit = 1
	_, total, err := activities.List(c.Context(), c.DB(), c.Actor, f)
	if err != nil {
		return nil, err
	}
	sec := &kit.HomeSection{Key: "activities", Title: "社区活动", Order: 30,
		Cards: []kit.HomeCard{{Label: "未来两周计划活动", Value: strconv.Itoa(total), Link: ListLink(f)}}}
	return sec, nil
}
