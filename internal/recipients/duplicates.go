package recipients

import (
	"context"
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

func findDuplicates(ctx context.Context, q db.Querier, keys *secure.Keyring, actor *authz.Actor, dq DuplicateQuery) ([]Duplicate, error) {
	var out []Duplicate
	seen := map[string]bool{dq.ExcludeID: true}
	if dq.IDNumber != "" {
		// Across the whole system: an ID number is registered once.
		rows, err := q.Query(ctx, `SELECT `+columns+from+` WHERE `+idIndexCond, keys.BlindIndex("idcard", dq.IDNumber))
		if err != nil {
			return nil, err
		}
		found, err := scanAll(rows)
		if err != nil {
			return nil, err
		}
		for _, r := range found {
			if seen[r.ID] {
				continue
			}
			seen[r.ID] = true
			d := Duplicate{Kind: DupSameID, Reason: "身份证号相同", OrgName: r.OrgName}
			if actor == nil || checkVisible(actor, r) == nil {
				r := r
				d.Visible, d.Recipient = true, &r
			}
			out = append(out, d)
		}
	}
	if dq.Name == "" {
		return out, nil
	}
	// Same name and birth date, and similar names in the same village:
	// only among records the actor may see.
	var conds []string
	var args []any
	if actor != nil {
		var err error
		if conds, args, err = visibleConds(ctx, q, actor); err != nil {
			return nil, err
		}
	}
	search := func(kind, reason, cond string, a ...any) error {
		all := append(append([]string{"1 = 1"}, conds...), cond)
		rows, err := q.Query(ctx, `SELECT `+columns+from+` WHERE `+strings.Join(all, " AND ")+` ORDER BY r.name, r.id LIMIT 20`, append(append([]any(nil), args...), a...)...)
		if err != nil {
			return err
		}
		found, err := scanAll(rows)
		if err != nil {
			return err
		}
		for _, r := range found {
			if seen[r.ID] {
				continue
			}
			seen[r.ID] = true
			r := r
			out = append(out, Duplicate{Kind: kind, Reason: reason, Visible: true, OrgName: r.OrgName, Recipient: &r})
		}
		return nil
	}
	if dq.BirthDate != "" {
		if err := search(DupSameNameBirth, "姓名和出生日期相同", "r.name = ? AND r.birth_date = ?", dq.Name, dq.BirthDate); err != nil {
			return nil, err
		}
	}
	if dq.VillageCode != "" {
		// Similar: the same pinyin initials (张三 / 章三), or the same
		// surname and first given-name character (张三 / 张三丰).
		initials := pinyin.NameInitials(dq.Name)
		runes := []rune(dq.Name)
		prefix := string(runes[:min(len(runes), 2)])
		pc, pa := prefixCond(q.Dialect(), "r.name", prefix)
		cond := "r.village_code = ? AND (r.name_initials = ? OR (" + pc + "))"
		a := append([]any{dq.VillageCode, initials}, pa...)
		if err := search(DupSimilarName, "同村姓名相近", cond, a...); err != nil {
			return nil, err
		}
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
