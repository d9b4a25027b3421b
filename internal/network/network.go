// Package network is the service network of a county: township social
// work stations (社工站), village rooms (社工室), the social work service
// organisations (社工机构) that run them, the standardisation checklist
// and its assessments, and coverage figures.
//
// Stations and rooms are nodes of the organisation tree (package org), so
// users' scope can point at them; this package keeps their details in its
// own tables keyed by the node id, and creates or deletes node and details
// in one transaction.
package network

import (
	"context"
	"embed"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/validate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the network schema. It refers to org_units, users (for staff
// counts and delete checks) and divisions, so it migrates after them.
var Module = db.MustLoadModule("network", migrations, "migrations")

// Entities as named in the audit log and on attachments.
const (
	EntityStation      = "station"
	EntityRoom         = "room"
	EntityOrganisation = "service_org"
	EntityChecklist    = "checklist_item"
	EntityAssessment   = "assessment"
)

// MaxListLimit caps a page of any list.
const MaxListLimit = 200

func clampLimit(n int) int {
	if n <= 0 {
		return 50
	}
	return min(n, MaxListLimit)
}

// checkPhone validates an optional phone and returns it normalised.
func checkPhone(fe apperr.Fields, field, v string) string {
	v = validate.NormalizePhone(strings.TrimSpace(v))
	if v != "" && !validate.Phone(v) {
		fe.Add(field, validate.PhoneMessage)
	}
	return v
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// Counties lists the active county nodes the actor's scope covers, in
// tree order; for an actor scoped below a county (a station head) it is
// that county alone, so pickers and checklists still work for them.
func Counties(ctx context.Context, q db.Querier, actor *authz.Actor) ([]org.Unit, error) {
	units, _, err := org.List(ctx, q, actor, org.Filter{Kind: org.KindCounty, Active: "1", Limit: 500})
	if err != nil || len(units) > 0 {
		return units, err
	}
	self, err := org.Get(ctx, q, actor.OrgID)
	if err != nil {
		return nil, err
	}
	c, err := org.CountyOf(ctx, q, self.Path)
	if err != nil || c.ID == "" {
		return nil, err
	}
	return []org.Unit{c}, nil
}

// countyFor finds the county a request names (by id), or the actor's
// only county when id is "". The actor must cover the county, or lie
// inside it.
func countyFor(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (org.Unit, error) {
	counties, err := Counties(ctx, q, actor)
	if err != nil {
		return org.Unit{}, err
	}
	for _, c := range counties {
		if id == "" || c.ID == id {
			return c, nil
		}
	}
	if id == "" {
		return org.Unit{}, apperr.New(apperr.NotFound, "您的负责范围内没有县（区）")
	}
	u, err := org.Get(ctx, q, id)
	if err != nil {
		return org.Unit{}, err
	}
	if u.Kind != org.KindCounty {
		return org.Unit{}, apperr.New(apperr.NotFound, "“%s”不是县（区）", u.Name)
	}
	return org.Unit{}, apperr.ErrOutOfScope()
}

// removed lists a deleted record's fields as changes to empty, so the
// audit log keeps what was deleted.
func removed(fields []audit.Field) []audit.Change {
	var out []audit.Change
	for _, f := range fields {
		if f.Value == "" {
			continue
		}
		c := audit.Change{Field: f.Name, Label: f.Label, Before: f.Value}
		if f.Sensitive {
			c.Before = "（已加密）"
		}
		out = append(out, c)
	}
	return out
}

// createID reads the id a create form was drawn with, so the same form
// sent twice makes one record: "" makes a new one.
func createID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return ids.New(), nil
	}
	if !ids.Valid(id) {
		return "", (apperr.Fields{"id": "记录编号应为小写的 UUID，或留空由系统生成"}).Err()
	}
	return id, nil
}
