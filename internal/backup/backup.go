// Package backup writes and restores one archive (tar.gz) holding a
// consistent copy of the database, the attachments folder and a
// manifest.json with the row count of every table and the SHA-256 of
// every file. SQLite is copied with VACUUM INTO (one read snapshot while
// the server writes on); PostgreSQL with the server's own pg_dump in
// custom format, restored with pg_restore. The key file is never in the
// archive: it must be kept separately, and a restore is only usable with
// it.
//
// An archive is written under a temporary name, read back and checked
// against its manifest, and only then renamed to its final name, so a
// backup killed midway never leaves a file that looks complete.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the backup status schema.
var Module = db.MustLoadModule("backup", migrations, "migrations")

// FormatVersion is the archive layout version in the manifest.
const FormatVersion = 1

// Names inside an archive.
const (
	ManifestName = "manifest.json"
	SQLiteName   = "database.sqlite"
	PGDumpName   = "database.pgdump" // pg_dump --format=custom
	attachPrefix = "attachments/"
	workPrefix   = ".shegong-backup-" // a backup in progress, removed when it ends
)

// Manifest describes an archive.
type Manifest struct {
	Version   int              `json:"version"`    // FormatVersion
	CreatedAt string           `json:"created_at"` // cst.Stamp
	Engine    string           `json:"engine"`     // "sqlite" or "postgres"
	Tables    map[string]int64 `json:"tables"`     // rows per table in the copy
	Files     []File           `json:"files"`      // every other entry, in archive order
}

// File is one archived file.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Source is what a backup copies.
type Source struct {
	DB *db.DB
	// DatabaseURL is the PostgreSQL URL pg_dump connects to (unused for SQLite).
	DatabaseURL    string
	AttachmentsDir string
}

// Result is a finished backup.
type Result struct {
	Path     string
	Size     int64
	Manifest Manifest
	// How long the steps took: the database copy, writing the archive,
	// reading it back.
	CopyTook, ArchiveTook, VerifyTook time.Duration
}

// Write backs src up into target, which must not exist. The archive is
// written beside target under a temporary name, verified and renamed; on
// any error nothing is left at target.
func Write(ctx context.Context, src Source, target string) (Result, error) {
	if _, err := os.Stat(target); err == nil {
		return Result{}, fmt.Errorf("%s 已存在，不覆盖 (already exists)", target)
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Result{}, err
	}
	work, err := os.MkdirTemp(dir, workPrefix)
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(work)

	var res Result
	step := time.Now()
	m := Manifest{Version: FormatVersion, CreatedAt: cst.NowStamp(), Engine: string(src.DB.Dialect())}
	dbName := SQLiteName
	dbFile := filepath.Join(work, "db")
	if src.DB.Dialect() == db.Postgres {
		dbName = PGDumpName
		m.Tables, err = dumpPostgres(ctx, src, dbFile)
	} else {
		m.Tables, err = copySQLite(ctx, src.DB, dbFile)
	}
	if err != nil {
		return Result{}, err
	}
	res.CopyTook, step = time.Since(step), time.Now()

	partial := filepath.Join(work, "archive.partial")
	f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	gz, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	add := func(name, file string) error {
		sum, n, err := addFile(tw, name, file)
		if errors.Is(err, fs.ErrNotExist) && name != dbName {
			return nil // an attachment whose upload rolled back meanwhile
		}
		if err != nil {
			return err
		}
		m.Files = append(m.Files, File{Name: name, Size: n, SHA256: sum})
		return nil
	}
	if err := add(dbName, dbFile); err != nil {
		return Result{}, err
	}
	// The database snapshot is taken first: every file a row of it names
	// was written before that row committed, so it is here. Files newer
	// than the snapshot are copied too and are harmless.
	if src.AttachmentsDir != "" {
		err := filepath.WalkDir(src.AttachmentsDir, func(p string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			rel, err := filepath.Rel(src.AttachmentsDir, p)
			if err != nil {
				return err
			}
			return add(attachPrefix+filepath.ToSlash(rel), p)
		})
		if err != nil {
			return Result{}, fmt.Errorf("备份附件失败 (attachments): %w", err)
		}
	}
	mj, _ := json.MarshalIndent(m, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: ManifestName, Mode: 0o600, Size: int64(len(mj)), ModTime: cst.Now()}); err != nil {
		return Result{}, err
	}
	if _, err := tw.Write(mj); err != nil {
		return Result{}, err
	}
	if err := tw.Close(); err != nil {
		return Result{}, err
	}
	if err := gz.Close(); err != nil {
		return Result{}, err
	}
	if err := f.Sync(); err != nil {
		return Result{}, err
	}
	if err := f.Close(); err != nil {
		return Result{}, err
	}
	res.ArchiveTook, step = time.Since(step), time.Now()
	if _, err := Verify(partial); err != nil {
		return Result{}, fmt.Errorf("刚写入的备份文件校验未通过 (the archive just written does not verify): %w", err)
	}
	// A hard link fails if target appeared meanwhile; where the file
	// system has no hard links, a rename after one more look.
	if err := os.Link(partial, target); err != nil {
		if _, serr := os.Stat(target); serr == nil {
			return Result{}, fmt.Errorf("%s 已存在，不覆盖 (already exists)", target)
		}
		if err := os.Rename(partial, target); err != nil {
			return Result{}, err
		}
	}
	res.VerifyTook = time.Since(step)
	syncDir(dir)
	st, err := os.Stat(target)
	if err != nil {
		return Result{}, err
	}
	res.Path, res.Size, res.Manifest = target, st.Size(), m
	return res, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// addFile appends one file to the archive and returns its SHA-256 and size.
func addFile(tw *tar.Writer, name, file string) (string, int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return "", 0, err
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(tw, h), f, st.Size()); err != nil {
		return "", 0, fmt.Errorf("%s: %w", file, err)
	}
	return hex.EncodeToString(h.Sum(nil)), st.Size(), nil
}

// copySQLite writes a consistent copy of the database to file and counts
// the rows of every table in the copy.
func copySQLite(ctx context.Context, d *db.DB, file string) (map[string]int64, error) {
	// VACUUM INTO reads one snapshot, so the copy is consistent while the
	// server keeps writing.
	if err := d.VacuumInto(ctx, file); err != nil {
		return nil, fmt.Errorf("复制数据库失败 (copy database): %w", err)
	}
	if err := os.Chmod(file, 0o600); err != nil {
		return nil, err
	}
	c, err := sql.Open("sqlite", "file:"+file+"?mode=ro&immutable=1")
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return countRows(ctx, c, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func countRows(ctx context.Context, q queryer, listTables string) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, listTables)
	if err != nil {
		return nil, err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Strings(tables)
	out := map[string]int64{}
	for _, t := range tables {
		var n int64
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+strings.ReplaceAll(t, `"`, `""`)+`"`).Scan(&n); err != nil {
			return nil, fmt.Errorf("清点数据表 %s 失败: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// Verify reads a whole archive and checks it against its manifest: every
// file listed is present with its size and SHA-256, nothing else is there,
// and the compressed stream is complete. Errors name the archive.
func Verify(archive string) (Manifest, error) {
	m, err := walk(archive, func(name string, r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		return err
	})
	if err != nil {
		return m, fmt.Errorf("备份文件 %s 不完整或已损坏 (backup archive %s is incomplete or damaged): %w", archive, archive, err)
	}
	return m, nil
}

// walk reads the archive, giving each non-manifest entry to fn (through a
// reader that hashes it), and checks the result against the manifest.
func walk(archive string, fn func(name string, r io.Reader) error) (Manifest, error) {
	var m Manifest
	f, err := os.Open(archive)
	if err != nil {
		return m, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return m, err
	}
	tr := tar.NewReader(gz)
	got := map[string]File{}
	var order []string
	haveManifest := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, err
		}
		if h.Typeflag != tar.TypeReg {
			return m, fmt.Errorf("备份文件中有多余的条目 %q", h.Name)
		}
		if h.Name == ManifestName {
			if err := json.NewDecoder(io.LimitReader(tr, 64<<20)).Decode(&m); err != nil {
				return m, fmt.Errorf("manifest.json 无法读取: %w", err)
			}
			haveManifest = true
			continue
		}
		if !validName(h.Name) {
			return m, fmt.Errorf("备份文件中有多余的条目 %q", h.Name)
		}
		if _, dup := got[h.Name]; dup {
			return m, fmt.Errorf("备份文件中条目 %q 出现两次", h.Name)
		}
		hr := &hashingReader{r: tr, h: sha256.New()}
		if err := fn(h.Name, hr); err != nil {
			return m, fmt.Errorf("%s: %w", h.Name, err)
		}
		if _, err := io.Copy(io.Discard, hr); err != nil {
			return m, err
		}
		got[h.Name] = File{Name: h.Name, Size: hr.n, SHA256: hex.EncodeToString(hr.h.Sum(nil))}
		order = append(order, h.Name)
	}
	// Reading to the end checks the gzip trailer (CRC and length).
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return m, err
	}
	if !haveManifest {
		return m, errors.New("备份文件中缺少 manifest.json")
	}
	if m.Version != FormatVersion {
		return m, fmt.Errorf("备份格式版本为 %d，本程序只能读取 %d", m.Version, FormatVersion)
	}
	listed := map[string]bool{}
	for _, want := range m.Files {
		listed[want.Name] = true
		g, ok := got[want.Name]
		if !ok {
			return m, fmt.Errorf("manifest 列出的 %s 在备份文件中缺失", want.Name)
		}
		if g.Size != want.Size || g.SHA256 != want.SHA256 {
			return m, fmt.Errorf("%s 的校验和不符", want.Name)
		}
	}
	for _, n := range order {
		if !listed[n] {
			return m, fmt.Errorf("%s 不在 manifest 中", n)
		}
	}
	if !listed[SQLiteName] && !listed[PGDumpName] {
		return m, errors.New("备份文件中没有数据库")
	}
	return m, nil
}

func validName(n string) bool {
	if n == SQLiteName || n == PGDumpName {
		return true
	}
	rest, ok := strings.CutPrefix(n, attachPrefix)
	return ok && rest != "" && path.Clean(rest) == rest && !strings.HasPrefix(rest, "../") && rest != ".." && !path.IsAbs(rest) && !strings.Contains(rest, "\\")
}

type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}
