package app_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/validate"
)

// idNumber is a valid 18-digit ID number born day days after 1950-01-01.
func idNumber(day int) string {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day).Format("20060102")
	first17 := "410622" + birth + "001"
	return first17 + string(validate.IDCardCheckDigit(first17))
}

// While one transaction holds the write lock for seconds (a large import
// committing), API creates queue and all succeed once it ends, and
// logged-in users' reads — idle sessions whose last-seen time is due to
// be written, home pages, lists — answer at once: no 5xx, no 503.
func TestLongWriteDoesNotFailOtherRequests(t *testing.T) {
	env := apptest.Start(t)
	ctx := t.Context()
	var station string
	if err := env.App.DB.QueryRow(ctx, `SELECT id FROM org_units WHERE division_code = '410622001' AND kind = 'station'`).Scan(&station); err != nil {
		t.Fatal(err)
	}
	// Several users, each within the limit of concurrent sessions per user (3).
	writers := []*apptest.Client{env.APILoginDemo("shegong"), env.APILoginDemo("zhanzhang"), env.APILoginDemo("zhanzhang"), env.APILoginDemo("admin")}
	readers := []*apptest.Client{env.APILoginDemo("admin"), env.APILoginDemo("shegong"), env.APILoginDemo("admin")}
	web := env.LoginDemo("shegong")
	// Every session was last seen five minutes ago: the next request of
	// each is one whose use must be recorded.
	if _, err := env.App.DB.Exec(ctx, `UPDATE sessions SET last_seen_at = ?`, cst.Stamp(time.Now().Add(-5*time.Minute))); err != nil {
		t.Fatal(err)
	}
	var before int
	if err := env.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM recipients`).Scan(&before); err != nil {
		t.Fatal(err)
	}

	const hold = 2 * time.Second
	var releasedAt atomic.Int64
	held := make(chan struct{})
	holdDone := make(chan error, 1)
	go func() {
		holdDone <- env.App.DB.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE org_units SET name = name WHERE id = ?`, station); err != nil {
				return err
			}
			close(held)
			time.Sleep(hold)
			releasedAt.Store(time.Now().UnixNano())
			return nil
		})
	}()
	<-held
	start := time.Now()

	type result struct {
		what   string
		status int
		took   time.Duration
		end    time.Time
	}
	var mu sync.Mutex
	var all []result
	record := func(r result) {
		mu.Lock()
		all = append(all, r)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	const creates = 40
	for w, c := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < creates; i += len(writers) {
				t0 := time.Now()
				res := c.JSON("POST", "/api/v1/recipients", map[string]any{"org_id": station, "name": fmt.Sprintf("压测%03d", i),
					"id_number": idNumber(i), "village_code": "410622001201", "confirm_duplicate": true})
				record(result{"create", res.Status, time.Since(t0), time.Now()})
				if res.Status != http.StatusCreated {
					t.Errorf("create %d: %d %s", i, res.Status, res.Body)
				}
			}
		}()
	}
	readUntil := start.Add(hold)
	for _, c := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(readUntil) {
				for _, p := range []string{"/api/v1/me", "/api/v1/recipients?limit=5"} {
					t0 := time.Now()
					res := c.Get(p)
					record(result{"read", res.Status, time.Since(t0), time.Now()})
					if res.Status != http.StatusOK {
						t.Errorf("GET %s: %d %s", p, res.Status, res.Body)
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for time.Now().Before(readUntil) {
			t0 := time.Now()
			res := web.Get("/")
			record(result{"read", res.Status, time.Since(t0), time.Now()})
			if res.Status != http.StatusOK {
				t.Errorf("home page: %d", res.Status)
			}
		}
	}()
	wg.Wait()
	if err := <-holdDone; err != nil {
		t.Fatal(err)
	}

	var reads, fivexx, readsWhileHeld int
	var readTimes []time.Duration
	released := time.Unix(0, releasedAt.Load())
	for _, r := range all {
		if r.status >= 500 {
			fivexx++
		}
		if r.what == "read" {
			reads++
			readTimes = append(readTimes, r.took)
			if r.end.Before(released) {
				readsWhileHeld++
			}
		}
	}
	if fivexx > 0 {
		t.Fatalf("%d responses were 5xx", fivexx)
	}
	if reads == 0 {
		t.Fatal("no reads ran during the held write")
	}
	sort.Slice(readTimes, func(i, j int) bool { return readTimes[i] < readTimes[j] })
	// Reads do not wait for the writer: they finish while it still holds
	// the lock (an order of events, not a time limit, so a loaded machine
	// cannot fail it).
	if readsWhileHeld == 0 {
		t.Fatalf("no read finished while the writer held the lock (%d reads)", reads)
	}
	var after int
	if err := env.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM recipients`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after-before != creates {
		t.Fatalf("%d recipients created, want %d", after-before, creates)
	}
	t.Logf("%d creates and %d reads during a %v write lock; slowest read %v; all done after %v",
		creates, reads, hold, readTimes[len(readTimes)-1], time.Since(start).Round(time.Millisecond))
}

// A write that cannot get its turn within the server's deadline is
// refused with 503 系统繁忙 and Retry-After, writes nothing, and goes
// through when sent again.
func TestWriteTooLongWaitingIsBusy(t *testing.T) {
	env := apptest.Start(t)
	if env.App.DB.Dialect() != db.SQLite {
		t.Skip("PostgreSQL orders writes itself; only the SQLite writer has a queue")
	}
	ctx := t.Context()
	var station string
	if err := env.App.DB.QueryRow(ctx, `SELECT id FROM org_units WHERE division_code = '410622001' AND kind = 'station'`).Scan(&station); err != nil {
		t.Fatal(err)
	}
	api := env.APILoginDemo("shegong")
	env.App.DB.WriteWait = 100 * time.Millisecond
	held, release := make(chan struct{}), make(chan struct{})
	holdDone := make(chan error, 1)
	go func() {
		holdDone <- env.App.DB.InTx(ctx, func(tx *db.Tx) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	body := map[string]any{"org_id": station, "name": "繁忙测试", "id_number": idNumber(9000), "village_code": "410622001201", "confirm_duplicate": true}
	res := api.JSON("POST", "/api/v1/recipients", body)
	if res.Status != http.StatusServiceUnavailable || res.ErrorCode() != "busy" || res.Header.Get("Retry-After") != "5" ||
		!strings.Contains(res.Body, "系统繁忙，请稍后重试") {
		close(release)
		t.Fatalf("create while the writer is held past the deadline: %d %q %s", res.Status, res.Header.Get("Retry-After"), res.Body)
	}
	if res := api.Get("/api/v1/me"); res.Status != http.StatusOK {
		close(release)
		t.Fatalf("a read while busy: %d", res.Status)
	}
	close(release)
	if err := <-holdDone; err != nil {
		t.Fatal(err)
	}
	if res := api.JSON("POST", "/api/v1/recipients", body); res.Status != http.StatusCreated {
		t.Fatalf("sent again: %d %s", res.Status, res.Body)
	}
	var n int
	if err := env.App.DB.QueryRow(ctx, `SELECT COUNT(*) FROM recipients WHERE name = '繁忙测试'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows (%v), want 1", n, err)
	}
}
