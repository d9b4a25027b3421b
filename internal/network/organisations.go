package network

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/validate"
)

// OrgStatus is the state of a service organisation.
type OrgStatus string

const (
	StatusActive       OrgStatus = "active"       // 正常
	StatusSuspended    OrgStatus = "suspended"    // 暂停服务
	StatusDeregistered OrgStatus = "deregistered" // 已注销
)

// OrgStatuses lists the states in display order.
var OrgStatuses = []OrgStatus{StatusActive, StatusSuspended, StatusDeregistered}

var orgStatusLabels = map[OrgStatus]string{StatusActive: "正常", StatusSuspended: "暂停服务", StatusDeregistered: "已注销"}

// Label is the status's Chinese name.
func (s OrgStatus) Label() string { return orgStatusLabels[s] }

// Valid reports whether s is a known status.
func (s OrgStatus) Valid() bool { _, ok := orgStatusLabels[s]; return ok }

// Organisation is a social work service organisation (社工机构).
type Organisation struct {
	ID           string    `json:"id"`
	CountyID     string    `json:"county_id"`
	CountyName   string    `json:"county_name"`
	Name         string    `json:"name"`
	CreditCode   string    `json:"credit_code"`
	RegisteredOn string    `json:"registered_on"`
	ContactName  string    `json:"contact_name"`
	ContactPhone string    `json:"contact_phone"`
	IncubatedBy  string    `json:"incubated_by"`
	Status       OrgStatus `json:"status"`
	StatusLabel  string    `json:"status_label"`
	StationCount int       `json:"station_count"` // stations it operates
	Version      int       `json:"version"`
	CountyPath   string    `json:"-"`
	CreatedAt    string    `json:"created_at"`
	UpdatedAt    string    `json:"updated_at"`
}

const organisationSelect = `SELECT so.id, so.org_id, c.name, so.name, so.credit_code, so.registered_on, so.contact_name, so.contact_phone,
	so.incubated_by, so.status, (SELECT COUNT(*) FROM stations s WHERE s.operator_id = so.id), so.version, c.path, so.created_at, so.updated_at
	FROM service_orgs so JOIN org_units c ON c.id = so.org_id`

func scanOrganisation(row interface{ Scan(...any) error }) (Organisation, error) {
	var o Organisation
	err := row.Scan(&o.ID, &o.CountyID, &o.CountyName, &o.Name, &o.CreditCode, &o.RegisteredOn, &o.ContactName, &o.ContactPhone,
		&o.IncubatedBy, &o.Status, &o.StationCount, &o.Version, &o.CountyPath, &o.CreatedAt, &o.UpdatedAt)
	o.StatusLabel = o.Status.Label()
	return o, err
}

// visibleTo is the scope rule for organisations: they belong to a county's
// registry, which everyone in the county reads (a station head sees the
// organisation running their station), and those above the county too.
func visibleTo(actor *authz.Actor, countyPath string) bool {
	return actor.Covers(countyPath) || (actor != nil && strings.HasPrefix(actor.OrgPath, countyPath))
}

// GetOrganisation loads an organisation the actor may see.
func GetOrganisation(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Organisation, error) {
	o, err := scanOrganisation(q.QueryRow(ctx, organisationSelect+` WHERE so.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Organisation{}, apperr.ErrNotFound("社工机构")
	}
	if err != nil {
		return o, err
	}
	if !visibleTo(actor, o.CountyPath) {
		return Organisation{}, apperr.ErrOutOfScope()
	}
	return o, nil
}

// OrganisationFilter selects organisations for a list.
type OrganisationFilter struct {
	CountyID      string
	Text          string // name, credit code or contact
	Status        string
	Sort          string // name, registered, stations, status
	Desc          bool
	Offset, Limit int
}

// organisationOrder is the whitelist of organisation list orders.
var organisationOrder = db.Order{
	Keys: map[string]string{"name": "so.name", "registered": "so.registered_on", "status": "so.status",
		"stations": "(SELECT COUNT(*) FROM stations s WHERE s.operator_id = so.id)"},
	Default: "so.name", ReverseDefault: true, Tie: "so.id",
}

// ListOrganisations returns the organisations the actor may see that
// match f, and the total.
func ListOrganisations(ctx context.Context, q db.Querier, actor *authz.Actor, f OrganisationFilter) ([]Organisation, int, error) {
	var c db.Conds
	cond, args := actor.ScopeCond(q.Dialect(), "c.path")
	// Or the actor lies inside the county (their path starts with its path).
	c.Add("("+cond+" OR ? LIKE (c.path || '%'))", append(args, actor.OrgPath)...)
	if f.CountyID != "" {
		c.Add("so.org_id = ?", f.CountyID)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		p := "%" + db.Like(t) + "%"
		c.Add(`(so.name LIKE ? ESCAPE '\' OR so.credit_code LIKE ? ESCAPE '\' OR so.contact_name LIKE ? ESCAPE '\')`, p, db.Like(validate.NormalizeCreditCode(t))+"%", p)
	}
	if f.Status != "" {
		c.Add("so.status = ?", f.Status)
	}
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*) FROM service_orgs so JOIN org_units c ON c.id = so.org_id`,
		Select: organisationSelect,
		Where:  c,
		Order:  organisationOrder.By(f.Sort, f.Desc),
		Limit:  clampLimit(f.Limit),
		Offset: max(f.Offset, 0),
	}, scanOrganisation)
}

// OrganisationInput is what a user submits for an organisation.
type OrganisationInput struct {
	ID           string    `json:"id,omitempty"` // create only: the id the form was drawn with
	CountyID     string    `json:"county_id"`
	Name         string    `json:"name"`
	CreditCode   string    `json:"credit_code"`
	RegisteredOn string    `json:"registered_on"`
	ContactName  string    `json:"contact_name"`
	ContactPhone string    `json:"contact_phone"`
	IncubatedBy  string    `json:"incubated_by"`
	Status       OrgStatus `json:"status"`
}

func (o Organisation) fields() []audit.Field {
	return []audit.Field{
		{Name: "name", Label: "名称", Value: o.Name},
		{Name: "credit_code", Label: "统一社会信用代码", Value: o.CreditCode},
		{Name: "registered_on", Label: "登记日期", Value: o.RegisteredOn},
		{Name: "contact_name", Label: "联系人", Value: o.ContactName},
		{Name: "contact_phone", Label: "联系电话", Value: o.ContactPhone},
		{Name: "incubated_by", Label: "孵化单位", Value: o.IncubatedBy},
		{Name: "status", Label: "状态", Value: o.Status.Label()},
	}
}

func (in *OrganisationInput) check(ctx context.Context, q db.Querier, selfID string) (apperr.Fields, error) {
	fe := apperr.Fields{}
	in.Name = validate.Text(fe, "name", "机构名称", in.Name, 60, true)
	in.CreditCode = validate.NormalizeCreditCode(in.CreditCode)
	if err := validate.CreditCode(in.CreditCode); err != nil {
		fe.Add("credit_code", err.Error())
	} else {
		var other string
		err := q.QueryRow(ctx, `SELECT name FROM service_orgs WHERE credit_code = ? AND id <> ?`, in.CreditCode, selfID).Scan(&other)
		if err == nil {
			fe.Add("credit_code", "该统一社会信用代码已登记为“"+other+"”")
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fe, err
		}
	}
	in.RegisteredOn, _, _ = validate.Date(fe, "registered_on", "登记日期", in.RegisteredOn, false)
	in.ContactName = validate.Text(fe, "contact_name", "联系人", in.ContactName, 30, false)
	in.ContactPhone = checkPhone(fe, "contact_phone", in.ContactPhone)
	in.IncubatedBy = validate.Text(fe, "incubated_by", "孵化单位", in.IncubatedBy, 60, false)
	if in.Status == "" {
		in.Status = StatusActive
	}
	if !in.Status.Valid() {
		fe.Add("status", "请选择状态")
	}
	return fe, nil
}

// CreateOrganisation registers an organisation in a county's registry.
func CreateOrganisation(ctx context.Context, tx db.Querier, actor *authz.Actor, in OrganisationInput) (Organisation, error) {
	id, err := createID(in.ID)
	if err != nil {
		return Organisation{}, err
	}
	if in.ID != "" {
		if o, err := GetOrganisation(ctx, tx, actor, id); err == nil {
			return o, nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return Organisation{}, err
		}
	}
	fe, err := in.check(ctx, tx, "")
	if err != nil {
		return Organisation{}, err
	}
	county, err := countyFor(ctx, tx, actor, strings.TrimSpace(in.CountyID))
	switch {
	case apperr.Is(err, apperr.NotFound):
		fe.Add("county_id", "请选择所属县（区）")
	case err != nil:
		return Organisation{}, err
	case !actor.Covers(county.Path):
		return Organisation{}, apperr.ErrOutOfScope()
	}
	if err := fe.Err(); err != nil {
		return Organisation{}, err
	}
	now := cst.NowStamp()
	o := Organisation{ID: id, CountyID: county.ID, CountyName: county.Name, Name: in.Name, CreditCode: in.CreditCode,
		RegisteredOn: in.RegisteredOn, ContactName: in.ContactName, ContactPhone: in.ContactPhone, IncubatedBy: in.IncubatedBy,
		Status: in.Status, StatusLabel: in.Status.Label(), Version: 1, CountyPath: county.Path, CreatedAt: now, UpdatedAt: now}
	_, err = tx.Exec(ctx, `INSERT INTO service_orgs (id, org_id, name, credit_code, registered_on, contact_name, contact_phone, incubated_by, status, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, o.ID, o.CountyID, o.Name, o.CreditCode, o.RegisteredOn, o.ContactName, o.ContactPhone,
		o.IncubatedBy, o.Status, now, now)
	if db.IsUniqueViolation(err) {
		return Organisation{}, (apperr.Fields{"credit_code": "该统一社会信用代码已登记"}).Err()
	}
	if err != nil {
		return Organisation{}, err
	}
	err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionCreate, Entity: EntityOrganisation, EntityID: o.ID, OrgPath: county.Path,
		Summary: "登记社工机构：" + o.Name, Changes: audit.Diff(nil, o.fields())})
	return o, err
}

// UpdateOrganisation changes an organisation, checking the version.
func UpdateOrganisation(ctx context.Context, tx db.Querier, actor *authz.Actor, id string, version int, in OrganisationInput) (Organisation, error) {
	before, err := GetOrganisation(ctx, tx, actor, id)
	if err != nil {
		return Organisation{}, err
	}
	if !actor.Covers(before.CountyPath) {
		return Organisation{}, apperr.ErrOutOfScope()
	}
	fe, err := in.check(ctx, tx, id)
	if err != nil {
		return Organisation{}, err
	}
	if err := fe.Err(); err != nil {
		return Organisation{}, err
	}
	after := before
	after.Name, after.CreditCode, after.RegisteredOn, after.ContactName, after.ContactPhone = in.Name, in.CreditCode, in.RegisteredOn, in.ContactName, in.ContactPhone
	after.IncubatedBy, after.Status, after.StatusLabel, after.UpdatedAt = in.IncubatedBy, in.Status, in.Status.Label(), cst.NowStamp()
	res, err := tx.Exec(ctx, `UPDATE service_orgs SET name = ?, credit_code = ?, registered_on = ?, contact_name = ?, contact_phone = ?, incubated_by = ?,
		status = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`, after.Name, after.CreditCode, after.RegisteredOn,
		after.ContactName, after.ContactPhone, after.IncubatedBy, after.Status, after.UpdatedAt, id, version)
	if db.IsUniqueViolation(err) {
		return Organisation{}, (apperr.Fields{"credit_code": "该统一社会信用代码已登记"}).Err()
	}
	if err := db.Versioned(res, err); err != nil {
		return Organisation{}, err
	}
	after.Version = version + 1
	if changes := audit.Diff(before.fields(), after.fields()); len(changes) > 0 {
		err = audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: EntityOrganisation, EntityID: id, OrgPath: after.CountyPath,
			Summary: "修改社工机构：" + after.Name, Changes: changes})
	}
	return after, err
}

// DeleteOrganisation removes an organisation registered by mistake; one
// that operates stations is refused (mark it 已注销 instead).
func DeleteOrganisation(ctx context.Context, tx db.Querier, actor *authz.Actor, id string, version int) error {
	o, err := GetOrganisation(ctx, tx, actor, id)
	if err != nil {
		return err
	}
	if !actor.Covers(o.CountyPath) {
		return apperr.ErrOutOfScope()
	}
	if o.StationCount > 0 {
		return apperr.New(apperr.Conflict, "“%s”正在运营 %d 个社工站，不能删除；请先更换这些站的运营机构，或把机构状态改为“已注销”", o.Name, o.StationCount)
	}
	res, err := tx.Exec(ctx, `DELETE FROM service_orgs WHERE id = ? AND version = ?`, id, version)
	if db.IsForeignKeyViolation(err) {
		return apperr.New(apperr.Conflict, "“%s”还有关联的业务记录，不能删除；可以把状态改为“已注销”", o.Name)
	}
	if err := db.Versioned(res, err); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionDelete, Entity: EntityOrganisation, EntityID: id, OrgPath: o.CountyPath,
		Summary: "删除社工机构：" + o.Name, Changes: removed(o.fields())})
}

// OrganisationOptions lists the organisations that may operate stations
// of a county (not deregistered), for pickers.
func OrganisationOptions(ctx context.Context, q db.Querier, actor *authz.Actor, county org.Unit) ([]Organisation, error) {
	all, _, err := ListOrganisations(ctx, q, actor, OrganisationFilter{CountyID: county.ID, Limit: MaxListLimit})
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, o := range all {
		if o.Status != StatusDeregistered {
			out = append(out, o)
		}
	}
	return out, nil
}
