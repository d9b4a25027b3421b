package org

import (
	"context"
	"strings"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/pinyin"
)

// Find lists the active nodes of the given kinds (all kinds when none)
// in the actor's scope whose name contains text, whose name's pinyin
// initials start with text (Latin letters: "zgj" finds 朝歌街道社工站) or
// whose division code starts with text (digits), in tree order, for a
// picker. It returns at most limit (1–200, default 20) and whether there
// are more. A nil actor finds nothing.
func Find(ctx context.Context, q db.Querier, actor *authz.Actor, text string, kinds []Kind, limit int) ([]Unit, bool, error) {
	text = strings.TrimSpace(text)
	limit = db.PickLimit(limit)
	var c db.Conds
	scope, scopeArgs := actor.ScopeCond(q.Dialect(), "path")
	c.Add(scope, scopeArgs...)
	c.Add("active = ?", db.Bool(true))
	if len(kinds) > 0 {
		args := make([]any, len(kinds))
		for i, k := range kinds {
			args[i] = k
		}
		c.Add("kind IN ("+db.Placeholders(len(kinds))+")", args...)
	}
	initials := ""
	switch {
	case text == "":
	case pinyin.IsInitials(text):
		// Initials are not stored: a province has a few thousand nodes,
		// read in scope and matched here.
		initials = strings.ToLower(text)
	case isDigitString(text):
		c.Add(`division_code LIKE ? ESCAPE '\'`, db.Like(text)+"%")
	default:
		c.Add(`name LIKE ? ESCAPE '\'`, "%"+db.Like(text)+"%")
	}
	where, args := c.Expr(), c.Args()
	max := limit + 1
	if initials != "" {
		max = 20000
	}
	rows, err := q.Query(ctx, `SELECT `+unitColumns+` FROM org_units WHERE `+where+` ORDER BY path LIMIT ?`, append(args, max)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	out := []Unit{}
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, false, err
		}
		if initials != "" && !strings.HasPrefix(pinyin.Initials(u.Name), initials) {
			continue
		}
		if len(out) == limit {
			return out, true, rows.Err()
		}
		out = append(out, u)
	}
	return out, false, rows.Err()
}

func isDigitString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
