// Package dbtest gives each test a fresh, empty database: a SQLite file in
// the test's temporary folder, or — when SHEGONG_TEST_ENGINE=postgres and
// SHEGONG_TEST_DATABASE_URL is set — a new schema on a real PostgreSQL
// server, dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/shegong/shegong/internal/db"
)

// Engine reports which engine tests run on.
func Engine() db.Dialect {
	if os.Getenv("SHEGONG_TEST_ENGINE") == "postgres" {
		return db.Postgres
	}
	return db.SQLite
}

// DSN returns a connection string for a fresh database and a cleanup.
func DSN(t testing.TB) string {
	t.Helper()
	if Engine() != db.Postgres {
		return filepath.Join(t.TempDir(), "shegong.db")
	}
	base := os.Getenv("SHEGONG_TEST_DATABASE_URL")
	if base == "" {
		t.Fatal("SHEGONG_TEST_ENGINE=postgres needs SHEGONG_TEST_DATABASE_URL")
	}
	ctx := context.Background()
	admin, err := db.Open(ctx, base)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", err)
	}
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	schema := "t_" + hex.EncodeToString(buf)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a fresh database, migrated with modules, closed at the end
// of the test.
func Open(t testing.TB, modules ...db.Module) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background(), modules...); err != nil {
		t.Fatal(err)
	}
	return d
}

// CloneDatabase creates a new PostgreSQL database copied from template
// (CREATE DATABASE … TEMPLATE, a file-level copy: far faster than
// migrating and loading demo data again), dropped when the test ends, and
// returns its URL. The template must have no open connections.
func CloneDatabase(t testing.TB, template string) string {
	t.Helper()
	name := "t_" + randomSuffix()
	adminExec(t, "CREATE DATABASE "+name+" TEMPLATE "+template)
	t.Cleanup(func() {
		d, err := db.Open(context.Background(), os.Getenv("SHEGONG_TEST_DATABASE_URL"))
		if err == nil {
			_, _ = d.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			d.Close()
		}
	})
	return DatabaseURL(name)
}

// NewDatabase creates an empty PostgreSQL database (kept until the
// cluster goes: it serves as a template for the whole test binary) and
// returns its name and URL.
func NewDatabase(t testing.TB) (name, url string) {
	t.Helper()
	name = "tpl_" + randomSuffix()
	adminExec(t, "CREATE DATABASE "+name)
	return name, DatabaseURL(name)
}

// DatabaseURL is the test server's URL with another database name.
func DatabaseURL(name string) string {
	u, err := url.Parse(os.Getenv("SHEGONG_TEST_DATABASE_URL"))
	if err != nil {
		return ""
	}
	u.Path = "/" + name
	return u.String()
}

func adminExec(t testing.TB, stmt string) {
	t.Helper()
	d, err := db.Open(context.Background(), os.Getenv("SHEGONG_TEST_DATABASE_URL"))
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", err)
	}
	defer d.Close()
	if _, err := d.Exec(context.Background(), stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func randomSuffix() string {
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}

// EmptyDatabase creates an empty PostgreSQL database, dropped when the
// test ends, and returns its URL (a restore needs a whole database).
func EmptyDatabase(t testing.TB) string {
	t.Helper()
	name := "t_" + randomSuffix()
	adminExec(t, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		d, err := db.Open(context.Background(), os.Getenv("SHEGONG_TEST_DATABASE_URL"))
		if err == nil {
			_, _ = d.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			d.Close()
		}
	})
	return DatabaseURL(name)
}
