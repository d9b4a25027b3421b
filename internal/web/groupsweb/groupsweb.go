// Package groupsweb serves group work (小组工作): the list of groups,
// the group plan, members and their measures, sessions with attendance
// and volunteers, the evaluation, the printed group plan and session
// record, and the API.
package groupsweb

import (
	"embed"
	"net/http"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/groups"
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

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

func kindOptions() []kit.Option {
	var out []kit.Option
	for _, k := range groups.Kinds {
		out = append(out, kit.Option{Code: string(k), Label: k.Label()})
	}
	return out
}

func stageOptions() []kit.Option {
	var out []kit.Option
	for _, s := range groups.Stages {
		out = append(out, kit.Option{Code: string(s), Label: s.Label()})
	}
	return out
}

func processOptions() []kit.Option {
	var out []kit.Option
	for _, s := range groups.ProcessStages {
		out = append(out, kit.Option{Code: s, Label: groups.ProcessLabel(s)})
	}
	return out
}

func (s *Handlers) List(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	q := c.R.URL.Query()
	items, total, err := groups.List(c.Context(), c.DB(), c.Actor, groups.Filter{OrgID: q.Get("org"), Stage: groups.Stage(q.Get("stage")),
		Year: atoi(q.Get("year")), Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	return c.Render("groups_list", &kit.Page{Title: "小组工作", Form: kit.NewForm(map[string]string{"stage": q.Get("stage")}),
		Data: map[string]any{"Items": items, "Pager": kit.NewPager(p, total), "Stages": stageOptions()}})
}

func (s *Handlers) planPage(c *kit.Ctx, f *kit.Form) (*kit.Page, error) {
	workers, _, err := workforce.ListWorkers(c.Context(), c.DB(), s.App.Keys, c.Actor, workforce.WorkerFilter{Status: "active", Limit: 200})
	if err != nil {
		return nil, err
	}
	vols, _, err := workforce.ListVolunteers(c.Context(), c.DB(), s.App.Keys, c.Actor, workforce.VolunteerFilter{Status: "active", Limit: 200})
	if err != nil {
		return nil, err
	}
	scales, err := groups.Scales(c.Context(), c.DB(), c.Actor, c.Actor.OrgID)
	if err != nil {
		return nil, err
	}
	var scaleOpts []kit.Option
	for _, x := range scales {
		scaleOpts = append(scaleOpts, kit.Option{Code: x.ID, Label: x.Name})
	}
	return &kit.Page{Title: "新建小组", Form: f, Data: map[string]any{"Kinds": kindOptions(), "Workers": workers, "Volunteers": vols, "Scales": scaleOpts}}, nil
}

func (s *Handlers) New(c *kit.Ctx) error {
	f := kit.NewCreateForm(map[string]string{"kind": "support", "planned_sessions": "6", "capacity": "12", "starts_on": cst.Today()})
	p, err := s.planPage(c, f)
	if err != nil {
		return err
	}
	return c.Render("groups_new", p)
}

func inputFrom(f *kit.Form) groups.Input {
	in := groups.Input{ID: f.Get("id"), OrgID: f.Get("org_id"), Name: f.Get("name"), Kind: groups.Kind(f.Get("kind")), Goals: f.Get("goals"),
		Target: f.Get("target"), Place: f.Get("place"), PlannedSessions: atoi(f.Get("planned_sessions")), Capacity: atoi(f.Get("capacity")),
		CompletionSessions: atoi(f.Get("completion_sessions")), StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on"), ScaleID: f.Get("scale_id")}
	for _, id := range f.Multi["leaders"] {
		in.Staff = append(in.Staff, groups.Staff{Role: "leader", WorkerID: id})
	}
	for _, id := range f.Multi["co_leaders"] {
		in.Staff = append(in.Staff, groups.Staff{Role: "co_leader", WorkerID: id})
	}
	for _, id := range f.Multi["volunteers"] {
		in.Staff = append(in.Staff, groups.Staff{Role: "volunteer", VolunteerID: id})
	}
	return in
}

func (s *Handlers) Create(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var g groups.Group
	err := c.Write(func(tx *db.Tx) error {
		var err error
		g, err = groups.Create(c.Context(), tx, c.Actor, inputFrom(f))
		return err
	})
	if err != nil {
		p, perr := s.planPage(c, f)
		if perr != nil {
			return perr
		}
		return c.RenderForm("groups_new", p, err)
	}
	return c.Redirect("/groups/"+g.ID, "已创建小组")
}

func (s *Handlers) showPage(c *kit.Ctx, id string, f *kit.Form) (*kit.Page, error) {
	ctx := c.Context()
	g, err := groups.Get(ctx, c.DB(), c.Actor, id)
	if err != nil {
		return nil, err
	}
	members, err := groups.Members(ctx, c.DB(), s.App.Keys, c.Actor, id)
	if err != nil {
		return nil, err
	}
	sessions, err := groups.Sessions(ctx, c.DB(), c.Actor, id)
	if err != nil {
		return nil, err
	}
	e, err := groups.Evaluate(ctx, c.DB(), s.App.Keys, c.Actor, id)
	if err != nil {
		return nil, err
	}
	if f == nil {
		f = kit.NewCreateForm(map[string]string{"joined_on": cst.Today()}) // the add-member form's id
	}
	var people *kit.Picker
	if c.Actor.Can("groups.write") {
		// The people of the group's station, searched as one types.
		pk, err := s.PickerWithin(c, kit.PickRecipients, "recipient_id", f.Get("recipient_id"), g.OrgID)
		if err != nil {
			return nil, err
		}
		people = &pk
	}
	return &kit.Page{Title: g.Name, Form: f, Data: map[string]any{"G": g, "Members": members, "Sessions": sessions, "E": e, "People": people,
		"Attendance": groups.Percent(e.AttendanceRate), "Completion": groups.Percent(e.CompletionRate), "Goals": groups.Percent(e.GoalRate),
		"Change": strconv.FormatFloat(e.ChangeMean, 'f', 1, 64)}}, nil
}

func (s *Handlers) Show(c *kit.Ctx) error {
	p, err := s.showPage(c, c.PathValue("id"), nil)
	if err != nil {
		return err
	}
	return c.Render("groups_show", p)
}

// act runs a write on a group and goes back to its page (the form with
// its errors when refused).
func (s *Handlers) act(c *kit.Ctx, groupID string, do func(tx *db.Tx, f *kit.Form) error, flash string) error {
	f := kit.FormFrom(c.R)
	if err := c.Write(func(tx *db.Tx) error { return do(tx, f) }); err != nil {
		if groupID == "" {
			return err
		}
		p, perr := s.showPage(c, groupID, f)
		if perr != nil {
			return perr
		}
		return c.RenderForm("groups_show", p, err)
	}
	return c.Redirect("/groups/"+groupID, flash)
}

func (s *Handlers) Advance(c *kit.Ctx) error {
	id := c.PathValue("id")
	return s.act(c, id, func(tx *db.Tx, f *kit.Form) error {
		_, err := groups.Advance(c.Context(), tx, c.Actor, id, atoi(f.Get("version")))
		return err
	}, "已进入下一阶段")
}

func (s *Handlers) Cancel(c *kit.Ctx) error {
	id := c.PathValue("id")
	return s.act(c, id, func(tx *db.Tx, f *kit.Form) error {
		_, err := groups.Cancel(c.Context(), tx, c.Actor, id, atoi(f.Get("version")), f.Get("reason"))
		return err
	}, "小组已取消")
}

func (s *Handlers) Finish(c *kit.Ctx) error {
	id := c.PathValue("id")
	return s.act(c, id, func(tx *db.Tx, f *kit.Form) error {
		g, err := groups.Get(c.Context(), tx, c.Actor, id)
		if err != nil {
			return err
		}
		attained := make([]bool, len(g.GoalList()))
		for i := range attained {
			attained[i] = f.Get("goal"+strconv.Itoa(i+1)) == "1"
		}
		_, err = groups.Finish(c.Context(), tx, c.Actor, id, atoi(f.Get("version")), attained, f.Get("evaluation"))
		return err
	}, "已完成评估")
}

func (s *Handlers) AddMember(c *kit.Ctx) error {
	id := c.PathValue("id")
	return s.act(c, id, func(tx *db.Tx, f *kit.Form) error {
		_, err := groups.AddMember(c.Context(), tx, s.App.Keys, c.Actor, id, groups.MemberInput{ID: f.Get("id"), RecipientID: f.Get("recipient_id"), Name: f.Get("name"),
			Contact: f.Get("contact"), JoinedOn: f.Get("joined_on")})
		return err
	}, "已加入小组")
}

func (s *Handlers) memberGroup(c *kit.Ctx) string {
	return groups.GroupOfMember(c.Context(), c.DB(), c.PathValue("id"))
}

func (s *Handlers) MemberLeft(c *kit.Ctx) error {
	return s.act(c, s.memberGroup(c), func(tx *db.Tx, f *kit.Form) error {
		_, err := groups.SetLeft(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), f.Get("left_on"))
		return err
	}, "已记录退出")
}

// scores reads item scores "3,4,5" (or one score).
func scores(s string) []int {
	var out []int
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		n, err := strconv.Atoi(p)
		if err != nil {
			n = -1
		}
		out = append(out, n)
	}
	return out
}

func (s *Handlers) Measure(c *kit.Ctx) error {
	return s.act(c, s.memberGroup(c), func(tx *db.Tx, f *kit.Form) error {
		_, err := groups.SetMeasure(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), f.Get("which"), scores(f.Get("scores")))
		return err
	}, "已记录测量")
}

func (s *Handlers) sessionPage(c *kit.Ctx, g groups.Group, f *kit.Form, sess *groups.Session) (*kit.Page, error) {
	members, err := groups.Members(c.Context(), c.DB(), s.App.Keys, c.Actor, g.ID)
	if err != nil {
		return nil, err
	}
	vols, _, err := workforce.ListVolunteers(c.Context(), c.DB(), s.App.Keys, c.Actor, workforce.VolunteerFilter{OrgID: g.OrgID, Status: "active", Limit: 200})
	if err != nil {
		return nil, err
	}
	title := "记录小组活动"
	if sess != nil {
		title = "修改第 " + strconv.Itoa(sess.Number) + " 节记录"
	}
	return &kit.Page{Title: title, Form: f, Data: map[string]any{"G": g, "S": sess, "Members": members, "Volunteers": vols, "Process": processOptions()}}, nil
}

func (s *Handlers) NewSession(c *kit.Ctx) error {
	g, err := groups.Get(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.NewCreateForm(map[string]string{"held_on": cst.Today(), "start_time": "09:00", "minutes": "90", "number": strconv.Itoa(g.SessionsHeld + 1)})
	p, err := s.sessionPage(c, g, f, nil)
	if err != nil {
		return err
	}
	return c.Render("groups_session_form", p)
}

func sessionFrom(f *kit.Form) groups.SessionInput {
	in := groups.SessionInput{ID: f.Get("id"), Number: atoi(f.Get("number")), HeldOn: f.Get("held_on"), StartTime: f.Get("start_time"), Minutes: atoi(f.Get("minutes")),
		Theme: f.Get("theme"), Content: f.Get("content"), ProcessStage: f.Get("process_stage"), Record: f.Get("record"), ConfirmExtra: f.Get("confirm_extra") == "1"}
	for k, v := range f.Values {
		if id, ok := strings.CutPrefix(k, "att_"); ok && v != "" {
			in.Attendance = append(in.Attendance, groups.Attendance{MemberID: id, Status: v})
		}
		if id, ok := strings.CutPrefix(k, "vol_"); ok && strings.TrimSpace(v) != "" {
			m, ok := workforce.ParseHours(v)
			if !ok {
				m = -1
			}
			in.Volunteers = append(in.Volunteers, groups.VolunteerHours{VolunteerID: id, Minutes: m})
		}
	}
	return in
}

func (s *Handlers) CreateSession(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	gid := c.PathValue("id")
	var sess groups.Session
	err := c.Write(func(tx *db.Tx) error {
		var err error
		sess, err = groups.RecordSession(c.Context(), tx, s.App.Keys, c.Actor, gid, sessionFrom(f))
		return err
	})
	if err != nil {
		g, gerr := groups.Get(c.Context(), c.DB(), c.Actor, gid)
		if gerr != nil {
			return gerr
		}
		p, perr := s.sessionPage(c, g, f, nil)
		if perr != nil {
			return perr
		}
		return c.RenderForm("groups_session_form", p, err)
	}
	return c.Redirect("/group-sessions/"+sess.ID, "已记录第 "+strconv.Itoa(sess.Number)+" 节")
}

func (s *Handlers) ShowSession(c *kit.Ctx) error {
	sess, g, err := groups.GetSession(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("groups_session", &kit.Page{Title: g.Name + " 第 " + strconv.Itoa(sess.Number) + " 节", Data: map[string]any{"G": g, "S": sess,
		"Photos": s.photos(c, sess.ID)}})
}

func (s *Handlers) photos(c *kit.Ctx, id string) any {
	list, _ := s.App.Attach.List(c.Context(), c.DB(), groups.EntitySessionPhoto, id)
	return list
}

func (s *Handlers) EditSession(c *kit.Ctx) error {
	sess, g, err := groups.GetSession(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.NewForm(map[string]string{"version": strconv.Itoa(sess.Version), "number": strconv.Itoa(sess.Number), "held_on": sess.HeldOn,
		"start_time": sess.StartTime, "minutes": strconv.Itoa(sess.Minutes), "theme": sess.Theme, "content": sess.Content,
		"process_stage": sess.ProcessStage, "record": sess.Record})
	for _, a := range sess.Attendance {
		f.Values["att_"+a.MemberID] = a.Status
	}
	for _, v := range sess.Volunteers {
		f.Values["vol_"+v.VolunteerID] = workforce.FormatHours(v.Minutes)
	}
	p, err := s.sessionPage(c, g, f, &sess)
	if err != nil {
		return err
	}
	return c.Render("groups_session_form", p)
}

func (s *Handlers) UpdateSession(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	id := c.PathValue("id")
	err := c.Write(func(tx *db.Tx) error {
		_, err := groups.UpdateSession(c.Context(), tx, s.App.Keys, c.Actor, id, atoi(f.Get("version")), sessionFrom(f))
		return err
	})
	if err != nil {
		sess, g, gerr := groups.GetSession(c.Context(), c.DB(), c.Actor, id)
		if gerr != nil {
			return gerr
		}
		p, perr := s.sessionPage(c, g, f, &sess)
		if perr != nil {
			return perr
		}
		return c.RenderForm("groups_session_form", p, err)
	}
	return c.Redirect("/group-sessions/"+id, "已保存")
}

// Attendance opens the session of a service record derived from an
// attendance.
func (s *Handlers) Attendance(c *kit.Ctx) error {
	sid, err := groups.SessionOfAttendance(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Redirect("/group-sessions/"+sid, "")
}

// PrintPlan is the group plan (小组计划书) on A4.
func (s *Handlers) PrintPlan(c *kit.Ctx) error {
	p, err := s.showPage(c, c.PathValue("id"), nil)
	if err != nil {
		return err
	}
	p.Title = "小组工作计划书"
	p.Data.(map[string]any)["Printed"] = cst.Today()
	return c.Render("groups_print_plan", p)
}

// PrintSession is a session record with its attendance on A4.
func (s *Handlers) PrintSession(c *kit.Ctx) error {
	sess, g, err := groups.GetSession(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.Render("groups_print_session", &kit.Page{Title: "小组活动记录表", Data: map[string]any{"G": g, "S": sess, "Printed": cst.Today(),
		"Photos": s.photos(c, sess.ID)}})
}

// API

func (s *Handlers) ApiList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	q := c.R.URL.Query()
	items, total, err := groups.List(c.Context(), c.DB(), c.Actor, groups.Filter{OrgID: q.Get("org"), Stage: groups.Stage(q.Get("stage")),
		Year: atoi(q.Get("year")), Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func writeJSON[T any](c *kit.Ctx, status int, do func(tx *db.Tx) (T, error)) error {
	var out T
	err := c.Write(func(tx *db.Tx) error {
		var err error
		out, err = do(tx)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(status, out)
}

func (s *Handlers) ApiCreate(c *kit.Ctx) error {
	var in groups.Input
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	status := http.StatusCreated
	if in.ID != "" {
		if _, err := groups.Get(c.Context(), c.DB(), c.Actor, in.ID); err == nil {
			status = http.StatusOK // a repeat of the create: the saved group
		}
	}
	return writeJSON(c, status, func(tx *db.Tx) (groups.Group, error) { return groups.Create(c.Context(), tx, c.Actor, in) })
}

func (s *Handlers) ApiGet(c *kit.Ctx) error {
	g, err := groups.Get(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, g)
}

func (s *Handlers) ApiUpdate(c *kit.Ctx) error {
	var in struct {
		Version int `json:"version"`
		groups.Input
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, func(tx *db.Tx) (groups.Group, error) {
		return groups.Update(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.Input)
	})
}

type stageJSON struct {
	Version    int    `json:"version"`
	Reason     string `json:"reason"`
	Attained   []bool `json:"goals_attained"`
	Evaluation string `json:"evaluation"`
}

func (s *Handlers) apiStage(c *kit.Ctx, do func(tx *db.Tx, in stageJSON) (groups.Group, error)) error {
	var in stageJSON
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, func(tx *db.Tx) (groups.Group, error) { return do(tx, in) })
}

func (s *Handlers) ApiAdvance(c *kit.Ctx) error {
	return s.apiStage(c, func(tx *db.Tx, in stageJSON) (groups.Group, error) {
		return groups.Advance(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version)
	})
}

func (s *Handlers) ApiCancel(c *kit.Ctx) error {
	return s.apiStage(c, func(tx *db.Tx, in stageJSON) (groups.Group, error) {
		return groups.Cancel(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.Reason)
	})
}

func (s *Handlers) ApiFinish(c *kit.Ctx) error {
	return s.apiStage(c, func(tx *db.Tx, in stageJSON) (groups.Group, error) {
		return groups.Finish(c.Context(), tx, c.Actor, c.PathValue("id"), in.Version, in.Attained, in.Evaluation)
	})
}

func (s *Handlers) ApiMembers(c *kit.Ctx) error {
	list, err := groups.Members(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

func (s *Handlers) ApiAddMember(c *kit.Ctx) error {
	var in groups.MemberInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, func(tx *db.Tx) (groups.Member, error) {
		return groups.AddMember(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in)
	})
}

func (s *Handlers) ApiMemberLeft(c *kit.Ctx) error {
	var in struct {
		LeftOn string `json:"left_on"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, func(tx *db.Tx) (groups.Member, error) {
		return groups.SetLeft(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in.LeftOn)
	})
}

func (s *Handlers) ApiMeasure(c *kit.Ctx) error {
	var in struct {
		Which string `json:"which"`
		Items []int  `json:"items"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, func(tx *db.Tx) (groups.Member, error) {
		return groups.SetMeasure(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in.Which, in.Items)
	})
}

func (s *Handlers) ApiSessions(c *kit.Ctx) error {
	list, err := groups.Sessions(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

func (s *Handlers) ApiCreateSession(c *kit.Ctx) error {
	var in groups.SessionInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, func(tx *db.Tx) (groups.Session, error) {
		return groups.RecordSession(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in)
	})
}

func (s *Handlers) ApiSession(c *kit.Ctx) error {
	sess, _, err := groups.GetSession(c.Context(), c.DB(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sess)
}

func (s *Handlers) ApiUpdateSession(c *kit.Ctx) error {
	var in struct {
		Version int `json:"version"`
		groups.SessionInput
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, func(tx *db.Tx) (groups.Session, error) {
		return groups.UpdateSession(c.Context(), tx, s.App.Keys, c.Actor, c.PathValue("id"), in.Version, in.SessionInput)
	})
}

func (s *Handlers) ApiEvaluation(c *kit.Ctx) error {
	e, err := groups.Evaluate(c.Context(), c.DB(), s.App.Keys, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, e)
}

func (s *Handlers) ApiScales(c *kit.Ctx) error {
	org := c.R.URL.Query().Get("org")
	if org == "" {
		org = c.Actor.OrgID
	}
	list, err := groups.Scales(c.Context(), c.DB(), c.Actor, org)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": list})
}

func (s *Handlers) ApiAddScale(c *kit.Ctx) error {
	var in groups.Scale
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if in.OrgID == "" {
		in.OrgID = c.Actor.OrgID
	}
	return writeJSON(c, http.StatusCreated, func(tx *db.Tx) (groups.Scale, error) { return groups.AddScale(c.Context(), tx, c.Actor, in) })
}

func (s *Handlers) ApiSettings(c *kit.Ctx) error {
	var in struct {
		OrgID    string `json:"org_id"`
		LockDays int    `json:"lock_days"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if in.OrgID == "" {
		in.OrgID = c.Actor.OrgID
	}
	if err := c.Write(func(tx *db.Tx) error { return groups.SetLockDays(c.Context(), tx, c.Actor, in.OrgID, in.LockDays) }); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"org_id": in.OrgID, "lock_days": in.LockDays})
}

// Photo adds a photo to a session record (groups.AddSessionPhoto).
func (s *Handlers) Photo(c *kit.Ctx) error {
	id := c.PathValue("id")
	_, fh, err := c.R.FormFile(groups.PhotoField)
	if err != nil {
		return apperr.Fields{groups.PhotoField: "请选择照片"}.Err()
	}
	err = c.Write(func(tx *db.Tx) error {
		_, err := groups.AddSessionPhoto(c.Context(), tx, s.App.Attach, c.Actor, id, fh)
		return err
	})
	if err != nil {
		return err
	}
	return c.Redirect("/group-sessions/"+id, "已上传")
}
