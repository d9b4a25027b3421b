package activities_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
)

// photo is a real multipart upload of a small PNG; shade makes photos
// differ (the same bytes sent again are the photo already stored).
func photo(t *testing.T, shade uint8) *multipart.FileHeader {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: shade, A: 255})
	var body bytes.Buffer
	if err := png.Encode(&body, img); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile(activities.PhotoField, "现场.png")
	_, _ = w.Write(body.Bytes())
	mw.Close()
	req := httptest.NewRequest("POST", "/", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if err := req.ParseMultipartForm(1 << 20); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = req.MultipartForm.RemoveAll() })
	return req.MultipartForm.File[activities.PhotoField][0]
}

// files counts the files stored under dir.
func files(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Photos are added while an activity is to be held or held, never once
// it is cancelled or archived; the rule is the domain's, checked in the
// write transaction, and a refused upload leaves neither row nor file.
func TestAddPhotoFollowsTheActivityState(t *testing.T) {
	f := newFixture(t)
	store := &attach.Store{DB: f.db, Dir: t.TempDir(), Keys: f.keys}
	add := func(actor *authz.Actor, a activities.Activity, signin bool, shade uint8) (attach.Attachment, error) {
		var out attach.Attachment
		err := f.tx(func(tx *db.Tx) error {
			var err error
			out, err = activities.AddPhoto(f.ctx, tx, store, actor, a.ID, signin, photo(t, shade))
			return err
		})
		return out, err
	}
	planned := f.mustPlan("2026-03-26", "健步走", activities.KindActivity)
	p, err := add(f.workerA, planned, false, 1)
	if err != nil || p.OwnerEntity != activities.EntityPhoto || p.OwnerID != planned.ID {
		t.Fatalf("photo of a planned activity: %+v %v", p, err)
	}
	s, err := add(f.workerA, planned, true, 2)
	if err != nil || s.OwnerEntity != activities.EntitySignin {
		t.Fatalf("sign-in scan: %+v %v", s, err)
	}
	if again, err := add(f.workerA, planned, false, 1); err != nil || again.ID != p.ID {
		t.Fatalf("the same photo again: %+v %v", again, err)
	}
	if _, err := add(f.workerB, planned, false, 3); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("another station's worker: %v", err)
	}
	if _, err := add(f.volunteerUser, planned, false, 3); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("a volunteer: %v", err)
	}

	held := f.mustPlan("2026-03-19", "反诈宣讲进村", activities.KindPublicity)
	held, err = f.hold(f.workerA, held, goodHold(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := add(f.workerA, held, false, 4); err != nil {
		t.Fatalf("photo of a held activity: %v", err)
	}
	archived, err := f.tx2(func(tx *db.Tx) (activities.Activity, error) {
		return activities.Archive(f.ctx, tx, f.workerA, held.ID, held.Version)
	})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, err := f.tx2(func(tx *db.Tx) (activities.Activity, error) {
		return activities.Cancel(f.ctx, tx, f.workerA, planned.ID, planned.Version, "雨天")
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, stored := f.count(`SELECT COUNT(*) FROM attachments`), files(t, store.Dir)
	for _, a := range []activities.Activity{archived, cancelled} {
		for _, signin := range []bool{false, true} {
			if _, err := add(f.workerA, a, signin, 5); !apperr.Is(err, apperr.BadRequest) {
				t.Fatalf("photo of a %s activity: %v", a.Status, err)
			}
		}
	}
	if n := f.count(`SELECT COUNT(*) FROM attachments`); n != rows || n != 3 {
		t.Fatalf("%d attachment rows after refusals, want 3", n)
	}
	if n := files(t, store.Dir); n != stored || n != 3 {
		t.Fatalf("%d files after refusals, want 3", n)
	}
}
