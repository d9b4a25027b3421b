package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/exports"
)

// `shegong export` writes one ledger export to a file on the server, as
// a user (their role and scope apply; audited as theirs), the way a
// background export job builds it: for exports too large to wait for in
// a browser, and to measure an export's speed and memory on a copy of a
// real or generated database (with /usr/bin/time -v).
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("export", stderr)
	user := f.fs.String("user", "", "以该账号的角色与范围导出（必填）")
	kind := f.fs.String("kind", "recipients", "导出类型：recipients（服务对象名册）、visits_due（待探访名单）或 wf_workers（社工花名册）")
	params := f.fs.String("params", "{}", `导出条件（JSON），如 recipients：{"full":true,"filter":{"Category":"低保对象"}}；visits_due：{"Window":"overdue"}；wf_workers：{"Level":"any"}`)
	out := f.fs.String("out", "", "写入的 xlsx 文件（必填；不得已存在）")
	if err := f.parse(args); err != nil {
		return err
	}
	if *user == "" || *out == "" {
		return errors.New("usage: shegong export --user NAME --out FILE.xlsx [--kind recipients|visits_due|wf_workers] [--params JSON]")
	}
	k, ok := exports.KindOf(*kind)
	if !ok {
		return fmt.Errorf("unknown export kind %q", *kind)
	}
	a, err := openApp(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	actor := &authz.Actor{Username: *user, UserAgent: "shegong export"}
	if err := a.DB.QueryRow(ctx, `SELECT u.id, u.display_name, u.role, u.org_id, o.path, o.name FROM users u JOIN org_units o ON o.id = u.org_id
		WHERE u.username = ? AND u.active = 1`, *user).Scan(&actor.UserID, &actor.DisplayName, &actor.Role, &actor.OrgID, &actor.OrgPath, &actor.OrgName); err != nil {
		return fmt.Errorf("account %s: %w", *user, err)
	}
	if err := actor.Require(k.Perm); err != nil {
		return err
	}
	file, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	start := time.Now()
	var rows int
	var entry audit.Entry
	err = a.DB.ReadTx(ctx, func(q db.Querier) error {
		var err error
		rows, entry, err = k.Build(ctx, q, a.Keys, actor, []byte(*params), file, nil)
		return err
	})
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		entry.Summary += "（命令行导出至服务器文件）"
		err = a.DB.InTx(ctx, func(tx *db.Tx) error { return audit.Record(ctx, tx, actor, entry) })
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	elapsed := time.Since(start)
	info, _ := os.Stat(*out)
	size := int64(0)
	if info != nil {
		size = info.Size()
	}
	fmt.Fprintf(stdout, "%s：%d 行，%.1f MB，用时 %s，%.0f 行/秒\n", k.Label, rows, float64(size)/(1<<20), elapsed.Round(time.Millisecond), float64(rows)/elapsed.Seconds())
	return nil
}
