package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/backup"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/secure"
)

func openApp(ctx context.Context, f *flags, stderr io.Writer) (*app.App, error) {
	return app.Open(ctx, f.cfg, newLogger(stderr, f.logLevel))
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("migrate", stderr)
	if err := f.parse(args); err != nil {
		return err
	}
	a, err := openApp(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintln(stdout, "数据库已是最新版本")
	return nil
}

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: shegong user add|passwd …")
	}
	switch args[0] {
	case "add":
		return runUserAdd(ctx, args[1:], stdout, stderr)
	case "passwd":
		return runUserPasswd(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown user command %q (add, passwd)", args[0])
}

// readPassword takes a password from SHEGONG_PASSWORD or the first line
// of standard input, so scripts never put it on a command line.
func readPassword(stdout io.Writer) (string, error) {
	if pw := os.Getenv("SHEGONG_PASSWORD"); pw != "" {
		return pw, nil
	}
	fmt.Fprint(stdout, "密码: ")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password on standard input (or set SHEGONG_PASSWORD)")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func runUserAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("user add", stderr)
	var in auth.UserInput
	var role, orgRef string
	f.fs.StringVar(&in.Username, "username", "", "用户名（必填）")
	f.fs.StringVar(&in.DisplayName, "name", "", "姓名（必填）")
	f.fs.StringVar(&in.Phone, "phone", "", "手机号")
	f.fs.StringVar(&role, "role", "admin", "角色：admin station_head worker supervisor volunteer evaluator leader sysadmin secadmin auditadmin（或中文名）")
	f.fs.StringVar(&orgRef, "org", "", "所属机构：机构 id 或区划代码；为空则为根机构")
	if err := f.parse(args); err != nil {
		return err
	}
	r, ok := authz.ParseRole(role)
	if !ok {
		return fmt.Errorf("unknown role %q", role)
	}
	in.Role = r
	a, err := openApp(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	unit, err := findUnit(ctx, a, orgRef)
	if err != nil {
		return err
	}
	in.OrgID = unit.ID
	if in.Password, err = readPassword(stdout); err != nil {
		return err
	}
	u, err := a.Auth.CreateUser(ctx, nil, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已创建用户 %s（%s，%s）\n", u.Username, u.RoleLabel, u.OrgName)
	return nil
}

func findUnit(ctx context.Context, a *app.App, ref string) (org.Unit, error) {
	q := a.DB
	if ref == "" {
		return a.EnsureRoot(ctx)
	}
	if u, err := org.Get(ctx, q, ref); err == nil {
		return u, nil
	}
	var id string
	if err := q.QueryRow(ctx, `SELECT id FROM org_units WHERE division_code = ? ORDER BY LENGTH(path) LIMIT 1`, ref).Scan(&id); err != nil {
		return org.Unit{}, fmt.Errorf("no organisation %q", ref)
	}
	return org.Get(ctx, q, id)
}

func runUserPasswd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("user passwd", stderr)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.fs.NArg() != 1 {
		return errors.New("usage: shegong user passwd USERNAME (password on stdin or in SHEGONG_PASSWORD)")
	}
	a, err := openApp(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.UserByUsername(ctx, f.fs.Arg(0))
	if err != nil {
		return err
	}
	pw, err := readPassword(stdout)
	if err != nil {
		return err
	}
	if err := a.Auth.ResetPassword(ctx, nil, u.ID, pw); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已设置 %s 的密码\n", u.Username)
	return nil
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("backup", stderr)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.fs.NArg() != 1 {
		return errors.New("usage: shegong backup FILE.tar.gz")
	}
	target, err := filepath.Abs(f.fs.Arg(0))
	if err != nil {
		return err
	}
	if _, err := os.Stat(target); err == nil {
		return fmt.Errorf("%s already exists", target)
	}
	a, err := openApp(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	// Ctrl-C or SIGTERM: stop and remove the unfinished archive.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	res, err := backup.Write(ctx, a.BackupSource(), target)
	if rerr := backup.Record(context.WithoutCancel(ctx), a.DB, res, err); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "已备份到 %s（%d 字节，%d 个文件，用时 %s：复制数据库 %s，打包 %s，校验 %s）\n", res.Path, res.Size, len(res.Manifest.Files),
		time.Since(start).Round(time.Millisecond), res.CopyTook.Round(time.Millisecond), res.ArchiveTook.Round(time.Millisecond), res.VerifyTook.Round(time.Millisecond))
	fmt.Fprintf(stdout, "备份中不含密钥文件：请另外妥善保管 %s，恢复时必须用它 (the key file is not in the backup: keep %s separately, a restore needs it)\n", keyPathOf(f.cfg), keyPathOf(f.cfg))
	return nil
}

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("restore", stderr)
	if err := f.parse(args); err != nil {
		return err
	}
	if f.fs.NArg() != 1 {
		return errors.New("usage: shegong restore [--data DIR] [--database-url URL] ARCHIVE.tar.gz")
	}
	archive := f.fs.Arg(0)
	var allowed []string
	if kp, _ := filepath.Abs(keyPathOf(f.cfg)); filepath.Dir(kp) == mustAbs(f.cfg.DataDir) {
		allowed = append(allowed, filepath.Base(kp))
	}
	start := time.Now()
	m, err := backup.Restore(ctx, archive, backup.Target{DataDir: f.cfg.DataDir, SQLitePath: f.cfg.SQLitePath(),
		AttachmentsDir: f.cfg.AttachmentsDir(), DatabaseURL: f.cfg.DatabaseURL, Allowed: allowed})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已从 %s 恢复（%s 备份于 %s，%d 个文件校验一致，用时 %s）\n", archive, m.Engine, m.CreatedAt, len(m.Files), time.Since(start).Round(time.Millisecond))
	// Opening checks that the key opens the restored data.
	a, err := openApp(ctx, f, stderr)
	if err != nil {
		return fmt.Errorf("数据已恢复，但还不能使用 (data restored but not usable yet): %w", err)
	}
	defer a.Close()
	fmt.Fprintf(stdout, "密钥 %s 可以打开恢复的数据 (the key opens the restored data)\n", keyPathOf(f.cfg))
	return nil
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

func keyPathOf(cfg app.Config) string {
	if cfg.KeyFile != "" {
		return cfg.KeyFile
	}
	return filepath.Join(cfg.DataDir, "shegong.key")
}

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return errors.New("usage: shegong keys rotate")
	}
	f := newFlags("keys rotate", stderr)
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	a, err := openApp(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	path := a.KeyFilePath()
	if path == "" {
		return errors.New("the key comes from SHEGONG_KEY: rotate it where it is kept")
	}
	next := a.Keys.WithNewKey()
	// Write the new key file first (beside the old one), so a crash
	// between the two steps never leaves values sealed with a lost key.
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(next.Text()), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	n, err := secure.Reseal(ctx, a.DB, a.Keys, next)
	if err != nil {
		return fmt.Errorf("re-seal (the new key file keeps the old keys, run again): %w", err)
	}
	files, err := a.Attach.ResealFiles(ctx, a.Keys, next)
	if err != nil {
		return fmt.Errorf("re-seal attachments (the new key file keeps the old keys, run again): %w", err)
	}
	// Record the new key's check value now, so a copy of the data taken
	// before the next start is checked against it too.
	if err := secure.CheckKeys(ctx, a.DB, next); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已启用第 %d 号密钥，重新加密 %d 个字段值、%d 个附件\n", next.ActiveKey(), n, files)
	return nil
}
