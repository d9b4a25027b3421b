//go:build unix

package recipients_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/roster/rostertest"
)

// benchRoster is a roster of n people of 朝歌街道社工站 with fresh ID
// numbers.
func benchRoster(b *testing.B, n int) []byte {
	b.Helper()
	header := []string{"序号", "姓名", "身份证号", "联系电话", "现住址", "村（社区）", "对象类别", "所属站点"}
	villages := []string{"西街村", "410622001200", "南杨庄"}
	rows := make([][]any, n)
	birth := time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		// One person per birth date and sex: fresh ID numbers.
		d := birth.AddDate(0, 0, i%25000)
		rows[i] = []any{i + 1, fmt.Sprintf("测试%d", i), fakeID(d.Format("2006-01-02"), i/25000%2 == 0), fmt.Sprintf("138%08d", i),
			fmt.Sprintf("朝歌街道西街%d号", i), villages[i%len(villages)], "低保对象", "朝歌街道社工站"}
	}
	return rostertest.File(b, header, rows...)
}

// cpuTime is the CPU time the process has used: on a shared machine
// it says more about the work done than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchImport uploads (checks) and commits an n-row roster, reporting
// the wall and CPU seconds of each.
func benchImport(b *testing.B, n int) {
	env := apptest.Start(b)
	f := &fixture{env: env, ctx: context.Background()}
	u, err := env.App.Auth.UserByUsername(f.ctx, "admin")
	if err != nil {
		b.Fatal(err)
	}
	f.t = &testing.T{}
	admin := f.actor(u.Username)
	var check, commit, checkCPU, commitCPU time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		data := benchRoster(b, n)
		b.StartTimer()
		start, cpu := time.Now(), cpuTime()
		rep, err := recipients.UploadImport(f.ctx, env.App.DB, env.App.Keys, admin, "名册.xlsx", recipients.ImportAll, data)
		if err != nil || rep.Valid != n {
			b.Fatalf("upload: %v %+v", err, rep.Errors[:min(len(rep.Errors), 3)])
		}
		check, checkCPU = check+time.Since(start), checkCPU+cpuTime()-cpu
		start, cpu = time.Now(), cpuTime()
		rep, err = recipients.CommitImport(f.ctx, env.App.DB, env.App.Keys, admin, rep.BatchID, "", nil)
		if err != nil || rep.Imported != n {
			b.Fatalf("commit: %v %d", err, rep.Imported)
		}
		commit, commitCPU = commit+time.Since(start), commitCPU+cpuTime()-cpu
	}
	b.ReportMetric(check.Seconds()/float64(b.N), "check-s/op")
	b.ReportMetric(commit.Seconds()/float64(b.N), "commit-s/op")
	b.ReportMetric(checkCPU.Seconds()/float64(b.N), "check-cpu-s/op")
	b.ReportMetric(commitCPU.Seconds()/float64(b.N), "commit-cpu-s/op")
}

// go test -run '^$' -bench ImportRoster -benchtime 1x ./internal/recipients/
func BenchmarkImportRoster5000(b *testing.B)  { benchImport(b, 5000) }
func BenchmarkImportRoster50000(b *testing.B) { benchImport(b, 50000) }
