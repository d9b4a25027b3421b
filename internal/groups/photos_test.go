package groups_test

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

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/groups"
)

// photo is a real multipart upload of a small PNG; shade makes photos
// differ (the same bytes sent again are the photo already stored).
func photo(t *testing.T, shade uint8) *multipart.FileHeader {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{G: shade, A: 255})
	var body bytes.Buffer
	if err := png.Encode(&body, img); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile(groups.PhotoField, "小组.png")
	_, _ = w.Write(body.Bytes())
	mw.Close()
	req := httptest.NewRequest("POST", "/", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if err := req.ParseMultipartForm(1 << 20); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = req.MultipartForm.RemoveAll() })
	return req.MultipartForm.File[groups.PhotoField][0]
}

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

// A session's photos follow the rule of correcting its record: after
// the lock period only the station head adds one, and nobody once the
// group is cancelled. A refused upload leaves neither row nor file.
func TestSessionPhotoFollowsTheLock(t *testing.T) {
	f := newFixture(t)
	store := &attach.Store{DB: f.db, Dir: t.TempDir(), Keys: f.keys}
	p1 := f.person("张桂英", "1950-02-01")
	g := f.advance(f.group())
	m1, err := f.member(g, groups.MemberInput{RecipientID: p1.ID, JoinedOn: "2026-04-05"})
	if err != nil {
		t.Fatal(err)
	}
	g = f.advance(g)
	s, err := f.session(f.workerA, g, groups.SessionInput{HeldOn: "2026-04-10", StartTime: "09:00", Minutes: 90, Theme: "相识", Content: "破冰",
		Attendance: []groups.Attendance{{MemberID: m1.ID, Status: "present"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.tx(func(tx *db.Tx) error { return groups.SetLockDays(f.ctx, tx, f.admin, f.county.ID, 3) }); err != nil {
		t.Fatal(err)
	}
	add := func(actor *authz.Actor, shade uint8) (attach.Attachment, error) {
		var a attach.Attachment
		err := f.tx(func(tx *db.Tx) error {
			var err error
			a, err = groups.AddSessionPhoto(f.ctx, tx, store, actor, s.ID, photo(t, shade))
			return err
		})
		return a, err
	}
	f.setNow("2026-04-13 20:00")
	if a, err := add(f.workerA, 1); err != nil || a.OwnerEntity != groups.EntitySessionPhoto || a.OwnerID != s.ID || a.OrgPath != g.OrgPath {
		t.Fatalf("photo before the lock: %+v %v", a, err)
	}
	if _, err := add(f.workerB, 2); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("another station's worker: %v", err)
	}
	f.setNow("2026-04-14 08:00")
	if _, err := add(f.workerA, 2); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("photo after the lock by a worker: %v", err)
	}
	if _, err := add(f.head, 3); err != nil {
		t.Fatalf("photo after the lock by the head: %v", err)
	}
	if err := f.tx(func(tx *db.Tx) error {
		cur, err := groups.Get(f.ctx, tx, f.head, g.ID)
		if err != nil {
			return err
		}
		_, err = groups.Cancel(f.ctx, tx, f.head, g.ID, cur.Version, "成员大多外出务工")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := add(f.head, 4); !apperr.Is(err, apperr.BadRequest) {
		t.Fatalf("photo of a cancelled group's session: %v", err)
	}
	if n := f.count(`SELECT COUNT(*) FROM attachments WHERE owner_id = ?`, s.ID); n != 2 {
		t.Fatalf("%d photos stored, want 2", n)
	}
	if n := files(t, store.Dir); n != 2 {
		t.Fatalf("%d files stored, want 2", n)
	}
}
