package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
)

func openThings(t *testing.T) (*db.DB, context.Context) {
	t.Helper()
	d := dbtest.Open(t)
	ctx := context.Background()
	if _, err := d.Exec(ctx, `CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO things (id, name) VALUES (1, 'one')`); err != nil {
		t.Fatal(err)
	}
	return d, ctx
}

func count(t *testing.T, ctx context.Context, q db.Querier) int {
	t.Helper()
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM things`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// holdWriter runs a write transaction that has written a row and keeps
// the write lock until release is closed.
func holdWriter(t *testing.T, d *db.DB, ctx context.Context) (release chan struct{}, done chan error) {
	t.Helper()
	release, done = make(chan struct{}), make(chan error, 1)
	started := make(chan struct{})
	go func() {
		done <- d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO things (id, name) VALUES (100, 'held')`); err != nil {
				return err
			}
			close(started)
			<-release
			return nil
		})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("writer did not start: %v", err)
	}
	return release, done
}

// While a write transaction holds the lock, reads on the DB answer at
// once (never SQLITE_BUSY, never a wait) and see only committed data.
func TestQueryDoesNotWaitForTheWriter(t *testing.T) {
	d, ctx := openThings(t)
	release, done := holdWriter(t, d, ctx)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			var n int
			if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM things`).Scan(&n); err != nil {
				errs <- err
				return
			}
			rows, err := d.Query(ctx, `SELECT id FROM things`)
			if err != nil {
				errs <- err
				return
			}
			rows.Close()
			if n != 1 {
				errs <- errors.New("a read saw the uncommitted row")
			}
			if el := time.Since(start); el > 2*time.Second {
				errs <- errors.New("a read waited for the writer: " + el.String())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, d); n != 2 {
		t.Fatalf("after commit %d rows, want 2", n)
	}
}

// A write that cannot get the writer within WriteWait fails with Busy
// (503) and writes nothing; once the writer is free the same write goes
// through.
func TestWriteWaitEndsInBusy(t *testing.T) {
	d, ctx := openThings(t)
	if d.Dialect() != db.SQLite {
		t.Skip("PostgreSQL orders writes itself; only the SQLite writer has a queue")
	}
	d.WriteWait = 150 * time.Millisecond
	release, done := holdWriter(t, d, ctx)
	start := time.Now()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO things (id, name) VALUES (2, 'two')`)
		return err
	})
	if !apperr.Is(err, apperr.Busy) {
		t.Fatalf("InTx while held: %v, want Busy", err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO things (id, name) VALUES (3, 'three')`); !apperr.Is(err, apperr.Busy) {
		t.Fatalf("Exec while held: %v, want Busy", err)
	}
	if el := time.Since(start); el < 300*time.Millisecond || el > 3*time.Second {
		t.Fatalf("two waits took %v", el)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO things (id, name) VALUES (2, 'two')`); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, d); n != 3 {
		t.Fatalf("%d rows, want 3 (1, the held one, 2)", n)
	}
}

// Writes queued behind a long transaction all succeed, in turn, when it
// ends within WriteWait.
func TestQueuedWritesSucceed(t *testing.T) {
	d, ctx := openThings(t)
	release, done := holdWriter(t, d, ctx)
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- d.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO things (id, name) VALUES (?, 'queued')`, 200+i)
				return err
			})
		}()
	}
	time.Sleep(300 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, d); n != 32 {
		t.Fatalf("%d rows, want 32", n)
	}
}

// ReadTx reads one snapshot: a write committed meanwhile is not seen
// inside it (and is not held up by it); writing inside fails.
func TestReadTxSeesOneSnapshot(t *testing.T) {
	d, ctx := openThings(t)
	err := d.ReadTx(ctx, func(q db.Querier) error {
		if n := count(t, ctx, q); n != 1 {
			t.Fatalf("first read %d rows", n)
		}
		if _, err := d.Exec(ctx, `INSERT INTO things (id, name) VALUES (2, 'two')`); err != nil {
			t.Fatalf("write beside a ReadTx: %v", err)
		}
		if n := count(t, ctx, d); n != 2 {
			t.Fatalf("outside the snapshot %d rows, want 2", n)
		}
		if n := count(t, ctx, q); n != 1 {
			t.Fatalf("second read in the snapshot %d rows, want 1", n)
		}
		if _, err := q.Exec(ctx, `INSERT INTO things (id, name) VALUES (3, 'three')`); err == nil {
			t.Fatal("a ReadTx wrote")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, d); n != 2 {
		t.Fatalf("%d rows after, want 2", n)
	}
	wantErr := errors.New("stop")
	if err := d.ReadTx(ctx, func(db.Querier) error { return wantErr }); !errors.Is(err, wantErr) {
		t.Fatalf("ReadTx error %v", err)
	}
}

// A savepoint inside the writer's transaction still undoes only its own
// work, and the writer is free again after a panic.
func TestSavepointAndPanicKeepTheWriter(t *testing.T) {
	d, ctx := openThings(t)
	err := d.InTx(ctx, func(tx *db.Tx) error {
		undone := false
		_ = tx.InSavepoint(ctx, func() error {
			tx.OnRollback(func() { undone = true })
			if _, err := tx.Exec(ctx, `INSERT INTO things (id, name) VALUES (5, 'five')`); err != nil {
				return err
			}
			return errors.New("reject")
		})
		if !undone {
			t.Error("savepoint undo did not run")
		}
		_, err := tx.Exec(ctx, `INSERT INTO things (id, name) VALUES (6, 'six')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() { _ = recover() }()
		_ = d.InTx(ctx, func(tx *db.Tx) error { panic("boom") })
	}()
	d.WriteWait = time.Second
	if _, err := d.Exec(ctx, `INSERT INTO things (id, name) VALUES (7, 'seven')`); err != nil {
		t.Fatalf("writer not released after a panic: %v", err)
	}
	if n := count(t, ctx, d); n != 3 {
		t.Fatalf("%d rows, want 3", n)
	}
}

// Reads sharing the prepared statements never wait on each other: every
// read connection held by a read transaction that runs queries no one
// ran before, while plain reads prepare new texts too, all finish; and a
// transaction runs the same text again while its first rows are open.
func TestPreparedReadsNeverWaitOnEachOther(t *testing.T) {
	d, ctx := openThings(t)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var id int
	if err := d.QueryRow(ctx, "SELECT id FROM things").Scan(&id); err != nil { // now kept prepared
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			errs <- d.ReadTx(ctx, func(q db.Querier) error {
				for j := range 5 {
					var n int
					if err := q.QueryRow(ctx, fmt.Sprintf("SELECT COUNT(*) + %d FROM things WHERE %d = %d", j, i, i)).Scan(&n); err != nil {
						return err
					}
				}
				if q.Dialect() != db.SQLite {
					return nil // a PostgreSQL connection reads one result at a time
				}
				rows, err := q.Query(ctx, "SELECT id FROM things")
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var n int
					if err := q.QueryRow(ctx, "SELECT id FROM things").Scan(&n); err != nil {
						return err
					}
				}
				return rows.Err()
			})
		}()
		go func() {
			defer wg.Done()
			var n int
			errs <- d.QueryRow(ctx, fmt.Sprintf("SELECT COUNT(*) + %d FROM things", 100+i)).Scan(&n)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
