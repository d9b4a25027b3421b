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

// Station is a township social work station: its org node and details.
type Station struct {
	ID             string `json:"id"`
	CountyID       string `json:"county_id"`
	CountyName     string `json:"county_name"`
	Name           string `json:"name"`
	TownshipCode   string `json:"township_code"`
	TownshipName   string `json:"township_name"`
	TownshipKind   string `json:"township_kind"` // 街道 / 镇 / 乡 / 乡级单位
	Address        string `json:"address"`
	Phone          string `json:"phone"`
	OpenedOn       string `json:"opened_on"`
	HeadName       string `json:"head_name"`
	OperatorID     string `json:"operator_id"`
	OperatorName   string `json:"operator_name"`
	Demonstration  bool   `json:"demonstration"`
	LastAssessedOn string `json:"last_assessed_on"`
	LastScore      int    `json:"last_score"`
	LastMaxScore   int    `json:"last_max_score"`
	RoomCount      int    `json:"room_count"` // active rooms
	Active         bool   `json:"active"`
	Version        int    `json:"version"`
	Path           string `json:"-"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
}

const stationSelect = `SELECT o.id, COALESCE(o.parent_id, ''), COALESCE(c.name, ''), o.name, s.township_code, COALESCE(d.name, ''),
	s.address, s.phone, s.opened_on, s.head_name, COALESCE(s.operator_id, ''), COALESCE(so.name, ''),
	s.demonstration, s.last_assessed_on, s.last_score, s.last_max_score,
	(SELECT COUNT(*) FROM org_units r WHERE r.parent_id = o.id AND r.kind = 'room' AND r.active = 1),
	o.active, o.version, o.path, o.created_at, o.updated_at
	FROM stations s JOIN org_units o ON o.id = s.org_id
	LEFT JOIN org_units c ON c.id = o.parent_id
	LEFT JOIN divisions d ON d.code = s.township_code
	LEFT JOIN service_orgs so ON so.id = s.operator_id`

func scanStation(row interface{ Scan(...any) error }) (Station, error) {
	var s Station
	err := row.Scan(&s.ID, &s.CountyID, &s.CountyName, &s.Name, &s.TownshipCode, &s.TownshipName,
		&s.Address, &s.Phone, &s.OpenedOn, &s.HeadName, &s.OperatorID, &s.OperatorName,
		&s.Demonstration, &s.LastAssessedOn, &s.LastScore, &s.LastMaxScore, &s.RoomCount,
		&s.Active, &s.Version, &s.Path, &s.CreatedAt, &s.UpdatedAt)
	s.TownshipKind = division.TownshipKind(s.TownshipCode).Label()
	return s, err
}

// getStation loads a station without a scope check.
func getStation(ctx context.Context, q db.Querier, id string) (Station, error) {
	s, err := scanStation(q.QueryRow(ctx, stationSelect+` WHERE o.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Station{}, apperr.ErrNotFound("社工站")
	}
	return s, err
}

// GetStation loads a station in the actor's scope.
func GetStation(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Station, error) {
	s, err := getStation(ctx, q, id)
	if err != nil {
		return s, err
	}
	if err := actor.RequireScope(s.Path); err != nil {
		return Station{}, err
	}
	return s, nil
}

// StationByTownship finds the station of a township in the actor's scope.
func StationByTownship(ctx context.Context, q db.Querier, actor *authz.Actor, code string) (Station, error) {
	s, err := scanStation(q.QueryRow(ctx, stationSelect+` WHERE s.township_code = ?`, strings.TrimSpace(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return Station{}, apperr.ErrNotFound("该乡镇（街道）的社工站")
	}
	if err != nil {
		return s, err
	}
	if err := actor.RequireScope(s.Path); err != nil {
		return Station{}, err
	}
	return s, nil
}

// StationFilter selects stations for a list.
type StationFilter struct {
	CountyID      string
	Text          string // name, address or township code prefix
	Active        string // "", "1", "0"
	Demonstration string // "", "1", "0"
	OperatorID    string
	Sort          string // code, name, opened, assessed, score, rooms
	Desc          bool
	Offset, Limit int
}

// stationOrder is the whitelist of station list orders.
var stationOrder = db.Order{
	Keys: map[string]string{"code": "s.township_code", "name": "o.name", "opened": "s.opened_on", "assessed": "s.last_assessed_on",
		"score": "s.last_score", "rooms": "(SELECT COUNT(*) FROM org_units r WHERE r.parent_id = o.id AND r.kind = 'room' AND r.active = 1)"},
	Default: "s.township_code", ReverseDefault: true, Tie: "o.id",
}

// ListStations returns the stations in the actor's scope matching f, and
// how many match in all.
func ListStations(ctx context.Context, q db.Querier, actor *authz.Actor, f StationFilter) ([]Station, int, error) {
	var c db.Conds
	scope, scopeArgs := actor.ScopeCond(q.Dialect(), "o.path")
	c.Add(scope, scopeArgs...)
	if f.CountyID != "" {
		c.Add("o.parent_id = ?", f.CountyID)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		p := "%" + db.Like(t) + "%"
		c.Add(`(o.name LIKE ? ESCAPE '\' OR s.address LIKE ? ESCAPE '\' OR s.township_code LIKE ? ESCAPE '\')`, p, p, db.Like(t)+"%")
	}
	if f.Active == "1" || f.Active == "0" {
		c.Add("o.active = ?", db.Bool(f.Active == "1"))
	}
	if f.Demonstration == "1" || f.Demonstration == "0" {
		c.Add("s.demonstration = ?", db.Bool(f.Demonstration == "1"))
	}
	if f.OperatorID != "" {
		c.Add("s.operator_id = ?", f.OperatorID)
	}
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*) FROM stations s JOIN org_units o ON o.id = s.org_id`,
		Select: stationSelect,
		Where:  c,
		Order:  stationOrder.By(f.Sort, f.Desc),
		Limit:  clampLimit(f.Limit),
		Offset: max(f.Offset, 0),
	}, scanStation)
}

// StationInput is what a user submits for a station. On update the
// township cannot change (a station belongs to its township; a different
// township is a different station).
type StationInput struct {
	ID           string `json:"id,omitempty"` // create only: the id the form was drawn with
	CountyID     string `json:"county_id"`
	TownshipCode string `json:"township_code"`
	Name         string `json:"name"` // default: the township's name + 社工站
	Address      string `json:"address"`
	Phone        string `json:"phone"`
	OpenedOn     string `json:"opened_on"`
	HeadName     string `json:"head_name"`
	OperatorID   string `json:"operator_id"`
}

func (s Station) fields() []audit.Field {
	return []audit.Field{
		{Name: "name", Label: "名称", Value: s.Name},
		{Name: "township_code", Label: "乡镇（街道）代码", Value: s.TownshipCode},
		{Name: "address", Label: "地址", Value: s.Address},
		{Name: "phone", Label: "电话", Value: s.Phone},
		{Name: "opened_on", Label: "建站日期", Value: s.OpenedOn},
		{Name: "head_name", Label: "站长", Value: s.HeadName},
		{Name: "operator", Label: "运营机构", Value: s.OperatorName},
		{Name: "active", Label: "运行中", Value: yesNo(s.Active)},
	}
}

// checkDetails validates a station's details. currentOperator is the
// operator saved now: keeping one that has since been deregistered is
// allowed (the county sorts that out), choosing one is not.
func (in *StationInput) checkDetails(ctx context.Context, q db.Querier, actor *authz.Actor, fe apperr.Fields, currentOperator string) (operatorName string, err error) {
	in.Name = validate.Text(fe, "name", "名称", in.Name, 60, false)
	in.Address = validate.Text(fe, "address", "地址", in.Address, 120, false)
	in.Phone = checkPhone(fe, "phone", in.Phone)
	in.OpenedOn, _, _ = validate.Date(fe, "opened_on", "建站日期", in.OpenedOn, false)
	in.HeadName = validate.Text(fe, "head_name", "站长姓名", in.HeadName, 30, false)
	in.OperatorID = strings.TrimSpace(in.OperatorID)
	if in.OperatorID == "" {
		return "", nil
	}
	o, err := GetOrganisation(ctx, q, actor, in.OperatorID)
	switch {
	case apperr.Is(err, apperr.NotFound), apperr.Is(err, apperr.OutOfScope):
		fe.Add("operator_id", "运营机构不存在或不在您的负责范围内")
	case err != nil:
		return "", err
	case o.Status == StatusDeregistered && o.ID != currentOperator:
		fe.Add("operator_id", "“"+o.Name+"”已注销，不能运营社工站")
	}
	return o.Name, nil
}

// checkTownship validates a township code for a new station in county:
// it exists in the code list, is a township, lies in the county, and has
// no station yet. It returns the township.
func checkTownship(ctx context.Context, q db.Querier, fe apperr.Fields, county org.Unit, code string) (division.Division, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		fe.Add("township_code", "请选择乡镇（街道）")
		return division.Division{}, nil
	}
	if l, ok := division.LevelOf(code); !ok || l != division.LevelTownship {
		fe.Add("township_code", "乡镇（街道）代码应为 9 位数字（如 410622001）")
		return division.Division{}, nil
	}
	d, err := division.Get(ctx, q, code)
	if apperr.Is(err, apperr.NotFound) {
		fe.Add("township_code", "区划代码 "+code+" 不存在（按 "+codeListYear()+" 年统计用区划代码）")
		return d, nil
	}
	if err != nil {
		return d, err
	}
	if d.Level != division.LevelTownship {
		fe.Add("township_code", "区划代码 "+code+"（"+d.Name+"）不是乡镇（街道）")
		return d, nil
	}
	if county.DivisionCode != "" && !strings.HasPrefix(code, county.DivisionCode) {
		fe.Add("township_code", d.Name+"不在"+county.Name+"的辖区内")
		return d, nil
	}
	var other string
	err = q.QueryRow(ctx, `SELECT o.name FROM stations s JOIN org_units o ON o.id = s.org_id WHERE s.township_code = ?`, code).Scan(&other)
	if err == nil {
		fe.Add("township_code", d.Name+"已有社工站“"+other+"”，一个乡镇（街道）只设一个社工站")
	} else if !errors.Is(err, sql.ErrNoRows) {
		return d, err
	}
	return d, nil
}

// codeListYear names the year of the code list, for messages.
func codeListYear() string {
	if y := division.DataYear(); y > 0 {
		return strconv.Itoa(y)
	}
	return "最新"
}

// CreateStation adds a station under a county: the org node and its
// details in the caller's transaction, both audited. It also gives the
// county its default checklist if it has none yet.
func CreateStation(ctx context.Context, tx db.Querier, actor *authz.Actor, in StationInput) (Station, error) {
	id, err := createID(in.ID)
	if err != nil {
		return Station{}, err
	}
	if in.ID != "" {
		// The same form sent again: answer with the station it made.
		if st, err := GetStation(ctx, tx, actor, id); err == nil {
			return st, nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return Station{}, err
		}
	} else {
		id = ""
	}
	fe := apperr.Fields{}
	county, err := org.Get(ctx, tx, strings.TrimSpace(in.CountyID))
	switch {
	case in.CountyID == "":
		fe.Add("county_id", "请选择所属县（区）")
	case apperr.Is(err, apperr.NotFound):
		fe.Add("county_id", "所属县（区）不存在")
	case err != nil:
		return Station{}, err
	case county.Kind != org.KindCounty:
		fe.Add("county_id", "社工站只能设在县（区）民政局之下")
	case !actor.Covers(county.Path):
		return Station{}, apperr.ErrOutOfScope()
	case !county.Active:
		fe.Add("county_id", county.Name+"已停用")
	}
	var township division.Division
	if county.Kind == org.KindCounty {
		if township, err = checkTownship(ctx, tx, fe, county, in.TownshipCode); err != nil {
			return Station{}, err
		}
	}
	operatorName, err := in.checkDetails(ctx, tx, actor, fe, "")
	if err != nil {
		return Station{}, err
	}
	if err := fe.Err(); err != nil {
		return Station{}, err
	}
	if in.Name == "" {
		in.Name = township.Name + "社工站"
	}
	// A station node made without details (through the generic
	// organisation pages, or by the demo tree) is completed rather than
	// doubled.
	unit, err := bareNode(ctx, tx, county.ID, org.KindStation, "stations", township.Code)
	if err != nil {
		return Station{}, err
	}
	if unit.ID == "" {
		if unit, err = org.Create(ctx, tx, actor, org.Input{ID: id, ParentID: county.ID, Kind: org.KindStation, Name: in.Name, DivisionCode: township.Code}); err != nil {
			return Station{}, err
		}
	}
	var operator any
	if in.OperatorID != "" {
		operator = in.OperatorID
	}
	_, err = tx.Exec(ctx, `INSERT INTO stations (org_id, township_code, address, phone, opened_on, head_name, operator_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		unit.ID, township.Code, in.Address, in.Phone, in.OpenedOn, in.HeadName, operator)
	if db.IsUniqueViolation(err) {
		// Another request created the township's station meanwhile.
		return Station{}, (apperr.Fields{"township_code": township.Name + "已有社工站，一个乡镇（街道）只设一个社工站"}).Err()
	}
	if err != nil {
		return Station{}, err
	}
	st := Station{ID: unit.ID, CountyID: county.ID, CountyName: county.Name, Name: unit.Name, TownshipCode: township.Code, TownshipName: township.Name,
		TownshipKind: township.KindLabel, Address: in.Address, Phone: in.Phone, OpenedOn: in.OpenedOn, HeadName: in.HeadName,
		OperatorID: in.OperatorID, OperatorName: operatorName, Active: true, Version: unit.Version, Path: unit.Path,
		CreatedAt: unit.CreatedAt, UpdatedAt: unit.UpdatedAt}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: EntityStation, EntityID: st.ID, OrgPath: st.Path,
		Summary: "新建社工站：" + st.Name + "（" + township.Name + "）", Changes: audit.Diff(nil, st.fields())}); err != nil {
		return Station{}, err
	}
	if _, err := EnsureChecklist(ctx, tx, county); err != nil {
		return Station{}, err
	}
	return st, nil
}

// UpdateStation changes a station's details, checking the version the
// user saw (the org node's). Station heads may change the details of
// their own station; the name, operator and active state are the
// county's decision (PermNetworkManage).
func UpdateStation(ctx context.Context, tx db.Querier, actor *authz.Actor, id string, version int, in StationInput, active bool) (Station, error) {
	before, err := GetStation(ctx, tx, actor, id)
	if err != nil {
		return Station{}, err
	}
	fe := apperr.Fields{}
	if c := strings.TrimSpace(in.TownshipCode); c != "" && c != before.TownshipCode {
		fe.Add("township_code", "建站后不能更改乡镇（街道）；如需调整，请停用本站后为新的乡镇（街道）建站")
	}
	operatorName, err := in.checkDetails(ctx, tx, actor, fe, before.OperatorID)
	if err != nil {
		return Station{}, err
	}
	if in.Name == "" {
		in.Name = before.Name
	}
	if !actor.Can(authz.PermNetworkManage) {
		if in.Name != before.Name {
			fe.Add("name", "只有县级管理员可以更改社工站名称")
		}
		if in.OperatorID != before.OperatorID {
			fe.Add("operator_id", "只有县级管理员可以更改运营机构")
		}
		if active != before.Active {
			fe.Add("active", "只有县级管理员可以停用或启用社工站")
		}
	}
	if err := fe.Err(); err != nil {
		return Station{}, err
	}
	unit, err := org.Update(ctx, tx, actor, id, version, in.Name, before.TownshipCode, active)
	if err != nil {
		return Station{}, err
	}
	var operator any
	if in.OperatorID != "" {
		operator = in.OperatorID
	}
	if _, err := tx.Exec(ctx, `UPDATE stations SET address = ?, phone = ?, opened_on = ?, head_name = ?, operator_id = ? WHERE org_id = ?`,
		in.Address, in.Phone, in.OpenedOn, in.HeadName, operator, id); err != nil {
		return Station{}, err
	}
	after := before
	after.Name, after.Address, after.Phone, after.OpenedOn, after.HeadName = unit.Name, in.Address, in.Phone, in.OpenedOn, in.HeadName
	after.OperatorID, after.OperatorName, after.Active, after.Version, after.UpdatedAt = in.OperatorID, operatorName, active, unit.Version, unit.UpdatedAt
	if changes := audit.Diff(before.fields(), after.fields()); len(changes) > 0 {
		err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: EntityStation, EntityID: id, OrgPath: after.Path,
			Summary: "修改社工站：" + after.Name, Changes: changes})
	}
	return after, err
}

// SetStationActive opens or closes (停用) a station, keeping everything
// else: the alternative offered when a station cannot be deleted.
func SetStationActive(ctx context.Context, tx db.Querier, actor *authz.Actor, id string, version int, active bool) (Station, error) {
	s, err := GetStation(ctx, tx, actor, id)
	if err != nil {
		return Station{}, err
	}
	in := StationInput{Name: s.Name, Address: s.Address, Phone: s.Phone, OpenedOn: s.OpenedOn, HeadName: s.HeadName, OperatorID: s.OperatorID}
	return UpdateStation(ctx, tx, actor, id, version, in, active)
}

// DeleteStation removes a station created by mistake. A station that has
// rooms, user accounts, assessments or any other module's records is
// kept (refused with the reason): it can be deactivated instead.
func DeleteStation(ctx context.Context, tx db.Querier, actor *authz.Actor, id string, version int) error {
	s, err := GetStation(ctx, tx, actor, id)
	if err != nil {
		return err
	}
	if s.Version != version {
		return apperr.ErrStale()
	}
	var rooms, users, assessments int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM org_units WHERE parent_id = ?`, id).Scan(&rooms); err != nil {
		return err
	}
	under, underArgs := authz.SubtreeCond(tx.Dialect(), "o.path", s.Path)
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users u JOIN org_units o ON o.id = u.org_id WHERE `+under, underArgs...).Scan(&users); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM assessments WHERE station_id = ?`, id).Scan(&assessments); err != nil {
		return err
	}
	var reasons []string
	if rooms > 0 {
		reasons = append(reasons, strconv.Itoa(rooms)+" 个社工室")
	}
	if users > 0 {
		reasons = append(reasons, strconv.Itoa(users)+" 个用户账号")
	}
	if assessments > 0 {
		reasons = append(reasons, strconv.Itoa(assessments)+" 条评估记录")
	}
	if len(reasons) > 0 {
		return apperr.New(apperr.Conflict, "“%s”下还有%s，不能删除；如该站不再运行，请改为停用（记录都会保留）", s.Name, strings.Join(reasons, "、"))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM stations WHERE org_id = ?`, id); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionDelete, Entity: EntityStation, EntityID: id, OrgPath: s.Path,
		Summary: "删除社工站：" + s.Name, Changes: removed(s.fields())}); err != nil {
		return err
	}
	return org.Delete(ctx, tx, actor, id, version)
}

// bareNode finds an org node of kind under parent with the division code
// that has no details row in table yet ("" ID when there is none).
func bareNode(ctx context.Context, q db.Querier, parentID string, kind org.Kind, table, code string) (org.Unit, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT o.id FROM org_units o WHERE o.parent_id = ? AND o.kind = ? AND o.division_code = ?
		AND NOT EXISTS (SELECT 1 FROM `+table+` t WHERE t.org_id = o.id) ORDER BY o.created_at LIMIT 1`, parentID, kind, code).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return org.Unit{}, nil
	}
	if err != nil {
		return org.Unit{}, err
	}
	return org.Get(ctx, q, id)
}

// BareStations lists the station nodes in the actor's scope that have no
// station details yet (made through the generic organisation pages):
// they are not counted in coverage until someone completes them, which
// CreateStation does when given the node's county and township.
func BareStations(ctx context.Context, q db.Querier, actor *authz.Actor) ([]org.Unit, error) {
	cond, args := actor.ScopeCond(q.Dialect(), "o.path")
	rows, err := q.Query(ctx, `SELECT o.id FROM org_units o WHERE o.kind = 'station' AND `+cond+`
		AND NOT EXISTS (SELECT 1 FROM stations s WHERE s.org_id = o.id) ORDER BY o.division_code, o.id LIMIT 50`, args...)
	if err != nil {
		return nil, err
	}
	var idList []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		idList = append(idList, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]org.Unit, 0, len(idList))
	for _, id := range idList {
		u, err := org.Get(ctx, q, id)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// DivisionsTaken maps the codes of divisions under parent that already have
// a station (villages false: township codes) or a room (villages true:
// village codes) to the name of that station or room, for a picker to mark
// them. parent is a division code; its descendants share it as a prefix,
// and codes are at most 12 digits.
func DivisionsTaken(ctx context.Context, q db.Querier, parent string, villages bool) (map[string]string, error) {
	query := `SELECT t.township_code, o.name FROM stations t JOIN org_units o ON o.id = t.org_id
		WHERE t.township_code >= ? AND t.township_code <= ?`
	if villages {
		query = `SELECT t.village_code, o.name FROM rooms t JOIN org_units o ON o.id = t.org_id
		WHERE t.village_code >= ? AND t.village_code <= ?`
	}
	hi := parent + strings.Repeat("9", max(12-len(parent), 0))
	rows, err := q.Query(ctx, query, parent, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	taken := map[string]string{}
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			return nil, err
		}
		taken[code] = name
	}
	return taken, rows.Err()
}
