package recipientsweb

import (
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/web/kit"
)

// Pages of households (家庭): the list of the households in the actor's
// scope and each household with its members. Members are added and
// removed on a member's recipient page (recipients.go); the JSON API is
// in recipients_api.go.

// householdRow is a household as the list shows it: the members the
// actor may see, by name, and how many there are in all.
type householdRow struct {
	recipients.Household
	MemberCount int
}

func (s *Handlers) HouseholdList(c *kit.Ctx) error {
	p := kit.ListParamsFrom(c.R, 20)
	items, total, err := recipients.ListHouseholds(c.Context(), s.App.DB, c.Actor, recipients.HouseholdFilter{
		Text: p.Q, OrgID: p.Query.Get("org"), Sort: p.Sort, Desc: p.Desc, Members: true, Offset: p.Offset(), Limit: p.Size})
	if err != nil {
		return err
	}
	units, err := s.Picker(c, kit.PickStations, "org", p.Query.Get("org"))
	if err != nil {
		return err
	}
	rows := make([]householdRow, 0, len(items))
	for _, h := range items {
		rows = append(rows, householdRow{Household: h, MemberCount: len(h.Members) + h.HiddenMembers})
	}
	return c.Render("households", &kit.Page{Title: "家庭", Data: map[string]any{
		"Items": rows, "Pager": kit.NewPager(p, total), "Params": p, "OrgPicker": units}})
}

// householdMemberRow is a member with their status in words.
type householdMemberRow struct {
	recipients.Member
	StatusLabel string
	Child       bool
}

func (s *Handlers) HouseholdShow(c *kit.Ctx) error {
	h, err := recipients.GetHousehold(c.Context(), s.App.DB, c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	members := make([]householdMemberRow, 0, len(h.Members))
	for _, m := range h.Members {
		members = append(members, householdMemberRow{Member: m, StatusLabel: recipients.StatusLabel(m.Status),
			Child: recipients.IsChild(m.BirthDate)})
	}
	return c.Render("household", &kit.Page{Title: h.Name, Data: map[string]any{
		"H": h, "Members": members, "MemberCount": len(h.Members) + h.HiddenMembers,
		"CanEdit": c.Actor.Can(authz.PermRecipientsManage), "CanAudit": c.Actor.Can(authz.PermAuditRead)}})
}
