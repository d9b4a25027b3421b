package web

import (
	"net/http"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/network"
)

// Downloads of uploaded files, scope-checked like the records they belong to.

func (s *Server) routesAttachments() {
	s.add(
		Route{Method: "GET", Pattern: "/attachments/{id}", Perm: authz.PermHome, Handle: s.attachmentGet},
		Route{Method: "GET", Pattern: "/api/v1/attachments/{id}", Perm: authz.PermHome, Handle: s.attachmentGet},
	)
}

// attachmentReadPerm is the permission to read each kind of owner record,
// and so its files: a volunteer who may not read visit records may not
// download their photos either. A kind missing here is never served.
var attachmentReadPerm = map[string]authz.Permission{
	"visit":                  authz.PermVisitsRead,
	network.EntityAssessment: authz.PermNetworkRead,
}

func (s *Server) attachmentGet(c *Ctx) error {
	a, f, err := s.App.Attach.Open(c.Context(), c.Actor, c.PathValue("id"))
	if err != nil {
		return err
	}
	defer f.Close()
	if perm, ok := attachmentReadPerm[a.OwnerEntity]; !ok || !c.Actor.Can(perm) {
		return apperr.ErrForbidden()
	}
	h := c.W.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Disposition", "inline")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	http.ServeContent(c.W, c.R, "", time.Time{}, f)
	return nil
}
