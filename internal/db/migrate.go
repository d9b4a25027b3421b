package db

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migration is one schema step of a module. Files are named
// NNNN_name.sql (both engines), or NNNN_name.sqlite.sql / NNNN_name.pg.sql
// where the engines need different text.
type Migration struct {
	Module  string
	Version int
	Name    string
	sql     map[Dialect]string
}

// Module is a named, ordered set of migrations; each domain package owns
// one, so packages add tables without touching each other.
type Module struct {
	Name       string
	Migrations []Migration
}

// LoadModule reads the migrations of module name from fsys (usually an
// embed.FS holding a migrations/ folder).
func LoadModule(name string, fsys fs.FS, dir string) (Module, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return Module{}, fmt.Errorf("migrations of %s: %w", name, err)
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		fname := e.Name()
		if e.IsDir() || !strings.HasSuffix(fname, ".sql") {
			continue
		}
		base := strings.TrimSuffix(fname, ".sql")
		var dialects []Dialect
		switch {
		case strings.HasSuffix(base, ".sqlite"):
			base, dialects = strings.TrimSuffix(base, ".sqlite"), []Dialect{SQLite}
		case strings.HasSuffix(base, ".pg"):
			base, dialects = strings.TrimSuffix(base, ".pg"), []Dialect{Postgres}
		default:
			dialects = []Dialect{SQLite, Postgres}
		}
		num, rest, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return Module{}, fmt.Errorf("migration %s/%s: name must be NNNN_name.sql", name, fname)
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, fname))
		if err != nil {
			return Module{}, err
		}
		m := byVersion[v]
		if m == nil {
			m = &Migration{Module: name, Version: v, Name: rest, sql: map[Dialect]string{}}
			byVersion[v] = m
		} else if m.Name != rest {
			// Two changes given the same number (two branches each adding
			// "the next" migration): one of them would never run.
			return Module{}, fmt.Errorf("migration %s version %d used by both %s and %s", name, v, m.Name, rest)
		}
		for _, d := range dialects {
			if _, dup := m.sql[d]; dup && len(dialects) == 1 {
				return Module{}, fmt.Errorf("migration %s version %d defined twice for %s", name, v, d)
			}
			// A dialect-specific file wins over the shared one.
			if len(dialects) == 2 {
				if _, has := m.sql[d]; has {
					continue
				}
			}
			m.sql[d] = string(body)
		}
	}
	mod := Module{Name: name}
	for _, m := range byVersion {
		mod.Migrations = append(mod.Migrations, *m)
	}
	sort.Slice(mod.Migrations, func(i, j int) bool { return mod.Migrations[i].Version < mod.Migrations[j].Version })
	return mod, nil
}

// MustLoadModule is LoadModule for package-level variables over embedded
// files, where an error is a programming mistake.
func MustLoadModule(name string, fsys fs.FS, dir string) Module {
	m, err := LoadModule(name, fsys, dir)
	if err != nil {
		panic(err)
	}
	return m
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	module TEXT NOT NULL,
	version INTEGER NOT NULL,
	name TEXT NOT NULL,
	applied_at TEXT NOT NULL,
	PRIMARY KEY (module, version)
)`

// Migrate applies, in order, every migration of modules not yet recorded
// in schema_migrations. Each migration runs in its own transaction with
// its record, so a failure leaves the schema at the last good version.
// It returns the migrations it applied.
func (d *DB) Migrate(ctx context.Context, modules ...Module) ([]Migration, error) {
	if _, err := d.Exec(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	var applied []Migration
	for _, mod := range modules {
		for _, m := range mod.Migrations {
			text, ok := m.sql[d.dialect]
			if !ok {
				return applied, fmt.Errorf("migration %s %04d has no %s version", m.Module, m.Version, d.dialect)
			}
			done := false
			err := d.InTx(ctx, func(tx *Tx) error {
				if d.dialect == Postgres {
					// Serialise concurrent starts of several servers.
					if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(8317001)`); err != nil {
						return err
					}
				}
				var n int
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE module = ? AND version = ?`, m.Module, m.Version).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					return nil
				}
				if _, err := tx.Exec(ctx, text); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (module, version, name, applied_at) VALUES (?, ?, ?, ?)`,
					m.Module, m.Version, m.Name, time.Now().UTC().Format(time.RFC3339)); err != nil {
					return err
				}
				done = true
				return nil
			})
			if err != nil {
				return applied, fmt.Errorf("migration %s %04d_%s: %w", m.Module, m.Version, m.Name, err)
			}
			if done {
				applied = append(applied, m)
			}
		}
	}
	return applied, nil
}
