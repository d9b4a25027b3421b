// Package app assembles shegong: configuration, the database with every
// module's migrations, the encryption keys and the domain services. The
// web layer and the command line are built on an *App; tests start a real
// one on a temporary database.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/backup"
	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/division"
	"github.com/shegong/shegong/internal/exports"
	"github.com/shegong/shegong/internal/figures"
	"github.com/shegong/shegong/internal/groups"
	"github.com/shegong/shegong/internal/network"
	"github.com/shegong/shegong/internal/org"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/referrals"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/services"
	"github.com/shegong/shegong/internal/visits"
	"github.com/shegong/shegong/internal/workforce"
)

// Config is the run-time configuration (flags and SHEGONG_* variables).
type Config struct {
	Addr        string // listen address
	DataDir     string // SQLite file, key file and attachments
	DatabaseURL string // postgres://… selects PostgreSQL; empty = SQLite in DataDir
	KeyFile     string // personal-data keys; default DataDir/shegong.key
	Key         string // key-file text given directly (SHEGONG_KEY), overrides KeyFile
	Demo        bool   // load the demo county on first start
	BehindTLS   bool   // a TLS proxy is in front: mark cookies Secure
	// TrustedProxies are the reverse proxies (IPs or CIDRs, comma
	// separated) whose X-Forwarded-For names the client; without them
	// every user would share the proxy's address in the login limits.
	TrustedProxies string
	TLSCert        string
	TLSKey         string
	MaxBody        int64 // request body limit in bytes (uploads have their own)
	// Security is the session, lock-out and password policy.
	Security auth.Policy
}

// DefaultConfig is the configuration without flags or environment.
func DefaultConfig() Config {
	return Config{Addr: "127.0.0.1:8080", DataDir: "./shegong-data", MaxBody: 1 << 20, Security: auth.DefaultPolicy()}
}

// SQLitePath is where the embedded database lives.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "shegong.db") }

// DSN is the database to open.
func (c Config) DSN() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return c.SQLitePath()
}

// AttachmentsDir holds uploaded files.
func (c Config) AttachmentsDir() string { return filepath.Join(c.DataDir, "attachments") }

// ExportsDir holds finished background exports, sealed, for 24 hours.
func (c Config) ExportsDir() string { return filepath.Join(c.DataDir, "exports") }

// App is a running shegong's state and services.
type App struct {
	Cfg  Config
	Log  *slog.Logger
	DB   *db.DB
	Keys *secure.Keyring
	Auth *auth.Service
	// Attach stores uploaded files (photos).
	Attach *attach.Store
	// Exports runs large exports in the background; their sealed files
	// are in ExportsDir.
	Exports *exports.Runner
}

// Modules lists every schema module in the order they are migrated:
// a module may refer to the tables of those before it.
func Modules() []db.Module {
	return []db.Module{secure.Module, audit.Module, org.Module, auth.Module, workforce.Module, recipients.Module, services.Module, visits.Module, casework.Module, referrals.Module, attach.Module, division.Module, network.Module, figures.Module, backup.Module, activities.Module, groups.Module, exports.Module}
}

// Open connects to the database, loads the keys and migrates. It does not
// create users or demo data (see Init).
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	// The data folder holds personal data: the service's user only.
	for _, dir := range []string{cfg.DataDir, cfg.AttachmentsDir()} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("data folder: %w", err)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("data folder: %w", err)
		}
	}
	d, err := db.Open(ctx, cfg.DSN())
	if err != nil {
		return nil, err
	}
	applied, err := d.Migrate(ctx, Modules()...)
	for _, m := range applied {
		log.Info("migrated", "module", m.Module, "version", m.Version, "name", m.Name)
	}
	if err != nil {
		d.Close()
		return nil, err
	}
	keys, err := OpenKeys(ctx, cfg, d)
	if err != nil {
		log.Error("refusing to start: the key file does not open this database", "key_file", cfg.keyFile(), "error", err)
		d.Close()
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, DB: d, Keys: keys}
	// The rollups' children line is today's before anyone reads a figure.
	if err := a.RollChildCutoff(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("children line of the rollups: %w", err)
	}
	if err := d.Optimize(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("optimize: %w", err)
	}
	// The embedded division codes: a no-op after the first start (one
	// indexed query), and fills a fresh database in a second or a few.
	if n, err := division.Load(ctx, d); err != nil {
		d.Close()
		return nil, err
	} else if n > 0 {
		log.Info("loaded division codes", "rows", n, "year", division.DataYear())
	}
	a.Auth = &auth.Service{DB: d, Keys: keys, Policy: cfg.Security, DemoMode: cfg.Demo}
	a.Auth.Start()
	a.Attach = &attach.Store{DB: d, Dir: cfg.AttachmentsDir(), Keys: keys}
	// Exports being built spill rows (personal data) to files of the data
	// folder, never to the system's temporary folder.
	tmp := filepath.Join(cfg.ExportsDir(), "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		d.Close()
		return nil, fmt.Errorf("exports folder: %w", err)
	}
	exports.TempDir = tmp
	a.Exports = &exports.Runner{DB: d, Store: exports.Store{Dir: cfg.ExportsDir(), Keys: keys}, Actor: a.exportActor, Log: log}
	a.Exports.Start()
	return a, nil
}

// RollChildCutoff moves the rollups' children line to today's
// (recipients.RollChildCutoff) in a short write transaction, taken only
// when the line has to move (a read says so).
func (a *App) RollChildCutoff(ctx context.Context) error {
	now := cst.Now()
	if due, err := recipients.ChildCutoffDue(ctx, a.DB, now); err != nil || !due {
		return err
	}
	return a.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err := recipients.RollChildCutoff(ctx, tx, now)
		if n > 0 {
			a.Log.Info("people counted in a new class of the children rule", "people", n)
		}
		return err
	})
}

// OpenKeys loads the keys of cfg and checks them against the migrated
// database d (secure.CheckKeys). A key file is created only for a
// database that holds no sealed data yet: when sealed data exists and the
// key file is missing or does not open it, the error names the key file
// and what to do, in Chinese and English, and nothing is changed.
func OpenKeys(ctx context.Context, cfg Config, d *db.DB) (*secure.Keyring, error) {
	where := cfg.keyFile()
	var keys *secure.Keyring
	var err error
	if cfg.Key != "" {
		where = "SHEGONG_KEY"
		keys, err = secure.Parse([]byte(cfg.Key))
	} else if _, statErr := os.Stat(where); errors.Is(statErr, os.ErrNotExist) {
		sealed, err := secure.HoldsSealedData(ctx, d)
		if err != nil {
			return nil, err
		}
		if sealed {
			return nil, fmt.Errorf("密钥文件 %s 不存在，但数据库中已有加密数据：请把与该数据库一起保管的密钥文件放到这个位置（或用 --key-file 指定）后再启动；不会新建密钥 "+
				"(key file %s is missing but the database holds sealed data: put the key file kept with this database there, or pass --key-file; no new key is created)", where, where)
		}
		keys, err = secure.LoadOrCreate(where)
	} else {
		if st, err := os.Stat(where); err == nil && st.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(where, 0o600); err != nil {
				return nil, fmt.Errorf("key file mode: %w", err)
			}
		}
		keys, err = secure.Load(where)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if err := secure.CheckKeys(ctx, d, keys); err != nil {
		var km *secure.KeyMismatchError
		if errors.As(err, &km) {
			return nil, fmt.Errorf("密钥 %s 与数据库不匹配，拒绝启动：%s。请换上与该数据库一起备份的密钥文件后再启动（不要新建密钥，否则已登记的数据无法读取，按证件号也查不到） "+
				"(the key %s does not match the database, refusing to start: put back the key file backed up with this database)", where, km.Reason, where)
		}
		return nil, err
	}
	return keys, nil
}

func (c Config) keyFile() string {
	if c.KeyFile != "" {
		return c.KeyFile
	}
	return filepath.Join(c.DataDir, "shegong.key")
}

// KeyFilePath is the key file in use ("" when the key came from SHEGONG_KEY).
func (a *App) KeyFilePath() string {
	if a.Cfg.Key != "" {
		return ""
	}
	return a.Cfg.keyFile()
}

// BackupSource is what a backup of this app copies.
func (a *App) BackupSource() backup.Source {
	return backup.Source{DB: a.DB, DatabaseURL: a.Cfg.DatabaseURL, AttachmentsDir: a.Cfg.AttachmentsDir()}
}

// Close writes the session uses still in memory and releases the
// database.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if a.Exports != nil {
		if err := a.Exports.Stop(ctx); err != nil {
			a.Log.Warn("stopping the export runner", "err", err)
		}
	}
	if a.Auth != nil {
		if err := a.Auth.Stop(ctx); err != nil {
			a.Log.Warn("writing session last-seen times", "err", err)
		}
	}
	return a.DB.Close()
}

// exportActor is a background export's owner as they are now: a job
// of a user deactivated since fails.
func (a *App) exportActor(ctx context.Context, userID string) (*authz.Actor, error) {
	u, err := a.Auth.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, apperr.New(apperr.Forbidden, "账号已停用")
	}
	return &authz.Actor{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, OrgID: u.OrgID,
		OrgPath: u.OrgPath, OrgName: u.OrgName}, nil
}

// FirstAdministrators are the accounts a first start without demo data
// creates: the three administrators kept apart (三权分立). The county
// administrators and everyone else are created by them afterwards.
var FirstAdministrators = []struct {
	Username, Name string
	Role           authz.Role
}{
	{"sysadmin", "系统管理员", authz.RoleSysAdmin},
	{"secadmin", "安全管理员", authz.RoleSecAdmin},
	{"auditadmin", "审计管理员", authz.RoleAuditAdmin},
}

// Bootstrap makes sure a fresh database can be used: without demo data,
// an empty database gets a root organisation and the three
// administrators, each with a random password printed once to the log
// that must be changed at first login. It returns username → password
// (empty when nothing was created).
func (a *App) Bootstrap(ctx context.Context) (map[string]string, error) {
	n, err := a.Auth.CountUsers(ctx)
	if err != nil || n > 0 {
		return nil, err
	}
	root, err := a.EnsureRoot(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, adm := range FirstAdministrators {
		pw := auth.RandomPassword()
		if _, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Username: adm.Username, DisplayName: adm.Name, Role: adm.Role, OrgID: root.ID,
			Password: pw, MustChange: true}); err != nil {
			return nil, err
		}
		out[adm.Username] = pw
		a.Log.Warn("created an administrator: log in and change this password now", "role", adm.Role.Label(), "username", adm.Username, "password", pw)
	}
	return out, nil
}

// EnsureRoot returns the top node of the organisation tree, creating a
// platform root on an empty database.
func (a *App) EnsureRoot(ctx context.Context) (org.Unit, error) {
	root, err := org.Root(ctx, a.DB)
	if !apperr.Is(err, apperr.NotFound) {
		return root, err
	}
	err = a.DB.InTx(ctx, func(tx *db.Tx) error {
		root, err = org.Create(ctx, tx, nil, org.Input{Kind: org.KindPlatform, Name: "社工站服务管理平台"})
		return err
	})
	return root, err
}
