package visits_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
)

// checkRollups compares the rollups kept by triggers (recipient_counts,
// due_counts) with the people they count, for every org node and both
// visibility classes, with the children line childAfter.
func checkRollups(t *testing.T, q db.Querier, childAfter string) {
	t.Helper()
	ctx := context.Background()
	var stored string
	if err := q.QueryRow(ctx, `SELECT child_after FROM child_cutoff`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != childAfter {
		t.Fatalf("children line %s, want %s", stored, childAfter)
	}
	hidden := `CASE WHEN r.birth_date = '' OR r.birth_date > ? THEN 1 ELSE 0 END`
	live := func(query string, args ...any) map[string]int64 {
		t.Helper()
		rows, err := q.Query(ctx, query, args...)
		got, err := db.Collect(rows, err, func(row interface{ Scan(...any) error }) (kv struct {
			k string
			n int64
		}, err error) {
			err = row.Scan(&kv.k, &kv.n)
			return kv, err
		})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int64{}
		for _, kv := range got {
			if kv.n != 0 {
				m[kv.k] = kv.n
			}
		}
		return m
	}
	concat := func(cols ...string) string {
		e := cols[0]
		for _, c := range cols[1:] {
			e += " || '|' || " + c
		}
		return e + " || '|'"
	}
	counted := live(`SELECT `+concat("a.id", "r.status", "CAST("+hidden+" AS TEXT)")+`, COUNT(*) FROM org_units a
		JOIN org_units o ON substr(o.path, 1, length(a.path)) = a.path JOIN recipients r ON r.org_id = o.id
		GROUP BY 1`, childAfter)
	rolled := live(`SELECT ` + concat("node_id", "status", "CAST(hidden AS TEXT)") + `, SUM(n) FROM recipient_counts GROUP BY node_id, status, hidden`)
	compare(t, "recipient_counts", counted, rolled)

	counted = live(`SELECT `+concat("a.id", "CAST("+hidden+" AS TEXT)", "r.next_visit_due")+`, COUNT(*) FROM org_units a
		JOIN org_units o ON substr(o.path, 1, length(a.path)) = a.path JOIN recipients r ON r.org_id = o.id
		WHERE r.status = 'active' GROUP BY 1`, childAfter)
	rolled = live(`SELECT ` + concat("node_id", "CAST(hidden AS TEXT)", "due") + `, SUM(n) FROM due_counts GROUP BY node_id, hidden, due`)
	compare(t, "due_counts", counted, rolled)
}

func compare(t *testing.T, name string, live, rolled map[string]int64) {
	t.Helper()
	if len(live) == 0 {
		t.Fatalf("%s: nothing to compare", name)
	}
	bad := 0
	for k, n := range live {
		if rolled[k] != n {
			bad++
			if bad <= 5 {
				t.Errorf("%s %s: rollup %d, people %d", name, k, rolled[k], n)
			}
		}
	}
	for k, n := range rolled {
		if _, ok := live[k]; !ok {
			bad++
			if bad <= 5 {
				t.Errorf("%s %s: rollup %d, no such people", name, k, n)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d keys differ", name, bad, len(live))
	}
}

// The rollups agree with the people they count after the demo county is
// loaded through the domain, after every kind of change to a person
// (status, station, birth date, due date), and when the children line
// moves forward and back.
func TestRollupsAgreeWithPeople(t *testing.T) {
	a := apptest.OpenApp(t)
	ctx := context.Background()
	checkRollups(t, a.DB, recipients.ChildCutoff())

	var ids []string
	rows, err := a.DB.Query(ctx, `SELECT id FROM recipients ORDER BY id LIMIT 40`)
	ids, err = db.Collect(rows, err, func(row interface{ Scan(...any) error }) (id string, err error) {
		err = row.Scan(&id)
		return id, err
	})
	if err != nil || len(ids) < 40 {
		t.Fatalf("recipients: %v (%d)", err, len(ids))
	}
	var otherOrg string
	if err := a.DB.QueryRow(ctx, `SELECT org_id FROM recipients WHERE org_id <> (SELECT org_id FROM recipients WHERE id = ?) LIMIT 1`, ids[0]).
		Scan(&otherOrg); err != nil {
		t.Fatal(err)
	}
	today := cst.Today()
	err = a.DB.InTx(ctx, func(tx *db.Tx) error {
		for i, id := range ids {
			var stmt string
			var args []any
			switch i % 5 {
			case 0:
				stmt, args = `UPDATE recipients SET status = ? WHERE id = ?`, []any{recipients.StatusMoved, id}
			case 1:
				stmt, args = `UPDATE recipients SET org_id = ? WHERE id = ?`, []any{otherOrg, id}
			case 2:
				stmt, args = `UPDATE recipients SET birth_date = ? WHERE id = ?`, []any{[]string{"", "2020-02-29", "1950-01-01"}[i%3], id}
			case 3:
				stmt, args = `UPDATE recipients SET next_visit_due = ? WHERE id = ?`, []any{[]string{"", today, "2001-01-01"}[i%3], id}
			case 4: // several columns at once, and back in care
				stmt, args = `UPDATE recipients SET status = ?, org_id = ?, next_visit_due = ?, birth_date = ? WHERE id = ?`,
					[]any{recipients.StatusActive, otherOrg, today, fmt.Sprintf("19%02d-03-01", 40+i), id}
			}
			if _, err := tx.Exec(ctx, stmt, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRollups(t, a.DB, recipients.ChildCutoff())

	// Six years on, the children born in the six years after the line have
	// grown up; back to today, they are children again.
	for _, now := range []time.Time{cst.Now().AddDate(6, 0, 0), cst.Now()} {
		var moved int64
		err := a.DB.InTx(ctx, func(tx *db.Tx) (err error) {
			moved, err = recipients.RollChildCutoff(ctx, tx, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if moved == 0 {
			t.Errorf("rolling to %s moved nobody: the demo county has children", now.Format(cst.DateLayout))
		}
		line := recipients.ChildCutoffOn(now)
		checkRollups(t, a.DB, line)
	}
	// A second roll on the same day changes nothing.
	err = a.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err := recipients.RollChildCutoff(ctx, tx, cst.Now())
		if err == nil && n != 0 {
			err = fmt.Errorf("second roll moved %d", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Two writers of people side by side never deadlock on the rollups: one
// that has changed a person and then changes another whom a second
// writer is changing meanwhile. On PostgreSQL the second writer takes the
// rollups' lock before it locks its person's row; without that, each
// waits on the other and PostgreSQL aborts one (SQLite runs one writer
// at a time).
func TestWritersOfPeopleNeverDeadlock(t *testing.T) {
	a := apptest.OpenApp(t)
	ctx := context.Background()
	var x, y string
	if err := a.DB.QueryRow(ctx, `SELECT MIN(id), MAX(id) FROM recipients WHERE status = 'active'`).Scan(&x, &y); err != nil || x == y {
		t.Fatalf("two people: %v", err)
	}
	second := make(chan error, 1)
	err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE recipients SET next_visit_due = '2001-01-01' WHERE id = ?`, y); err != nil {
			return err
		}
		go func() {
			second <- a.DB.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE recipients SET status = ? WHERE id = ?`, recipients.StatusMoved, x)
				return err
			})
		}()
		time.Sleep(400 * time.Millisecond) // the second writer has reached x
		_, err := tx.Exec(ctx, `UPDATE recipients SET next_visit_due = '2001-01-02' WHERE id = ?`, x)
		return err
	})
	if err != nil {
		t.Fatalf("first writer: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("second writer: %v", err)
	}
	checkRollups(t, a.DB, recipients.ChildCutoff())
}
