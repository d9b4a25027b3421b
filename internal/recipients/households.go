package recipients

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/secure"
)

// Household groups recipients who live together (户). Each member has a
// relation to the head (户主); a recipient belongs to at most one
// household, and a household has exactly one head.
type Household struct {
	ID      string   `json:"id"`
	Version int      `json:"version"`
	OrgID   string   `json:"org_id"`
	OrgName string   `json:"org_name"`
	OrgPath string   `json:"-"`
	Name    string   `json:"name"`
	Members []Member `json:"members"`
	// HiddenMembers counts members the actor may not see (children's
	// records for roles that do not see children).
	HiddenMembers int    `json:"hidden_members"`
	CreatedAt     string `json:"created_at"`
	UpdatedAt     string `json:"updated_at"`
}

// Member is a recipient in a household.
type Member struct {
	RecipientID string `json:"recipient_id"`
	Name        string `json:"name"`
	Sex         string `json:"sex"`
	BirthDate   string `json:"birth_date"`
	Age         int    `json:"age"`
	Relation    string `json:"relation"`
	Status      string `json:"status"`
}

// applyAccess shapes a member for the actor as FieldAccess says.
func (m *Member) applyAccess(actor *authz.Actor) {
	r := Recipient{Name: m.Name, Sex: m.Sex, BirthDate: m.BirthDate, Age: m.Age, Status: m.Status, HouseholdRelation: m.Relation, HouseholdID: "x"}
	applyAccess(actor, &r)
	m.Name, m.Sex, m.BirthDate, m.Age, m.Status, m.Relation = r.Name, r.Sex, r.BirthDate, r.Age, r.Status, r.HouseholdRelation
}

// MemberInput names a member and their relation to the head.
type MemberInput struct {
	RecipientID string `json:"recipient_id"`
	Relation    string `json:"relation"`
}

// HouseholdInput creates a household or replaces its members.
type HouseholdInput struct {
	ID      string        `json:"id"` // optional client-made UUIDv7
	OrgID   string        `json:"org_id"`
	Name    string        `json:"name"` // default: the head's name + "户"
	Members []MemberInput `json:"members"`
}

func loadHousehold(ctx context.Context, q db.Querier, id string) (Household, error) {
	var h Household
	err := q.QueryRow(ctx, `SELECT h.id, h.version, h.org_id, o.name, o.path, h.name, h.created_at, h.updated_at
		FROM households h JOIN org_units o ON o.id = h.org_id WHERE h.id = ?`, id).
		Scan(&h.ID, &h.Version, &h.OrgID, &h.OrgName, &h.OrgPath, &h.Name, &h.CreatedAt, &h.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return h, apperr.ErrNotFound("家庭")
	}
	return h, err
}

// loadMembers fills in the members the actor may see.
func (h *Household) loadMembers(ctx context.Context, q db.Querier, actor *authz.Actor) error {
	return loadMembersOf(ctx, q, actor, h)
}

// loadMembersOf fills in, in one query, the members the actor may see of
// each of the households, counting the others as hidden.
func loadMembersOf(ctx context.Context, q db.Querier, actor *authz.Actor, hs ...*Household) error {
	if len(hs) == 0 {
		return nil
	}
	byID := make(map[string]*Household, len(hs))
	args := make([]any, 0, len(hs))
	for _, h := range hs {
		h.Members, h.HiddenMembers = []Member{}, 0
		if _, dup := byID[h.ID]; !dup {
			byID[h.ID] = h
			args = append(args, h.ID)
		}
	}
	rows, err := q.Query(ctx, `SELECT r.household_id, r.id, r.name, r.sex, r.birth_date, r.household_relation, r.status, o.path
		FROM recipients r JOIN org_units o ON o.id = r.org_id WHERE r.household_id IN (`+db.Placeholders(len(args))+`)
		ORDER BY r.birth_date, r.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	now := cst.Now()
	for rows.Next() {
		var m Member
		var householdID, path string
		if err := rows.Scan(&householdID, &m.RecipientID, &m.Name, &m.Sex, &m.BirthDate, &m.Relation, &m.Status, &path); err != nil {
			return err
		}
		h := byID[householdID]
		if h == nil {
			continue
		}
		if actor != nil && checkVisible(actor, Recipient{OrgPath: path, BirthDate: m.BirthDate}) != nil {
			h.HiddenMembers++
			// A household is named after its head ("王小明户"): a hidden
			// head's name must not show through it.
			h.Name = strings.ReplaceAll(h.Name, m.Name, secure.Mask(m.Name, 1, 0))
			continue
		}
		m.Age = ageOn(m.BirthDate, now)
		m.applyAccess(actor)
		h.Members = append(h.Members, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// The head first, then by relation, as a household register reads.
	for _, h := range byID {
		slices.SortStableFunc(h.Members, func(a, b Member) int {
			return slices.Index(Relations, a.Relation) - slices.Index(Relations, b.Relation)
		})
	}
	return nil
}

// GetHousehold loads a household in the actor's scope with the members
// they may see.
func GetHousehold(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Household, error) {
	if err := requireAccess(actor, "household", AccessMasked); err != nil {
		return Household{}, err
	}
	h, err := loadHousehold(ctx, q, id)
	if err != nil {
		return h, err
	}
	if err := actor.RequireScope(h.OrgPath); err != nil {
		return Household{}, err
	}
	return h, h.loadMembers(ctx, q, actor)
}

// HouseholdFilter selects households.
type HouseholdFilter struct {
	Text  string // name starts with
	OrgID string
	// Sort is "name" (the default), "org" or "updated"; Desc reverses it.
	Sort string
	Desc bool
	// Members also loads the members the actor may see (as GetHousehold
	// does); otherwise Members is empty.
	Members bool
	Offset  int
	Limit   int
}

// householdOrder is the sort keys of ListHouseholds.
var householdOrder = db.Order{Keys: map[string]string{"name": "h.name", "org": "o.name", "updated": "h.updated_at"},
	Default: "h.name", ReverseDefault: true, Tie: "h.name, h.id"}

// ListHouseholds lists households in the actor's scope (with the members
// the actor may see when f.Members is set).
func ListHouseholds(ctx context.Context, q db.Querier, actor *authz.Actor, f HouseholdFilter) ([]Household, int, error) {
	if err := requireAccess(actor, "household", AccessMasked); err != nil {
		return nil, 0, err
	}
	var c db.Conds
	scope, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	c.Add(scope, scopeArgs...)
	if t := strings.TrimSpace(f.Text); t != "" {
		prefix, prefixArgs := prefixCond(q.Dialect(), "h.name", t)
		c.Add(prefix, prefixArgs...)
		// Households are named after their head: a search must not find
		// one by the name of a head the actor may not see (a child).
		if hidden, hiddenArgs := VisibleCond(actor, "m"); hidden != "" {
			c.Add(`NOT EXISTS (SELECT 1 FROM recipients m WHERE m.household_id = h.id AND m.household_relation = '户主' AND NOT (`+hidden+`))`, hiddenArgs...)
		}
	}
	if f.OrgID != "" {
		u, err := org.Get(ctx, q, f.OrgID)
		if err != nil {
			return nil, 0, err
		}
		sub, subArgs := authz.SubtreeCond(q.Dialect(), "o.path", u.Path)
		c.Add(sub, subArgs...)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 20
	}
	const from = ` FROM households h JOIN org_units o ON o.id = h.org_id`
	out, total, err := db.Page(ctx, q, db.PageQuery{Count: `SELECT COUNT(*)` + from,
		Select: `SELECT h.id, h.version, h.org_id, o.name, o.path, h.name, h.created_at, h.updated_at` + from,
		Where:  c, Order: householdOrder.By(f.Sort, f.Desc), Limit: f.Limit, Offset: max(f.Offset, 0)},
		func(row interface{ Scan(...any) error }) (Household, error) {
			h := Household{Members: []Member{}}
			err := row.Scan(&h.ID, &h.Version, &h.OrgID, &h.OrgName, &h.OrgPath, &h.Name, &h.CreatedAt, &h.UpdatedAt)
			return h, err
		})
	if err != nil {
		return nil, 0, err
	}
	if len(out) > 0 {
		// Members are loaded even when not asked for: loading them masks
		// the name of a household whose head the actor may not see, on
		// every path (page and API alike).
		ptrs := make([]*Household, len(out))
		for i := range out {
			ptrs[i] = &out[i]
		}
		if err := loadMembersOf(ctx, q, actor, ptrs...); err != nil {
			return nil, 0, err
		}
		if !f.Members {
			for i := range out {
				out[i].Members, out[i].HiddenMembers = []Member{}, 0
			}
		}
	}
	return out, total, nil
}

// checkMembers validates a member list: each recipient visible to the
// actor, in the household's station, in no other household, one head.
func checkMembers(ctx context.Context, q db.Querier, actor *authz.Actor, unit org.Unit, householdID string, members []MemberInput) (map[string]Recipient, error) {
	fe := apperr.Fields{}
	found := map[string]Recipient{}
	heads := 0
	station := stationPath(unit)
	for i, m := range members {
		key := "members[" + itoa(i) + "]"
		if !slices.Contains(Relations, m.Relation) {
			fe.Add(key+".relation", "请选择与户主关系："+strings.Join(Relations, "、"))
		}
		if m.Relation == "户主" {
			heads++
		}
		if _, dup := found[m.RecipientID]; dup {
			fe.Add(key+".recipient_id", "同一人不能重复列入")
			continue
		}
		r, err := Get(ctx, q, actor, m.RecipientID)
		if apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.OutOfScope) || apperr.Is(err, apperr.Forbidden) {
			fe.Add(key+".recipient_id", "找不到该服务对象，或不在您负责的范围内")
			continue
		} else if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(r.OrgPath, station) {
			fe.Add(key+".recipient_id", r.Name+"不属于“"+unit.Name+"”所在的社工站")
		}
		if r.HouseholdID != "" && r.HouseholdID != householdID {
			fe.Add(key+".recipient_id", r.Name+"已属于另一个家庭，请先从原家庭移出")
		}
		found[m.RecipientID] = r
	}
	if len(members) == 0 {
		fe.Add("members", "家庭至少要有一名成员（户主）")
	} else if heads != 1 {
		fe.Add("members", "家庭应有且只有一名户主")
	}
	return found, fe.Err()
}

// CreateHousehold makes a household of recipients (on q: pass a transaction).
func CreateHousehold(ctx context.Context, q db.Querier, actor *authz.Actor, in HouseholdInput) (Household, error) {
	unit, err := org.Get(ctx, q, strings.TrimSpace(in.OrgID))
	if apperr.Is(err, apperr.NotFound) {
		return Household{}, (apperr.Fields{"org_id": "请选择负责的社工站或社工室"}).Err()
	} else if err != nil {
		return Household{}, err
	}
	if unit.Kind != org.KindStation && unit.Kind != org.KindRoom {
		return Household{}, (apperr.Fields{"org_id": "家庭只能登记在社工站或社工室"}).Err()
	}
	if err := actor.RequireScope(unit.Path); err != nil {
		return Household{}, err
	}
	id := strings.TrimSpace(in.ID)
	if id == "" {
		id = ids.New()
	} else if !ids.Valid(id) {
		return Household{}, (apperr.Fields{"id": "记录编号应为小写的 UUID"}).Err()
	}
	found, err := checkMembers(ctx, q, actor, unit, id, in.Members)
	if err != nil {
		return Household{}, err
	}
	name := strings.TrimSpace(in.Name)
	for _, m := range in.Members {
		if m.Relation == "户主" && name == "" {
			name = found[m.RecipientID].Name + "户"
		}
	}
	if len([]rune(name)) > 40 {
		return Household{}, (apperr.Fields{"name": "家庭名称不能超过 40 个字"}).Err()
	}
	now := cst.NowStamp()
	if _, err := q.Exec(ctx, `INSERT INTO households (id, version, org_id, name, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?)`,
		id, unit.ID, name, now, now); err != nil {
		if db.IsUniqueViolation(err) {
			return Household{}, (apperr.Fields{"id": "记录编号已存在"}).Err()
		}
		return Household{}, err
	}
	if err := setMembers(ctx, q, id, in.Members); err != nil {
		return Household{}, err
	}
	if err := writeHouseholdHistory(ctx, q, actor, id, name, nil, in.Members); err != nil {
		return Household{}, err
	}
	if err := audit.Record(ctx, q, actor, audit.Entry{Action: audit.ActionCreate, Entity: "household", EntityID: id, OrgPath: unit.Path,
		Summary: "新建家庭：" + name, Changes: memberChanges(nil, in.Members, found)}); err != nil {
		return Household{}, err
	}
	return GetHousehold(ctx, q, actor, id)
}

// UpdateHousehold renames a household and replaces its members, checking
// the version the editor saw. Members the actor cannot see (children,
// for some roles) are kept as they are.
func UpdateHousehold(ctx context.Context, q db.Querier, actor *authz.Actor, id string, version int, name *string, members []MemberInput) (Household, error) {
	h, err := GetHousehold(ctx, q, actor, id)
	if err != nil {
		return h, err
	}
	unit, err := org.Get(ctx, q, h.OrgID)
	if err != nil {
		return h, err
	}
	newName := h.Name
	if name != nil {
		newName = strings.TrimSpace(*name)
		if newName == "" || len([]rune(newName)) > 40 {
			return h, (apperr.Fields{"name": "请填写家庭名称（不超过 40 个字）"}).Err()
		}
	}
	var before []MemberInput
	for _, m := range h.Members {
		before = append(before, MemberInput{m.RecipientID, m.Relation})
	}
	if members == nil {
		members = before
	}
	if len(members) == 0 && h.HiddenMembers == 0 {
		if version != h.Version {
			return h, apperr.ErrStale()
		}
		return Household{}, dissolveHousehold(ctx, q, actor, h)
	}
	found, err := checkMembers(ctx, q, actor, unit, id, members)
	if err != nil {
		return h, err
	}
	if err := db.Versioned(q.Exec(ctx, `UPDATE households SET name = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		newName, cst.NowStamp(), id, version)); err != nil {
		return h, err
	}
	// Only the visible members are replaced.
	for _, m := range h.Members {
		if _, err := q.Exec(ctx, `UPDATE recipients SET household_id = NULL, household_relation = '', version = version + 1, updated_at = ? WHERE id = ?`,
			cst.NowStamp(), m.RecipientID); err != nil {
			return h, err
		}
	}
	if err := setMembers(ctx, q, id, members); err != nil {
		return h, err
	}
	if err := writeHouseholdHistory(ctx, q, actor, id, newName, before, members); err != nil {
		return h, err
	}
	for _, m := range h.Members {
		if _, ok := found[m.RecipientID]; !ok {
			found[m.RecipientID] = Recipient{Name: m.Name}
		}
	}
	changes := memberChanges(before, members, found)
	if newName != h.Name {
		changes = append(changes, audit.Change{Field: "name", Label: "家庭名称", Before: h.Name, After: newName})
	}
	if err := audit.Record(ctx, q, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "household", EntityID: id, OrgPath: h.OrgPath,
		Summary: "修改家庭：" + newName, Changes: changes}); err != nil {
		return h, err
	}
	return GetHousehold(ctx, q, actor, id)
}

// setMembers points each member's recipient row at the household. The
// recipient's version moves on, so an edit form open elsewhere does not
// silently undo the change.
func setMembers(ctx context.Context, q db.Querier, householdID string, members []MemberInput) error {
	now := cst.NowStamp()
	for _, m := range members {
		if _, err := q.Exec(ctx, `UPDATE recipients SET household_id = ?, household_relation = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			householdID, m.Relation, now, m.RecipientID); err != nil {
			return err
		}
	}
	return nil
}

func memberChanges(before, after []MemberInput, names map[string]Recipient) []audit.Change {
	describe := func(ms []MemberInput) string {
		var parts []string
		for _, m := range ms {
			parts = append(parts, names[m.RecipientID].Name+"（"+m.Relation+"）")
		}
		return strings.Join(parts, "、")
	}
	b, a := describe(before), describe(after)
	if b == a {
		return nil
	}
	return []audit.Change{{Field: "members", Label: "家庭成员", Before: b, After: a}}
}

// dissolveHousehold removes a household whose last member left.
func dissolveHousehold(ctx context.Context, q db.Querier, actor *authz.Actor, h Household) error {
	rows, err := q.Query(ctx, `SELECT id, household_relation FROM recipients WHERE household_id = ?`, h.ID)
	members, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (m MemberInput, err error) {
		err = row.Scan(&m.RecipientID, &m.Relation)
		return m, err
	})
	if err != nil {
		return err
	}
	if err := writeHouseholdHistory(ctx, q, actor, h.ID, h.Name, members, nil); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, `UPDATE recipients SET household_id = NULL, household_relation = '', version = version + 1, updated_at = ? WHERE household_id = ?`,
		cst.NowStamp(), h.ID); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, `DELETE FROM households WHERE id = ?`, h.ID); err != nil {
		return err
	}
	return audit.Record(ctx, q, actor, audit.Entry{Action: audit.ActionDelete, Entity: "household", EntityID: h.ID, OrgPath: h.OrgPath,
		Summary: "解散家庭：" + h.Name})
}
