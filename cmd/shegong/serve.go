package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/shegong/shegong/internal/app"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/backup"
	"github.com/shegong/shegong/internal/demo"
	"github.com/shegong/shegong/internal/web"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlags("serve", stderr)
	f.serveFlags()
	if err := f.parse(args); err != nil {
		return err
	}
	log := newLogger(stderr, f.logLevel)
	a, err := app.Open(ctx, f.cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if f.cfg.Demo {
		if err := demo.Load(ctx, a); err != nil {
			return err
		}
		log.Info("demo county loaded", "accounts", "admin zhanzhang shegong dudao zhiyuan pinggu lingdao sysadmin secadmin auditadmin", "password", demo.Password)
	} else if _, err := a.Bootstrap(ctx); err != nil {
		return err
	}
	// Audit entries are chained after they commit, off the request path.
	chainCtx, stopChain := context.WithCancel(ctx)
	chainDone := make(chan struct{})
	go func() { audit.RunChainer(chainCtx, a.DB, 2*time.Second, log); close(chainDone) }()
	defer func() { stopChain(); <-chainDone }() // before the database closes
	h, err := web.New(a)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              f.cfg.Addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // large uploads on slow village connections
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	ln, err := net.Listen("tcp", f.cfg.Addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if f.cfg.TLSCert != "" {
		scheme = "https"
	}
	log.Info("shegong is listening", "url", fmt.Sprintf("%s://%s", scheme, ln.Addr()), "data", f.cfg.DataDir, "database", a.DB.Dialect())
	fmt.Fprintf(stdout, "shegong 已启动：%s://%s\n", scheme, ln.Addr())

	// SIGTERM or Ctrl-C: stop accepting, let in-flight requests finish.
	sigCtx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.backupDir != "" {
		if f.backupEvery < time.Minute {
			return fmt.Errorf("--backup-every %s: at least 1m", f.backupEvery)
		}
		backups := make(chan struct{})
		bctx, cancelBackups := context.WithCancel(sigCtx)
		go func() {
			defer close(backups)
			backup.RunScheduled(bctx, a.DB, a.BackupSource(), backup.Schedule{Dir: f.backupDir, Every: f.backupEvery, Keep: f.backupKeep}, log)
		}()
		// A backup in progress is abandoned (its temporary file removed)
		// before the database closes.
		defer func() { cancelBackups(); <-backups }()
		log.Info("scheduled backups", "dir", f.backupDir, "every", f.backupEvery, "keep", f.backupKeep)
	}
	// Stock figures of past periods read the values kept each day.
	snapCtx, stopSnapshots := context.WithCancel(sigCtx)
	snapDone := make(chan struct{})
	go keepSnapshots(snapCtx, a, log, snapDone)
	defer func() { stopSnapshots(); <-snapDone }()
	errc := make(chan error, 1)
	go func() {
		if f.cfg.TLSCert != "" {
			errc <- srv.ServeTLS(ln, f.cfg.TLSCert, f.cfg.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-sigCtx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
