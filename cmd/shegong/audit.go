package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/cst"
)

// runAudit: `audit verify` checks the tamper-evident chain and names the
// first broken link; `audit archive --before DATE FILE` moves entries
// older than DATE (at least 180 days back) to a verified archive file.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: shegong audit verify | audit archive --before YYYY-MM-DD FILE | audit verify-archive FILE")
	}
	switch args[0] {
	case "verify":
		f := newFlags("audit verify", stderr)
		if err := f.parse(args[1:]); err != nil {
			return err
		}
		a, err := openApp(ctx, f, stderr)
		if err != nil {
			return err
		}
		defer a.Close()
		if _, err := audit.Chain(ctx, a.DB); err != nil {
			return err
		}
		res, err := audit.Verify(ctx, a.DB)
		if err != nil {
			return err
		}
		if res.Broken != nil {
			return res.Broken
		}
		fmt.Fprintf(stdout, "审计日志链完好：校验 %d 条，%d 条尚未入链\n", res.Checked, res.Unchained)
		return nil
	case "archive":
		f := newFlags("audit archive", stderr)
		before := f.fs.String("before", "", "归档此日期（YYYY-MM-DD，中国时间）以前的记录；须在 180 天以前")
		if err := f.parse(args[1:]); err != nil {
			return err
		}
		if *before == "" || f.fs.NArg() != 1 {
			return errors.New("usage: shegong audit archive --before YYYY-MM-DD FILE")
		}
		day, err := cst.ParseDate(*before)
		if err != nil {
			return fmt.Errorf("--before %q: %v", *before, err)
		}
		a, err := openApp(ctx, f, stderr)
		if err != nil {
			return err
		}
		defer a.Close()
		n, err := audit.Archive(ctx, a.DB, day, f.fs.Arg(0), time.Now())
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintln(stdout, "没有可归档的记录")
			return nil
		}
		fmt.Fprintf(stdout, "已归档 %d 条审计记录到 %s（已校验），并从数据库移除\n", n, f.fs.Arg(0))
		return nil
	case "verify-archive":
		if len(args) != 2 {
			return errors.New("usage: shegong audit verify-archive FILE")
		}
		n, last, err := audit.VerifyArchive(args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "归档文件完好：%d 条，末条哈希 %s\n", n, last)
		return nil
	}
	return fmt.Errorf("unknown audit command %q (verify, archive, verify-archive)", args[0])
}
