// Package app assembles shegong: configuration, the database with every
// module's migrations, the encryption keys and the domain services. The
// web layer and the command line are built on an *App; tests start a real
// one on a temporary database.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/shegong/shegong/internal/activities"
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/casework"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/division"
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
}

// DefaultConfig is the configuration without flags or environment.
func DefaultConfig() Config {
	return Config{Addr: "127.0.0.1:8080", DataDir: "./shegong-data", MaxBody: 1 << 20}
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

// App is a running shegong's state and services.
type App struct {
	Cfg  Config
	Log  *slog.Logger
	DB   *db.DB
	Keys *secure.Keyring
	Auth *auth.Service
	// Attach stores uploaded files (photos).
	Attach *attach.Store
	// Workforce keeps social workers, volunteers, training and programmes.
	Workforce *workforce.Service
}

// Modules lists every schema module in the order they are migrated:
// a module may refer to the tables of those before it.
func Modules() []db.Module {
	return []db.Module{audit.Module, org.Module, auth.Module, workforce.Module, recipients.Module, services.Module, visits.Module, casework.Module, referrals.Module, attach.Module, division.Module, network.Module, figures.Module, activities.Module, groups.Module}
}

// Open connects to the database, loads the keys and migrates. It does not
// create users or demo data (see Init).
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	if err := os.MkdirAll(cfg.AttachmentsDir(), 0o750); err != nil {
		return nil, fmt.Errorf("attachments folder: %w", err)
	}
	keys, err := loadKeys(cfg)
	if err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, cfg.DSN())
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, DB: d, Keys: keys}
	applied, err := d.Migrate(ctx, Modules()...)
	for _, m := range applied {
		log.Info("migrated", "module", m.Module, "version", m.Version, "name", m.Name)
	}
	if err != nil {
		d.Close()
		return nil, err
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
	a.Auth = &auth.Service{DB: d, Keys: keys, Limiter: auth.NewLimiter()}
	a.Attach = &attach.Store{DB: d, Dir: cfg.AttachmentsDir()}
	a.Workforce = &workforce.Service{DB: d, Keys: keys}
	return a, nil
}

func loadKeys(cfg Config) (*secure.Keyring, error) {
	if cfg.Key != "" {
		return secure.Parse([]byte(cfg.Key))
	}
	path := cfg.KeyFile
	if path == "" {
		path = filepath.Join(cfg.DataDir, "shegong.key")
	}
	return secure.LoadOrCreate(path)
}

// KeyFilePath is the key file in use ("" when the key came from SHEGONG_KEY).
func (a *App) KeyFilePath() string {
	if a.Cfg.Key != "" {
		return ""
	}
	if a.Cfg.KeyFile != "" {
		return a.Cfg.KeyFile
	}
	return filepath.Join(a.Cfg.DataDir, "shegong.key")
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// Bootstrap makes sure a fresh database can be used: without demo data,
// an empty database gets a root organisation and one administrator whose
// random password is printed once to the log. It returns that password
// ("" when nothing was created).
func (a *App) Bootstrap(ctx context.Context) (string, error) {
	n, err := a.Auth.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	root, err := a.EnsureRoot(ctx)
	if err != nil {
		return "", err
	}
	pw := auth.RandomPassword()
	if _, err := a.Auth.CreateUser(ctx, nil, auth.UserInput{Username: "admin", DisplayName: "系统管理员", Role: authz.RoleAdmin, OrgID: root.ID, Password: pw}); err != nil {
		return "", err
	}
	a.Log.Warn("created the first administrator: log in and change this password now", "username", "admin", "password", pw)
	return pw, nil
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
