package exports

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/secure"
)

// Store is the folder finished exports are kept in, sealed with the
// data keys: the data folder's "exports".
type Store struct {
	Dir  string
	Keys *secure.Keyring
}

// chunk is the plain bytes sealed at a time: a file is a sequence of
// (4-byte big-endian length, SealBytes(chunk)), so neither sealing nor
// opening holds a whole workbook in memory.
const chunk = 1 << 20

type sealWriter struct {
	keys *secure.Keyring
	f    *os.File
	w    *bufio.Writer
	buf  []byte
	n    int64
}

func (s *sealWriter) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	total := len(p)
	for len(p) > 0 {
		k := min(chunk-len(s.buf), len(p))
		s.buf = append(s.buf, p[:k]...)
		p = p[k:]
		if len(s.buf) == chunk {
			if err := s.flush(); err != nil {
				return 0, err
			}
		}
	}
	return total, nil
}

func (s *sealWriter) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	sealed := s.keys.SealBytes(s.buf)
	s.buf = s.buf[:0]
	if err := binary.Write(s.w, binary.BigEndian, uint32(len(sealed))); err != nil {
		return err
	}
	_, err := s.w.Write(sealed)
	return err
}

func (s *sealWriter) close() error {
	err := s.flush()
	if err == nil {
		err = s.w.Flush()
	}
	if err == nil {
		err = s.f.Sync()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (st Store) path(file string) string { return filepath.Join(st.Dir, filepath.Base(file)) }

// create opens a new sealed file for writing.
func (st Store) create(file string) (*sealWriter, error) {
	if err := os.MkdirAll(st.Dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(st.path(file), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	return &sealWriter{keys: st.Keys, f: f, w: bufio.NewWriterSize(f, 64<<10), buf: make([]byte, 0, chunk)}, nil
}

// Send writes a finished job's workbook, opened, to w (after Download).
func (st Store) Send(j Job, w io.Writer) error {
	f, err := os.Open(st.path(j.file))
	if errors.Is(err, os.ErrNotExist) {
		return ErrExpired
	}
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	var sent int64
	for {
		var n uint32
		if err := binary.Read(r, binary.BigEndian, &n); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("export %s: damaged file: %w", j.ID, err)
		}
		if n > 2*chunk {
			return fmt.Errorf("export %s: damaged file", j.ID)
		}
		sealed := make([]byte, n)
		if _, err := io.ReadFull(r, sealed); err != nil {
			return fmt.Errorf("export %s: damaged file: %w", j.ID, err)
		}
		plain, err := st.Keys.OpenBytes(sealed)
		if err != nil {
			return fmt.Errorf("export %s: %w", j.ID, err)
		}
		if _, err := w.Write(plain); err != nil {
			return err
		}
		sent += int64(len(plain))
	}
	if sent != j.Size {
		return fmt.Errorf("export %s: file holds %d bytes, want %d", j.ID, sent, j.Size)
	}
	return nil
}

// Runner runs queued export jobs one at a time and deletes expired jobs
// and their files. Start it with the app and Stop it on close.
type Runner struct {
	DB    *db.DB
	Store Store
	// Actor loads a job's owner as an actor: a job runs with its owner's
	// role and scope as they are when it runs.
	Actor func(ctx context.Context, userID string) (*authz.Actor, error)
	Log   *slog.Logger
	Every time.Duration // how often to look for work without a Wake; default 5 s

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Start starts the runner's goroutine. Jobs left running by a process
// that stopped are queued again.
func (r *Runner) Start() {
	r.once.Do(func() { r.wake = make(chan struct{}, 1) })
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	every := r.Every
	if every <= 0 {
		every = 5 * time.Second
	}
	go func() {
		defer close(r.done)
		if _, err := r.DB.Exec(ctx, `UPDATE export_jobs SET status = ?, rows_done = 0, version = version + 1 WHERE status = ?`,
			StatusQueued, StatusRunning); err != nil && ctx.Err() == nil {
			r.log().Warn("export jobs: requeue", "err", err)
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if err := r.Sweep(ctx); err != nil && ctx.Err() == nil {
				r.log().Warn("export jobs: sweep", "err", err)
			}
			for {
				ran, err := r.RunOne(ctx)
				if err != nil && ctx.Err() == nil {
					r.log().Warn("export jobs: run", "err", err)
				}
				if !ran || ctx.Err() != nil {
					break
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-r.wake:
			}
		}
	}()
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.Default()
	}
	return r.Log
}

// Wake makes the runner look for queued jobs now.
func (r *Runner) Wake() {
	r.once.Do(func() { r.wake = make(chan struct{}, 1) })
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Stop cancels the job running (it is queued again at the next start)
// and waits for the runner to end, or for ctx.
func (r *Runner) Stop(ctx context.Context) error {
	if r.cancel == nil {
		return nil
	}
	r.cancel()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// progressEvery is how often a running job's rows done are written.
var progressEvery = 500 * time.Millisecond

// RunOne runs the oldest queued job, if any, to its end (done or
// failed) and reports whether there was one. The error is the runner's
// own (the database); a failing export marks its job failed instead.
func (r *Runner) RunOne(ctx context.Context) (bool, error) {
	var id string
	err := r.DB.QueryRow(ctx, `SELECT id FROM export_jobs WHERE status = ? ORDER BY created_at, id LIMIT 1`, StatusQueued).Scan(&id)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return false, err
	}
	// Claim it: another runner (a second server on PostgreSQL) may have.
	res, err := r.DB.Exec(ctx, `UPDATE export_jobs SET status = ?, version = version + 1 WHERE id = ? AND status = ?`, StatusRunning, id, StatusQueued)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return true, nil
	}
	j, err := get(ctx, r.DB, id)
	if err != nil {
		return true, err
	}
	rows, size, summary, entity, runErr := r.run(ctx, j)
	if ctx.Err() != nil {
		// Stopping: the job is queued again at the next start.
		_ = os.Remove(r.Store.path(j.ID + ".xlsx.sealed"))
		return true, nil
	}
	wctx := context.WithoutCancel(ctx)
	if runErr != nil {
		_ = os.Remove(r.Store.path(j.ID + ".xlsx.sealed"))
		r.log().Warn("export job failed", "id", j.ID, "kind", j.Kind, "err", runErr)
		_, err = r.DB.Exec(wctx, `UPDATE export_jobs SET status = ?, message = ?, finished_at = ?, version = version + 1 WHERE id = ?`,
			StatusFailed, describeError(runErr), cst.NowStamp(), j.ID)
		return true, err
	}
	_, err = r.DB.Exec(wctx, `UPDATE export_jobs SET status = ?, rows_done = ?, file = ?, size = ?, summary = ?, entity = ?, finished_at = ?,
		version = version + 1 WHERE id = ?`, StatusDone, rows, j.ID+".xlsx.sealed", size, summary, entity, cst.NowStamp(), j.ID)
	return true, err
}

// run builds a job's file in one read transaction.
func (r *Runner) run(ctx context.Context, j Job) (rows int, size int64, summary, entity string, err error) {
	k, ok := KindOf(j.Kind)
	if !ok {
		return 0, 0, "", "", fmt.Errorf("unknown export kind %q", j.Kind)
	}
	actor, err := r.Actor(ctx, j.ownerID)
	if err != nil {
		return 0, 0, "", "", err
	}
	if err := actor.Require(k.Perm); err != nil {
		return 0, 0, "", "", err
	}
	w, err := r.Store.create(j.ID + ".xlsx.sealed")
	if err != nil {
		return 0, 0, "", "", err
	}
	last := time.Now()
	progress := func(done int) {
		if time.Since(last) < progressEvery {
			return
		}
		last = time.Now()
		// Progress is a hint: a failed write does not stop the export.
		_, _ = r.DB.Exec(ctx, `UPDATE export_jobs SET rows_done = ? WHERE id = ?`, done, j.ID)
	}
	err = r.DB.ReadTx(ctx, func(q db.Querier) error {
		n, entry, err := k.Build(ctx, q, r.Store.Keys, actor, []byte(j.params), w, progress)
		rows, summary, entity = n, entry.Summary, entry.Entity
		return err
	})
	if cerr := w.close(); err == nil {
		err = cerr
	}
	return rows, w.n, summary, entity, err
}

// Sweep deletes the jobs whose time is up, and their files, and the
// temporary files a stopped process left in TempDir.
func (r *Runner) Sweep(ctx context.Context) error {
	if TempDir != "" {
		entries, _ := os.ReadDir(TempDir)
		for _, e := range entries {
			// Still being written by a running export if recent (the
			// folder is shared with `shegong export`).
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > Expiry {
				_ = os.RemoveAll(filepath.Join(TempDir, e.Name()))
			}
		}
	}
	rows, err := r.DB.Query(ctx, `SELECT id, file FROM export_jobs WHERE expires_at <= ?`, cst.NowStamp())
	if err != nil {
		return err
	}
	type expired struct{ id, file string }
	var list []expired
	for rows.Next() {
		var e expired
		if err := rows.Scan(&e.id, &e.file); err != nil {
			rows.Close()
			return err
		}
		list = append(list, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range list {
		// The file first: a row without a file reads as expired, a file
		// without a row would never be found again.
		if e.file != "" {
			if err := os.Remove(r.Store.path(e.file)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		if _, err := r.DB.Exec(ctx, `DELETE FROM export_jobs WHERE id = ?`, e.id); err != nil {
			return err
		}
	}
	return nil
}
