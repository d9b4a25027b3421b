package backup_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/backup"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/validate"
)

// photo returns a small PNG, different for each n.
func photo(n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(n%8, (n/8)%8, color.RGBA{uint8(n), uint8(n >> 8), 200, 255})
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// fileHeader wraps bytes as an uploaded form file.
func fileHeader(t testing.TB, name string, body []byte) *multipart.FileHeader {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, _ := w.CreateFormFile("photos", name)
	part.Write(body)
	w.Close()
	form, err := multipart.NewReader(&buf, w.Boundary()).ReadForm(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	return form.File["photos"][0]
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	a     *app.App
	admin *authz.Actor
	orgID string
	visit attach.Owner
	ids   sync.Map // ID numbers made so far: the writers' people are all new
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, ctx: context.Background(), a: apptest.OpenApp(t)}
	var path string
	if err := f.a.DB.QueryRow(f.ctx, `SELECT id, path FROM org_units WHERE name LIKE '%朝歌%' AND kind = 'station'`).Scan(&f.orgID, &path); err != nil {
		t.Fatal(err)
	}
	root := path[:strings.Index(path[1:], "/")+2]
	f.admin = &authz.Actor{UserID: "test", Role: authz.RoleAdmin, OrgPath: root}
	if err := f.a.DB.QueryRow(f.ctx, `SELECT v.id, o.path FROM visits v JOIN org_units o ON o.id = v.org_id ORDER BY v.id LIMIT 1`).Scan(&f.visit.ID, &f.visit.OrgPath); err != nil {
		t.Fatal(err)
	}
	f.visit.Entity = "visit"
	return f
}

func (f *fixture) addRecipient(rng *rand.Rand, n int) error {
	birth := time.Date(1940+n%40, time.Month(1+n%12), 1+n%28, 0, 0, 0, 0, time.UTC)
	// A fake number repeats in time (840 birth dates, a random sequence):
	// draw again until it is one not made before.
	idNumber := validate.FakeIDCard(rng, "410622", birth, n%2 == 0)
	for _, made := f.ids.LoadOrStore(idNumber, true); made; _, made = f.ids.LoadOrStore(idNumber, true) {
		idNumber = validate.FakeIDCard(rng, "410622", birth, n%2 == 0)
	}
	in := recipients.Input{OrgID: f.orgID, Name: fmt.Sprintf("备份测试%d", n), IDNumber: idNumber,
		VillageCode: "410622001200", Phone: "13812345678", HealthNotes: fmt.Sprintf("备注%d", n), Categories: []string{"低保对象"}, LivingSituation: "独居", ConfirmDuplicate: true}
	return f.a.DB.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := recipients.Create(f.ctx, tx, f.a.Keys, f.admin, in)
		return err
	})
}

func (f *fixture) addPhoto(n int) error {
	return f.a.DB.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := f.a.Attach.SaveImage(f.ctx, tx, f.admin, f.visit, "photos", fileHeader(f.t, fmt.Sprintf("p%d.png", n), photo(n)))
		return err
	})
}

// openRestored opens a restored data folder with the source's key file.
func openRestored(t *testing.T, cfg app.Config) *app.App {
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open the restored data: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// restoreTarget is a fresh, empty place to restore into: a folder, and
// on PostgreSQL an empty database.
func restoreTarget(t *testing.T, src *app.App) (app.Config, backup.Target) {
	cfg := app.DefaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), "restored")
	cfg.KeyFile = src.KeyFilePath()
	if dbtest.Engine() == db.Postgres {
		if _, err := backup.PGTool("pg_restore"); err != nil {
			t.Skipf("PostgreSQL client tools absent: %v", err)
		}
		cfg.DatabaseURL = dbtest.EmptyDatabase(t)
	}
	return cfg, backup.Target{DataDir: cfg.DataDir, SQLitePath: cfg.SQLitePath(), AttachmentsDir: cfg.AttachmentsDir(), DatabaseURL: cfg.DatabaseURL}
}

// A backup taken while people register recipients and upload visit
// photos restores into a fresh folder where every record and every photo
// of the snapshot reads as in the source.
func TestBackupWhileWritingRestoresEveryRecordAndPhoto(t *testing.T) {
	if dbtest.Engine() == db.Postgres {
		if _, err := backup.PGTool("pg_dump"); err != nil {
			t.Skipf("PostgreSQL client tools absent: %v", err)
		}
	}
	f := newFixture(t)
	for i := range 5 {
		if err := f.addPhoto(1000 + i); err != nil {
			t.Fatal(err)
		}
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	var written atomic.Int64
	for w := range 2 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for n := w * 100000; !stop.Load(); n++ {
				if err := f.addRecipient(rng, n); err != nil {
					errs <- fmt.Errorf("recipient: %w", err)
					return
				}
				written.Add(1)
			}
		}()
		go func() {
			defer wg.Done()
			for n := w * 100000; !stop.Load(); n++ {
				if err := f.addPhoto(n); err != nil {
					errs <- fmt.Errorf("photo: %w", err)
					return
				}
				written.Add(1)
			}
		}()
	}
	for written.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	archive := filepath.Join(t.TempDir(), "b", backup.ArchiveName(time.Now()))
	res, err := backup.Write(f.ctx, f.a.BackupSource(), archive)
	for written.Load() < 60 { // and writers keep going after
		time.Sleep(5 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if st, _ := os.Stat(archive); st.Mode().Perm() != 0o600 {
		t.Errorf("archive mode %v, want 0600", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(filepath.Dir(archive)); len(entries) != 1 {
		t.Errorf("left beside the archive: %v", entries)
	}
	m := res.Manifest
	if m.Tables["recipients"] == 0 || m.Tables["attachments"] < 5 || m.Engine != string(dbtest.Engine()) {
		t.Fatalf("manifest: engine %s, tables %v", m.Engine, m.Tables)
	}
	for _, file := range m.Files {
		if strings.Contains(file.Name, "shegong.key") {
			t.Fatal("the key file is in the archive")
		}
	}

	cfg, target := restoreTarget(t, f.a)
	if _, err := backup.Restore(f.ctx, archive, target); err != nil {
		t.Fatalf("restore: %v", err)
	}
	r := openRestored(t, cfg)
	var count int64
	if err := r.DB.QueryRow(f.ctx, `SELECT COUNT(*) FROM recipients`).Scan(&count); err != nil || count != m.Tables["recipients"] {
		t.Fatalf("restored recipients %d, manifest %d (%v)", count, m.Tables["recipients"], err)
	}
	// Every restored record reads as the source's.
	rows, err := r.DB.Query(f.ctx, `SELECT id, name, id_enc, health_notes_enc FROM recipients ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var id, name, idEnc, notesEnc string
		if err := rows.Scan(&id, &name, &idEnc, &notesEnc); err != nil {
			t.Fatal(err)
		}
		var srcName, srcIDEnc, srcNotesEnc string
		if err := f.a.DB.QueryRow(f.ctx, `SELECT name, id_enc, health_notes_enc FROM recipients WHERE id = ?`, id).Scan(&srcName, &srcIDEnc, &srcNotesEnc); err != nil {
			t.Fatalf("recipient %s: %v", id, err)
		}
		idNo, err1 := r.Keys.Open(idEnc)
		srcIDNo, err2 := f.a.Keys.Open(srcIDEnc)
		notes, err3 := r.Keys.Open(notesEnc)
		srcNotes, _ := f.a.Keys.Open(srcNotesEnc)
		if err1 != nil || err2 != nil || err3 != nil || name != srcName || idNo != srcIDNo || notes != srcNotes {
			t.Fatalf("recipient %s differs: %q/%q %q/%q %v %v %v", id, name, srcName, idNo, srcIDNo, err1, err2, err3)
		}
		n++
	}
	rows.Close()
	if n == 0 {
		t.Fatal("no recipients read")
	}
	// Every photo of the snapshot opens, byte for byte the source's.
	photos, err := r.Attach.List(f.ctx, r.DB, "visit", f.visit.ID)
	if err != nil || int64(len(photos)) != m.Tables["attachments"] {
		t.Fatalf("restored photos %d, manifest %d (%v)", len(photos), m.Tables["attachments"], err)
	}
	for _, p := range photos {
		_, rc, err := r.Attach.Open(f.ctx, f.admin, p.ID)
		if err != nil {
			t.Fatalf("restored photo %s: %v", p.ID, err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		_, src, err := f.a.Attach.Open(f.ctx, f.admin, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := io.ReadAll(src)
		src.Close()
		if !bytes.Equal(got, want) || len(got) == 0 {
			t.Fatalf("photo %s differs after restore (%d vs %d bytes)", p.ID, len(got), len(want))
		}
	}

	// A second restore into the now full folder is refused.
	if _, err := backup.Restore(f.ctx, archive, target); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a non-empty folder: %v", err)
	}
}

// A truncated or altered archive is refused by restore, naming the file,
// and nothing is put in place.
func TestRestoreRefusesADamagedArchive(t *testing.T) {
	if dbtest.Engine() == db.Postgres {
		if _, err := backup.PGTool("pg_dump"); err != nil {
			t.Skipf("PostgreSQL client tools absent: %v", err)
		}
	}
	f := newFixture(t)
	if err := f.addPhoto(1); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tar.gz")
	if _, err := backup.Write(f.ctx, f.a.BackupSource(), good); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Write(f.ctx, f.a.BackupSource(), good); err == nil {
		t.Fatal("a backup overwrote an existing file")
	}
	// A backup stopped midway leaves nothing that looks like a backup.
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	stopped := filepath.Join(dir, "stopped", "x.tar.gz")
	if _, err := backup.Write(ctx, f.a.BackupSource(), stopped); err == nil {
		t.Fatal("a cancelled backup succeeded")
	}
	if entries, _ := os.ReadDir(filepath.Dir(stopped)); len(entries) != 0 {
		t.Fatalf("a stopped backup left %v", entries)
	}
	data, _ := os.ReadFile(good)
	truncated := filepath.Join(dir, "truncated.tar.gz")
	os.WriteFile(truncated, data[:len(data)*2/3], 0o600)
	flipped := filepath.Join(dir, "flipped.tar.gz")
	bad := bytes.Clone(data)
	bad[len(bad)/2] ^= 0x40
	os.WriteFile(flipped, bad, 0o600)
	for _, archive := range []string{truncated, flipped} {
		_, target := restoreTarget(t, f.a)
		_, err := backup.Restore(f.ctx, archive, target)
		if err == nil || !strings.Contains(err.Error(), archive) {
			t.Fatalf("restore of %s: %v", filepath.Base(archive), err)
		}
		if _, err := os.Stat(target.SQLitePath); !os.IsNotExist(err) {
			t.Fatalf("%s: a database was put in place", filepath.Base(archive))
		}
		if entries, _ := os.ReadDir(target.DataDir); len(entries) != 0 {
			t.Fatalf("%s: left in the data folder: %v", filepath.Base(archive), entries)
		}
	}
	if _, err := backup.Verify(good); err != nil {
		t.Fatalf("the good archive: %v", err)
	}
}

func TestPruneKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		os.WriteFile(filepath.Join(dir, backup.ArchiveName(base.Add(time.Duration(i)*time.Hour))), nil, 0o600)
	}
	os.WriteFile(filepath.Join(dir, "other.txt"), nil, 0o600)
	// The work folder of a backup killed two days ago goes; a running one stays.
	stale, running := filepath.Join(dir, ".shegong-backup-1"), filepath.Join(dir, ".shegong-backup-2")
	os.Mkdir(stale, 0o700)
	os.Mkdir(running, 0o700)
	old := time.Now().Add(-48 * time.Hour)
	os.Chtimes(stale, old, old)
	if err := backup.Prune(dir, 2); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{".shegong-backup-2", "other.txt", backup.ArchiveName(base.Add(3 * time.Hour)), backup.ArchiveName(base.Add(4 * time.Hour))}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("after prune: %v, want %v", names, want)
	}
}

// The schedule backs up at once when no backup succeeded yet, records the
// outcome for administrators, and a failure is recorded too.
func TestScheduledBackupRecordsItsOutcome(t *testing.T) {
	if dbtest.Engine() == db.Postgres {
		if _, err := backup.PGTool("pg_dump"); err != nil {
			t.Skipf("PostgreSQL client tools absent: %v", err)
		}
	}
	f := newFixture(t)
	if _, err := backup.GetStatus(f.ctx, f.a.DB, &authz.Actor{Role: authz.RoleStationHead, OrgPath: f.admin.OrgPath}); err == nil {
		t.Fatal("a station head read the backup status")
	}
	st, err := backup.GetStatus(f.ctx, f.a.DB, f.admin)
	if err != nil || st.LastSuccess != nil || st.LastFailure != nil {
		t.Fatalf("status before any backup: %+v %v", st, err)
	}
	dir := filepath.Join(t.TempDir(), "backups")
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		backup.RunScheduled(ctx, f.a.DB, f.a.BackupSource(), backup.Schedule{Dir: dir, Every: time.Hour, Keep: 3}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err = backup.GetStatus(f.ctx, f.a.DB, f.admin)
		if err != nil {
			t.Fatal(err)
		}
		if st.LastSuccess != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if st.LastSuccess == nil || st.LastSuccess.Size == 0 {
		t.Fatalf("no successful scheduled backup recorded: %+v", st)
	}
	if _, err := backup.Verify(st.LastSuccess.File); err != nil {
		t.Fatalf("scheduled archive: %v", err)
	}
	// A failure (the target is taken) is recorded beside the success.
	_, werr := backup.Write(f.ctx, f.a.BackupSource(), st.LastSuccess.File)
	if err := backup.Record(f.ctx, f.a.DB, backup.Result{}, werr); err != nil {
		t.Fatal(err)
	}
	st, _ = backup.GetStatus(f.ctx, f.a.DB, f.admin)
	if st.LastFailure == nil || !strings.Contains(st.LastFailure.Message, "exists") || st.LastSuccess == nil {
		t.Fatalf("status after a failure: %+v", st)
	}
}
