package attach_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
)

// fileHeader builds a real multipart upload of body named name.
func fileHeader(t *testing.T, name string, body []byte) *multipart.FileHeader {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("photo", name)
	_, _ = w.Write(body)
	mw.Close()
	req := httptest.NewRequest("POST", "/", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if err := req.ParseMultipartForm(32 << 20); err != nil {
		t.Fatal(err)
	}
	return req.MultipartForm.File["photo"][0]
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSaveImageChecksTypeAndSize(t *testing.T) {
	d := dbtest.Open(t, audit.Module, attach.Module)
	s := &attach.Store{DB: d, Dir: t.TempDir()}
	ctx := context.Background()
	actor := &authz.Actor{UserID: "u1", OrgPath: "/a/"}
	owner := attach.Owner{Entity: "assessment", ID: "x1", OrgPath: "/a/b/"}

	a, err := s.SaveImage(ctx, d, actor, owner, "photos", fileHeader(t, "站点.png", pngBytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	if a.ContentType != "image/png" || a.Filename != "站点.png" {
		t.Fatalf("stored %+v", a)
	}
	// The same bytes for the same record again (an offline replay) are
	// the photo already stored.
	again, err := s.SaveImage(ctx, d, actor, owner, "photos", fileHeader(t, "IMG_0001.png", pngBytes(t)))
	if err != nil || again.ID != a.ID {
		t.Fatalf("the same photo again: %+v %v", again, err)
	}

	// A text file named .jpg is refused by its content.
	_, err = s.SaveImage(ctx, d, actor, owner, "photos", fileHeader(t, "fake.jpg", []byte("hello, not an image")))
	if ae, ok := apperr.As(err); !ok || ae.Fields["photos"] == "" {
		t.Fatalf("non-image accepted: %v", err)
	}
	// Too large.
	big := append(pngBytes(t), make([]byte, attach.MaxImageBytes)...)
	_, err = s.SaveImage(ctx, d, actor, owner, "photos", fileHeader(t, "big.png", big))
	if ae, ok := apperr.As(err); !ok || ae.Fields["photos"] == "" {
		t.Fatalf("oversized accepted: %v", err)
	}

	list, err := s.List(ctx, d, "assessment", "x1")
	if err != nil || len(list) != 1 {
		t.Fatalf("list = %v, %v; want only the good photo", list, err)
	}

	// Reading back checks scope.
	_, f, err := s.Open(ctx, actor, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, pngBytes(t)) {
		t.Fatal("file content differs")
	}
	outsider := &authz.Actor{UserID: "u2", OrgPath: "/other/"}
	if _, _, err := s.Open(ctx, outsider, a.ID); !apperr.Is(err, apperr.OutOfScope) {
		t.Fatalf("outsider opened the file: %v", err)
	}
}

// A photo saved in a transaction that later fails leaves neither its row
// nor its file; one in a committed transaction keeps both.
func TestSaveImageInARolledBackTransactionLeavesNoFile(t *testing.T) {
	d := dbtest.Open(t, audit.Module, attach.Module)
	dir := t.TempDir()
	s := &attach.Store{DB: d, Dir: dir}
	ctx := context.Background()
	actor := &authz.Actor{UserID: "u1", OrgPath: "/a/"}
	owner := attach.Owner{Entity: "visit", ID: "v1", OrgPath: "/a/b/"}
	files := func() int {
		n := 0
		_ = filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.SaveImage(ctx, tx, actor, owner, "photos", fileHeader(t, "one.png", pngBytes(t))); err != nil {
			return err
		}
		if files() != 1 {
			t.Fatalf("the first photo is not on disk during the transaction")
		}
		_, err := s.SaveImage(ctx, tx, actor, owner, "photos", fileHeader(t, "two.jpg", []byte("not an image")))
		return err
	})
	if err == nil {
		t.Fatal("the second, bad photo was accepted")
	}
	if n := files(); n != 0 {
		t.Fatalf("%d orphan files after the rollback", n)
	}
	if list, _ := s.List(ctx, d, "visit", "v1"); len(list) != 0 {
		t.Fatalf("rows after the rollback: %v", list)
	}
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := s.SaveImage(ctx, tx, actor, owner, "photos", fileHeader(t, "three.png", pngBytes(t)))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n := files(); n != 1 {
		t.Fatalf("%d files after a commit, want 1", n)
	}
}
