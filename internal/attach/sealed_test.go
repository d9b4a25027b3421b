package attach_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/secure"
)

// exifSegment builds an APP1 Exif segment (little-endian TIFF) with
// Orientation, Make and a GPS IFD holding a latitude and a date stamp.
func exifSegment(orientation uint16) []byte {
	le := binary.LittleEndian
	var t []byte
	t = append(t, "II*\x00"...)
	t = le.AppendUint32(t, 8)
	// IFD0 at 8: 3 entries, then next-IFD 0.
	ifd0 := 8
	makeAt := ifd0 + 2 + 3*12 + 4
	gpsAt := makeAt + 12
	entry := func(tag, typ uint16, count, value uint32) {
		t = le.AppendUint16(t, tag)
		t = le.AppendUint16(t, typ)
		t = le.AppendUint32(t, count)
		t = le.AppendUint32(t, value)
	}
	t = le.AppendUint16(t, 3)
	entry(0x0112, 3, 1, uint32(orientation))
	entry(0x010F, 2, 12, uint32(makeAt))
	entry(0x8825, 4, 1, uint32(gpsAt))
	t = le.AppendUint32(t, 0)
	t = append(t, "SECRETMAKE!\x00"...)
	// GPS IFD: LatitudeRef "N", Latitude (3 rationals), DateStamp.
	latAt := gpsAt + 2 + 3*12 + 4
	dateAt := latAt + 24
	t = le.AppendUint16(t, 3)
	entry(0x0001, 2, 2, uint32('N'))
	entry(0x0002, 5, 3, uint32(latAt))
	entry(0x001D, 2, 11, uint32(dateAt))
	t = le.AppendUint32(t, 0)
	for _, v := range []uint32{35, 1, 39, 1, 2901, 100} {
		t = le.AppendUint32(t, v)
	}
	t = append(t, "2026:11:29\x00"...)
	body := append([]byte("Exif\x00\x00"), t...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	return append(seg, body...)
}

// phoneJPEG is a JPEG as a phone writes it: Exif with GPS right after
// SOI, an XMP packet with the position again and a comment.
func phoneJPEG(t *testing.T, orientation uint16) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for x := range 16 {
		img.Set(x, x%8, color.RGBA{uint8(x * 15), 90, 30, 255})
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	plain := buf.Bytes()
	xmp := append([]byte("http://ns.adobe.com/xap/1.0/\x00"), `<x:xmpmeta><rdf:Description exif:GPSLatitude="35,39.29N"/></x:xmpmeta>`...)
	xmpSeg := append([]byte{0xFF, 0xE1, byte((len(xmp) + 2) >> 8), byte(len(xmp) + 2)}, xmp...)
	com := []byte("COMMENT-SECRET")
	comSeg := append([]byte{0xFF, 0xFE, 0, byte(len(com) + 2)}, com...)
	var out []byte
	out = append(out, plain[:2]...)
	out = append(out, exifSegment(orientation)...)
	out = append(out, xmpSeg...)
	out = append(out, comSeg...)
	out = append(out, plain[2:]...)
	return out
}

// orientationOf reads the orientation a viewer would apply: IFD0 tag
// 0x0112 of the first Exif segment (0 without one).
func orientationOf(b []byte) int {
	i := bytes.Index(b, []byte("Exif\x00\x00"))
	if i < 0 {
		return 0
	}
	tiff := b[i+6:]
	var bo binary.ByteOrder = binary.BigEndian
	if string(tiff[:2]) == "II" {
		bo = binary.LittleEndian
	}
	off := int(bo.Uint32(tiff[4:]))
	for k := range int(bo.Uint16(tiff[off:])) {
		e := tiff[off+2+12*k:]
		if bo.Uint16(e) == 0x0112 {
			return int(bo.Uint16(e[8:]))
		}
	}
	return 0
}

func TestJPEGUploadLosesGPSAndKeepsOrientation(t *testing.T) {
	in := phoneJPEG(t, 6)
	if _, err := jpeg.Decode(bytes.NewReader(in)); err != nil || orientationOf(in) != 6 || !bytes.Contains(in, []byte("2026:11:29")) {
		t.Fatalf("the test photo itself: %v", err)
	}
	d := dbtest.Open(t, audit.Module, attach.Module)
	keys, _ := secure.LoadOrCreate(filepath.Join(t.TempDir(), "k"))
	s := &attach.Store{DB: d, Dir: t.TempDir(), Keys: keys}
	ctx := context.Background()
	actor := &authz.Actor{UserID: "u1", OrgPath: "/a/"}
	a, err := s.SaveImage(ctx, d, actor, attach.Owner{Entity: "visit", ID: "v1", OrgPath: "/a/b/"}, "photos", fileHeader(t, "IMG_0001.jpg", in))
	if err != nil {
		t.Fatal(err)
	}
	_, rc, err := s.Open(ctx, actor, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	for _, secret := range []string{"SECRETMAKE", "2026:11:29", "GPSLatitude", "COMMENT-SECRET", "\x25\x88"} {
		if bytes.Contains(got, []byte(secret)) {
			t.Errorf("the stored photo still holds %q", secret)
		}
	}
	if o := orientationOf(got); o != 6 {
		t.Errorf("orientation %d after upload, want 6", o)
	}
	img, err := jpeg.Decode(bytes.NewReader(got))
	if err != nil || img.Bounds().Dx() != 16 || img.Bounds().Dy() != 8 {
		t.Fatalf("the stored photo does not decode as the original: %v", err)
	}
	if a.Size != int64(len(got)) {
		t.Errorf("size %d, served %d bytes", a.Size, len(got))
	}
	// A photo without metadata is stored byte for byte.
	var plain bytes.Buffer
	jpeg.Encode(&plain, image.NewGray(image.Rect(0, 0, 4, 4)), nil)
	out, err := attach.StripJPEGMetadata(plain.Bytes())
	if err != nil || !bytes.Equal(out, plain.Bytes()) {
		t.Fatalf("a clean JPEG was changed: %v", err)
	}
	if _, err := attach.StripJPEGMetadata(in[:40]); err == nil {
		t.Fatal("a truncated JPEG was accepted")
	}
}

// Photos are sealed on disk; files stored before sealing still open and
// are sealed by ResealFiles, which also moves sealed files to a new key.
func TestFilesAreSealedAtRestAndResealed(t *testing.T) {
	d := dbtest.Open(t, audit.Module, attach.Module)
	old, _ := secure.LoadOrCreate(filepath.Join(t.TempDir(), "k"))
	dir := t.TempDir()
	s := &attach.Store{DB: d, Dir: dir, Keys: old}
	ctx := context.Background()
	actor := &authz.Actor{UserID: "u1", OrgPath: "/a/"}
	owner := attach.Owner{Entity: "visit", ID: "v1", OrgPath: "/a/b/"}
	photo := pngBytes(t)
	sealed, err := s.SaveImage(ctx, d, actor, owner, "photos", fileHeader(t, "a.png", photo))
	if err != nil {
		t.Fatal(err)
	}
	// An older install wrote the file as it was.
	legacy, err := (&attach.Store{DB: d, Dir: dir}).SaveImage(ctx, d, actor, owner, "photos", fileHeader(t, "b.png", jpegBytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	onDisk := func() map[string][]byte {
		out := map[string][]byte{}
		filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				b, _ := os.ReadFile(p)
				out[p] = b
				st, _ := os.Stat(p)
				if st.Mode().Perm() != 0o600 {
					t.Errorf("%s: mode %v", p, st.Mode().Perm())
				}
			}
			return nil
		})
		return out
	}
	files := onDisk()
	if len(files) != 2 {
		t.Fatalf("%d files", len(files))
	}
	nSealed := 0
	for _, b := range files {
		if bytes.Contains(b, photo[8:]) {
			t.Error("the sealed photo is readable on disk")
		}
		if secure.IsSealedBytes(b) {
			nSealed++
		}
	}
	if nSealed != 1 {
		t.Fatalf("%d sealed files, want 1", nSealed)
	}
	read := func(s *attach.Store, id string) []byte {
		_, rc, err := s.Open(ctx, actor, id)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return b
	}
	before := map[string][]byte{sealed.ID: read(s, sealed.ID), legacy.ID: read(s, legacy.ID)}
	if !bytes.Equal(before[sealed.ID], photo) {
		t.Fatal("the sealed photo does not open as uploaded")
	}

	next := old.WithNewKey()
	n, err := s.ResealFiles(ctx, old, next)
	if err != nil || n != 2 {
		t.Fatalf("resealed %d files: %v", n, err)
	}
	for _, b := range onDisk() {
		if secure.KeyOfBytes(b) != next.ActiveKey() {
			t.Fatalf("a file is sealed with key %d after rotation", secure.KeyOfBytes(b))
		}
	}
	after := &attach.Store{DB: d, Dir: dir, Keys: next}
	for id, want := range before {
		if !bytes.Equal(read(after, id), want) {
			t.Fatalf("%s reads differently after rotation", id)
		}
	}
	if n, err := s.ResealFiles(ctx, old, next); err != nil || n != 0 {
		t.Fatalf("a second run resealed %d: %v", n, err)
	}
}

func jpegBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
