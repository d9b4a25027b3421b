package networkweb

import (
	"net/http"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/division"
	"github.com/shegong/shegong/internal/network"
)

// The service network in the JSON API, on the same services and
// permissions as the pages. Documented in openapi/network.json.

// ---- stations ----

func (s *Handlers) ApiStations(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	q := p.Query
	items, total, err := network.ListStations(c.Context(), s.App.DB, c.Actor, network.StationFilter{CountyID: q.Get("county_id"), Text: p.Q,
		Active: q.Get("active"), Demonstration: q.Get("demonstration"), OperatorID: q.Get("operator_id"), Sort: p.Sort, Desc: p.Desc,
		Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiStation(c *kit.Ctx) error {
	st, err := network.GetStation(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Handlers) ApiStationCreate(c *kit.Ctx) error {
	var in network.StationInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var st network.Station
	err := c.Write(func(tx *db.Tx) error {
		var err error
		st, err = network.CreateStation(c.Context(), tx, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, st)
}

// stationPatch is a partial update: absent fields keep their values.
type stationPatch struct {
	Version      int     `json:"version"`
	TownshipCode *string `json:"township_code"`
	Name         *string `json:"name"`
	Address      *string `json:"address"`
	Phone        *string `json:"phone"`
	OpenedOn     *string `json:"opened_on"`
	HeadName     *string `json:"head_name"`
	OperatorID   *string `json:"operator_id"`
	Active       *bool   `json:"active"`
}

func (s *Handlers) ApiStationUpdate(c *kit.Ctx) error {
	var in stationPatch
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := kit.RequireVersion(in.Version); err != nil {
		return err
	}
	cur, err := network.GetStation(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	ui := network.StationInput{Name: cur.Name, Address: cur.Address, Phone: cur.Phone, OpenedOn: cur.OpenedOn, HeadName: cur.HeadName, OperatorID: cur.OperatorID}
	active := cur.Active
	kit.Patch(&ui.TownshipCode, in.TownshipCode)
	kit.Patch(&ui.Name, in.Name)
	kit.Patch(&ui.Address, in.Address)
	kit.Patch(&ui.Phone, in.Phone)
	kit.Patch(&ui.OpenedOn, in.OpenedOn)
	kit.Patch(&ui.HeadName, in.HeadName)
	kit.Patch(&ui.OperatorID, in.OperatorID)
	kit.Patch(&active, in.Active)
	var st network.Station
	err = c.Write(func(tx *db.Tx) error {
		st, err = network.UpdateStation(c.Context(), tx, c.Actor, cur.ID, in.Version, ui, active)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Handlers) ApiStationDelete(c *kit.Ctx) error {
	version, err := kit.QueryVersion(c)
	if err != nil {
		return err
	}
	err = c.Write(func(tx *db.Tx) error {
		return network.DeleteStation(c.Context(), tx, c.Actor, c.PathValue("id"), version)
	})
	if err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- assessments ----

func (s *Handlers) ApiAssessments(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	items, total, err := network.ListAssessments(c.Context(), s.App.DB, c.Actor, c.PathValue("id"), p.Offset(), p.Size)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiAssessment(c *kit.Ctx) error {
	a, err := network.GetAssessment(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	if a.Photos, err = s.App.Attach.List(c.Context(), s.App.DB, network.EntityAssessment, a.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

// apiAssessmentCreate records an assessment from JSON; photos are added
// through the web form (multipart), not here.
func (s *Handlers) ApiAssessmentCreate(c *kit.Ctx) error {
	var in network.AssessmentInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var a network.Assessment
	err := c.Write(func(tx *db.Tx) error {
		var err error
		a, err = network.CreateAssessment(c.Context(), tx, c.Actor, s.App.Attach, c.PathValue("id"), in, nil)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

// ---- rooms ----

func (s *Handlers) ApiRooms(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	items, total, err := network.ListRooms(c.Context(), s.App.DB, c.Actor, network.RoomFilter{StationID: p.Query.Get("station_id"), Text: p.Q,
		Active: p.Query.Get("active"), Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiRoom(c *kit.Ctx) error {
	r, err := network.GetRoom(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Handlers) ApiRoomCreate(c *kit.Ctx) error {
	var in network.RoomInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var r network.Room
	err := c.Write(func(tx *db.Tx) error {
		var err error
		r, err = network.CreateRoom(c.Context(), tx, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

type roomPatch struct {
	Version     int     `json:"version"`
	VillageCode *string `json:"village_code"`
	Name        *string `json:"name"`
	Address     *string `json:"address"`
	Phone       *string `json:"phone"`
	OpenedOn    *string `json:"opened_on"`
	Active      *bool   `json:"active"`
}

func (s *Handlers) ApiRoomUpdate(c *kit.Ctx) error {
	var in roomPatch
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := kit.RequireVersion(in.Version); err != nil {
		return err
	}
	cur, err := network.GetRoom(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	ui := network.RoomInput{Name: cur.Name, Address: cur.Address, Phone: cur.Phone, OpenedOn: cur.OpenedOn}
	active := cur.Active
	kit.Patch(&ui.VillageCode, in.VillageCode)
	kit.Patch(&ui.Name, in.Name)
	kit.Patch(&ui.Address, in.Address)
	kit.Patch(&ui.Phone, in.Phone)
	kit.Patch(&ui.OpenedOn, in.OpenedOn)
	kit.Patch(&active, in.Active)
	var r network.Room
	err = c.Write(func(tx *db.Tx) error {
		r, err = network.UpdateRoom(c.Context(), tx, c.Actor, cur.ID, in.Version, ui, active)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Handlers) ApiRoomDelete(c *kit.Ctx) error {
	version, err := kit.QueryVersion(c)
	if err != nil {
		return err
	}
	err = c.Write(func(tx *db.Tx) error {
		return network.DeleteRoom(c.Context(), tx, c.Actor, c.PathValue("id"), version)
	})
	if err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- organisations ----

func (s *Handlers) ApiOrganisations(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 50)
	items, total, err := network.ListOrganisations(c.Context(), s.App.DB, c.Actor, network.OrganisationFilter{CountyID: p.Query.Get("county_id"),
		Text: p.Q, Status: p.Query.Get("status"), Sort: p.Sort, Desc: p.Desc, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items, Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiOrganisation(c *kit.Ctx) error {
	o, err := network.GetOrganisation(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (s *Handlers) ApiOrganisationCreate(c *kit.Ctx) error {
	var in network.OrganisationInput
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	var o network.Organisation
	err := c.Write(func(tx *db.Tx) error {
		var err error
		o, err = network.CreateOrganisation(c.Context(), tx, c.Actor, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, o)
}

type organisationPatch struct {
	Version      int                `json:"version"`
	Name         *string            `json:"name"`
	CreditCode   *string            `json:"credit_code"`
	RegisteredOn *string            `json:"registered_on"`
	ContactName  *string            `json:"contact_name"`
	ContactPhone *string            `json:"contact_phone"`
	IncubatedBy  *string            `json:"incubated_by"`
	Status       *network.OrgStatus `json:"status"`
}

func (s *Handlers) ApiOrganisationUpdate(c *kit.Ctx) error {
	var in organisationPatch
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	if err := kit.RequireVersion(in.Version); err != nil {
		return err
	}
	cur, err := network.GetOrganisation(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	ui := network.OrganisationInput{Name: cur.Name, CreditCode: cur.CreditCode, RegisteredOn: cur.RegisteredOn, ContactName: cur.ContactName,
		ContactPhone: cur.ContactPhone, IncubatedBy: cur.IncubatedBy, Status: cur.Status}
	kit.Patch(&ui.Name, in.Name)
	kit.Patch(&ui.CreditCode, in.CreditCode)
	kit.Patch(&ui.RegisteredOn, in.RegisteredOn)
	kit.Patch(&ui.ContactName, in.ContactName)
	kit.Patch(&ui.ContactPhone, in.ContactPhone)
	kit.Patch(&ui.IncubatedBy, in.IncubatedBy)
	kit.Patch(&ui.Status, in.Status)
	var o network.Organisation
	err = c.Write(func(tx *db.Tx) error {
		o, err = network.UpdateOrganisation(c.Context(), tx, c.Actor, cur.ID, in.Version, ui)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (s *Handlers) ApiOrganisationDelete(c *kit.Ctx) error {
	version, err := kit.QueryVersion(c)
	if err != nil {
		return err
	}
	err = c.Write(func(tx *db.Tx) error {
		return network.DeleteOrganisation(c.Context(), tx, c.Actor, c.PathValue("id"), version)
	})
	if err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- divisions, checklist, coverage ----

// apiDivisions lists the children of ?parent= (provinces when parent is
// absent and there is no q), or searches by name or code prefix (?q=,
// optional ?level=). The code list is public reference data.
func (s *Handlers) ApiDivisions(c *kit.Ctx) error {
	q := c.R.URL.Query()
	p := kit.ListParamsFrom(c.R, 50)
	var items []division.Division
	var err error
	if text := q.Get("q"); text != "" {
		items, err = division.Search(c.Context(), s.App.DB, text, division.Level(q.Get("level")), p.Offset()+p.Size)
	} else {
		items, err = division.Children(c.Context(), s.App.DB, q.Get("parent"))
	}
	if err != nil {
		return err
	}
	total := len(items)
	lo, hi := min(p.Offset(), total), min(p.Offset()+p.Size, total)
	return c.JSON(http.StatusOK, kit.ListJSON{Items: items[lo:hi], Total: total, Limit: p.Size, Offset: p.Offset()})
}

func (s *Handlers) ApiDivision(c *kit.Ctx) error {
	d, err := division.Get(c.Context(), s.App.DB, c.PathValue("code"))
	if err != nil {
		return err
	}
	ancestors, err := division.Ancestors(c.Context(), s.App.DB, d.Code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"division": d, "ancestors": ancestors})
}

func (s *Handlers) ApiChecklist(c *kit.Ctx) error {
	counties, err := network.Counties(c.Context(), s.App.DB, c.Actor)
	if err != nil {
		return err
	}
	want := c.R.URL.Query().Get("county_id")
	for _, county := range counties {
		if want == "" || county.ID == want {
			items, err := network.Checklist(c.Context(), s.App.DB, county.ID, false)
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, map[string]any{"county_id": county.ID, "county_name": county.Name, "items": items})
		}
	}
	return apperr.New(apperr.NotFound, "您的负责范围内没有该县（区）")
}

func (s *Handlers) ApiCoverage(c *kit.Ctx) error {
	cov, err := network.CountyCoverage(c.Context(), s.App.DB, c.Actor, c.R.URL.Query().Get("county_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cov)
}
