package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

// Run is one recorded backup outcome.
type Run struct {
	At      string `json:"at"` // cst.Stamp
	File    string `json:"file,omitempty"`
	Size    int64  `json:"size,omitempty"` // bytes
	Message string `json:"message,omitempty"`
}

// Status is the last successful and the last failed backup (nil: none yet).
type Status struct {
	LastSuccess *Run `json:"last_success"`
	LastFailure *Run `json:"last_failure"`
}

// Record stores the outcome of a backup (err nil: success).
func Record(ctx context.Context, d db.Querier, res Result, err error) error {
	outcome, run := "ok", Run{At: cst.NowStamp(), File: res.Path, Size: res.Size}
	if err != nil {
		outcome, run = "failed", Run{At: cst.NowStamp(), Message: err.Error()}
	}
	_, e := d.Exec(ctx, `INSERT INTO backup_status (outcome, at, file, size, message) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (outcome) DO UPDATE SET at = excluded.at, file = excluded.file, size = excluded.size, message = excluded.message`,
		outcome, run.At, run.File, run.Size, run.Message)
	return e
}

// GetStatus returns the backup status, to roles holding system.read
// (the system administrator, the county administrator).
func GetStatus(ctx context.Context, q db.Querier, actor *authz.Actor) (Status, error) {
	if err := actor.Require(authz.PermSystemRead); err != nil {
		return Status{}, err
	}
	var s Status
	for _, outcome := range []string{"ok", "failed"} {
		var r Run
		err := q.QueryRow(ctx, `SELECT at, file, size, message FROM backup_status WHERE outcome = ?`, outcome).Scan(&r.At, &r.File, &r.Size, &r.Message)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return s, err
		}
		if outcome == "ok" {
			s.LastSuccess = &r
		} else {
			s.LastFailure = &r
		}
	}
	return s, nil
}

// Schedule options.
type Schedule struct {
	Dir   string
	Every time.Duration
	Keep  int // archives kept in Dir (the newest); 0 keeps all
}

// archivePrefix and archiveSuffix frame a scheduled archive's name; the
// time between them sorts chronologically.
const archivePrefix, archiveSuffix = "shegong-", ".tar.gz"

// ArchiveName is the file name of a backup taken at t.
func ArchiveName(t time.Time) string {
	return archivePrefix + t.In(cst.Loc).Format("20060102-150405") + archiveSuffix
}

// RunScheduled backs up src into s.Dir every s.Every until ctx ends,
// recording each outcome in d and keeping the newest s.Keep archives. The
// first backup runs at once when the last success is older than s.Every.
func RunScheduled(ctx context.Context, d *db.DB, src Source, s Schedule, log *slog.Logger) {
	wait := s.Every
	var last string
	if err := d.QueryRow(ctx, `SELECT at FROM backup_status WHERE outcome = 'ok'`).Scan(&last); err == nil {
		if t, err := time.Parse(cst.StampLayout, last); err == nil {
			wait = max(0, time.Until(t.Add(s.Every)))
		}
	} else {
		wait = 0
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		start := time.Now()
		res, err := Write(ctx, src, filepath.Join(s.Dir, ArchiveName(time.Now())))
		if ctx.Err() != nil {
			return
		}
		if rerr := Record(ctx, d, res, err); rerr != nil {
			log.Error("backup status not recorded", "error", rerr)
		}
		if err != nil {
			log.Error("scheduled backup failed", "dir", s.Dir, "error", err)
		} else {
			log.Info("backup written", "file", res.Path, "bytes", res.Size, "took", time.Since(start).Round(time.Millisecond))
			if err := Prune(s.Dir, s.Keep); err != nil {
				log.Error("removing old backups", "error", err)
			}
		}
		timer.Reset(s.Every)
	}
}

// Prune removes all but the newest keep scheduled archives in dir.
func Prune(dir string, keep int) error {
	if keep <= 0 {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	var errs []error
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, archivePrefix) && strings.HasSuffix(n, archiveSuffix) && e.Type().IsRegular() {
			names = append(names, n)
		}
		// The work folder of a backup killed midway (power cut, kill -9).
		if info, err := e.Info(); err == nil && e.IsDir() && strings.HasPrefix(n, workPrefix) && time.Since(info.ModTime()) > 24*time.Hour {
			if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
				errs = append(errs, err)
			}
		}
	}
	sort.Strings(names)
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", names[0], err))
		}
		names = names[1:]
	}
	return errors.Join(errs...)
}
