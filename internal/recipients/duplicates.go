package recipients

import (
	"context"
	"database/sql"
	"strings"

	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/pinyin"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/validate"
)

// Kinds of possible duplicate.
const (
	DupSameID        = "same_id"         // the same ID number: never registered twice
	DupSameNameBirth = "same_name_birth" // same name and birth date
	DupSimilarName   = "similar_name"    // similar name in the same village
)

// DuplicateQuery is what the entry form knows so far.
type DuplicateQuery struct {
	Name        string `json:"name"`
	BirthDate   string `json:"birth_date"`
	IDNumber    string `json:"id_number"`
	VillageCode string `json:"village_code"`
	ExcludeID   string `json:"exclude_id"` // the record being edited
}

// Duplicate is a possible duplicate of the person being entered. A
// record the actor may not see (another station, or a child's record)
// is reported only for a same ID number, without its details: the user
// must know the number is taken, not who holds it.
type Duplicate struct {
	Kind      string     `json:"kind"`
	Reason    string     `json:"reason"`
	Visible   bool       `json:"visible"`
	OrgName   string     `json:"org_name"`
	Recipient *Recipient `json:"recipient,omitempty"`
}

// FindDuplicates lists possible duplicates of a person being entered.
func FindDuplicates(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, dq DuplicateQuery) ([]Duplicate, error) {
	dq.Name = strings.Join(strings.Fields(dq.Name), "")
	dq.BirthDate = strings.TrimSpace(dq.BirthDate)
	dq.VillageCode = strings.TrimSpace(dq.VillageCode)
	if card, err := validate.ParseIDCard(dq.IDNumber); err == nil {
		dq.IDNumber = card.Number
		if dq.BirthDate == "" {
			dq.BirthDate = card.Birth.Format("2006-01-02")
		}
	} else {
		dq.IDNumber = "" // an invalid number is the form's problem, not a duplicate
	}
	return findDuplicates(ctx, q, keys, actor, dq)
}

// The duplicate rule of registration and the roster import, in one
// place (issue: one rule for both):
//   - an ID number is registered once in the whole system: a record with
//     the same number is refused, wherever it is;
//   - a record the actor may see with the same name and birth date under
//     another ID number (or none) is a possible duplicate, which a person
//     decides on: 确认不是同一人 on the registration form, 导入 or 跳过 per
//     row of an import.
//
// Both look a person up with personLookup: one statement, two index
// seeks (recipients_id_index on the blind index of the number,
// recipients_name_birth on name and birth date), never a search.
const personLookup = `SELECT r.id, r.id_index, r.birth_date, o.path, o.name FROM recipients r JOIN org_units o ON o.id = r.org_id
	WHERE ` + idIndexCond + `
	UNION ALL
	SELECT r.id, r.id_index, r.birth_date, o.path, o.name FROM recipients r JOIN org_units o ON o.id = r.org_id
	WHERE r.name = ? AND r.birth_date = ?`

// personArgs are personLookup's arguments for a person: the blind index
// of their ID number ("" when they have none: nothing matches it), their
// name (as stored: no white space) and birth date.
func personArgs(keys *secure.Keyring, idNumber, name, birthDate string) []any {
	index := ""
	if idNumber != "" {
		index = keys.BlindIndex("idcard", idNumber)
	}
	return []any{index, name, birthDate}
}

// personMatch is a record personLookup found.
type personMatch struct {
	ID, IDIndex, BirthDate, OrgPath, OrgName string
}

// personMatches is the rule's verdict on one person.
type personMatches struct {
	// SameID is the record holding the ID number, nil if none; SameIDSeen
	// says whether the actor may see it (else the refusal does not name
	// its station).
	SameID     *personMatch
	SameIDSeen bool
	// Possible are the records the actor may see with the same name and
	// birth date under another ID number.
	Possible []personMatch
}

// matchPerson reads personLookup's rows (run with personArgs) and
// applies the rule for actor (nil: the system, who sees every record).
// excludeID is a record to leave out (the one being edited).
func matchPerson(rows *sql.Rows, err error, actor *authz.Actor, index, excludeID string) (personMatches, error) {
	var out personMatches
	if err != nil {
		return out, err
	}
	defer rows.Close()
	seen := map[string]bool{excludeID: true}
	for rows.Next() {
		var m personMatch
		if err := rows.Scan(&m.ID, &m.IDIndex, &m.BirthDate, &m.OrgPath, &m.OrgName); err != nil {
			return out, err
		}
		if seen[m.ID] {
			continue // found by both seeks: the same ID number
		}
		seen[m.ID] = true
		visible := actor == nil || actor.Covers(m.OrgPath) && !Hidden(actor, m.BirthDate)
		switch {
		case index != "" && m.IDIndex == index:
			out.SameID, out.SameIDSeen = &m, visible
		case visible:
			out.Possible = append(out.Possible, m)
		}
	}
	return out, rows.Err()
}

// lookupPerson applies the duplicate rule to one person on q.
func lookupPerson(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, idNumber, name, birthDate, excludeID string) (personMatches, error) {
	args := personArgs(keys, idNumber, name, birthDate)
	rows, err := q.Query(ctx, personLookup, args...)
	return matchPerson(rows, err, actor, args[0].(string), excludeID)
}

// sameNameBirthReason is how a possible duplicate by the rule is named.
const sameNameBirthReason = "姓名和出生日期相同"

func findDuplicates(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, dq DuplicateQuery) ([]Duplicate, error) {
	var out []Duplicate
	// The rule (personLookup), then the records it found, for the form.
	var found personMatches
	if dq.IDNumber != "" || dq.Name != "" && dq.BirthDate != "" {
		var err error
		if found, err = lookupPerson(ctx, q, keys, actor, dq.IDNumber, dq.Name, dq.BirthDate, dq.ExcludeID); err != nil {
			return nil, err
		}
	}
	var want []any
	if found.SameID != nil {
		want = append(want, found.SameID.ID)
	}
	for _, m := range found.Possible {
		want = append(want, m.ID)
	}
	byID := map[string]Recipient{}
	if len(want) > 0 {
		rows, err := q.Query(ctx, `SELECT `+columns+from+` WHERE r.id IN (`+db.Placeholders(len(want))+`)`, want...)
		if err != nil {
			return nil, err
		}
		recs, err := scanAll(rows)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			byID[r.ID] = r
		}
	}
	seen := map[string]bool{dq.ExcludeID: true}
	if m := found.SameID; m != nil {
		seen[m.ID] = true
		d := Duplicate{Kind: DupSameID, Reason: "身份证号相同", OrgName: m.OrgName}
		if r, ok := byID[m.ID]; ok && found.SameIDSeen {
			d.Visible, d.Recipient = true, &r
		}
		out = append(out, d)
	}
	for _, m := range found.Possible {
		r, ok := byID[m.ID]
		if !ok || len(out) >= 20 {
			continue
		}
		seen[m.ID] = true
		out = append(out, Duplicate{Kind: DupSameNameBirth, Reason: sameNameBirthReason, Visible: true, OrgName: r.OrgName, Recipient: &r})
	}
	if dq.Name == "" || dq.VillageCode == "" {
		return out, nil
	}
	// A hint for the form while typing, not the rule: similar names in
	// the same village, among records the actor may see.
	var conds []string
	var args []any
	if actor != nil {
		var err error
		if conds, args, err = visibleConds(ctx, q, actor); err != nil {
			return nil, err
		}
	}
	// Similar: the same pinyin initials (张三 / 章三), or the same
	// surname and first given-name character (张三 / 张三丰).
	initials := pinyin.NameInitials(dq.Name)
	runes := []rune(dq.Name)
	prefix := string(runes[:min(len(runes), 2)])
	pc, pa := prefixCond(q.Dialect(), "r.name", prefix)
	all := append(append([]string{"1 = 1"}, conds...), "r.village_code = ? AND (r.name_initials = ? OR ("+pc+"))")
	rows, err := q.Query(ctx, `SELECT `+columns+from+` WHERE `+strings.Join(all, " AND ")+` ORDER BY r.name, r.id LIMIT 20`,
		append(append(args, dq.VillageCode, initials), pa...)...)
	if err != nil {
		return nil, err
	}
	similar, err := scanAll(rows)
	if err != nil {
		return nil, err
	}
	for _, r := range similar {
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		r := r
		out = append(out, Duplicate{Kind: DupSimilarName, Reason: "同村姓名相近", Visible: true, OrgName: r.OrgName, Recipient: &r})
	}
	return out, nil
}

func scanAll(rows interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}) ([]Recipient, error) {
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		r, err := scanRecipient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
