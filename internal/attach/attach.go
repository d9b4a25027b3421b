// Package attach stores uploaded files — for now photos — in the data
// folder, with a row per file recording its owner record and organisation
// so every download is scope-checked. Types are decided by sniffing the
// bytes, never by the name or the browser's claim.
package attach

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/secure"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the attachments schema.
var Module = db.MustLoadModule("attach", migrations, "migrations")

// MaxImageBytes is the largest photo accepted.
const MaxImageBytes = 5 << 20

// MaxUploadBody is a route body limit that fits a few photos and a form.
const MaxUploadBody = 4*MaxImageBytes + 1<<20

var imageTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}

// Owner is the record a file belongs to.
type Owner struct {
	Entity  string // e.g. "assessment", "visit"
	ID      string
	OrgPath string // the owner's organisation path, for scope checks
}

// Attachment is a stored file.
type Attachment struct {
	ID          string `json:"id"`
	OwnerEntity string `json:"owner_entity"`
	OwnerID     string `json:"owner_id"`
	OrgPath     string `json:"-"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	CreatedAt   string `json:"created_at"`
	URL         string `json:"url"`
	storagePath string
}

// Store saves and serves files under Dir. With Keys set, files are
// sealed at rest (secure.Keyring.SealBytes) like other personal data;
// files stored before that stay readable as they are until
// ResealFiles (shegong keys rotate) seals them.
type Store struct {
	DB   *db.DB
	Dir  string
	Keys *secure.Keyring
}

// SaveImage checks and stores one uploaded photo for owner, writing its
// row through q (pass the transaction that writes the owner, so both or
// neither exist: the file is removed if that transaction rolls back). field names the form field for error messages.
func (s *Store) SaveImage(ctx context.Context, q db.Querier, actor *authz.Actor, owner Owner, field string, fh *multipart.FileHeader) (Attachment, error) {
	name := fh.Filename
	if fh.Size > MaxImageBytes {
		return Attachment{}, (apperr.Fields{field: fmt.Sprintf("照片“%s”过大（%.1f MB），每张不超过 %d MB", name, float64(fh.Size)/(1<<20), MaxImageBytes>>20)}).Err()
	}
	f, err := fh.Open()
	if err != nil {
		return Attachment{}, err
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, MaxImageBytes+1))
	if err != nil {
		return Attachment{}, err
	}
	if len(body) > MaxImageBytes {
		return Attachment{}, (apperr.Fields{field: fmt.Sprintf("照片“%s”过大，每张不超过 %d MB", name, MaxImageBytes>>20)}).Err()
	}
	if len(body) == 0 {
		return Attachment{}, (apperr.Fields{field: "照片“" + name + "”是空文件"}).Err()
	}
	ctype := http.DetectContentType(body)
	ext, ok := imageTypes[ctype]
	if !ok {
		return Attachment{}, (apperr.Fields{field: "“" + name + "”不是图片，只接受 JPG、PNG、GIF、WebP 格式的照片"}).Err()
	}
	if ctype == "image/jpeg" {
		// The position where a photo was taken (Exif GPS) and the rest of
		// the camera's metadata are not kept; the orientation is.
		if body, err = StripJPEGMetadata(body); err != nil {
			return Attachment{}, (apperr.Fields{field: "照片“" + name + "”已损坏，无法读取"}).Err()
		}
	}
	sum := sha256.Sum256(body)
	// The same photo sent again for the same record (a phone replaying
	// its offline queue) is the one already stored.
	same, err := scanOne(q.QueryRow(ctx, `SELECT `+columns+` FROM attachments WHERE owner_entity = ? AND owner_id = ? AND sha256 = ?`,
		owner.Entity, owner.ID, hex.EncodeToString(sum[:])))
	if err == nil {
		return same, nil
	} else if !apperr.Is(err, apperr.NotFound) {
		return Attachment{}, err
	}
	a := Attachment{ID: ids.New(), OwnerEntity: owner.Entity, OwnerID: owner.ID, OrgPath: owner.OrgPath, Filename: cleanName(name),
		ContentType: ctype, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: cst.NowStamp()}
	a.storagePath = filepath.Join(cst.Now().Format("2006"), cst.Now().Format("01"), a.ID+ext)
	full := filepath.Join(s.Dir, a.storagePath)
	if err := s.writeFile(full, body); err != nil {
		return Attachment{}, err
	}
	createdBy := ""
	if actor != nil {
		createdBy = actor.UserID
	}
	_, err = q.Exec(ctx, `INSERT INTO attachments (id, owner_entity, owner_id, org_path, filename, content_type, size, sha256, storage_path, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.OwnerEntity, a.OwnerID, a.OrgPath, a.Filename, a.ContentType, a.Size, a.SHA256,
		a.storagePath, createdBy, a.CreatedAt)
	if err != nil {
		_ = os.Remove(full) // the row failed: leave no orphan file
		return Attachment{}, err
	}
	if tx, ok := q.(*db.Tx); ok {
		// Nor when the owner's transaction fails later (a second photo
		// refused, the visit invalid).
		tx.OnRollback(func() { _ = os.Remove(full) })
	}
	a.URL = "/attachments/" + a.ID
	err = audit.Record(ctx, q, actor, audit.Entry{Action: audit.ActionCreate, Entity: "attachment", EntityID: a.ID, OrgPath: a.OrgPath,
		Summary: "上传照片：" + a.Filename + "（" + owner.Entity + "）"})
	return a, err
}

func cleanName(n string) string {
	n = filepath.Base(strings.ReplaceAll(n, "\\", "/"))
	if r := []rune(n); len(r) > 100 {
		n = string(r[len(r)-100:])
	}
	if n == "." || n == "/" || n == "" {
		return "photo"
	}
	return n
}

const columns = `id, owner_entity, owner_id, org_path, filename, content_type, size, sha256, storage_path, created_at`

func scan(row interface{ Scan(...any) error }) (Attachment, error) {
	var a Attachment
	err := row.Scan(&a.ID, &a.OwnerEntity, &a.OwnerID, &a.OrgPath, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.storagePath, &a.CreatedAt)
	a.URL = "/attachments/" + a.ID
	return a, err
}

// List returns the files of an owner record, oldest first.
func (s *Store) List(ctx context.Context, q db.Querier, entity, id string) ([]Attachment, error) {
	rows, err := q.Query(ctx, `SELECT `+columns+` FROM attachments WHERE owner_entity = ? AND owner_id = ? ORDER BY id`, entity, id)
	out, err := db.Collect(rows, err, scan)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanOne reads one attachment row; no row is apperr NotFound.
func scanOne(row *sql.Row) (Attachment, error) {
	a, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.ErrNotFound("附件")
	}
	return a, err
}

// Open returns a file the actor may see and its bytes.
func (s *Store) Open(ctx context.Context, actor *authz.Actor, id string) (Attachment, io.ReadSeekCloser, error) {
	a, err := scanOne(s.DB.QueryRow(ctx, `SELECT `+columns+` FROM attachments WHERE id = ?`, id))
	if err != nil {
		return a, nil, err
	}
	if err := actor.RequireScope(a.OrgPath); err != nil {
		return Attachment{}, nil, err
	}
	body, err := os.ReadFile(filepath.Join(s.Dir, a.storagePath))
	if errors.Is(err, os.ErrNotExist) {
		return a, nil, apperr.New(apperr.NotFound, "附件文件已丢失，请联系管理员从备份恢复")
	}
	if err != nil {
		return a, nil, err
	}
	if secure.IsSealedBytes(body) {
		if s.Keys == nil {
			return a, nil, errors.New("attach: a sealed file and no keys")
		}
		if body, err = s.Keys.OpenBytes(body); err != nil {
			return a, nil, fmt.Errorf("attachment %s: %w", a.ID, err)
		}
	}
	return a, nopCloser{bytes.NewReader(body)}, nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// writeFile stores content at full, sealed when the store has keys, under
// a temporary name first so no reader (a backup) sees half a file; the
// file is for the service's user only (0600, folders 0700).
func (s *Store) writeFile(full string, content []byte) error {
	if s.Keys != nil {
		content = s.Keys.SealBytes(content)
	}
	if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(full), ".tmp-")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), full); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// ResealFiles seals every stored file with next's active key: files
// sealed with an older key are opened with old, files stored before files
// were sealed are taken as they are. Each file is replaced whole, so an
// interrupted run leaves every file readable (the key file keeps the old
// keys) and may simply be run again. It returns how many files it sealed.
func (s *Store) ResealFiles(ctx context.Context, old, next *secure.Keyring) (int, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, storage_path FROM attachments ORDER BY id`)
	if err != nil {
		return 0, err
	}
	type file struct{ id, path string }
	var files []file
	for rows.Next() {
		var f file
		if err := rows.Scan(&f.id, &f.path); err != nil {
			rows.Close()
			return 0, err
		}
		files = append(files, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		full := filepath.Join(s.Dir, f.path)
		body, err := os.ReadFile(full)
		if errors.Is(err, os.ErrNotExist) {
			continue // reported on download; nothing to seal
		}
		if err != nil {
			return n, err
		}
		if secure.KeyOfBytes(body) == next.ActiveKey() {
			continue
		}
		if secure.IsSealedBytes(body) {
			if body, err = old.OpenBytes(body); err != nil {
				return n, fmt.Errorf("attachment %s: %w", f.id, err)
			}
		}
		w := Store{Dir: s.Dir, Keys: next}
		if err := w.writeFile(full, body); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
