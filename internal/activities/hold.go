package activities

import (
	"context"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/validate"
	"github.com/shegong/shegong/internal/workforce"
)

// Service sources: each named participant's record (id = the
// participant row's id) and the activity's record of its anonymous
// participants (id = the activity's id). Both show on a person's
// timeline through the services source, linked to the activity.
const (
	SourceParticipant = "activity_participant"
	SourceActivity    = "activity"
)

func init() {
	services.RegisterSource(services.SourceKind{Name: SourceActivity, Label: "社区活动记录",
		Link: func(id string) string { return "/activities/" + id }})
	services.RegisterSource(services.SourceKind{Name: SourceParticipant, Label: "社区活动记录",
		Link: func(id string) string { return "/activity-participants/" + id }})
}

// HoldInput is the record of a held activity.
type HoldInput struct {
	HeldOn       string           `json:"held_on"`
	StartTime    string           `json:"start_time"`
	EndTime      string           `json:"end_time"`
	Place        string           `json:"place,omitempty"`
	Counts       Counts           `json:"counts"`
	Named        []Participant    `json:"named,omitempty"`
	Volunteers   []VolunteerHours `json:"volunteers,omitempty"`
	Partners     []Partner        `json:"partners,omitempty"`
	Content      string           `json:"content"`
	Outcome      string           `json:"outcome,omitempty"`
	Satisfaction int              `json:"satisfaction,omitempty"` // 1–5, 0 not asked
}

// MaxParticipants bounds one activity's count (a typing slip guard).
const MaxParticipants = 100000

func (in *HoldInput) check(fe apperr.Fields) {
	in.HeldOn = strings.TrimSpace(in.HeldOn)
	if !cst.IsDate(in.HeldOn) {
		fe.Add("held_on", "请填写开展日期（年-月-日）")
	} else if in.HeldOn > cst.Today() {
		fe.Add("held_on", "开展日期不能晚于今天")
	}
	in.StartTime, in.EndTime = strings.TrimSpace(in.StartTime), strings.TrimSpace(in.EndTime)
	if !validTime(in.StartTime) {
		fe.Add("start_time", "请填写开始时间（时:分）")
	}
	if !validTime(in.EndTime) {
		fe.Add("end_time", "请填写结束时间（时:分）")
	}
	if validTime(in.StartTime) && validTime(in.EndTime) && span(in.StartTime, in.EndTime) <= 0 {
		fe.Add("end_time", "结束时间应晚于开始时间")
	}
	if in.HeldOn == cst.Today() && validTime(in.StartTime) && in.StartTime > cst.Now().Format("15:04") {
		fe.Add("start_time", "开始时间不能晚于现在")
	}
	in.Place = validate.Text(fe, "place", "地点", in.Place, 200, false)
	in.Content = validate.Text(fe, "content", "活动内容", in.Content, 4000, true)
	in.Outcome = validate.Text(fe, "outcome", "活动成效", in.Outcome, 2000, false)
	if in.Satisfaction < 0 || in.Satisfaction > 5 {
		fe.Add("satisfaction", "满意度应为 1–5，未调查留空")
	}
	c := in.Counts
	for _, x := range []struct {
		field, label string
		n            int
	}{{"male", "男性人数", c.Male}, {"female", "女性人数", c.Female}, {"children", "儿童人数", c.Children}, {"youth", "青年人数", c.Youth},
		{"middle", "中年人数", c.Middle}, {"elders", "老年人数", c.Elders}} {
		if x.n < 0 {
			fe.Add(x.field, x.label+"不能为负数")
		}
	}
	total := c.Total()
	switch {
	case fe["male"] != "" || fe["female"] != "":
	case total <= 0:
		fe.Add("male", "请填写参与人数（男、女）")
	case total > MaxParticipants:
		fe.Add("male", "参与人数过大")
	case c.Children+c.Youth+c.Middle+c.Elders != total:
		fe.Add("children", "各年龄段人数之和（"+strconv.Itoa(c.Children+c.Youth+c.Middle+c.Elders)+"）应等于男女人数之和（"+strconv.Itoa(total)+"）")
	}
	seen := map[string]bool{}
	var named []Participant
	for i, p := range in.Named {
		p.RecipientID = strings.TrimSpace(p.RecipientID)
		if p.RecipientID == "" {
			continue
		}
		if seen[p.RecipientID] {
			fe.Add("named", "第 "+strconv.Itoa(i+1)+" 位具名参与者重复")
		}
		seen[p.RecipientID] = true
		named = append(named, p)
	}
	in.Named = named
	if total > 0 && len(named) > total {
		fe.Add("named", "具名参与者（"+strconv.Itoa(len(named))+" 人）多于参与总人数（"+strconv.Itoa(total)+" 人）")
	}
	minutes := span(in.StartTime, in.EndTime)
	vseen := map[string]bool{}
	var vols []VolunteerHours
	for i, v := range in.Volunteers {
		v.VolunteerID = strings.TrimSpace(v.VolunteerID)
		if v.VolunteerID == "" {
			continue
		}
		pos := "第 " + strconv.Itoa(i+1) + " 位志愿者"
		switch {
		case vseen[v.VolunteerID]:
			fe.Add("volunteers", pos+"重复")
		case v.Minutes <= 0:
			fe.Add("volunteers", pos+"的服务时长应大于 0")
		case minutes > 0 && v.Minutes > minutes:
			fe.Add("volunteers", pos+"的服务时长（"+workforce.FormatHours(v.Minutes)+" 小时）不能长于活动时长（"+workforce.FormatHours(minutes)+" 小时）")
		}
		vseen[v.VolunteerID] = true
		vols = append(vols, v)
	}
	in.Volunteers = vols
	var parts []Partner
	for i, p := range in.Partners {
		p.Name, p.Resource = strings.TrimSpace(p.Name), strings.TrimSpace(p.Resource)
		if p.Name == "" && p.Resource == "" && p.ValueFen == 0 {
			continue
		}
		pos := "第 " + strconv.Itoa(i+1) + " 个合作方"
		if p.Name == "" {
			fe.Add("partners", pos+"请填写名称")
		}
		if p.ValueFen < 0 {
			fe.Add("partners", pos+"的资源价值不能为负数")
		}
		parts = append(parts, p)
	}
	in.Partners = parts
}

// Hold records an activity as held (from planned or postponed), or
// corrects the record of a held one: the counts, named participants,
// volunteers and partners replace the saved ones, and so do their
// service records and the volunteers' hours. Errors name the field:
// held_on, start_time, end_time (order), male…elders (negative, sums),
// named (more than the total, unknown or out of scope), volunteers
// (longer than the activity, unknown), partners.
func Hold(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, id string, version int, in HoldInput) (Activity, error) {
	a, err := forChange(ctx, tx, actor, id, version)
	if err != nil {
		return a, err
	}
	if !a.Recordable() {
		return a, apperr.New(apperr.BadRequest, "活动%s，不能再记录", a.StatusLabel)
	}
	fe := apperr.Fields{}
	in.check(fe)
	if in.Place == "" {
		in.Place = a.Place
	}
	if err := fe.Err(); err != nil {
		return a, err
	}
	minutes := span(in.StartTime, in.EndTime)
	var volMinutes int
	for _, v := range in.Volunteers {
		volMinutes += v.Minutes
	}
	var resources int64
	for _, p := range in.Partners {
		resources += p.ValueFen
	}
	c := in.Counts
	err = db.Versioned(tx.Exec(ctx, `UPDATE activities SET status = ?, held_on = ?, held_month = ?, start_time = ?, end_time = ?, place = ?,
		male = ?, female = ?, children = ?, youth = ?, middle = ?, elders = ?, participants = ?, named = ?, volunteer_minutes = ?, resources_fen = ?,
		content = ?, outcome = ?, satisfaction = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		StatusHeld, in.HeldOn, in.HeldOn[:7], in.StartTime, in.EndTime, in.Place, c.Male, c.Female, c.Children, c.Youth, c.Middle, c.Elders,
		c.Total(), len(in.Named), volMinutes, resources, in.Content, in.Outcome, in.Satisfaction, cst.NowStamp(), id, version))
	if err != nil {
		return a, err
	}
	// Replace the named participants and their service records.
	rows, err := tx.Query(ctx, `SELECT id FROM act_participants WHERE activity_id = ?`, id)
	old, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (s string, err error) {
		err = r.Scan(&s)
		return s, err
	})
	if err != nil {
		return a, err
	}
	for _, pid := range old {
		if err := services.Underive(ctx, tx, SourceParticipant, pid); err != nil {
			return a, err
		}
	}
	for _, q := range []string{`DELETE FROM act_participants WHERE activity_id = ?`, `DELETE FROM act_volunteers WHERE activity_id = ?`,
		`DELETE FROM act_partners WHERE activity_id = ?`} {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return a, err
		}
	}
	kind, category := services.KindCommunity, "participation"
	if a.Kind == KindPublicity {
		kind, category = services.KindPolicy, "policy"
	}
	staff := []services.Staff{}
	if actor.UserID != "" {
		s, err := services.LinkAccount(ctx, tx, actor.UserID)
		if err != nil {
			return a, err
		}
		staff = append(staff, s)
	}
	for _, v := range in.Volunteers {
		staff = append(staff, services.Staff{VolunteerID: v.VolunteerID})
	}
	base := services.Input{OrgID: a.OrgID, Kind: kind, Category: category, ServedAt: in.HeldOn + " " + in.StartTime, Minutes: minutes,
		Place: in.Place, Content: a.Title + "：" + in.Content, Satisfaction: in.Satisfaction, Staff: staff}
	for i, p := range in.Named {
		pid := ids.New()
		if _, err := tx.Exec(ctx, `INSERT INTO act_participants (id, activity_id, recipient_id, position) VALUES (?, ?, ?, ?)`,
			pid, id, p.RecipientID, i+1); err != nil {
			if db.IsForeignKeyViolation(err) {
				return a, apperr.Fields{"named": "第 " + strconv.Itoa(i+1) + " 位具名参与者不存在"}.Err()
			}
			return a, err
		}
		rec := base
		rec.RecipientID = p.RecipientID
		if _, err := services.Derive(ctx, tx, keys, actor, SourceParticipant, pid, rec); err != nil {
			return a, renameFields(err, "named", "第 "+strconv.Itoa(i+1)+" 位具名参与者")
		}
	}
	if rest := c.Total() - len(in.Named); rest > 0 {
		rec := base
		rec.Participants = rest
		if _, err := services.Derive(ctx, tx, keys, actor, SourceActivity, id, rec); err != nil {
			return a, renameFields(err, "counts", "")
		}
	} else if err := services.Underive(ctx, tx, SourceActivity, id); err != nil {
		return a, err
	}
	var hours []workforce.DerivedHours
	for i, v := range in.Volunteers {
		if _, err := tx.Exec(ctx, `INSERT INTO act_volunteers (activity_id, volunteer_id, position, minutes) VALUES (?, ?, ?, ?)`,
			id, v.VolunteerID, i+1, v.Minutes); err != nil {
			if db.IsForeignKeyViolation(err) {
				return a, apperr.Fields{"volunteers": "第 " + strconv.Itoa(i+1) + " 位志愿者不存在"}.Err()
			}
			return a, err
		}
		hours = append(hours, workforce.DerivedHours{VolunteerID: v.VolunteerID, ServedOn: in.HeldOn, Minutes: v.Minutes, Activity: a.KindLabel + "：" + a.Title})
	}
	if err := workforce.SetDerivedHours(ctx, tx, actor, SourceActivity, id, hours); err != nil {
		return a, err
	}
	for i, p := range in.Partners {
		if _, err := tx.Exec(ctx, `INSERT INTO act_partners (activity_id, position, name, resource, value_fen) VALUES (?, ?, ?, ?, ?)`,
			id, i+1, p.Name, p.Resource, p.ValueFen); err != nil {
			return a, err
		}
	}
	after, err := load(ctx, tx, id)
	if err != nil {
		return after, err
	}
	if err := recount(ctx, tx, append(touched(a), touched(after)...)...); err != nil {
		return after, err
	}
	what := "记录活动开展："
	if a.Status == StatusHeld {
		what = "修改活动记录："
	}
	return after, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "activity", EntityID: id, OrgPath: a.OrgPath,
		Summary: what + a.Title, Changes: []audit.Change{
			{Field: "status", Label: "状态", Before: a.StatusLabel, After: after.StatusLabel},
			{Field: "held_on", Label: "开展日期", Before: a.HeldOn, After: after.HeldOn},
			{Field: "participants", Label: "参与人次", Before: strconv.Itoa(a.Participants), After: strconv.Itoa(after.Participants)},
			{Field: "named", Label: "具名参与者", Before: strconv.Itoa(len(a.Named)), After: strconv.Itoa(len(after.Named))},
			{Field: "volunteer_minutes", Label: "志愿服务时长（分钟）", Before: strconv.Itoa(a.VolunteerMins), After: strconv.Itoa(after.VolunteerMins)},
		}})
}

// renameFields puts the field errors of a derived service record under
// the activity's own field, prefixed with which entry they concern.
func renameFields(err error, field, prefix string) error {
	ae, ok := apperr.As(err)
	if !ok || len(ae.Fields) == 0 {
		return err
	}
	var msgs []string
	for _, m := range ae.Fields {
		msgs = append(msgs, prefix+m)
	}
	return apperr.Fields{field: strings.Join(msgs, "；")}.Err()
}
