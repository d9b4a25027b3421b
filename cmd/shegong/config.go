package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shegong/shegong/internal/app"
)

// flags binds the shared configuration flags to cfg.
type flags struct {
	fs       *flag.FlagSet
	cfg      app.Config
	logLevel string
	// Scheduled backups (serve only).
	backupDir   string
	backupEvery time.Duration
	backupKeep  int
}

func newFlags(name string, stderr io.Writer) *flags {
	f := &flags{fs: flag.NewFlagSet("shegong "+name, flag.ContinueOnError), cfg: app.DefaultConfig()}
	f.fs.SetOutput(stderr)
	fs := f.fs
	fs.StringVar(&f.cfg.DataDir, "data", f.cfg.DataDir, "数据目录：SQLite 数据库、密钥文件与附件 (SHEGONG_DATA)")
	fs.StringVar(&f.cfg.DatabaseURL, "database-url", "", "PostgreSQL 连接串 postgres://…；为空则用数据目录里的 SQLite (SHEGONG_DATABASE_URL)")
	fs.StringVar(&f.cfg.KeyFile, "key-file", "", "个人信息加密密钥文件，默认 <data>/shegong.key (SHEGONG_KEY_FILE)")
	fs.StringVar(&f.logLevel, "log-level", "info", "日志级别 debug|info|warn|error (SHEGONG_LOG_LEVEL)")
	return f
}

func (f *flags) serveFlags() {
	fs := f.fs
	fs.StringVar(&f.cfg.Addr, "addr", f.cfg.Addr, "监听地址 (SHEGONG_ADDR)")
	fs.BoolVar(&f.cfg.Demo, "demo", false, "首次启动时载入演示数据（淇县）与演示账号 (SHEGONG_DEMO)")
	fs.BoolVar(&f.cfg.BehindTLS, "behind-tls", false, "前面有 HTTPS 反向代理：Cookie 加 Secure (SHEGONG_BEHIND_TLS)")
	fs.StringVar(&f.cfg.TrustedProxies, "trusted-proxies", "", "可信反向代理的地址或网段，逗号分隔，如 127.0.0.1,10.0.0.0/8；只信这些代理给出的 X-Forwarded-For (SHEGONG_TRUSTED_PROXIES)")
	fs.StringVar(&f.cfg.TLSCert, "tls-cert", "", "直接提供 HTTPS 的证书文件 (SHEGONG_TLS_CERT)")
	fs.StringVar(&f.cfg.TLSKey, "tls-key", "", "直接提供 HTTPS 的私钥文件 (SHEGONG_TLS_KEY)")
	fs.StringVar(&f.backupDir, "backup-dir", "", "定时备份的目录；为空则不定时备份 (SHEGONG_BACKUP_DIR)")
	fs.DurationVar(&f.backupEvery, "backup-every", 24*time.Hour, "定时备份间隔，如 24h (SHEGONG_BACKUP_EVERY)")
	fs.IntVar(&f.backupKeep, "backup-keep", 7, "保留最近几份定时备份；0 = 全部保留 (SHEGONG_BACKUP_KEEP)")
	fs.Int64Var(&f.cfg.MaxBody, "max-body", f.cfg.MaxBody, "普通请求体上限（字节）；上传另有上限 (SHEGONG_MAX_BODY)")
	sec := &f.cfg.Security
	fs.DurationVar(&sec.SessionIdle, "session-idle", sec.SessionIdle, "会话（网页与接口令牌）闲置多久后超时 (SHEGONG_SESSION_IDLE)")
	fs.DurationVar(&sec.SessionLifetime, "session-lifetime", sec.SessionLifetime, "会话自登录起最长有效期 (SHEGONG_SESSION_LIFETIME)")
	fs.IntVar(&sec.MaxSessions, "max-sessions", sec.MaxSessions, "每个用户同时在线的会话数上限，新登录结束最早的会话 (SHEGONG_MAX_SESSIONS)")
	fs.IntVar(&sec.DelayFrom, "login-delay-from", sec.DelayFrom, "同一账号同一地址第几次登录失败起要求等待 (SHEGONG_LOGIN_DELAY_FROM)")
	fs.DurationVar(&sec.DelayBase, "login-delay", sec.DelayBase, "首次等待时长，此后每次失败加倍 (SHEGONG_LOGIN_DELAY)")
	fs.DurationVar(&sec.DelayMax, "login-delay-max", sec.DelayMax, "等待时长上限 (SHEGONG_LOGIN_DELAY_MAX)")
	fs.IntVar(&sec.LockFailures, "lock-failures", sec.LockFailures, "窗口内登录失败多少次锁定账号 (SHEGONG_LOCK_FAILURES)")
	fs.IntVar(&sec.LockAddresses, "lock-addresses", sec.LockAddresses, "且失败至少来自多少个不同地址 (SHEGONG_LOCK_ADDRESSES)")
	fs.DurationVar(&sec.LockWindow, "lock-window", sec.LockWindow, "统计登录失败的时间窗口 (SHEGONG_LOCK_WINDOW)")
	fs.DurationVar(&sec.LockFor, "lock-for", sec.LockFor, "账号锁定时长 (SHEGONG_LOCK_FOR)")
	fs.DurationVar(&sec.PasswordMaxAge, "password-max-age", sec.PasswordMaxAge, "密码有效期，到期须修改；0 为不过期 (SHEGONG_PASSWORD_MAX_AGE)")
	fs.IntVar(&sec.PasswordHistory, "password-history", sec.PasswordHistory, "新密码不得与最近几次密码相同 (SHEGONG_PASSWORD_HISTORY)")
	fs.BoolVar(&sec.SecondFactorAll, "2fa-all", sec.SecondFactorAll, "所有角色都须启用双因素认证（默认仅管理员角色）(SHEGONG_2FA_ALL)")
}

// parse reads flags, filling any not given on the command line from
// SHEGONG_* environment variables.
func (f *flags) parse(args []string) error {
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	var err error
	f.fs.VisitAll(func(fl *flag.Flag) {
		if given[fl.Name] || err != nil {
			return
		}
		env := "SHEGONG_" + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if e := fl.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %v", env, v, e)
			}
		}
	})
	// The key itself may come from the environment (containers), never a flag.
	f.cfg.Key = os.Getenv("SHEGONG_KEY")
	return err
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}
