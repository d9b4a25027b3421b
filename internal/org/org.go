// Package org is the organisation tree that scopes everything in shegong:
// platform, province, city, county bureau (县民政局), township station
// (社工站) and village room (社工室). Levels above the county exist so one
// deployment may serve a city or a province.
package org

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/division"
	"github.com/shegong/shegong/internal/ids"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the organisation schema.
var Module = db.MustLoadModule("org", migrations, "migrations")

// Kind is a level of the tree.
type Kind string

const (
	KindPlatform Kind = "platform" // 平台 (the root of a deployment)
	KindProvince Kind = "province" // 省
	KindCity     Kind = "city"     // 市
	KindCounty   Kind = "county"   // 县（区）民政局
	KindStation  Kind = "station"  // 乡镇（街道）社工站
	KindRoom     Kind = "room"     // 村（社区）社工室
)

var kindRank = map[Kind]int{KindPlatform: 0, KindProvince: 1, KindCity: 2, KindCounty: 3, KindStation: 4, KindRoom: 5}
var kindNames = map[Kind]string{KindPlatform: "平台", KindProvince: "省", KindCity: "市", KindCounty: "县（区）", KindStation: "社工站", KindRoom: "社工室"}

// Kinds lists the levels top-down.
var Kinds = []Kind{KindPlatform, KindProvince, KindCity, KindCounty, KindStation, KindRoom}

// Label is the kind's Chinese name.
func (k Kind) Label() string { return kindNames[k] }

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { _, ok := kindRank[k]; return ok }

// CanParent reports whether a node of kind k may sit under parent.
func (k Kind) CanParent(parent Kind) bool {
	return kindRank[parent] < kindRank[k] && k != KindPlatform
}

// Unit is a node of the tree.
type Unit struct {
	ID           string `json:"id"`
	ParentID     string `json:"parent_id,omitempty"`
	Kind         Kind   `json:"kind"`
	Name         string `json:"name"`
	DivisionCode string `json:"division_code,omitempty"`
	Path         string `json:"-"`
	Active       bool   `json:"active"`
	Version      int    `json:"version"`
	CreatedAt    string `json:"created_at"`
	UpdatedAt    string `json:"updated_at"`
}

const unitColumns = `id, COALESCE(parent_id, ''), kind, name, division_code, path, active, version, created_at, updated_at`

func scanUnit(row interface{ Scan(...any) error }) (Unit, error) {
	var u Unit
	err := row.Scan(&u.ID, &u.ParentID, &u.Kind, &u.Name, &u.DivisionCode, &u.Path, &u.Active, &u.Version, &u.CreatedAt, &u.UpdatedAt)
	return u, err
}

// Get loads a node without any scope check (for internal use: sessions,
// other services that check scope themselves).
func Get(ctx context.Context, q db.Querier, id string) (Unit, error) {
	u, err := scanUnit(q.QueryRow(ctx, `SELECT `+unitColumns+` FROM org_units WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Unit{}, apperr.ErrNotFound("机构")
	}
	return u, err
}

// GetFor loads a node the actor may see.
func GetFor(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Unit, error) {
	u, err := Get(ctx, q, id)
	if err != nil {
		return u, err
	}
	if err := actor.RequireScope(u.Path); err != nil {
		return Unit{}, err
	}
	return u, nil
}

// Filter selects nodes for a list.
type Filter struct {
	Kind     Kind
	ParentID string
	Text     string
	Active   string // "", "1", "0"
	Sort     string // name, kind, created
	Desc     bool
	Offset   int
	Limit    int
}

// listOrder is the whitelist of node list orders.
var listOrder = db.Order{
	Keys:    map[string]string{"name": "name", "kind": "path", "created": "created_at", "code": "division_code"},
	Default: "path", ReverseDefault: true, Tie: "id",
}

// List returns the nodes in the actor's scope that match f, and their total.
func List(ctx context.Context, q db.Querier, actor *authz.Actor, f Filter) ([]Unit, int, error) {
	var c db.Conds
	scope, scopeArgs := actor.ScopeCond(q.Dialect(), "path")
	c.Add(scope, scopeArgs...)
	if f.Kind != "" {
		c.Add("kind = ?", f.Kind)
	}
	if f.ParentID != "" {
		c.Add("parent_id = ?", f.ParentID)
	}
	if f.Active == "1" || f.Active == "0" {
		c.Add("active = ?", db.Bool(f.Active == "1"))
	}
	if f.Text != "" {
		c.Add(`(name LIKE ? ESCAPE '\' OR division_code LIKE ? ESCAPE '\')`, "%"+db.Like(f.Text)+"%", db.Like(f.Text)+"%")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*) FROM org_units`,
		Select: `SELECT ` + unitColumns + ` FROM org_units`,
		Where:  c,
		Order:  listOrder.By(f.Sort, f.Desc),
		Limit:  f.Limit,
		Offset: f.Offset,
	}, scanUnit)
}

// Input is what a user submits to create or rename a node.
type Input struct {
	// ID is the id the create form was drawn with (optional): the same
	// form sent twice makes one node.
	ID           string `json:"id,omitempty"`
	ParentID     string `json:"parent_id"`
	Kind         Kind   `json:"kind"`
	Name         string `json:"name"`
	DivisionCode string `json:"division_code"`
}

// Create adds a node under a parent in the actor's scope. Pass a nil actor
// only for system set-up (first start, demo).
func Create(ctx context.Context, tx db.Querier, actor *authz.Actor, in Input) (Unit, error) {
	id := strings.TrimSpace(in.ID)
	switch {
	case id == "":
		id = ids.New()
	case !ids.Valid(id):
		return Unit{}, (apperr.Fields{"id": "记录编号应为小写的 UUID，或留空由系统生成"}).Err()
	default:
		if u, err := Get(ctx, tx, id); err == nil {
			if actor != nil {
				if err := actor.RequireScope(u.Path); err != nil {
					return Unit{}, err
				}
			}
			return u, nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return Unit{}, err
		}
	}
	in.Name = strings.TrimSpace(in.Name)
	in.DivisionCode = strings.TrimSpace(in.DivisionCode)
	fe := apperr.Fields{}
	if in.Name == "" {
		fe.Add("name", "请填写名称")
	} else if len([]rune(in.Name)) > 60 {
		fe.Add("name", "名称不能超过 60 个字")
	}
	if !in.Kind.Valid() {
		fe.Add("kind", "请选择机构层级")
	}
	var parent Unit
	if in.ParentID == "" {
		if in.Kind != KindPlatform {
			fe.Add("parent_id", "请选择上级机构")
		}
	} else {
		var err error
		parent, err = Get(ctx, tx, in.ParentID)
		if apperr.Is(err, apperr.NotFound) {
			fe.Add("parent_id", "上级机构不存在")
		} else if err != nil {
			return Unit{}, err
		} else if in.Kind.Valid() && !in.Kind.CanParent(parent.Kind) {
			fe.Add("kind", "“"+in.Kind.Label()+"”不能设在“"+parent.Kind.Label()+"”之下")
		}
	}
	if actor != nil && in.Kind.Valid() {
		// System set-up (nil actor: first start, demo) brings its own codes.
		if err := checkCode(ctx, tx, fe, in.Kind, parent, in.DivisionCode); err != nil {
			return Unit{}, err
		}
	}
	if err := fe.Err(); err != nil {
		return Unit{}, err
	}
	if actor != nil {
		if err := actor.RequireScope(parent.Path); err != nil {
			return Unit{}, err
		}
	}
	now := cst.NowStamp()
	u := Unit{ID: id, ParentID: in.ParentID, Kind: in.Kind, Name: in.Name, DivisionCode: in.DivisionCode, Active: true, Version: 1, CreatedAt: now, UpdatedAt: now}
	u.Path = parent.Path + u.ID + "/"
	if parent.Path == "" {
		u.Path = "/" + u.ID + "/"
	}
	var parentID any
	if in.ParentID != "" {
		parentID = in.ParentID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO org_units (id, parent_id, kind, name, division_code, path, active, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, 1)`, u.ID, parentID, u.Kind, u.Name, u.DivisionCode, u.Path, now, now); err != nil {
		return Unit{}, err
	}
	err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: "org_unit", EntityID: u.ID, OrgPath: u.Path,
		Summary: "新增" + u.Kind.Label() + "：" + u.Name, Changes: audit.Diff(nil, u.fields())})
	return u, err
}

func (u Unit) fields() []audit.Field {
	active := "是"
	if !u.Active {
		active = "否"
	}
	return []audit.Field{
		{Name: "name", Label: "名称", Value: u.Name},
		{Name: "kind", Label: "层级", Value: u.Kind.Label()},
		{Name: "division_code", Label: "区划代码", Value: u.DivisionCode},
		{Name: "active", Label: "启用", Value: active},
	}
}

// codeLevel is the division level whose code each kind of node carries
// (统计用区划代码: province 2 digits, city 4, county 6 as in GB/T 2260,
// township 9, village 12).
var codeLevel = map[Kind]division.Level{KindProvince: division.LevelProvince, KindCity: division.LevelCity,
	KindCounty: division.LevelCounty, KindStation: division.LevelTownship, KindRoom: division.LevelVillage}

// checkCode validates a node's division code: the length of its level, a
// code in the loaded code list of that level, and under the parent's code
// (a station's township lies in its county). An empty code is allowed.
func checkCode(ctx context.Context, q db.Querier, fe apperr.Fields, kind Kind, parent Unit, code string) error {
	if code == "" {
		return nil
	}
	want, ok := codeLevel[kind]
	if !ok {
		fe.Add("division_code", kind.Label()+"不设区划代码")
		return nil
	}
	if l, ok := division.LevelOf(code); !ok || l != want {
		fe.Add("division_code", fmt.Sprintf("%s的区划代码应为 %d 位数字（统计用区划代码）", kind.Label(), want.CodeLen()))
		return nil
	}
	d, err := division.Get(ctx, q, code)
	if apperr.Is(err, apperr.NotFound) {
		fe.Add("division_code", "区划代码 "+code+" 不存在")
		return nil
	}
	if err != nil {
		return err
	}
	if parent.DivisionCode != "" && !strings.HasPrefix(code, parent.DivisionCode) {
		fe.Add("division_code", d.Name+"（"+code+"）不在上级机构“"+parent.Name+"”（"+parent.DivisionCode+"）的辖区内")
	}
	return nil
}

// Update changes a node's name, division code or active flag, checking
// the version the user saw. Only those who manage the tree (county
// administrators, authz.PermOrgManage) may deactivate or reactivate a
// node or change its division code, and not for the node their own scope
// hangs from; a station's or room's code is fixed once set (the network
// rules: deactivate it and create a new one). Codes are checked by
// checkCode. Breaking a rule is a field error on "active" or
// "division_code".
func Update(ctx context.Context, tx db.Querier, actor *authz.Actor, id string, version int, name, divisionCode string, active bool) (Unit, error) {
	if !actor.Can(authz.PermOrgEdit) {
		return Unit{}, apperr.ErrForbidden()
	}
	before, err := GetFor(ctx, tx, actor, id)
	if err != nil {
		return Unit{}, err
	}
	name = strings.TrimSpace(name)
	divisionCode = strings.TrimSpace(divisionCode)
	fe := apperr.Fields{}
	if name == "" {
		fe.Add("name", "请填写名称")
	}
	manager := actor.Can(authz.PermOrgManage) && before.Path != actor.OrgPath
	if active != before.Active && !manager {
		fe.Add("active", "只有上级的县级管理员可以停用或启用"+before.Kind.Label())
	}
	if divisionCode != before.DivisionCode {
		switch {
		case !manager:
			fe.Add("division_code", "只有上级的县级管理员可以更改区划代码")
		case before.DivisionCode != "" && (before.Kind == KindStation || before.Kind == KindRoom):
			fe.Add("division_code", before.Kind.Label()+"设立后不能更改区划代码；如需调整，请停用后在新的区划新建")
		default:
			parent, err := Get(ctx, tx, before.ParentID)
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return Unit{}, err
			}
			if err := checkCode(ctx, tx, fe, before.Kind, parent, divisionCode); err != nil {
				return Unit{}, err
			}
		}
	}
	if err := fe.Err(); err != nil {
		return Unit{}, err
	}
	after := before
	after.Name, after.DivisionCode, after.Active = name, divisionCode, active
	after.UpdatedAt = cst.NowStamp()
	if err := db.Versioned(tx.Exec(ctx, `UPDATE org_units SET name = ?, division_code = ?, active = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		after.Name, after.DivisionCode, db.Bool(after.Active), after.UpdatedAt, id, version)); err != nil {
		return Unit{}, err
	}
	after.Version = version + 1
	changes := audit.Diff(before.fields(), after.fields())
	if len(changes) > 0 {
		err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "org_unit", EntityID: id, OrgPath: after.Path,
			Summary: "修改" + after.Kind.Label() + "：" + after.Name, Changes: changes})
	}
	return after, err
}

// Ancestors returns the chain from the root down to the node itself.
func Ancestors(ctx context.Context, q db.Querier, u Unit) ([]Unit, error) {
	idsInPath := strings.Split(strings.Trim(u.Path, "/"), "/")
	args := make([]any, len(idsInPath))
	for i, v := range idsInPath {
		args[i] = v
	}
	rows, err := q.Query(ctx, `SELECT `+unitColumns+` FROM org_units WHERE id IN (`+db.Placeholders(len(args))+`) ORDER BY LENGTH(path)`, args...)
	out, err := db.Collect(rows, err, scanUnit)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Root returns the top node of the tree, if any.
func Root(ctx context.Context, q db.Querier) (Unit, error) {
	u, err := scanUnit(q.QueryRow(ctx, `SELECT `+unitColumns+` FROM org_units WHERE parent_id IS NULL ORDER BY created_at LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return Unit{}, apperr.ErrNotFound("根机构")
	}
	return u, err
}

// Delete removes a node created by mistake, checking the version the user
// saw. A node with children, or one that any record still refers to (a
// user, a service record…), is refused with a Conflict: deactivate it
// instead, which keeps the history. Callers that know their own records
// check them first to give a precise reason.
func Delete(ctx context.Context, tx db.Querier, actor *authz.Actor, id string, version int) error {
	u, err := GetFor(ctx, tx, actor, id)
	if err != nil {
		return err
	}
	var children int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM org_units WHERE parent_id = ?`, id).Scan(&children); err != nil {
		return err
	}
	if children > 0 {
		return apperr.New(apperr.Conflict, "“%s”下还有 %d 个下级机构，不能删除；可以改为停用", u.Name, children)
	}
	res, err := tx.Exec(ctx, `DELETE FROM org_units WHERE id = ? AND version = ?`, id, version)
	if db.IsForeignKeyViolation(err) {
		return apperr.New(apperr.Conflict, "“%s”还有关联的用户或业务记录，不能删除；可以改为停用", u.Name)
	}
	if err := db.Versioned(res, err); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionDelete, Entity: "org_unit", EntityID: id, OrgPath: u.Path,
		Summary: "删除" + u.Kind.Label() + "：" + u.Name})
}

// CountyOf returns the county (县（区）) node a node belongs to, given the
// node's path: the node itself when it is a county, the county above it
// when it is a station or room. A node above county level (platform,
// province, city) belongs to no county, nor does a station placed straight
// under a higher node: then the zero Unit (ID "") and a nil error. Errors
// are the database's only.
func CountyOf(ctx context.Context, q db.Querier, path string) (Unit, error) {
	return nearestOfKind(ctx, q, path, KindCounty)
}

// StationOf returns the township station (社工站) a node belongs to, given
// the node's path: the node itself when it is a station, the station
// above it when it is a room. A node above station level (a county or
// higher) belongs to no station: then the zero Unit (ID "") and a nil
// error.
func StationOf(ctx context.Context, q db.Querier, path string) (Unit, error) {
	return nearestOfKind(ctx, q, path, KindStation)
}

// nearestOfKind is the deepest node of kind on path (the node or one of
// its ancestors), or the zero Unit.
func nearestOfKind(ctx context.Context, q db.Querier, path string, kind Kind) (Unit, error) {
	idsInPath := strings.Split(strings.Trim(path, "/"), "/")
	if len(idsInPath) == 0 || idsInPath[0] == "" {
		return Unit{}, nil
	}
	args := make([]any, 0, len(idsInPath)+1)
	args = append(args, kind)
	for _, v := range idsInPath {
		args = append(args, v)
	}
	u, err := scanUnit(q.QueryRow(ctx, `SELECT `+unitColumns+` FROM org_units WHERE kind = ? AND id IN (`+db.Placeholders(len(idsInPath))+`)
		ORDER BY LENGTH(path) DESC LIMIT 1`, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Unit{}, nil
	}
	return u, err
}

// StationIn is StationOf for a caller that has already loaded the nodes
// it needs (units maps ids to nodes, e.g. a whole subtree for a report):
// the deepest station on path among units, or false.
func StationIn(path string, units map[string]Unit) (Unit, bool) {
	var found Unit
	for _, id := range strings.Split(strings.Trim(path, "/"), "/") {
		if u, ok := units[id]; ok && u.Kind == KindStation {
			found = u
		}
	}
	return found, found.ID != ""
}
