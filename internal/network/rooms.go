package network

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/division"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/validate"
)

// Room is a village (community) social work room under a station.
type Room struct {
	ID           string `json:"id"`
	StationID    string `json:"station_id"`
	StationName  string `json:"station_name"`
	Name         string `json:"name"`
	VillageCode  string `json:"village_code"`
	VillageName  string `json:"village_name"`
	VillageKind  string `json:"village_kind"` // 居委会 / 村委会
	TownshipCode string `json:"township_code"`
	Address      string `json:"address"`
	Phone        string `json:"phone"`
	OpenedOn     string `json:"opened_on"`
	Active       bool   `json:"active"`
	Version      int    `json:"version"`
	Path         string `json:"-"`
	CreatedAt    string `json:"created_at"`
	UpdatedAt    string `json:"updated_at"`
}

const roomSelect = `SELECT o.id, r.station_id, COALESCE(so.name, ''), o.name, r.village_code, COALESCE(d.name, ''),
	r.address, r.phone, r.opened_on, o.active, o.version, o.path, o.created_at, o.updated_at
	FROM rooms r JOIN org_units o ON o.id = r.org_id
	LEFT JOIN org_units so ON so.id = r.station_id
	LEFT JOIN divisions d ON d.code = r.village_code`

func scanRoom(row interface{ Scan(...any) error }) (Room, error) {
	var r Room
	err := row.Scan(&r.ID, &r.StationID, &r.StationName, &r.Name, &r.VillageCode, &r.VillageName,
		&r.Address, &r.Phone, &r.OpenedOn, &r.Active, &r.Version, &r.Path, &r.CreatedAt, &r.UpdatedAt)
	r.VillageKind = division.VillageKind(r.VillageCode).Label()
	if len(r.VillageCode) == 12 {
		r.TownshipCode = r.VillageCode[:9]
	}
	return r, err
}

// GetRoom loads a room in the actor's scope.
func GetRoom(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Room, error) {
	r, err := scanRoom(q.QueryRow(ctx, roomSelect+` WHERE o.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Room{}, apperr.ErrNotFound("社工室")
	}
	if err != nil {
		return r, err
	}
	if err := actor.RequireScope(r.Path); err != nil {
		return Room{}, err
	}
	return r, nil
}

// RoomFilter selects rooms for a list.
type RoomFilter struct {
	StationID     string
	Text          string // name, address or village code prefix
	Active        string
	Sort          string // code, name, station, opened
	Desc          bool
	Offset, Limit int
}

// roomOrder is the whitelist of room list orders.
var roomOrder = db.Order{
	Keys:    map[string]string{"code": "r.village_code", "name": "o.name", "station": "so.name", "opened": "r.opened_on"},
	Default: "r.village_code", ReverseDefault: true, Tie: "o.id",
}

// ListRooms returns the rooms in the actor's scope matching f, and the total.
func ListRooms(ctx context.Context, q db.Querier, actor *authz.Actor, f RoomFilter) ([]Room, int, error) {
	var c db.Conds
	scope, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	c.Add(scope, scopeArgs...)
	if f.StationID != "" {
		c.Add("r.station_id = ?", f.StationID)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		p := "%" + db.Like(t) + "%"
		c.Add(`(o.name LIKE ? ESCAPE '\' OR r.address LIKE ? ESCAPE '\' OR r.village_code LIKE ? ESCAPE '\')`, p, p, db.Like(t)+"%")
	}
	if f.Active == "1" || f.Active == "0" {
		c.Add("o.active = ?", db.Bool(f.Active == "1"))
	}
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*) FROM rooms r JOIN org_units o ON o.id = r.org_id`,
		Select: roomSelect,
		Where:  c,
		Order:  roomOrder.By(f.Sort, f.Desc),
		Limit:  clampLimit(f.Limit),
		Offset: max(f.Offset, 0),
	}, scanRoom)
}

// RoomInput is what a user submits for a room. The station is named by
// its id, or by its township code (the cascading picker's first select).
type RoomInput struct {
	ID           string `json:"id,omitempty"` // create only: the id the form was drawn with
	StationID    string `json:"station_id"`
	TownshipCode string `json:"township_code,omitempty"`
	VillageCode  string `json:"village_code"`
	Name         string `json:"name"` // default: the village's name + 社工室
	Address      string `json:"address"`
	Phone        string `json:"phone"`
	OpenedOn     string `json:"opened_on"`
}

func (r Room) fields() []audit.Field {
	return []audit.Field{
		{Name: "name", Label: "名称", Value: r.Name},
		{Name: "village_code", Label: "村（社区）代码", Value: r.VillageCode},
		{Name: "address", Label: "地址", Value: r.Address},
		{Name: "phone", Label: "电话", Value: r.Phone},
		{Name: "opened_on", Label: "建室日期", Value: r.OpenedOn},
		{Name: "active", Label: "运行中", Value: yesNo(r.Active)},
	}
}

func (in *RoomInput) checkDetails(fe apperr.Fields) {
	in.Name = validate.Text(fe, "name", "名称", in.Name, 60, false)
	in.Address = validate.Text(fe, "address", "地址", in.Address, 120, false)
	in.Phone = checkPhone(fe, "phone", in.Phone)
	in.OpenedOn, _, _ = validate.Date(fe, "opened_on", "建室日期", in.OpenedOn, false)
}

// roomStation resolves the station a new room goes under.
func (in *RoomInput) roomStation(ctx context.Context, q db.Querier, actor *authz.Actor, fe apperr.Fields) (Station, error) {
	in.StationID, in.TownshipCode = strings.TrimSpace(in.StationID), strings.TrimSpace(in.TownshipCode)
	var st Station
	var err error
	field := "station_id"
	switch {
	case in.StationID != "":
		st, err = GetStation(ctx, q, actor, in.StationID)
	case in.TownshipCode != "":
		field = "township_code"
		st, err = StationByTownship(ctx, q, actor, in.TownshipCode)
	default:
		fe.Add("station_id", "请选择所属社工站（乡镇/街道）")
		return st, nil
	}
	switch {
	case apperr.Is(err, apperr.NotFound):
		fe.Add(field, "所选乡镇（街道）还没有社工站，请先建站")
	case apperr.Is(err, apperr.OutOfScope):
		return st, err
	case err != nil:
		return st, err
	case !st.Active:
		fe.Add(field, st.Name+"已停用，不能新设社工室")
	}
	return st, nil
}

// checkVillage validates a village code for a new room under st.
func checkVillage(ctx context.Context, q db.Querier, fe apperr.Fields, st Station, code string) (division.Division, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		fe.Add("village_code", "请选择村（社区）")
		return division.Division{}, nil
	}
	if l, ok := division.LevelOf(code); !ok || l != division.LevelVillage {
		fe.Add("village_code", "村（社区）代码应为 12 位数字（如 410622004200）")
		return division.Division{}, nil
	}
	d, err := division.Get(ctx, q, code)
	if apperr.Is(err, apperr.NotFound) {
		fe.Add("village_code", "区划代码 "+code+" 不存在（按 "+codeListYear()+" 年统计用区划代码）")
		return d, nil
	}
	if err != nil {
		return d, err
	}
	if st.TownshipCode != "" && d.ParentCode != st.TownshipCode {
		fe.Add("village_code", d.Name+"不在"+st.TownshipName+"（"+st.Name+"所在乡镇/街道）内")
		return d, nil
	}
	var other string
	err = q.QueryRow(ctx, `SELECT o.name FROM rooms r JOIN org_units o ON o.id = r.org_id WHERE r.village_code = ?`, code).Scan(&other)
	if err == nil {
		fe.Add("village_code", d.Name+"已有社工室“"+other+"”")
	} else if !errors.Is(err, sql.ErrNoRows) {
		return d, err
	}
	return d, nil
}

// CreateRoom adds a room under a station: org node and details in the
// caller's transaction, both audited.
func CreateRoom(ctx context.Context, tx db.Querier, actor *authz.Actor, in RoomInput) (Room, error) {
	id, err := createID(in.ID)
	if err != nil {
		return Room{}, err
	}
	if in.ID != "" {
		// The same form sent again: answer with the room it made.
		if r, err := GetRoom(ctx, tx, actor, id); err == nil {
			return r, nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return Room{}, err
		}
	} else {
		id = ""
	}
	fe := apperr.Fields{}
	st, err := in.roomStation(ctx, tx, actor, fe)
	if err != nil {
		return Room{}, err
	}
	var village division.Division
	if st.ID != "" {
		if village, err = checkVillage(ctx, tx, fe, st, in.VillageCode); err != nil {
			return Room{}, err
		}
	}
	in.checkDetails(fe)
	if err := fe.Err(); err != nil {
		return Room{}, err
	}
	if in.Name == "" {
		in.Name = ShortVillageName(village.Name) + "社工室"
	}
	unit, err := bareNode(ctx, tx, st.ID, org.KindRoom, "rooms", village.Code)
	if err != nil {
		return Room{}, err
	}
	if unit.ID == "" {
		if unit, err = org.Create(ctx, tx, actor, org.Input{ID: id, ParentID: st.ID, Kind: org.KindRoom, Name: in.Name, DivisionCode: village.Code}); err != nil {
			return Room{}, err
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO rooms (org_id, station_id, village_code, address, phone, opened_on) VALUES (?, ?, ?, ?, ?, ?)`,
		unit.ID, st.ID, village.Code, in.Address, in.Phone, in.OpenedOn)
	if db.IsUniqueViolation(err) {
		return Room{}, (apperr.Fields{"village_code": village.Name + "已有社工室"}).Err()
	}
	if err != nil {
		return Room{}, err
	}
	r := Room{ID: unit.ID, StationID: st.ID, StationName: st.Name, Name: unit.Name, VillageCode: village.Code, VillageName: village.Name,
		VillageKind: village.KindLabel, TownshipCode: st.TownshipCode, Address: in.Address, Phone: in.Phone, OpenedOn: in.OpenedOn,
		Active: true, Version: unit.Version, Path: unit.Path, CreatedAt: unit.CreatedAt, UpdatedAt: unit.UpdatedAt}
	err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: EntityRoom, EntityID: r.ID, OrgPath: r.Path,
		Summary: "新建社工室：" + r.Name + "（" + st.Name + "）", Changes: audit.Diff(nil, r.fields())})
	return r, err
}

// UpdateRoom changes a room's details (not its village), checking the
// version the user saw. Activating or deactivating is the county's.
func UpdateRoom(ctx context.Context, tx db.Querier, actor *authz.Actor, id string, version int, in RoomInput, active bool) (Room, error) {
	before, err := GetRoom(ctx, tx, actor, id)
	if err != nil {
		return Room{}, err
	}
	fe := apperr.Fields{}
	if c := strings.TrimSpace(in.VillageCode); c != "" && c != before.VillageCode {
		fe.Add("village_code", "建室后不能更改村（社区）；如需调整，请停用本室后新建")
	}
	in.checkDetails(fe)
	if in.Name == "" {
		in.Name = before.Name
	}
	if active != before.Active && !actor.Can(authz.PermNetworkManage) {
		fe.Add("active", "只有县级管理员可以停用或启用社工室")
	}
	if err := fe.Err(); err != nil {
		return Room{}, err
	}
	unit, err := org.Update(ctx, tx, actor, id, version, in.Name, before.VillageCode, active)
	if err != nil {
		return Room{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE rooms SET address = ?, phone = ?, opened_on = ? WHERE org_id = ?`, in.Address, in.Phone, in.OpenedOn, id); err != nil {
		return Room{}, err
	}
	after := before
	after.Name, after.Address, after.Phone, after.OpenedOn, after.Active = unit.Name, in.Address, in.Phone, in.OpenedOn, active
	after.Version, after.UpdatedAt = unit.Version, unit.UpdatedAt
	if changes := audit.Diff(before.fields(), after.fields()); len(changes) > 0 {
		err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: EntityRoom, EntityID: id, OrgPath: after.Path,
			Summary: "修改社工室：" + after.Name, Changes: changes})
	}
	return after, err
}

// DeleteRoom removes a room created by mistake; one with user accounts or
// other records is refused (deactivate it instead).
func DeleteRoom(ctx context.Context, tx db.Querier, actor *authz.Actor, id string, version int) error {
	r, err := GetRoom(ctx, tx, actor, id)
	if err != nil {
		return err
	}
	if r.Version != version {
		return apperr.ErrStale()
	}
	var users int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE org_id = ?`, id).Scan(&users); err != nil {
		return err
	}
	if users > 0 {
		return apperr.New(apperr.Conflict, "“%s”还有 %s 个用户账号，不能删除；如该室不再运行，请改为停用", r.Name, strconv.Itoa(users))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM rooms WHERE org_id = ?`, id); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionDelete, Entity: EntityRoom, EntityID: id, OrgPath: r.Path,
		Summary: "删除社工室：" + r.Name, Changes: removed(r.fields())}); err != nil {
		return err
	}
	return org.Delete(ctx, tx, actor, id, version)
}

// ShortVillageName drops the committee suffix of a village's official
// name, the way people say it: 赵庄村民委员会 → 赵庄村, 朝阳社区居民委员会
// and 上关居民委员会 → 朝阳社区, 上关社区.
func ShortVillageName(name string) string {
	switch {
	case strings.HasSuffix(name, "社区居民委员会"):
		return strings.TrimSuffix(name, "居民委员会")
	case strings.HasSuffix(name, "居民委员会"):
		return strings.TrimSuffix(name, "居民委员会") + "社区"
	case strings.HasSuffix(name, "村民委员会"):
		return strings.TrimSuffix(name, "民委员会")
	case strings.HasSuffix(name, "委员会"):
		return strings.TrimSuffix(name, "委员会")
	}
	return name
}
