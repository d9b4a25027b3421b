package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/shegong/shegong/internal/db"
)

// Target is where a restore puts the data.
type Target struct {
	DataDir        string
	SQLitePath     string // the SQLite database file (SQLite archives)
	AttachmentsDir string
	// DatabaseURL is the PostgreSQL database to fill (PostgreSQL archives);
	// it must hold no tables.
	DatabaseURL string
	// Allowed are names that may already be in DataDir: the key file,
	// put back before the restore.
	Allowed []string
}

// Restore checks archive against its manifest while unpacking it and
// fills t, which must be empty. Nothing is put in place unless every
// checksum matches; errors name the archive.
func Restore(ctx context.Context, archive string, t Target) (Manifest, error) {
	if err := os.MkdirAll(t.DataDir, 0o700); err != nil {
		return Manifest{}, err
	}
	entries, err := os.ReadDir(t.DataDir)
	if err != nil {
		return Manifest{}, err
	}
	for _, e := range entries {
		if !slices.Contains(t.Allowed, e.Name()) {
			return Manifest{}, fmt.Errorf("数据目录 %s 不是空的（有 %s）：恢复只写入空目录 (the data folder %s is not empty: restore fills an empty one)", t.DataDir, e.Name(), t.DataDir)
		}
	}
	if t.DatabaseURL != "" {
		if err := requireEmptyPostgres(ctx, t.DatabaseURL); err != nil {
			return Manifest{}, err
		}
	}
	stage, err := os.MkdirTemp(t.DataDir, ".restore-")
	if err != nil {
		return Manifest{}, err
	}
	defer os.RemoveAll(stage)
	m, err := walk(archive, func(name string, r io.Reader) error {
		p := filepath.Join(stage, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, r); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
	if err != nil {
		return m, fmt.Errorf("备份文件 %s 不完整或已损坏，未恢复任何数据 (backup archive %s is incomplete or damaged, nothing restored): %w", archive, archive, err)
	}
	switch {
	case m.Engine == string(db.Postgres) && t.DatabaseURL == "":
		return m, fmt.Errorf("%s 是 PostgreSQL 备份：请用 --database-url 指定一个空的 PostgreSQL 数据库 (a PostgreSQL backup: give --database-url of an empty database)", archive)
	case m.Engine == string(db.SQLite) && t.DatabaseURL != "":
		return m, fmt.Errorf("%s 是 SQLite 备份，不能恢复到 PostgreSQL (a SQLite backup cannot be restored into PostgreSQL)", archive)
	}
	if m.Engine == string(db.Postgres) {
		if err := restorePostgres(ctx, t.DatabaseURL, filepath.Join(stage, PGDumpName)); err != nil {
			return m, err
		}
	} else {
		if err := os.Rename(filepath.Join(stage, SQLiteName), t.SQLitePath); err != nil {
			return m, err
		}
	}
	if err := os.Rename(filepath.Join(stage, "attachments"), t.AttachmentsDir); errors.Is(err, os.ErrNotExist) {
		err = os.MkdirAll(t.AttachmentsDir, 0o700)
		if err != nil {
			return m, err
		}
	} else if err != nil {
		return m, err
	}
	syncDir(t.DataDir)
	if err := checkCounts(ctx, m, t); err != nil {
		return m, err
	}
	return m, nil
}

// checkCounts compares the restored tables' row counts with the manifest.
func checkCounts(ctx context.Context, m Manifest, t Target) error {
	dsn := t.DatabaseURL
	if dsn == "" {
		dsn = t.SQLitePath
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	for table, want := range m.Tables {
		var n int64
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM "`+strings.ReplaceAll(table, `"`, `""`)+`"`).Scan(&n); err != nil {
			return fmt.Errorf("清点恢复后的数据表 %s 失败: %w", table, err)
		}
		if n != want {
			return fmt.Errorf("恢复后的数据表 %s 有 %d 行，备份中为 %d 行", table, n, want)
		}
	}
	return nil
}

func requireEmptyPostgres(ctx context.Context, dsn string) error {
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("PostgreSQL 数据库已有 %d 张表：恢复只写入空数据库 (the PostgreSQL database already has %d tables: restore fills an empty one)", n, n)
	}
	return nil
}
