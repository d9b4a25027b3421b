package division

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/shegong/shegong/internal/db"
)

// embedded is the code list built by ./gen (see there to regenerate).
//
//go:embed data/divisions.tsv.gz
var embedded []byte

// batchSize rows go in one multi-row INSERT: 6 parameters a row stays far
// below SQLite's 32,766 and PostgreSQL's 65,535 parameter limits.
const batchSize = 500

var (
	embeddedOnce   sync.Once
	embeddedRows   []Division
	embeddedSample []any // codes Load checks, see loadSample
	embeddedErr    error
)

// Embedded returns the code list shipped in the binary, sorted by code.
// The slice is shared: callers must not modify it.
func Embedded() ([]Division, error) {
	embeddedOnce.Do(func() {
		embeddedRows, embeddedErr = parseEmbedded(embedded)
		embeddedSample = loadSample(embeddedRows)
	})
	return embeddedRows, embeddedErr
}

// DataYear is the year of the embedded code list.
func DataYear() int {
	rows, err := Embedded()
	if err != nil || len(rows) == 0 {
		return 0
	}
	return rows[0].Year
}

func parseEmbedded(gz []byte) ([]Division, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("division data: %w", err)
	}
	sc := bufio.NewScanner(zr)
	year := 0
	rows := make([]Division, 0, 45000)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if y, ok := strings.CutPrefix(line, "#year\t"); ok {
			if year, err = strconv.Atoi(y); err != nil {
				return nil, fmt.Errorf("division data line %d: bad year %q", n, y)
			}
			continue
		}
		code, name, ok := strings.Cut(line, "\t")
		level, valid := LevelOf(code)
		if !ok || !valid || name == "" || year == 0 {
			return nil, fmt.Errorf("division data line %d: malformed %q", n, line)
		}
		k := KindOf(code)
		rows = append(rows, Division{Code: code, ParentCode: ParentCode(code), Level: level, Name: name, Kind: k, KindLabel: k.Label(), Year: year})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("division data: %w", err)
	}
	return rows, nil
}

// Load puts the embedded code list into the divisions table unless it is
// already there, and returns the number of rows it inserted. It is meant
// to run at every start, after the migrations: once loaded, a call costs
// a single indexed query.
//
// "Already there" means a sample of the embedded codes (every 256th, and
// the first and last of each level) is all in the table: the load is one
// transaction, so after it every code is there, and the check is one
// primary-key query whatever Import has added (a COUNT(*) would scan
// the 660,000 rows of a full village list). A table missing some codes
// is completed without touching existing rows, so names an import
// brought up to date are kept.
func Load(ctx context.Context, d *db.DB) (int, error) {
	rows, err := Embedded()
	if err != nil {
		return 0, err
	}
	sample := embeddedSample
	var have int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM divisions WHERE code IN (`+db.Placeholders(len(sample))+`)`, sample...).Scan(&have); err != nil {
		return 0, fmt.Errorf("check divisions: %w", err)
	}
	if have == len(sample) {
		return 0, nil
	}
	inserted := 0
	err = d.InTx(ctx, func(tx *db.Tx) error {
		for start := 0; start < len(rows); start += batchSize {
			n, err := insertBatch(ctx, tx, rows[start:min(start+batchSize, len(rows))], `ON CONFLICT (code) DO NOTHING`)
			if err != nil {
				return err
			}
			inserted += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("load divisions: %w", err)
	}
	// Fresh statistics let both planners pick the name and parent indexes
	// right away instead of after the next autovacuum (PostgreSQL) or
	// never (SQLite). Only an optimisation: the rows are committed.
	_, _ = d.Exec(ctx, `ANALYZE divisions`)
	return inserted, nil
}

// loadSample picks the codes Load checks for: spread over the list and
// including each level's first and last code, so a lost level is noticed.
// (The list is sorted by code, which interleaves the levels.)
func loadSample(rows []Division) []any {
	first, last := map[Level]int{}, map[Level]int{}
	pick := map[int]bool{0: true, len(rows) - 1: true}
	for i, r := range rows {
		if _, ok := first[r.Level]; !ok {
			first[r.Level] = i
		}
		last[r.Level] = i
		if i%256 == 0 {
			pick[i] = true
		}
	}
	for _, l := range Levels() {
		if i, ok := first[l]; ok {
			pick[i], pick[last[l]] = true, true
		}
	}
	codes := make([]any, 0, len(pick))
	for i := range rows {
		if pick[i] {
			codes = append(codes, rows[i].Code)
		}
	}
	return codes
}

// insertBatch writes rows in one multi-row INSERT ending with conflict
// (an ON CONFLICT clause) and returns the rows affected.
func insertBatch(ctx context.Context, q db.Querier, rows []Division, conflict string) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO divisions (code, parent_code, level, name, kind, year) VALUES `)
	args := make([]any, 0, len(rows)*6)
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?)")
		args = append(args, r.Code, r.ParentCode, string(r.Level), r.Name, string(r.Kind), r.Year)
	}
	b.WriteString(" ")
	b.WriteString(conflict)
	res, err := q.Exec(ctx, b.String(), args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
