package coreweb

import (
	"net/http"
	"time"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/groups"
	"github.com/shegong/shegong/internal/recipients"

	"github.com/shegong/shegong/internal/web/kit"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/network"
	"github.com/shegong/shegong/internal/referrals"
	"github.com/shegong/shegong/internal/visits"
)

// Downloads of uploaded files, scope-checked like the records they belong to.

// attachmentOwners says, for each kind of owner record, whether the
// actor may read that record — and so its files. It loads the record
// through its own module, so every rule of that record applies (the
// permission, the scope, the children rule for visits). A kind missing
// here is never served.
var attachmentOwners = map[string]func(s *Handlers, c *kit.Ctx, ownerID string) error{
	"visit": func(s *Handlers, c *kit.Ctx, id string) error {
		_, err := visits.Get(c.Context(), s.App.DB, s.App.Keys, c.Actor, id)
		return err
	},
	// A referral's signed consent: for those who write referrals in scope.
	referrals.ConsentEntity: func(s *Handlers, c *kit.Ctx, id string) error {
		if err := c.Actor.Require(authz.PermReferralsWrite); err != nil {
			return err
		}
		_, err := referrals.Get(c.Context(), s.App.DB, nil, c.Actor, id)
		return err
	},
	// A case's signed agreement: under the case's content rule.
	casework.AgreementEntity: func(s *Handlers, c *kit.Ctx, id string) error {
		cs, err := casework.Get(c.Context(), s.App.DB, c.Actor, id)
		if err != nil {
			return err
		}
		if ok, err := casework.CanReadContent(c.Context(), s.App.DB, c.Actor, cs); err != nil || !ok {
			return apperr.ErrForbidden()
		}
		return nil
	},
	// A recipient's signed consent form: for the roles that see the consent in full.
	recipients.ConsentEntity: func(s *Handlers, c *kit.Ctx, id string) error {
		return recipients.CanReadConsentScan(c.Context(), s.App.DB, c.Actor, id)
	},
	network.EntityAssessment: func(s *Handlers, c *kit.Ctx, id string) error {
		if err := c.Actor.Require(authz.PermNetworkRead); err != nil {
			return err
		}
		_, err := network.GetAssessment(c.Context(), s.App.DB, c.Actor, id)
		return err
	},
	// Photos and sign-in sheets of community activities.
	activities.EntityPhoto: func(s *Handlers, c *kit.Ctx, id string) error {
		_, err := activities.Get(c.Context(), s.App.DB, c.Actor, id)
		return err
	},
	activities.EntitySignin: func(s *Handlers, c *kit.Ctx, id string) error {
		_, err := activities.Get(c.Context(), s.App.DB, c.Actor, id)
		return err
	},
	// Photos of group sessions.
	groups.EntitySessionPhoto: func(s *Handlers, c *kit.Ctx, id string) error {
		_, _, err := groups.GetSession(c.Context(), s.App.DB, c.Actor, id)
		return err
	},
}

func (s *Handlers) AttachmentGet(c *kit.Ctx) error {
	a, f, err := s.App.Attach.Open(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	defer f.Close()
	mayRead, ok := attachmentOwners[a.OwnerEntity]
	if !ok {
		return apperr.ErrForbidden()
	}
	if err := mayRead(s, c, a.OwnerID); err != nil {
		return err
	}
	h := c.W.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Cache-Control", "no-store") // personal photos: no copy in any cache
	h.Set("Content-Disposition", "inline")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	http.ServeContent(c.W, c.R, "", time.Time{}, f)
	return nil
}
