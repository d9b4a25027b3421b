package activitiesweb

import (
	"strconv"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/groups"
	"github.com/shegong/shegong/internal/web/kit"
	"github.com/shegong/shegong/internal/workforce"
)

// myService gathers a volunteer's own page: their hours (logged by hand
// or counted from group sessions and activities), the groups they serve
// in and the activities their station plans next.
func (s *Handlers) myService(c *kit.Ctx) (map[string]any, error) {
	ctx := c.Context()
	mine, err := workforce.Mine(ctx, c.DB(), c.Actor, cst.Today()[:4])
	if apperr.Is(err, apperr.NotFound) {
		return map[string]any{"Linked": false}, nil
	}
	if err != nil {
		return nil, err
	}
	grps, err := groups.OfVolunteer(ctx, c.DB(), c.Actor, mine.VolunteerID)
	if err != nil {
		return nil, err
	}
	var upcoming []activities.Activity
	if c.Actor.Can(authz.PermActivitiesRead) {
		if upcoming, err = activities.Upcoming(ctx, c.DB(), c.Actor, 30, 20); err != nil {
			return nil, err
		}
	}
	return map[string]any{"Linked": true, "Mine": mine, "Groups": grps, "Upcoming": upcoming}, nil
}

// MyService is the volunteer's page of their own service.
func (s *Handlers) MyService(c *kit.Ctx) error {
	data, err := s.myService(c)
	if err != nil {
		return err
	}
	return c.Render("activities_mine", &kit.Page{Title: "我的志愿服务", Data: data})
}

// HomeMyService puts a volunteer's hours and assignments on their home
// page.
func (s *Handlers) HomeMyService(c *kit.Ctx) (*kit.HomeSection, error) {
	if c.Actor.Role != authz.RoleVolunteer {
		return nil, nil
	}
	data, err := s.myService(c)
	if err != nil {
		return nil, err
	}
	sec := &kit.HomeSection{Key: "my-service", Title: "我的志愿服务", Order: 1}
	if !data["Linked"].(bool) {
		sec.Note = "您的账号尚未关联志愿者登记信息，请联系站长。"
		return sec, nil
	}
	mine := data["Mine"].(workforce.MyService)
	sec.Cards = []kit.HomeCard{
		{Label: "累计服务时长（小时）", Value: mine.TotalHours, Link: "/my-service"},
		{Label: "今年服务时长（小时）", Value: mine.YearHours, Link: "/my-service"},
		{Label: "我参与的小组", Value: strconv.Itoa(len(data["Groups"].([]groups.Group))), Link: "/my-service#groups"},
		{Label: "近 30 天站点活动", Value: strconv.Itoa(len(data["Upcoming"].([]activities.Activity))), Link: "/my-service#upcoming"},
	}
	return sec, nil
}
