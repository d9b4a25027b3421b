package visits

import (
	"context"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
)

// Every visit is a service (探访) and leaves its service record, written
// with the visit and corrected only through it. Visits recorded before
// service records existed were backfilled by migration 0004.
func init() {
	services.RegisterSource(services.SourceKind{Name: ServiceSource, Label: "探访记录", OwnTimeline: true,
		Link: func(id string) string { return "/visits/" + id }})
}

// ServiceSource names visits as the source of service records.
const ServiceSource = "visit"

// ServiceCategory is the content category of a visit's service record
// (精神慰藉: a caring visit); a county whose list lacks it sees the
// record unclassified.
const ServiceCategory = "comfort"

// serviceRecord writes the service record of visit v.
func serviceRecord(ctx context.Context, tx db.Querier, keys *secure.Keyring, actor *authz.Actor, v Visit) error {
	in := services.Input{RecipientID: v.RecipientID, OrgID: v.OrgID, Kind: services.KindVisit, Category: ServiceCategory,
		ServedAt: v.VisitedAt}
	if v.Method == MethodHome {
		in.Place = "服务对象家中"
	}
	for _, p := range v.Visitors {
		in.Staff = append(in.Staff, services.Staff{UserID: p.UserID, Name: p.Name})
	}
	_, err := services.Derive(ctx, tx, keys, actor, ServiceSource, v.ID, in)
	return err
}
