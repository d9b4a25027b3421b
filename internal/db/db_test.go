package db_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
)

func TestRebind(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"name LIKE '?%' AND id = ?", "name LIKE '?%' AND id = $1"},
		{`"odd?col" = ?`, `"odd?col" = $1`},
	}
	for _, c := range cases {
		if got := db.Rebind(db.Postgres, c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := db.Rebind(db.SQLite, c.in); got != c.in {
			t.Errorf("SQLite rebind changed %q", c.in)
		}
	}
}

func TestMigrateAppliesOnceInOrderWithDialectFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0001_things.sql":      {Data: []byte("CREATE TABLE things (id TEXT PRIMARY KEY, n INTEGER NOT NULL);")},
		"m/0002_seed.sqlite.sql": {Data: []byte("INSERT INTO things VALUES ('sqlite', 1);")},
		"m/0002_seed.pg.sql":     {Data: []byte("INSERT INTO things VALUES ('postgres', 1);")},
		"m/0003_more.sql":        {Data: []byte("INSERT INTO things VALUES ('both', 2);")},
		"m/README.txt":           {Data: []byte("ignored")},
	}
	mod, err := db.LoadModule("things", fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(mod.Migrations) != 3 || mod.Migrations[2].Version != 3 {
		t.Fatalf("loaded %+v", mod.Migrations)
	}
	d := dbtest.Open(t)
	ctx := context.Background()
	applied, err := d.Migrate(ctx, mod)
	if err != nil || len(applied) != 3 {
		t.Fatalf("first migrate: %d, %v", len(applied), err)
	}
	again, err := d.Migrate(ctx, mod)
	if err != nil || len(again) != 0 {
		t.Fatalf("second migrate applied %d, %v", len(again), err)
	}
	var id string
	if err := d.QueryRow(ctx, `SELECT id FROM things WHERE n = ?`, 1).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if id != string(d.Dialect()) {
		t.Fatalf("dialect file: got %q on %s", id, d.Dialect())
	}
	var versions int
	_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE module = ?`, "things").Scan(&versions)
	if versions != 3 {
		t.Fatalf("recorded %d versions", versions)
	}
}

func TestFailedMigrationRollsBack(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0001_ok.sql":  {Data: []byte("CREATE TABLE a (id TEXT PRIMARY KEY);")},
		"m/0002_bad.sql": {Data: []byte("INSERT INTO a VALUES ('x'); INSERT INTO no_such_table VALUES (1);")},
	}
	mod := db.MustLoadModule("bad", fsys, "m")
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := d.Migrate(ctx, mod); err == nil {
		t.Fatal("bad migration succeeded")
	}
	var n int
	_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM a`).Scan(&n)
	if n != 0 {
		t.Fatal("half of the failed migration was kept")
	}
	_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE module = 'bad'`).Scan(&n)
	if n != 1 {
		t.Fatalf("recorded %d versions, want only the good one", n)
	}
}

func TestBadMigrationNames(t *testing.T) {
	for _, name := range []string{"m/one.sql", "m/0000_zero.sql", "m/x_y.sql"} {
		if _, err := db.LoadModule("x", fstest.MapFS{name: {Data: []byte("SELECT 1;")}}, "m"); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	// Two changes with one number: one of them would never run.
	two := fstest.MapFS{"m/0004_a.sql": {Data: []byte("SELECT 1;")}, "m/0004_b.sql": {Data: []byte("SELECT 2;")}}
	if _, err := db.LoadModule("x", two, "m"); err == nil || !strings.Contains(err.Error(), "version 4") {
		t.Errorf("two migrations numbered 4: %v", err)
	}
	// One change in two dialect files is fine.
	pair := fstest.MapFS{"m/0004_a.sqlite.sql": {Data: []byte("SELECT 1;")}, "m/0004_a.pg.sql": {Data: []byte("SELECT 2;")}}
	if _, err := db.LoadModule("x", pair, "m"); err != nil {
		t.Errorf("dialect pair: %v", err)
	}
}

func TestInTxRollsBackAndUniqueViolation(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := d.Exec(ctx, `CREATE TABLE u (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO u VALUES (?)`, "a"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO u VALUES (?)`, "a")
		return err
	})
	if !db.IsUniqueViolation(err) {
		t.Fatalf("want unique violation, got %v", err)
	}
	var n int
	_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM u`).Scan(&n)
	if n != 0 {
		t.Fatal("transaction not rolled back")
	}
}

// A failed statement inside a savepoint undoes only its own work: the
// transaction goes on and commits the rest, on PostgreSQL too (where a
// failed statement otherwise aborts the transaction).
func TestInSavepointKeepsTheTransactionGoing(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := d.Exec(ctx, `CREATE TABLE u (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	undone := 0
	err := d.InTx(ctx, func(tx *db.Tx) error {
		for _, k := range []string{"a", "a", "b"} {
			err := tx.InSavepoint(ctx, func() error {
				tx.OnRollback(func() { undone++ })
				_, err := tx.Exec(ctx, `INSERT INTO u VALUES (?)`, k)
				return err
			})
			if err != nil && !db.IsUniqueViolation(err) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM u`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("rows after the transaction: %d %v, want a and b", n, err)
	}
	if undone != 1 {
		t.Fatalf("undo work ran %d times, want once (for the failed savepoint)", undone)
	}
}

func TestLikeEscapes(t *testing.T) {
	if got := db.Like(`50%_a\b`); got != `50\%\_a\\b` {
		t.Fatalf("Like = %q", got)
	}
}

func TestCollect(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := d.Exec(ctx, `CREATE TABLE c (n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	scanN := func(row interface{ Scan(...any) error }) (int, error) {
		var n int
		err := row.Scan(&n)
		return n, err
	}
	rows, err := d.Query(ctx, `SELECT n FROM c`)
	empty, err := db.Collect(rows, err, scanN)
	if err != nil || empty == nil || len(empty) != 0 {
		t.Fatalf("no rows: %v %v (want an empty, non-nil slice)", empty, err)
	}
	for _, n := range []int{3, 1, 2} {
		if _, err := d.Exec(ctx, `INSERT INTO c VALUES (?)`, n); err != nil {
			t.Fatal(err)
		}
	}
	rows, err = d.Query(ctx, `SELECT n FROM c ORDER BY n`)
	got, err := db.Collect(rows, err, scanN)
	if err != nil || len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("got %v %v", got, err)
	}
	rows, err = d.Query(ctx, `SELECT n FROM no_such_table`)
	if _, err := db.Collect(rows, err, scanN); err == nil {
		t.Fatal("query error not passed on")
	}
}

func TestVersioned(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := d.Exec(ctx, `CREATE TABLE v (id TEXT PRIMARY KEY, version INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO v VALUES ('a', 1)`); err != nil {
		t.Fatal(err)
	}
	bump := func(version int) error {
		return db.Versioned(d.Exec(ctx, `UPDATE v SET version = version + 1 WHERE id = ? AND version = ?`, "a", version))
	}
	if err := bump(1); err != nil {
		t.Fatalf("the current version: %v", err)
	}
	if err := bump(1); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("a stale version: %v", err)
	}
	if err := db.Versioned(d.Exec(ctx, `UPDATE nosuchtable SET x = 1`)); err == nil || apperr.Is(err, apperr.Conflict) {
		t.Fatalf("a failing statement: %v", err)
	}
}

// The same INSERT run many times in a transaction (prepared once on
// SQLite) writes every row, reports a failing row's error, survives a
// savepoint rolled back, and a statement that does not parse is still
// reported.
func TestTxRepeatedExec(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	if _, err := d.Exec(ctx, `CREATE TABLE rep (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		for i := range 200 {
			if _, err := tx.Exec(ctx, `INSERT INTO rep (k, v) VALUES (?, ?)`, i, "x"); err != nil {
				return err
			}
		}
		err := tx.InSavepoint(ctx, func() error {
			_, err := tx.Exec(ctx, `INSERT INTO rep (k, v) VALUES (?, ?)`, 5, "again")
			return err
		})
		if !db.IsUniqueViolation(err) {
			t.Errorf("a repeated key: %v", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO rep (k, v) VALUES (?, ?)`, 200, "y"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO nowhere VALUES (?)`, 1); err == nil {
			t.Error("a statement on a missing table ran")
		}
		return nil
	})
	// On PostgreSQL the failed statement outside a savepoint aborts the
	// transaction; on SQLite it commits.
	var n int
	_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM rep`).Scan(&n)
	if d.Dialect() == db.SQLite && (err != nil || n != 201) {
		t.Fatalf("rows %d, %v", n, err)
	}
	if d.Dialect() == db.Postgres && err == nil {
		t.Fatalf("postgres committed an aborted transaction: %d rows", n)
	}
}
