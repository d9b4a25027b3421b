package exports

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
	"github.com/shegong/shegong/internal/secure"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the export jobs schema (after auth: a job refers to its owner).
var Module = db.MustLoadModule("exports", migrations, "migrations")

// Job statuses.
const (
	StatusQueued  = "queued"
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// StatusLabel is a status in Chinese.
func StatusLabel(s string) string {
	switch s {
	case StatusQueued:
		return "排队中"
	case StatusRunning:
		return "正在导出"
	case StatusDone:
		return "已完成"
	case StatusFailed:
		return "失败"
	}
	return s
}

// Expiry is how long a job and its file are kept after it was asked.
var Expiry = 24 * time.Hour

// MaxPending is how many unfinished jobs one user may have: more would
// only queue behind each other and hold everyone else's.
var MaxPending = 3

// SyncMax is the most rows an export made while the user waits holds;
// a bigger one runs as a job.
var SyncMax = 5000

// Kind is one sort of export a module registers (Register, from its
// init): how to count its rows and how to build its workbook from the
// JSON params a job stores.
type Kind struct {
	Name  string           // stored in jobs: recipients, visits_due…
	Label string           // shown: 服务对象名册
	File  string           // download name without the date and .xlsx: 服务对象名册
	Perm  authz.Permission // needed to ask for it and to download it
	// Count is the rows the export of params will hold (the progress
	// bar's total).
	Count func(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, params []byte) (int, error)
	// Build streams the workbook to w in the read transaction q and
	// returns its rows and the audit entry of the export; progress is
	// called with the rows done so far.
	Build func(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, params []byte, w io.Writer, progress func(done int)) (int, audit.Entry, error)
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Kind{}
)

// Register adds an export kind; registering a name twice panics.
func Register(k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[k.Name]; dup {
		panic("exports: kind registered twice: " + k.Name)
	}
	kinds[k.Name] = k
}

// KindOf returns a registered kind.
func KindOf(name string) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}

func kindFor(actor *authz.Actor, name string) (Kind, error) {
	k, ok := KindOf(name)
	if !ok {
		return Kind{}, apperr.Fields{"kind": "未知的导出类型"}.Err()
	}
	return k, actor.Require(k.Perm)
}

// Job is one background export as its owner sees it.
type Job struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	KindLabel   string `json:"kind_label"`
	Description string `json:"description"`
	Status      string `json:"status"` // queued, running, done, failed
	StatusLabel string `json:"status_label"`
	RowsDone    int64  `json:"rows_done"`
	RowsTotal   int64  `json:"rows_total"` // estimated when asked
	Percent     int    `json:"percent"`    // 0–100
	Size        int64  `json:"size"`       // bytes of the finished workbook
	Message     string `json:"message,omitempty"`
	CreatedAt   string `json:"created_at"`
	FinishedAt  string `json:"finished_at,omitempty"`
	ExpiresAt   string `json:"expires_at"`

	ownerID, file, summary, entity, orgPath, params string
}

// Done and Failed report the job's end.
func (j Job) Done() bool   { return j.Status == StatusDone }
func (j Job) Failed() bool { return j.Status == StatusFailed }

// Running reports a job not yet finished.
func (j Job) Running() bool { return j.Status == StatusQueued || j.Status == StatusRunning }

// Filename is the name the download is offered under.
func (j Job) Filename() string {
	name := j.KindLabel
	if k, ok := KindOf(j.Kind); ok && k.File != "" {
		name = k.File
	}
	day := ""
	if t, err := cst.ParseStamp(j.CreatedAt); err == nil {
		day = "-" + t.In(cst.Loc).Format("20060102")
	}
	return name + day + ".xlsx"
}

const jobColumns = `id, owner_id, kind, params, description, status, rows_done, rows_total, size, message, created_at, finished_at, expires_at,
	file, summary, entity, org_path`

func scanJob(row interface{ Scan(...any) error }) (Job, error) {
	var j Job
	err := row.Scan(&j.ID, &j.ownerID, &j.Kind, &j.params, &j.Description, &j.Status, &j.RowsDone, &j.RowsTotal, &j.Size, &j.Message,
		&j.CreatedAt, &j.FinishedAt, &j.ExpiresAt, &j.file, &j.summary, &j.entity, &j.orgPath)
	if err != nil {
		return j, err
	}
	j.KindLabel = j.Kind
	if k, ok := KindOf(j.Kind); ok {
		j.KindLabel = k.Label
	}
	j.StatusLabel = StatusLabel(j.Status)
	switch {
	case j.Status == StatusDone:
		j.Percent = 100
	case j.RowsTotal > 0:
		j.Percent = int(min(99, j.RowsDone*100/j.RowsTotal))
	}
	return j, nil
}

// Count is the rows an export of kind with params would hold, counted
// in q (a read transaction), for the actor: whether it runs now (at most
// SyncMax rows) or as a job, and the job's progress total.
func Count(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, kind string, params any) (int, error) {
	k, err := kindFor(actor, kind)
	if err != nil {
		return 0, err
	}
	p, err := json.Marshal(params)
	if err != nil {
		return 0, err
	}
	return k.Count(ctx, q, keys, actor, p)
}

// Start queues a background export of kind with params (marshalled to
// JSON for the kind's Build) for the actor; description says in Chinese
// what the filter selects and total is the estimated rows (Count). The
// runner picks it up (Runner.Wake makes that immediate).
//
// id is the job's id: a UUIDv7 the client made when it drew the form
// (ids.Valid; empty: a new one). The same id sent again by the same user
// for the same kind, params and description — a double tap, a resend
// after a lost answer — returns the job it queued (replayed true)
// instead of queueing another, and is not counted against MaxPending.
// Other content under an id already used is apperr.Conflict; a resend
// after the job expired is apperr.Conflict too (ask for a new export).
func Start(ctx context.Context, tx *db.Tx, actor *authz.Actor, id, kind string, params any, description string, total int) (job Job, replayed bool, err error) {
	if _, err := kindFor(actor, kind); err != nil {
		return Job{}, false, err
	}
	if actor.UserID == "" {
		return Job{}, false, apperr.ErrForbidden()
	}
	p, err := json.Marshal(params)
	if err != nil {
		return Job{}, false, err
	}
	switch {
	case id == "":
		id = ids.New()
	case !ids.Valid(id):
		return Job{}, false, apperr.Fields{"id": "编号应为小写的 UUID"}.Err()
	default:
		j, err := get(ctx, tx, id)
		switch {
		case err == nil && (j.ownerID != actor.UserID || j.Kind != kind || j.params != string(p) || j.Description != description):
			return Job{}, false, apperr.New(apperr.Conflict, "编号 %s 已用于另一个导出", id)
		case err == nil && j.ExpiresAt <= cst.NowStamp():
			return Job{}, false, apperr.New(apperr.Conflict, "这个导出已过期，请刷新页面后重新导出")
		case err == nil:
			return j, true, nil
		case !apperr.Is(err, apperr.NotFound):
			return Job{}, false, err
		}
	}
	var pending int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM export_jobs WHERE owner_id = ? AND status IN (?, ?)`,
		actor.UserID, StatusQueued, StatusRunning).Scan(&pending); err != nil {
		return Job{}, false, err
	}
	if pending >= MaxPending {
		return Job{}, false, apperr.New(apperr.TooMany, "您已有 %d 个导出正在进行，请等其完成后再导出", pending)
	}
	now := cst.Now()
	if _, err := tx.Exec(ctx, `INSERT INTO export_jobs (id, owner_id, kind, params, description, status, rows_total, org_path, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, actor.UserID, kind, string(p), description, StatusQueued, total, actor.OrgPath,
		cst.Stamp(now), cst.Stamp(now.Add(Expiry))); err != nil {
		return Job{}, false, err
	}
	j, err := get(ctx, tx, id)
	return j, false, err
}

func get(ctx context.Context, q db.Querier, id string) (Job, error) {
	j, err := scanJob(q.QueryRow(ctx, `SELECT `+jobColumns+` FROM export_jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return j, apperr.ErrNotFound("导出")
	}
	return j, err
}

// Get returns one of the actor's own jobs: another user's job, or one
// expired, is not found (its existence is not revealed).
func Get(ctx context.Context, q db.Querier, actor *authz.Actor, id string) (Job, error) {
	if actor == nil || actor.UserID == "" {
		return Job{}, apperr.ErrForbidden()
	}
	j, err := get(ctx, q, id)
	if err != nil {
		return j, err
	}
	if j.ownerID != actor.UserID || j.ExpiresAt <= cst.NowStamp() {
		return Job{}, apperr.ErrNotFound("导出")
	}
	return j, nil
}

// List returns the actor's own jobs not yet expired, newest first.
func List(ctx context.Context, q db.Querier, actor *authz.Actor) ([]Job, error) {
	if actor == nil || actor.UserID == "" {
		return nil, apperr.ErrForbidden()
	}
	rows, err := q.Query(ctx, `SELECT `+jobColumns+` FROM export_jobs WHERE owner_id = ? AND expires_at > ? ORDER BY created_at DESC, id DESC LIMIT 100`,
		actor.UserID, cst.NowStamp())
	out, err := db.Collect(rows, err, scanJob)
	if out == nil {
		out = []Job{}
	}
	return out, err
}

// Download checks that the actor may download the job's file (their own
// job, finished, not expired, their role still allowed the kind) and
// records the export in the audit log in tx, with the filter described.
// Send the file (Store.Send) only once tx has committed.
func Download(ctx context.Context, tx *db.Tx, actor *authz.Actor, id string) (Job, error) {
	j, err := Get(ctx, tx, actor, id)
	if err != nil {
		return j, err
	}
	if _, err := kindFor(actor, j.Kind); err != nil {
		return j, err
	}
	if j.Status != StatusDone {
		return j, apperr.New(apperr.Conflict, "导出尚未完成（%s）", j.StatusLabel)
	}
	summary := j.summary
	if j.Description != "" && !strings.Contains(summary, j.Description) {
		summary += "；筛选：" + j.Description
	}
	summary += "（后台导出，下载）"
	return j, audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionExport, Entity: j.entity, EntityID: j.ID, OrgPath: j.orgPath, Summary: summary})
}

// ErrExpired is returned by Store.Send when the file is gone.
var ErrExpired = apperr.New(apperr.NotFound, "导出文件已过期或已被删除，请重新导出")

// describeError is what a failed job tells its owner.
func describeError(err error) string {
	if ae, ok := apperr.As(err); ok {
		msg := ae.Message
		for _, v := range ae.Fields {
			msg += "；" + v
		}
		return msg
	}
	return fmt.Sprintf("导出失败，请稍后重试（%s）", cst.Now().Format(cst.DateTimeLayout))
}
