package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/figures"
)

// runSnapshot keeps the stock figures of a day (today by default): for a
// scheduler, or to fill a day the server was not running.
func runSnapshot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("snapshot", stderr)
	if err := f.parse(args); err != nil {
		return err
	}
	day := cst.Today()
	switch f.fs.NArg() {
	case 0:
	case 1:
		day = f.fs.Arg(0)
	default:
		return errors.New("usage: shegong snapshot [YYYY-MM-DD]")
	}
	a, err := openApp(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := takeSnapshot(ctx, a, day)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已留存 %s 的时点指标 %d 项\n", day, n)
	return nil
}

func takeSnapshot(ctx context.Context, a *app.App, day string) (n int, err error) {
	err = a.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err = figures.Snapshot(ctx, tx, day)
		return err
	})
	return n, err
}

// snapshotEvery is how often a running server refreshes today's stock
// figures: the day's last refresh, within this much of midnight, is the
// value a past period reads.
const snapshotEvery = time.Hour

// rollEvery is how often a running server checks the date for the
// rollups' children line (recipients.RollChildCutoff): a minute after
// midnight at most, the people who have turned ChildAge are counted in
// their new class.
const rollEvery = time.Minute

// keepSnapshots refreshes today's snapshot at start and every
// snapshotEvery (and at the first check of a new day), moves the
// rollups' children line when the day changes, until ctx ends, and
// closes done when it has stopped.
func keepSnapshots(ctx context.Context, a *app.App, log *slog.Logger, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(rollEvery)
	defer t.Stop()
	var last time.Time
	lastDay := ""
	for {
		if err := a.RollChildCutoff(ctx); err != nil && ctx.Err() == nil {
			log.Error("children line of the rollups", "err", err)
		}
		day := cst.Today()
		if day != lastDay || time.Since(last) >= snapshotEvery {
			if n, err := takeSnapshot(ctx, a, day); err != nil && ctx.Err() == nil {
				log.Error("snapshot of stock figures", "day", day, "err", err)
			} else if err == nil {
				log.Debug("snapshot of stock figures", "day", day, "values", n)
			}
			last, lastDay = time.Now(), day
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
