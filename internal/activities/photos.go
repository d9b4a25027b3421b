package activities

import (
	"context"
	"mime/multipart"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// Attachment owners: photos of an activity, and scans of its sign-in
// sheet (internal/web/coreweb/attachments.go serves both through Get).
const (
	EntityPhoto  = "activity"
	EntitySignin = "activity_signin"
)

// PhotoField is the form field of an uploaded photo, named in errors.
const PhotoField = "photo"

// AddPhoto stores, in tx, one photo of activity id — with signin, a
// scan of its sign-in sheet — for an actor who may write activities in
// its scope. Photos are added while the activity is to be held or held
// (Recordable), not once it is cancelled or archived. The activity's
// row is locked in tx before its state is read, so an archive or cancel
// running at the same time waits for this one (or this one sees it).
// The photo's reference is its attachment row (owner EntityPhoto or
// EntitySignin, the activity's id and organisation path); attach.Store
// checks the image (type, size) and audits the upload, and the same
// photo sent again is the one already stored.
func AddPhoto(ctx context.Context, tx *db.Tx, store *attach.Store, actor *authz.Actor, id string, signin bool, fh *multipart.FileHeader) (attach.Attachment, error) {
	if err := actor.Require(authz.PermActivitiesWrite); err != nil {
		return attach.Attachment{}, err
	}
	if fh == nil {
		return attach.Attachment{}, apperr.Fields{PhotoField: "请选择照片"}.Err()
	}
	if err := lockRow(ctx, tx, id); err != nil {
		return attach.Attachment{}, err
	}
	a, err := Get(ctx, tx, actor, id)
	if err != nil {
		return attach.Attachment{}, err
	}
	if !a.Recordable() {
		return attach.Attachment{}, apperr.New(apperr.BadRequest, "活动%s，不能再添加照片", a.StatusLabel)
	}
	entity := EntityPhoto
	if signin {
		entity = EntitySignin
	}
	return store.SaveImage(ctx, tx, actor, attach.Owner{Entity: entity, ID: a.ID, OrgPath: a.OrgPath}, PhotoField, fh)
}

// lockRow takes the write lock of activity id's row in tx (a no-op
// update: PostgreSQL holds the row until tx ends; SQLite has one writer
// anyway), so what tx reads of it next stays true until tx commits.
// A missing row is left to the read that follows.
func lockRow(ctx context.Context, tx *db.Tx, id string) error {
	_, err := tx.Exec(ctx, `UPDATE activities SET version = version WHERE id = ?`, id)
	return err
}
