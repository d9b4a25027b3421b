// Package audit keeps the append-only log of who did what: every create,
// update and delete with the changed fields, every login, every view of a
// full personal-data value and every export. Entries are written in the
// same transaction as the change they describe.
package audit

import (
	"bufio"
	"context"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/ids"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the audit schema.
var Module = db.MustLoadModule("audit", migrations, "migrations")

// Actions.
const (
	ActionCreate      = "create"
	ActionUpdate      = "update"
	ActionDelete      = "delete"
	ActionLogin       = "login"
	ActionLoginFailed = "login_failed"
	ActionLogout      = "logout"
	ActionReveal      = "reveal" // a full personal-data value was shown
	ActionExport      = "export"
	ActionImport      = "import"
	// Security events (GB/T 22239-2019 8.1.4.3 安全审计).
	ActionTimeout    = "timeout"     // a session ended by idle time-out or its lifetime
	ActionDenied     = "denied"      // a request the role or scope does not allow
	ActionLock       = "lock"        // an account locked after failed logins
	ActionUnlock     = "unlock"      // an administrator unlocked an account
	ActionPassword   = "password"    // a password was changed or reset
	ActionSecondFA   = "2fa"         // two-factor enrolment, reset, recovery code use
	ActionSessionEnd = "session_end" // a session ended by its user, an administrator or the session limit
)

// Results of security events.
const (
	ResultOK     = "成功"
	ResultFailed = "失败"
)

var actionNames = map[string]string{
	ActionCreate: "新增", ActionUpdate: "修改", ActionDelete: "删除", ActionLogin: "登录",
	ActionLoginFailed: "登录失败", ActionLogout: "退出", ActionReveal: "查看完整信息",
	ActionExport: "导出", ActionImport: "导入",
	ActionTimeout: "会话超时", ActionDenied: "越权拒绝", ActionLock: "账号锁定", ActionUnlock: "账号解锁",
	ActionPassword: "密码变更", ActionSecondFA: "双因素认证", ActionSessionEnd: "结束会话",
}

// ActionLabel is the Chinese name of an action.
func ActionLabel(a string) string {
	if n, ok := actionNames[a]; ok {
		return n
	}
	return a
}

// Actions lists the action codes in display order.
func Actions() []string {
	return []string{ActionCreate, ActionUpdate, ActionDelete, ActionLogin, ActionLoginFailed, ActionLogout, ActionReveal, ActionExport, ActionImport,
		ActionTimeout, ActionDenied, ActionLock, ActionUnlock, ActionPassword, ActionSecondFA, ActionSessionEnd}
}

// Change is one field's before and after.
type Change struct {
	Field  string `json:"field"`
	Label  string `json:"label,omitempty"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Entry is one audit record.
type Entry struct {
	ID        string   `json:"id"`
	At        string   `json:"at"`
	ActorID   string   `json:"actor_id"`
	ActorName string   `json:"actor_name"`
	Action    string   `json:"action"`
	Entity    string   `json:"entity"`
	EntityID  string   `json:"entity_id"`
	OrgPath   string   `json:"-"`
	Summary   string   `json:"summary"`
	Changes   []Change `json:"changes,omitempty"`
	IP        string   `json:"ip"`
	UserAgent string   `json:"user_agent"`
	Result    string   `json:"result"` // 成功 / 失败 for security events, else ""
}

// Record appends an entry written by actor (nil for the system). It is
// the only way the application writes to the log (with RecordMany).
func Record(ctx context.Context, q db.Querier, actor *authz.Actor, e Entry) error {
	return RecordMany(ctx, q, actor, []Entry{e})
}

// auditColumns are the columns an entry is written to, in the order of
// entryArgs.
const auditColumns = `id, at, actor_id, actor_name, action, entity, entity_id, org_path, summary, changes, ip, user_agent, result`

// entryArgs completes an entry written by actor at instant at (its id,
// who wrote it) and returns its values in the order of auditColumns.
func entryArgs(actor *authz.Actor, e Entry, at string) ([]any, error) {
	e.ID, e.At = ids.New(), at
	if actor != nil {
		e.ActorID, e.ActorName, e.IP = actor.UserID, actor.DisplayName+"（"+actor.Username+"）", actor.IP
		if e.UserAgent == "" {
			e.UserAgent = actor.UserAgent
		}
	} else if e.ActorName == "" {
		e.ActorName = "系统"
	}
	changes := ""
	if len(e.Changes) > 0 {
		b, err := json.Marshal(e.Changes)
		if err != nil {
			return nil, err
		}
		changes = string(b)
	}
	if len(e.UserAgent) > 200 {
		e.UserAgent = e.UserAgent[:200]
	}
	return []any{e.ID, e.At, e.ActorID, e.ActorName, e.Action, e.Entity, e.EntityID, e.OrgPath, e.Summary, changes, e.IP, e.UserAgent, e.Result}, nil
}

// RecordMany appends entries written by actor, as Record does one by
// one, in multi-row INSERTs: for work that writes thousands of records
// in one transaction (a roster import), where a statement per entry
// would hold the write lock longer.
func RecordMany(ctx context.Context, q db.Querier, actor *authz.Actor, entries []Entry) error {
	const cols = 13
	const chunk = 500 // 6,500 parameters a statement, under every engine's limit
	at := cst.NowStamp()
	for start := 0; start < len(entries); start += chunk {
		part := entries[start:min(start+chunk, len(entries))]
		args := make([]any, 0, len(part)*cols)
		for _, e := range part {
			row, err := entryArgs(actor, e, at)
			if err != nil {
				return err
			}
			args = append(args, row...)
		}
		row := "(" + db.Placeholders(cols) + ")"
		values := strings.TrimSuffix(strings.Repeat(row+", ", len(part)), ", ")
		if _, err := q.Exec(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES `+values, args...); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	return nil
}

// Field is a named value for Diff, with its Chinese label. Sensitive
// fields are logged as changed without their values, so the audit log
// never holds personal data in plaintext.
type Field struct {
	Name, Label, Value string
	Sensitive          bool
}

// Diff lists the fields whose values differ between before and after
// (matched by name). A nil before means the record is new.
func Diff(before, after []Field) []Change {
	old := map[string]string{}
	for _, f := range before {
		old[f.Name] = f.Value
	}
	var out []Change
	for _, f := range after {
		prev, had := old[f.Name]
		if had && prev == f.Value {
			continue
		}
		if !had && f.Value == "" {
			continue
		}
		c := Change{Field: f.Name, Label: f.Label, Before: prev, After: f.Value}
		if f.Sensitive {
			c.Before, c.After = hidden(prev), hidden(f.Value)
		}
		out = append(out, c)
	}
	return out
}

func hidden(v string) string {
	if v == "" {
		return ""
	}
	return "（已加密）"
}

// Filter selects entries to browse.
type Filter struct {
	ActorID  string
	Action   string
	Entity   string
	EntityID string
	From, To string // dates YYYY-MM-DD in China time, inclusive
	Text     string // matches summary or actor name
	Offset   int
	Limit    int
}

// List returns entries within the actor's scope, newest first, and the
// total that match. Entries about the system itself (no org path) are
// seen only by actors scoped at the top of the tree.
func List(ctx context.Context, q db.Querier, actor *authz.Actor, f Filter) ([]Entry, int, error) {
	c := listConds(q, actor, f)
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return db.Page(ctx, q, db.PageQuery{
		Count:  `SELECT COUNT(*) FROM audit_log`,
		Select: `SELECT id, at, actor_id, actor_name, action, entity, entity_id, org_path, summary, changes, ip, user_agent, result FROM audit_log`,
		Where:  c,
		Order:  "id DESC",
		Limit:  f.Limit,
		Offset: f.Offset,
	}, scanEntry)
}

// listConds is the condition of the entries f selects in the actor's
// scope (List and Export alike).
func listConds(q db.Querier, actor *authz.Actor, f Filter) db.Conds {
	var c db.Conds
	cond, args := actor.ScopeCond(q.Dialect(), "org_path")
	c.Add("("+cond+" OR org_path = '')", args...)
	if f.ActorID != "" {
		c.Add("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		c.Add("action = ?", f.Action)
	}
	if f.Entity != "" {
		c.Add("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		c.Add("entity_id = ?", f.EntityID)
	}
	if f.From != "" {
		if t, err := cst.ParseDate(f.From); err == nil {
			c.Add("at >= ?", cst.Stamp(t))
		}
	}
	if f.To != "" {
		if t, err := cst.ParseDate(f.To); err == nil {
			c.Add("at < ?", cst.Stamp(t.AddDate(0, 0, 1)))
		}
	}
	if f.Text != "" {
		p := "%" + db.Like(f.Text) + "%"
		c.Add(`(summary LIKE ? ESCAPE '\' OR actor_name LIKE ? ESCAPE '\')`, p, p)
	}
	return c
}

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var changes string
	if err := row.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorName, &e.Action, &e.Entity, &e.EntityID, &e.OrgPath, &e.Summary, &changes, &e.IP, &e.UserAgent, &e.Result); err != nil {
		return e, err
	}
	if changes != "" {
		_ = json.Unmarshal([]byte(changes), &e.Changes)
	}
	return e, nil
}

// ExportCSV writes every entry f selects in the actor's scope, newest
// first, as CSV (UTF-8 with a byte-order mark, so spreadsheet programs
// read the Chinese) to w, and returns the rows written and the entry
// that records the export. It writes nothing to the database: run it in
// a read transaction (one query, streamed row by row, however long the
// log), record the entry in a short write transaction and send w's bytes
// only if that succeeds (w is best a spool file). Needs
// authz.PermAuditRead.
func ExportCSV(ctx context.Context, q db.Querier, actor *authz.Actor, f Filter, w io.Writer) (int, Entry, error) {
	if err := actor.Require(authz.PermAuditRead); err != nil {
		return 0, Entry{}, err
	}
	c := listConds(q, actor, f)
	rows, err := q.Query(ctx, `SELECT id, at, actor_id, actor_name, action, entity, entity_id, org_path, summary, changes, ip, user_agent, result,
		seq, hash FROM audit_log`+c.Where()+` ORDER BY id DESC`, c.Args()...)
	if err != nil {
		return 0, Entry{}, err
	}
	defer rows.Close()
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return 0, Entry{}, err
	}
	cw := csv.NewWriter(bw)
	if err := cw.Write([]string{"时间", "操作人", "操作", "对象", "对象编号", "内容", "变更", "结果", "IP", "客户端", "链序号", "哈希"}); err != nil {
		return 0, Entry{}, err
	}
	n := 0
	var changes strings.Builder
	for rows.Next() {
		var e Entry
		var raw, hash string
		var seq int64
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorName, &e.Action, &e.Entity, &e.EntityID, &e.OrgPath, &e.Summary, &raw, &e.IP,
			&e.UserAgent, &e.Result, &seq, &hash); err != nil {
			return 0, Entry{}, err
		}
		changes.Reset()
		if raw != "" {
			var cs []Change
			_ = json.Unmarshal([]byte(raw), &cs)
			for _, ch := range cs {
				fmt.Fprintf(&changes, "%s：%s → %s；", ch.Label, ch.Before, ch.After)
			}
		}
		at, _ := cst.ParseStamp(e.At)
		if err := cw.Write([]string{at.In(cst.Loc).Format("2006-01-02 15:04:05"), e.ActorName, ActionLabel(e.Action), e.Entity, e.EntityID, e.Summary,
			changes.String(), e.Result, e.IP, e.UserAgent, strconv.FormatInt(seq, 10), hash}); err != nil {
			return 0, Entry{}, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, Entry{}, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return 0, Entry{}, err
	}
	if err := bw.Flush(); err != nil {
		return 0, Entry{}, err
	}
	return n, Entry{Action: ActionExport, Entity: "audit_log", OrgPath: actor.OrgPath, Result: ResultOK,
		Summary: fmt.Sprintf("导出审计日志 %d 条", n)}, nil
}
