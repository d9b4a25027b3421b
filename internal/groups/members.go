package groups

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/validate"
)

// Member is a group member with their measures and attendance.
type Member struct {
	ID          string `json:"id"`
	GroupID     string `json:"group_id"`
	RecipientID string `json:"recipient_id,omitempty"`
	Name        string `json:"name"`
	Contact     string `json:"contact,omitempty"` // masked
	JoinedOn    string `json:"joined_on"`
	LeftOn      string `json:"left_on,omitempty"`
	Pre         *int   `json:"pre_score"`
	Post        *int   `json:"post_score"`
	PreItems    []int  `json:"pre_items,omitempty"`
	PostItems   []int  `json:"post_items,omitempty"`
	Present     int    `json:"present"` // sessions attended
	Absent      int    `json:"absent"`
	Excused     int    `json:"excused"`
	birthDate   string
}

// Change is post − pre (nil until both are measured).
func (m Member) Change() *int {
	if m.Pre == nil || m.Post == nil {
		return nil
	}
	d := *m.Post - *m.Pre
	return &d
}

// ChangeText shows the change with its sign ("" when unmeasured).
func (m Member) ChangeText() string {
	c := m.Change()
	if c == nil {
		return ""
	}
	if *c > 0 {
		return "+" + strconv.Itoa(*c)
	}
	return strconv.Itoa(*c)
}

// Active reports whether the member had not left on day.
func (m Member) Active(day string) bool {
	return m.JoinedOn <= day && (m.LeftOn == "" || m.LeftOn >= day)
}

func ints(s string) []int {
	var out []int
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

// Members lists a group's members in joining order. A member the
// children rule hides from the actor is shown as a child without name,
// id or contact.
func Members(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, groupID string) ([]Member, error) {
	if _, err := Get(ctx, q, actor, groupID); err != nil {
		return nil, err
	}
	list, err := members(ctx, q, keys, groupID)
	for i, m := range list {
		if m.RecipientID != "" && recipients.Hidden(actor, m.birthDate) {
			list[i].Name, list[i].RecipientID, list[i].Contact = recipients.HiddenLabel(m.birthDate), "", ""
		}
	}
	return list, err
}

func members(ctx context.Context, q db.Querier, keys *secure.Keyring, groupID string) ([]Member, error) {
	rows, err := q.Query(ctx, `SELECT m.id, m.group_id, COALESCE(m.recipient_id, ''), COALESCE(r.birth_date, ''), m.name, m.contact_enc, m.joined_on, m.left_on, m.pre_score, m.post_score,
		m.pre_items, m.post_items,
		(SELECT COUNT(*) FROM grp_attendance a WHERE a.member_id = m.id AND a.status = 'present'),
		(SELECT COUNT(*) FROM grp_attendance a WHERE a.member_id = m.id AND a.status = 'absent'),
		(SELECT COUNT(*) FROM grp_attendance a WHERE a.member_id = m.id AND a.status = 'excused')
		FROM grp_members m LEFT JOIN recipients r ON r.id = m.recipient_id WHERE m.group_id = ? ORDER BY m.joined_on, m.created_at, m.id`, groupID)
	return db.Collect(rows, err, func(r interface{ Scan(...any) error }) (m Member, err error) {
		var contact, pi, po string
		var pre, post sql.NullInt64
		err = r.Scan(&m.ID, &m.GroupID, &m.RecipientID, &m.birthDate, &m.Name, &contact, &m.JoinedOn, &m.LeftOn, &pre, &post, &pi, &po, &m.Present, &m.Absent, &m.Excused)
		if pre.Valid {
			v := int(pre.Int64)
			m.Pre = &v
		}
		if post.Valid {
			v := int(post.Int64)
			m.Post = &v
		}
		m.PreItems, m.PostItems = ints(pi), ints(po)
		if contact != "" {
			if plain, err := keys.Open(contact); err == nil {
				m.Contact = secure.MaskPhone(plain)
			}
		}
		return m, err
	})
}

// MemberInput adds a member: a registered recipient (RecipientID), or
// another participant by name and contact.
type MemberInput struct {
	ID          string `json:"id,omitempty"`
	RecipientID string `json:"recipient_id,omitempty"`
	Name        string `json:"name,omitempty"`
	Contact     string `json:"contact,omitempty"`
	JoinedOn    string `json:"joined_on"`
}

// AddMember adds a member to a group being recruited or running, within
// its capacity. A repeat of the same create (client id) returns it.
func AddMember(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, groupID string, in MemberInput) (Member, error) {
	if err := actor.Require(authz.PermGroupsWrite); err != nil {
		return Member{}, err
	}
	g, err := Get(ctx, tx, actor, groupID)
	if err != nil {
		return Member{}, err
	}
	in.ID = strings.TrimSpace(in.ID)
	if in.ID != "" {
		list, err := members(ctx, tx, keys, groupID)
		if err != nil {
			return Member{}, err
		}
		for _, m := range list {
			if m.ID == in.ID {
				return m, nil
			}
		}
	}
	if g.Stage != StagePreparing && g.Stage != StageRecruiting && g.Stage != StageRunning {
		return Member{}, apperr.New(apperr.BadRequest, "小组%s，不能再加入成员", g.StageLabel)
	}
	fe := apperr.Fields{}
	if in.ID != "" && !ids.Valid(in.ID) {
		fe.Add("id", "编号应为小写的 UUID，或留空由系统生成")
	}
	in.RecipientID = strings.TrimSpace(in.RecipientID)
	in.Contact = validate.NormalizePhone(in.Contact)
	if in.RecipientID != "" {
		r, err := recipients.Get(ctx, tx, actor, in.RecipientID)
		switch {
		case apperr.Is(err, apperr.NotFound), apperr.Is(err, apperr.OutOfScope), apperr.Is(err, apperr.Forbidden):
			fe.Add("recipient_id", "服务对象不存在或您无权为其登记")
		case err != nil:
			return Member{}, err
		default:
			in.Name = r.Name
		}
	} else {
		in.Name = validate.Text(fe, "name", "姓名", in.Name, 30, true)
		if in.Contact != "" && !validate.Phone(in.Contact) {
			fe.Add("contact", validate.PhoneMessage)
		}
	}
	in.JoinedOn = strings.TrimSpace(in.JoinedOn)
	if !cst.IsDate(in.JoinedOn) {
		fe.Add("joined_on", "请填写加入日期（年-月-日）")
	} else if in.JoinedOn > cst.Today() {
		fe.Add("joined_on", "加入日期不能晚于今天")
	}
	list, err := members(ctx, tx, keys, groupID)
	if err != nil {
		return Member{}, err
	}
	active := 0
	for _, m := range list {
		if m.LeftOn == "" {
			active++
		}
		if in.RecipientID != "" && m.RecipientID == in.RecipientID && m.LeftOn == "" {
			fe.Add("recipient_id", "该服务对象已是本小组成员")
		}
	}
	if active >= g.Capacity {
		fe.Add("recipient_id", "小组已满（上限 "+strconv.Itoa(g.Capacity)+" 人）")
	}
	if err := fe.Err(); err != nil {
		return Member{}, err
	}
	id := in.ID
	if id == "" {
		id = ids.New()
	}
	var rid any
	if in.RecipientID != "" {
		rid = in.RecipientID
	}
	contact := ""
	if in.Contact != "" {
		contact = keys.Seal(in.Contact)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO grp_members (id, group_id, recipient_id, name, contact_enc, joined_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, groupID, rid, in.Name, contact, in.JoinedOn, cst.NowStamp()); err != nil {
		return Member{}, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "group", EntityID: groupID, OrgPath: g.OrgPath,
		Summary: "小组成员加入：" + g.Name + "·" + in.Name}); err != nil {
		return Member{}, err
	}
	return memberOf(ctx, tx, keys, groupID, id)
}

func memberOf(ctx context.Context, q db.Querier, keys *secure.Keyring, groupID, id string) (Member, error) {
	list, err := members(ctx, q, keys, groupID)
	if err != nil {
		return Member{}, err
	}
	for _, m := range list {
		if m.ID == id {
			return m, nil
		}
	}
	return Member{}, apperr.ErrNotFound("小组成员")
}

// memberGroup loads the group of a member for a write.
func memberGroup(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, memberID string) (Group, Member, error) {
	if err := actor.Require(authz.PermGroupsWrite); err != nil {
		return Group{}, Member{}, err
	}
	var gid string
	err := tx.QueryRow(ctx, `SELECT group_id FROM grp_members WHERE id = ?`, memberID).Scan(&gid)
	if errors.Is(err, sql.ErrNoRows) {
		return Group{}, Member{}, apperr.ErrNotFound("小组成员")
	} else if err != nil {
		return Group{}, Member{}, err
	}
	g, err := Get(ctx, tx, actor, gid)
	if err != nil {
		return g, Member{}, err
	}
	m, err := memberOf(ctx, tx, keys, gid, memberID)
	return g, m, err
}

// SetLeft records that a member left the group on a day (not before
// joining); an empty day takes the departure back.
func SetLeft(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, memberID, day string) (Member, error) {
	g, m, err := memberGroup(ctx, tx, keys, actor, memberID)
	if err != nil {
		return m, err
	}
	day = strings.TrimSpace(day)
	if day != "" {
		switch {
		case !cst.IsDate(day):
			return m, apperr.Fields{"left_on": "请填写退出日期（年-月-日）"}.Err()
		case day < m.JoinedOn:
			return m, apperr.Fields{"left_on": "退出日期不能早于加入日期（" + m.JoinedOn + "）"}.Err()
		}
		var later int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM grp_attendance a JOIN grp_sessions s ON s.id = a.session_id
			WHERE a.member_id = ? AND a.status = 'present' AND s.held_on > ?`, memberID, day).Scan(&later); err != nil {
			return m, err
		}
		if later > 0 {
			return m, apperr.Fields{"left_on": "该成员在退出日期之后仍有出席记录"}.Err()
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE grp_members SET left_on = ? WHERE id = ?`, day, memberID); err != nil {
		return m, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "group", EntityID: g.ID, OrgPath: g.OrgPath,
		Summary: "小组成员退出：" + g.Name + "·" + m.Name, Changes: []audit.Change{{Field: "left_on", Label: "退出日期", Before: m.LeftOn, After: day}}}); err != nil {
		return m, err
	}
	return memberOf(ctx, tx, keys, g.ID, memberID)
}

// SetMeasure records a member's pre ("pre") or post ("post") measure:
// one score per item of the group's scale, or with no scale a single
// score 0–100. The score is the items' sum.
func SetMeasure(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, memberID, which string, items []int) (Member, error) {
	g, m, err := memberGroup(ctx, tx, keys, actor, memberID)
	if err != nil {
		return m, err
	}
	if which != "pre" && which != "post" {
		return m, apperr.Fields{"which": "请选择前测或后测"}.Err()
	}
	label := map[string]string{"pre": "前测", "post": "后测"}[which]
	lo, hi, n := 0, SingleScoreMax, 1
	if g.ScaleID != "" {
		s, err := scaleFor(ctx, tx, g.OrgPath, g.ScaleID)
		if err != nil {
			return m, err
		}
		lo, hi, n = s.Min, s.Max, len(s.Items)
	}
	if len(items) != n {
		return m, apperr.Fields{which: label + "应填写 " + strconv.Itoa(n) + " 个条目的得分"}.Err()
	}
	sum := 0
	for i, v := range items {
		if v < lo || v > hi {
			return m, apperr.Fields{which: label + "第 " + strconv.Itoa(i+1) + " 项得分应为 " + strconv.Itoa(lo) + "–" + strconv.Itoa(hi)}.Err()
		}
		sum += v
	}
	if which == "post" && m.Pre == nil {
		return m, apperr.Fields{"post": "请先记录前测"}.Err()
	}
	if _, err := tx.Exec(ctx, `UPDATE grp_members SET `+which+`_score = ?, `+which+`_items = ? WHERE id = ?`, sum, joinInts(items), memberID); err != nil {
		return m, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "group", EntityID: g.ID, OrgPath: g.OrgPath,
		Summary: "小组成员" + label + "：" + g.Name + "·" + m.Name, Changes: []audit.Change{{Field: which, Label: label, After: strconv.Itoa(sum)}}}); err != nil {
		return m, err
	}
	return memberOf(ctx, tx, keys, g.ID, memberID)
}

// GroupOfMember is the id of a member's group ("" when unknown).
func GroupOfMember(ctx context.Context, q db.Querier, memberID string) string {
	var gid string
	_ = q.QueryRow(ctx, `SELECT group_id FROM grp_members WHERE id = ?`, memberID).Scan(&gid)
	return gid
}
