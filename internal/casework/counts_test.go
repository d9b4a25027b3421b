package casework_test

import (
	"context"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

// checkTaskCounts compares the rollup task_counts with the open tasks it
// counts, for every org node and due date.
func checkTaskCounts(t *testing.T, q db.Querier) {
	t.Helper()
	ctx := context.Background()
	read := func(query string) map[string]int64 {
		t.Helper()
		rows, err := q.Query(ctx, query)
		type kv struct {
			k string
			n int64
		}
		got, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (x kv, err error) {
			err = row.Scan(&x.k, &x.n)
			return x, err
		})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int64{}
		for _, x := range got {
			if x.n != 0 {
				m[x.k] = x.n
			}
		}
		return m
	}
	live := read(`SELECT a.id || '|' || t.due_on, COUNT(*) FROM org_units a JOIN org_units o ON substr(o.path, 1, length(a.path)) = a.path
		JOIN case_tasks t ON t.org_id = o.id WHERE t.done_on = '' GROUP BY 1`)
	rolled := read(`SELECT node_id || '|' || due, SUM(n) FROM task_counts GROUP BY 1`)
	if len(live) == 0 {
		t.Fatal("no open task to compare")
	}
	for k, n := range live {
		if rolled[k] != n {
			t.Errorf("task_counts %s: rollup %d, tasks %d", k, rolled[k], n)
		}
	}
	for k, n := range rolled {
		if _, ok := live[k]; !ok {
			t.Errorf("task_counts %s: rollup %d, no such tasks", k, n)
		}
	}
}

// The rollup of open tasks agrees with the tasks after the demo county's
// cases are opened through the domain, and after tasks are done, reopened,
// moved to another date and deleted with their case.
func TestTaskCountsAgreeWithTasks(t *testing.T) {
	a := apptest.OpenApp(t)
	ctx := context.Background()
	checkTaskCounts(t, a.DB)
	today := cst.Today()
	err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, stmt := range []string{
			`UPDATE case_tasks SET done_on = '` + today + `' WHERE id IN (SELECT id FROM case_tasks WHERE done_on = '' ORDER BY id LIMIT 3)`,
			`UPDATE case_tasks SET done_on = '' WHERE id IN (SELECT id FROM case_tasks WHERE done_on <> '' ORDER BY id LIMIT 2)`,
			`UPDATE case_tasks SET due_on = '2001-01-01' WHERE id IN (SELECT id FROM case_tasks ORDER BY id DESC LIMIT 4)`,
			`DELETE FROM case_tasks WHERE id IN (SELECT id FROM case_tasks WHERE done_on = '' ORDER BY due_on LIMIT 1)`,
		} {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkTaskCounts(t, a.DB)
}

// Two writers of tasks side by side never deadlock on the rollup: one
// that has changed a task and then changes another whom a second writer
// is changing meanwhile (on PostgreSQL; SQLite runs one writer at a time).
func TestWritersOfTasksNeverDeadlock(t *testing.T) {
	a := apptest.OpenApp(t)
	ctx := context.Background()
	var x, y string
	if err := a.DB.QueryRow(ctx, `SELECT MIN(id), MAX(id) FROM case_tasks WHERE done_on = ''`).Scan(&x, &y); err != nil || x == y {
		t.Fatalf("two open tasks: %v", err)
	}
	second := make(chan error, 1)
	err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE case_tasks SET due_on = '2001-01-01' WHERE id = ?`, y); err != nil {
			return err
		}
		go func() {
			second <- a.DB.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE case_tasks SET done_on = ? WHERE id = ?`, cst.Today(), x)
				return err
			})
		}()
		time.Sleep(400 * time.Millisecond) // the second writer has reached x
		_, err := tx.Exec(ctx, `UPDATE case_tasks SET due_on = '2001-01-02' WHERE id = ?`, x)
		return err
	})
	if err != nil {
		t.Fatalf("first writer: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("second writer: %v", err)
	}
	checkTaskCounts(t, a.DB)
}
