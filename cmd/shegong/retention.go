package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
)

// runRetention anonymises the records of people who left service longer
// ago than their county's retention period (recipients.RunRetention),
// and reports what it did per county; --dry-run only counts.
func runRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("retention", stderr)
	dry := f.fs.Bool("dry-run", false, "只统计到期人数，不做处理")
	if err := f.parse(args); err != nil {
		return err
	}
	if f.fs.NArg() != 0 {
		return errors.New("usage: shegong retention [--dry-run]")
	}
	a, err := openApp(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	var rep recipients.RetentionReport
	err = a.DB.InTx(ctx, func(tx *db.Tx) (err error) {
		rep, err = recipients.RunRetention(ctx, tx, authz.System(), *dry)
		return err
	})
	if err != nil {
		return err
	}
	for _, c := range rep.Counties {
		if *dry {
			fmt.Fprintf(stdout, "%s：保存 %d 年（%s 及以前离开服务），到期 %d 人\n", c.CountyName, c.Years, c.Cutoff, c.Due)
		} else {
			fmt.Fprintf(stdout, "%s：保存 %d 年（%s 及以前离开服务），已匿名化 %d 人\n", c.CountyName, c.Years, c.Cutoff, c.Anonymised)
		}
	}
	if *dry {
		fmt.Fprintf(stdout, "合计到期 %d 人（试运行，未做处理）\n", rep.Due)
	} else {
		fmt.Fprintf(stdout, "合计已匿名化 %d 人，每人一条审计记录\n", rep.Done)
	}
	return nil
}
