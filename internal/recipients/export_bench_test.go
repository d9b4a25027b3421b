//go:build unix

package recipients_test

import (
	"context"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/exports"
	"github.com/shegong/shegong/internal/recipients"
)

// BenchmarkExportLedger streams the province's whole ledger of a
// database made by `shegong gen --recipients N --visits 0 --data DIR`
// (SHEGONG_EXPORT_BENCH_DATA=DIR; skipped without it) into a temporary
// file, as the export job does, masked and with full values, and
// reports rows per second and the peak heap in use and taken from the
// system, sampled every 5 ms.
func BenchmarkExportLedger(b *testing.B) {
	dir := os.Getenv("SHEGONG_EXPORT_BENCH_DATA")
	if dir == "" {
		b.Skip("SHEGONG_EXPORT_BENCH_DATA is not set (a folder made by shegong gen)")
	}
	ctx := context.Background()
	cfg := app.DefaultConfig()
	cfg.DataDir = dir
	a, err := app.Open(ctx, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	actor := &authz.Actor{Username: "gen_province"}
	if err := a.DB.QueryRow(ctx, `SELECT u.id, u.display_name, u.role, u.org_id, o.path, o.name FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE u.username = ?`, actor.Username).Scan(&actor.UserID, &actor.DisplayName, &actor.Role, &actor.OrgID, &actor.OrgPath, &actor.OrgName); err != nil {
		b.Fatal(err)
	}
	for _, full := range []bool{false, true} {
		name := "masked"
		if full {
			name = "full"
		}
		b.Run(name, func(b *testing.B) {
			var rows int
			var size int64
			var peakHeap, peakSys atomic.Uint64
			runtime.GC()
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				var m runtime.MemStats
				t := time.NewTicker(5 * time.Millisecond)
				defer t.Stop()
				for {
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peakHeap.Load() {
						peakHeap.Store(m.HeapInuse)
					}
					if m.Sys > peakSys.Load() {
						peakSys.Store(m.Sys)
					}
					select {
					case <-stop:
						return
					case <-t.C:
					}
				}
			}()
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime()
			for i := 0; i < b.N; i++ {
				spool, err := exports.NewSpool()
				if err != nil {
					b.Fatal(err)
				}
				err = a.DB.ReadTx(ctx, func(q db.Querier) error {
					f, err := recipients.BuildExport(ctx, q, a.Keys, actor, recipients.Filter{}, full, "", spool, nil)
					rows = f.Rows
					return err
				})
				size = spool.Size()
				spool.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
			elapsed, cpuUsed := time.Since(start), cpuTime()-cpu
			b.StopTimer()
			close(stop)
			wg.Wait()
			b.ReportMetric(float64(rows), "rows")
			b.ReportMetric(float64(rows)*float64(b.N)/elapsed.Seconds(), "rows/s")
			b.ReportMetric(float64(rows)*float64(b.N)/cpuUsed.Seconds(), "rows/cpu-s")
			b.ReportMetric(float64(peakHeap.Load())/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(peakSys.Load())/(1<<20), "peak-sys-MB")
			b.ReportMetric(float64(size)/(1<<20), "file-MB")
		})
	}
}
