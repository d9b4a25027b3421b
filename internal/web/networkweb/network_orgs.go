package networkweb

import (
	"bytes"
	"mime"
	"strconv"

	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/network"
	"github.com/shegong/shegong/internal/workforce"
)

// Service organisations (社工机构) and the coverage page.

func orgStatusOptions() []kit.Option {
	var out []kit.Option
	for _, st := range network.OrgStatuses {
		out = append(out, kit.Option{Code: string(st), Label: st.Label()})
	}
	return out
}

func (s *Handlers) OrganisationList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 30)
	orgs, total, err := network.ListOrganisations(c.Context(), s.App.DB, c.Actor, network.OrganisationFilter{Text: p.Q, Status: p.Query.Get("status"),
		Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.Render("network_orgs", &kit.Page{Title: "社工机构", Data: map[string]any{
		"Orgs": orgs, "Pager": kit.NewPager(p, total), "Params": p, "Statuses": orgStatusOptions(),
	}})
}

func (s *Handlers) OrganisationShow(c *kit.Ctx) error {
	o, err := network.GetOrganisation(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	stations, _, err := network.ListStations(c.Context(), s.App.DB, c.Actor, network.StationFilter{OperatorID: o.ID, Limit: network.MaxListLimit})
	if err != nil {
		return err
	}
	return c.Render("network_org", &kit.Page{Title: o.Name, Data: map[string]any{"Org": o, "Stations": stations,
		"CanManage": c.Actor.Can(authz.PermNetworkManage) && c.Actor.Covers(o.CountyPath), "CanAudit": c.Actor.Can(authz.PermAuditRead)}})
}

func (s *Handlers) organisationFormPage(c *kit.Ctx, f *kit.Form, o *network.Organisation) (*kit.Page, error) {
	counties, err := network.Counties(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return nil, err
	}
	title := "登记社工机构"
	if o != nil {
		title = "编辑社工机构：" + o.Name
	}
	return &kit.Page{Title: title, Form: f, Data: map[string]any{"Org": o, "Counties": counties, "Statuses": orgStatusOptions()}}, nil
}

func (s *Handlers) OrganisationNew(c *kit.Ctx) error {
	p, err := s.organisationFormPage(c, kit.NewCreateForm(map[string]string{"status": string(network.StatusActive)}), nil)
	if err != nil {
		return err
	}
	return c.Render("network_org_form", p)
}

func organisationInputFrom(f *kit.Form) network.OrganisationInput {
	return network.OrganisationInput{ID: f.Get("id"), CountyID: f.Get("county_id"), Name: f.Get("name"), CreditCode: f.Get("credit_code"),
		RegisteredOn: f.Get("registered_on"), ContactName: f.Get("contact_name"), ContactPhone: f.Get("contact_phone"),
		IncubatedBy: f.Get("incubated_by"), Status: network.OrgStatus(f.Get("status"))}
}

func (s *Handlers) OrganisationCreate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	var o network.Organisation
	err := c.Write(func(tx *db.Tx) error {
		var err error
		o, err = network.CreateOrganisation(c.Context(), tx, c.Actor, organisationInputFrom(f))
		return err
	})
	if err != nil {
		p, perr := s.organisationFormPage(c, f, nil)
		if perr != nil {
			return perr
		}
		return c.RenderForm("network_org_form", p, err)
	}
	return c.Redirect("/network/organisations/"+o.ID, "已登记社工机构："+o.Name)
}

func (s *Handlers) OrganisationEdit(c *kit.Ctx) error {
	o, err := network.GetOrganisation(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	f := kit.NewForm(map[string]string{"name": o.Name, "credit_code": o.CreditCode, "registered_on": o.RegisteredOn, "contact_name": o.ContactName,
		"contact_phone": o.ContactPhone, "incubated_by": o.IncubatedBy, "status": string(o.Status), "version": strconv.Itoa(o.Version)})
	p, err := s.organisationFormPage(c, f, &o)
	if err != nil {
		return err
	}
	return c.Render("network_org_form", p)
}

func (s *Handlers) OrganisationUpdate(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	cur, err := network.GetOrganisation(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	var o network.Organisation
	err = c.Write(func(tx *db.Tx) error {
		o, err = network.UpdateOrganisation(c.Context(), tx, c.Actor, cur.ID, version, organisationInputFrom(f))
		return err
	})
	if err != nil {
		p, perr := s.organisationFormPage(c, f, &cur)
		if perr != nil {
			return perr
		}
		return c.RenderForm("network_org_form", p, err)
	}
	return c.Redirect("/network/organisations/"+o.ID, "已保存")
}

func (s *Handlers) OrganisationDelete(c *kit.Ctx) error {
	f := kit.FormFrom(c.R)
	version, err := kit.FormVersion(f)
	if err != nil {
		return err
	}
	err = c.Write(func(tx *db.Tx) error {
		return network.DeleteOrganisation(c.Context(), tx, c.Actor, c.PathValue("id"), version)
	})
	if err != nil {
		return err
	}
	return c.Redirect("/network/organisations", "已删除社工机构")
}

// ---- coverage ----

// homeCoverage puts the county's coverage on the home page of those who
// follow it (administrators, supervisors, evaluators, leaders) in a
// county. Above the county there is no one county to show: the coverage
// page lists them.
func (s *Handlers) HomeCoverage(c *kit.Ctx) (*kit.HomeSection, error) {
	if !c.Actor.Can(authz.PermNetworkCoverage) {
		return nil, nil
	}
	county, err := org.CountyOf(c.Context(), c.DB(), c.Actor.OrgPath)
	if err != nil || county.ID == "" {
		return nil, err
	}
	cov, err := network.CountyCoverage(c.Context(), s.App.DB, c.Actor, county.ID)
	if apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.OutOfScope) {
		return nil, nil // no county in scope (a platform with none yet)
	}
	if err != nil {
		return nil, err
	}
	return &kit.HomeSection{Key: "coverage", Title: "社工站覆盖：" + cov.CountyName, Order: 45, Cards: []kit.HomeCard{
		{Label: "覆盖率（" + strconv.Itoa(cov.CoveredCount) + "/" + strconv.Itoa(cov.TownshipCount) + " 个乡镇街道）", Value: network.RatePercent(cov.Rate), Link: "/network/coverage"},
		{Label: "标准化示范站", Value: strconv.Itoa(cov.Demonstrations), Link: "/network/stations?demo=1"},
		{Label: "社工室", Value: strconv.Itoa(cov.Rooms), Link: "/network/rooms"},
	}}, nil
}

func (s *Handlers) CoveragePage(c *kit.Ctx) error {
	q := c.R.URL.Query()
	cov, err := network.CountyCoverage(c.Context(), s.App.DB, c.Actor, q.Get("county"))
	if err != nil {
		return err
	}
	counties, err := network.Counties(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return err
	}
	// "missing" shows only the townships still without an open station.
	rows := cov.Townships
	if q.Get("show") == "missing" {
		rows = nil
		for _, t := range cov.Townships {
			if !t.StationActive {
				rows = append(rows, t)
			}
		}
	}
	return c.Render("network_coverage", &kit.Page{Title: "覆盖情况：" + cov.CountyName, Data: map[string]any{
		"Coverage": cov, "Rows": rows, "Counties": counties, "Show": q.Get("show"),
		"Rate": network.RatePercent(cov.Rate), "VillageRate": network.RatePercent(cov.VillageRate),
		"CanManage": c.Actor.Can(authz.PermNetworkManage), "StaffRule": workforce.StaffRule,
	}})
}

// CoverageExport computes the county's coverage in a read transaction,
// records the export in a short write afterwards, then sends the file.
func (s *Handlers) CoverageExport(c *kit.Ctx) error {
	var buf bytes.Buffer
	var cov network.Coverage
	var entry audit.Entry
	err := c.Read(func(q db.Querier) error {
		var err error
		cov, entry, err = network.ExportCoverage(c.Context(), q, c.Actor, c.R.URL.Query().Get("county"), &buf)
		return err
	})
	if err == nil {
		err = c.Write(func(tx *db.Tx) error { return audit.Record(c.Context(), tx, c.Actor, entry) })
	}
	if err != nil {
		return err
	}
	h := c.W.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": network.CoverageFilename(cov)}))
	h.Set("Cache-Control", "no-store")
	_, err = buf.WriteTo(c.W)
	return err
}
