package audit

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

// Tamper evidence (GB/T 22239-2019 8.1.4.3 c: 审计记录应进行保护): every
// entry carries seq, prev_hash and hash = SHA-256(prev_hash, entry). The
// chain is filled after the entry's transaction commits, by Chain, so
// writers never queue behind one another for the previous hash; entries
// are chained in the order the chainer finds them (by id within a pass).

// Retention is how long entries must be kept: younger ones cannot be
// removed (the database refuses), older ones only through Archive.
const Retention = 180 * 24 * time.Hour

// chained is an entry with its place in the chain.
type chained struct {
	Seq       int64  `json:"seq"`
	ID        string `json:"id"`
	At        string `json:"at"`
	ActorID   string `json:"actor_id"`
	ActorName string `json:"actor_name"`
	Action    string `json:"action"`
	Entity    string `json:"entity"`
	EntityID  string `json:"entity_id"`
	OrgPath   string `json:"org_path"`
	Summary   string `json:"summary"`
	Changes   string `json:"changes"`
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
	Result    string `json:"result"`
	PrevHash  string `json:"prev_hash"`
	Hash      string `json:"hash"`
}

const chainedColumns = `seq, id, at, actor_id, actor_name, action, entity, entity_id, org_path, summary, changes, ip, user_agent, result, prev_hash, hash`

func scanChained(r interface{ Scan(...any) error }) (chained, error) {
	var c chained
	err := r.Scan(&c.Seq, &c.ID, &c.At, &c.ActorID, &c.ActorName, &c.Action, &c.Entity, &c.EntityID, &c.OrgPath, &c.Summary,
		&c.Changes, &c.IP, &c.UserAgent, &c.Result, &c.PrevHash, &c.Hash)
	return c, err
}

// linkHash is the hash of an entry at seq following prev.
func (c chained) linkHash(prev string) string {
	body, _ := json.Marshal([]any{c.Seq, c.ID, c.At, c.ActorID, c.ActorName, c.Action, c.Entity, c.EntityID, c.OrgPath, c.Summary,
		c.Changes, c.IP, c.UserAgent, c.Result})
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// chainBatch is how many entries one chaining transaction links: small,
// so that on SQLite (one writer at a time) it holds the write lock for a
// few milliseconds only (about 8 ms per 100 entries on a 2-core machine).
const chainBatch = 100

// Chain links every committed entry not chained yet and returns how
// many it linked. Several app nodes may run it: the head row serialises
// them, never the writers of entries.
func Chain(ctx context.Context, d *db.DB) (int, error) {
	total := 0
	for {
		n := 0
		err := d.InTx(ctx, func(tx *db.Tx) error {
			// Take the head first (a row lock on PostgreSQL): one chainer at a time.
			if _, err := tx.Exec(ctx, `UPDATE audit_chain SET seq = seq WHERE id = 1`); err != nil {
				return err
			}
			var seq int64
			var head string
			if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_chain WHERE id = 1`).Scan(&seq, &head); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT `+chainedColumns+` FROM audit_log WHERE hash = '' ORDER BY id LIMIT ?`, chainBatch)
			batch, err := db.Collect(rows, err, scanChained)
			if err != nil {
				return err
			}
			for _, c := range batch {
				seq++
				c.Seq, c.PrevHash = seq, head
				c.Hash = c.linkHash(head)
				if _, err := tx.Exec(ctx, `UPDATE audit_log SET seq = ?, prev_hash = ?, hash = ? WHERE id = ? AND hash = ''`,
					c.Seq, c.PrevHash, c.Hash, c.ID); err != nil {
					return err
				}
				head = c.Hash
			}
			n = len(batch)
			_, err = tx.Exec(ctx, `UPDATE audit_chain SET seq = ?, hash = ? WHERE id = 1`, seq, head)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("audit chain: %w", err)
		}
		total += n
		if n < chainBatch {
			return total, nil
		}
	}
}

// RunChainer chains new entries every interval until ctx ends.
func RunChainer(ctx context.Context, d *db.DB, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := Chain(ctx, d); err != nil && ctx.Err() == nil && log != nil {
			log.Error("audit chain", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Break is the first broken link of a chain.
type Break struct {
	Seq    int64
	ID     string
	At     string
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("审计日志链在第 %d 条（id %s，%s）断开：%s", b.Seq, b.ID, b.At, b.Reason)
}

// VerifyResult is what Verify found.
type VerifyResult struct {
	Checked   int    // chained entries checked
	Unchained int    // entries not chained yet
	Broken    *Break // the first broken link, or nil
}

// Verify walks the chain from the archive cut (or its start) and reports
// the first entry whose hash, link or order does not hold.
func Verify(ctx context.Context, q db.Querier) (VerifyResult, error) {
	var res VerifyResult
	var headSeq, archivedSeq int64
	var headHash, archivedHash string
	if err := q.QueryRow(ctx, `SELECT seq, hash, archived_seq, archived_hash FROM audit_chain WHERE id = 1`).
		Scan(&headSeq, &headHash, &archivedSeq, &archivedHash); err != nil {
		return res, err
	}
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE hash = ''`).Scan(&res.Unchained); err != nil {
		return res, err
	}
	rows, err := q.Query(ctx, `SELECT `+chainedColumns+` FROM audit_log WHERE hash <> '' ORDER BY seq`)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	seq, prev := archivedSeq, archivedHash
	for rows.Next() {
		c, err := scanChained(rows)
		if err != nil {
			return res, err
		}
		if res.Broken = checkLink(c, seq, prev); res.Broken != nil {
			return res, nil
		}
		seq, prev = c.Seq, c.Hash
		res.Checked++
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	if seq != headSeq || prev != headHash {
		res.Broken = &Break{Seq: seq + 1, Reason: fmt.Sprintf("链尾缺失：记录止于第 %d 条，链头为第 %d 条", seq, headSeq)}
	}
	return res, nil
}

func checkLink(c chained, prevSeq int64, prevHash string) *Break {
	b := &Break{Seq: c.Seq, ID: c.ID, At: c.At}
	switch {
	case c.Seq != prevSeq+1:
		b.Seq = prevSeq + 1
		b.Reason = fmt.Sprintf("第 %d 条缺失（下一条是第 %d 条）", prevSeq+1, c.Seq)
	case c.PrevHash != prevHash:
		b.Reason = "与上一条的链接不符（上一条被修改或删除）"
	case c.linkHash(prevHash) != c.Hash:
		b.Reason = "内容与哈希不符（本条被修改）"
	default:
		return nil
	}
	return b
}

// archiveHeader opens an archive file.
type archiveHeader struct {
	Format   string `json:"format"` // "shegong-audit-archive/1"
	FromSeq  int64  `json:"from_seq"`
	ToSeq    int64  `json:"to_seq"`
	PrevHash string `json:"prev_hash"` // the link the first entry follows
	Before   string `json:"before"`
}

// Archive moves the chained entries older than before (a China date at
// least Retention ago) to an archive file (JSON lines: a header, then
// the entries with their chain), reads the file back and verifies it,
// and only then removes the entries from the database. The chain in the
// database then starts from the archive's last hash. It returns how many
// entries moved; none is not an error (and writes no file).
func Archive(ctx context.Context, d *db.DB, before time.Time, path string, now time.Time) (int, error) {
	if now.Sub(before) < Retention {
		return 0, fmt.Errorf("只能归档 %d 天以前的审计记录", int(Retention.Hours()/24))
	}
	if _, err := Chain(ctx, d); err != nil {
		return 0, err
	}
	if v, err := Verify(ctx, d); err != nil {
		return 0, err
	} else if v.Broken != nil {
		return 0, fmt.Errorf("归档前校验失败：%w", v.Broken)
	}
	var fromSeq, archivedSeq int64
	var anchor string
	if err := d.QueryRow(ctx, `SELECT archived_seq, archived_hash FROM audit_chain WHERE id = 1`).Scan(&archivedSeq, &anchor); err != nil {
		return 0, err
	}
	fromSeq = archivedSeq + 1
	// The archive is a prefix of the chain: up to the entry before the
	// first one at or after the cut.
	cut := cst.Stamp(before)
	var firstKept sql.NullInt64
	if err := d.QueryRow(ctx, `SELECT MIN(seq) FROM audit_log WHERE hash <> '' AND at >= ?`, cut).Scan(&firstKept); err != nil {
		return 0, err
	}
	toSeq := int64(-1)
	if firstKept.Valid {
		toSeq = firstKept.Int64 - 1
	} else if err := d.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE hash <> ''`).Scan(&toSeq); err != nil {
		return 0, err
	}
	if toSeq < fromSeq {
		return 0, nil
	}
	if _, err := os.Stat(path); err == nil {
		return 0, fmt.Errorf("%s 已存在", path)
	}
	tmp := path + ".part"
	n, last, err := writeArchive(ctx, d, tmp, archiveHeader{Format: "shegong-audit-archive/1", FromSeq: fromSeq, ToSeq: toSeq, PrevHash: anchor, Before: cut})
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	if vn, vlast, err := VerifyArchive(tmp); err != nil || vn != n || vlast != last {
		os.Remove(tmp)
		return 0, fmt.Errorf("归档文件校验失败（%d/%d 条）：%v", vn, n, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, err
	}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM audit_log WHERE hash <> '' AND seq >= ? AND seq <= ?`, fromSeq, toSeq)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); int(k) != n {
			return fmt.Errorf("删除了 %d 条，归档文件有 %d 条", k, n)
		}
		if _, err := tx.Exec(ctx, `UPDATE audit_chain SET archived_seq = ?, archived_hash = ? WHERE id = 1`, toSeq, last); err != nil {
			return err
		}
		return Record(ctx, tx, nil, Entry{Action: ActionDelete, Entity: "audit_log", Result: ResultOK,
			Summary: fmt.Sprintf("归档审计记录 %d 条（第 %d–%d 条，%s 以前）到 %s，末条哈希 %s", n, fromSeq, toSeq, before.In(cst.Loc).Format(cst.DateLayout), path, last)})
	})
	if err != nil {
		return 0, fmt.Errorf("归档文件已写好（%s），但删除数据库中的记录失败：%w", path, err)
	}
	return n, nil
}

func writeArchive(ctx context.Context, d *db.DB, path string, h archiveHeader) (int, string, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	if err := enc.Encode(h); err != nil {
		return 0, "", err
	}
	rows, err := d.Query(ctx, `SELECT `+chainedColumns+` FROM audit_log WHERE hash <> '' AND seq >= ? AND seq <= ? ORDER BY seq`, h.FromSeq, h.ToSeq)
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	n, last := 0, h.PrevHash
	for rows.Next() {
		c, err := scanChained(rows)
		if err != nil {
			return 0, "", err
		}
		if err := enc.Encode(c); err != nil {
			return 0, "", err
		}
		n, last = n+1, c.Hash
	}
	if err := rows.Err(); err != nil {
		return 0, "", err
	}
	if err := w.Flush(); err != nil {
		return 0, "", err
	}
	return n, last, f.Sync()
}

// VerifyArchive checks an archive file's chain from its header's link
// and returns its entry count and last hash, or the first broken link.
func VerifyArchive(path string) (int, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReader(f))
	var h archiveHeader
	if err := dec.Decode(&h); err != nil || h.Format != "shegong-audit-archive/1" {
		return 0, "", fmt.Errorf("不是审计归档文件：%v", err)
	}
	n, seq, prev := 0, h.FromSeq-1, h.PrevHash
	for {
		var c chained
		if err := dec.Decode(&c); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return n, prev, err
		}
		if b := checkLink(c, seq, prev); b != nil {
			return n, prev, b
		}
		n, seq, prev = n+1, c.Seq, c.Hash
	}
	if seq != h.ToSeq {
		return n, prev, fmt.Errorf("归档文件不完整：止于第 %d 条，应到第 %d 条", seq, h.ToSeq)
	}
	return n, prev, nil
}
