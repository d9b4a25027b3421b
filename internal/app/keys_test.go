package app

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/secure"
)

func testConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	if dbtest.Engine() == db.Postgres {
		cfg.DatabaseURL = dbtest.DSN(t)
	}
	return cfg
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A database restored without its key file, or with another county's key,
// must not start: it would run with records nobody can read, an ID search
// that finds nothing and duplicates registered beside the old rows.
func TestStartRefusesAKeyThatDoesNotOpenTheData(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	a, err := Open(ctx, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	keyPath := a.KeyFilePath()
	a.Close()
	original, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}

	// Key file missing: refused, naming the file, and no new key made.
	if err := os.Remove(keyPath); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, cfg, quiet()); err == nil || !strings.Contains(err.Error(), keyPath) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("start without the key file: %v", err)
	}
	if _, err := os.Stat(keyPath); !os.IsNotExist(err) {
		t.Fatalf("a new key file was created: %v", err)
	}

	// Another key file (a fresh one): refused.
	other, _ := secure.LoadOrCreate(filepath.Join(t.TempDir(), "other.key"))
	if err := os.WriteFile(keyPath, []byte(other.Text()), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, cfg, quiet()); err == nil || !strings.Contains(err.Error(), keyPath) || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("start with another key: %v", err)
	}

	// The right data key with another index key: refused too (search by
	// ID would find nothing).
	lines := strings.Split(string(original), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "index ") {
			lines[i] = strings.SplitN(other.Text()[strings.Index(other.Text(), "\nindex ")+1:], "\n", 2)[0]
		}
	}
	if err := os.WriteFile(keyPath, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, cfg, quiet()); err == nil || !strings.Contains(err.Error(), "index") {
		t.Fatalf("start with another index key: %v", err)
	}

	// The same key given in SHEGONG_KEY is checked the same way.
	cfgEnv := cfg
	cfgEnv.Key = other.Text()
	if _, err := Open(ctx, cfgEnv, quiet()); err == nil || !strings.Contains(err.Error(), "SHEGONG_KEY") {
		t.Fatalf("start with another SHEGONG_KEY: %v", err)
	}

	// The right key file: starts.
	if err := os.WriteFile(keyPath, original, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err = Open(ctx, cfg, quiet())
	if err != nil {
		t.Fatalf("start with the right key: %v", err)
	}
	a.Close()
}

// A database sealed before key checks existed is checked on one sealed
// value per column, then gets its checks.
func TestStartChecksSealedValuesOfAnOlderDatabase(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	a, err := Open(ctx, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.Exec(ctx, `UPDATE users SET phone_enc = ?`, a.Keys.Seal("13800000000")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.Exec(ctx, `DELETE FROM key_checks`); err != nil {
		t.Fatal(err)
	}
	keyPath := a.KeyFilePath()
	a.Close()
	original, _ := os.ReadFile(keyPath)
	other, _ := secure.LoadOrCreate(filepath.Join(t.TempDir(), "other.key"))
	if err := os.WriteFile(keyPath, []byte(other.Text()), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, cfg, quiet()); err == nil || !strings.Contains(err.Error(), "users.phone_enc") {
		t.Fatalf("older database with another key: %v", err)
	}
	if err := os.Remove(keyPath); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, cfg, quiet()); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("older database without its key: %v", err)
	}
	if err := os.WriteFile(keyPath, original, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err = Open(ctx, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM key_checks`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("key checks recorded: %d %v", n, err)
	}
}

// The data folder, the database, the key file and the attachments folder
// are for the service's own user only, also when an older install made
// them readable by others; SQLite zeroes deleted data.
func TestDataFolderIsPrivate(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	if err := os.Chmod(cfg.DataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	keyPath := a.KeyFilePath()
	a.Close()
	// An older install: everything group- and world-readable.
	os.Chmod(cfg.DataDir, 0o755)
	os.Chmod(cfg.AttachmentsDir(), 0o755)
	os.Chmod(keyPath, 0o644)
	if dbtest.Engine() == db.SQLite {
		os.Chmod(cfg.SQLitePath(), 0o644)
	}
	a, err = Open(ctx, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	want := map[string]os.FileMode{cfg.DataDir: 0o700, cfg.AttachmentsDir(): 0o700, keyPath: 0o600}
	if dbtest.Engine() == db.SQLite {
		want[cfg.SQLitePath()] = 0o600
		if _, err := a.DB.Exec(ctx, `UPDATE users SET display_name = display_name`); err != nil {
			t.Fatal(err)
		}
		want[cfg.SQLitePath()+"-wal"] = 0o600
		var on int
		if err := a.DB.QueryRow(ctx, `PRAGMA secure_delete`).Scan(&on); err != nil || on != 1 {
			t.Errorf("secure_delete = %d (%v), want 1", on, err)
		}
	}
	for p, mode := range want {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", filepath.Base(p), st.Mode().Perm(), mode)
		}
	}
}
