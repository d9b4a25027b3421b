package groups

import (
	"context"
	"mime/multipart"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// EntitySessionPhoto is the attachment owner of a session's photos
// (internal/web/coreweb/attachments.go serves them through GetSession).
const EntitySessionPhoto = "group_session"

// PhotoField is the form field of an uploaded photo, named in errors.
const PhotoField = "photo"

// AddSessionPhoto stores, in tx, one photo of session id for an actor
// who may write groups in its scope, under the rule of a correction
// (UpdateSession): after the county's lock period only an actor who may
// unlock (groups.unlock: the station head) adds one, and never once the
// group is cancelled or evaluated. The session's and its group's rows
// are locked in tx before their state is read, so a change of either
// running at the same time waits for this one (or this one sees it).
// The photo's reference is its attachment row (owner EntitySessionPhoto,
// the session's id, the group's organisation path); attach.Store checks
// the image and audits the upload, and the same photo sent again is the
// one already stored.
func AddSessionPhoto(ctx context.Context, tx *db.Tx, store *attach.Store, actor *authz.Actor, id string, fh *multipart.FileHeader) (attach.Attachment, error) {
	if err := actor.Require(authz.PermGroupsWrite); err != nil {
		return attach.Attachment{}, err
	}
	if fh == nil {
		return attach.Attachment{}, apperr.Fields{PhotoField: "请选择照片"}.Err()
	}
	// No-op updates take the rows' write locks (PostgreSQL keeps them to
	// the end of tx; SQLite has one writer anyway). A missing row is left
	// to the read that follows.
	if _, err := tx.Exec(ctx, `UPDATE grp_sessions SET version = version WHERE id = ?`, id); err != nil {
		return attach.Attachment{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE grp_groups SET version = version WHERE id = (SELECT group_id FROM grp_sessions WHERE id = ?)`, id); err != nil {
		return attach.Attachment{}, err
	}
	s, g, err := GetSession(ctx, tx, actor, id)
	if err != nil {
		return attach.Attachment{}, err
	}
	if s.Locked && !actor.Can(authz.PermGroupsUnlock) {
		return attach.Attachment{}, apperr.New(apperr.Forbidden, "本节记录已于 %s 锁定，修改需由站长进行", s.LocksOn)
	}
	if g.Stage == StageCancelled || g.Stage == StageEvaluated {
		return attach.Attachment{}, apperr.New(apperr.BadRequest, "小组%s，记录不能再修改", g.StageLabel)
	}
	return store.SaveImage(ctx, tx, actor, attach.Owner{Entity: EntitySessionPhoto, ID: s.ID, OrgPath: g.OrgPath}, PhotoField, fh)
}
