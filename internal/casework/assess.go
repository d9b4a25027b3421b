package casework

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/secure"
)

// FamilyMember is one person of the family map (家庭结构图).
type FamilyMember struct {
	Relation    string `json:"relation"`
	Age         int    `json:"age"`
	Situation   string `json:"situation"`
	RecipientID string `json:"recipient_id,omitempty"` // when registered
}

// AssessmentInput is a 预估: history, family map, problems, strengths
// (sealed together) and a score 1–5 for every sub-item of every domain
// of the county's settings.
type AssessmentInput struct {
	ID         string                    `json:"id,omitempty"` // client-made UUIDv7; empty: made here
	AssessedOn string                    `json:"assessed_on"`
	History    string                    `json:"history"`
	Family     []FamilyMember            `json:"family"`
	Problems   string                    `json:"problems"`
	Strengths  string                    `json:"strengths"`
	Scores     map[string]map[string]int `json:"scores"` // domain key → item → 1–5
}

// Assessment is a stored 预估; Totals sum each domain's scores and
// Change is the difference from the previous assessment (0 for the
// first).
type Assessment struct {
	ID         string                    `json:"id"`
	Seq        int                       `json:"seq"`
	AssessedOn string                    `json:"assessed_on"`
	History    string                    `json:"history"`
	Family     []FamilyMember            `json:"family"`
	Problems   string                    `json:"problems"`
	Strengths  string                    `json:"strengths"`
	Scores     map[string]map[string]int `json:"scores"`
	Totals     map[string]int            `json:"totals"`
	Change     map[string]int            `json:"change"`
}

type assessmentContent struct {
	History   string         `json:"history"`
	Family    []FamilyMember `json:"family"`
	Problems  string         `json:"problems"`
	Strengths string         `json:"strengths"`
}

// HouseholdFamily is the family map known from the registry: the
// client's household members with relation and age, to start from.
func HouseholdFamily(ctx context.Context, q db.Querier, actor *authz.Actor, c Case) ([]FamilyMember, error) {
	rows, err := q.Query(ctx, `SELECT m.id, m.household_relation, m.birth_date FROM recipients r JOIN recipients m ON m.household_id = r.household_id
		WHERE r.id = ? AND r.household_id IS NOT NULL AND m.id <> r.id ORDER BY m.birth_date`, c.RecipientID)
	today := cst.Today()
	return db.Collect(rows, err, func(r interface{ Scan(...any) error }) (f FamilyMember, err error) {
		var birth string
		err = r.Scan(&f.RecipientID, &f.Relation, &birth)
		if len(birth) == 10 {
			f.Age = atoi(today[:4]) - atoi(birth[:4])
			if today[5:] < birth[5:] {
				f.Age--
			}
		}
		return f, err
	})
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// AddAssessment records a 预估 (the first, or a later one: scores are
// kept, so change is a number). Refused at 接案 before acceptance and
// after closing. A resend with the same id and content returns the
// stored assessment (replayed = true) and writes nothing; the same id
// with other content, or on another case, is a Conflict (field "id").
func AddAssessment(ctx context.Context, tx *db.Tx, keys *secure.Keyring, actor *authz.Actor, caseID string, in AssessmentInput) (Assessment, bool, error) {
	c, err := forWrite(ctx, tx, actor, caseID)
	if err != nil {
		return Assessment{}, false, err
	}
	fe := apperr.Fields{}
	id := newID(in.ID, fe)
	in.AssessedOn, in.History, in.Problems, in.Strengths = strings.TrimSpace(in.AssessedOn), strings.TrimSpace(in.History), strings.TrimSpace(in.Problems), strings.TrimSpace(in.Strengths)
	if in.Family == nil {
		in.Family = []FamilyMember{}
	}
	hashed := in
	hashed.ID = ""
	hash := createHash(keys, "case-assessment-create", hashed)
	if in.ID != "" && len(fe) == 0 {
		again, err := replayed(ctx, tx, "case_assessments", id, caseID, hash, "预估")
		if err != nil {
			return Assessment{}, false, err
		}
		if again {
			x, err := assessment(ctx, tx, keys, caseID, id)
			return x, true, err
		}
	}
	s, err := SettingsFor(ctx, tx, c.OrgPath)
	if err != nil {
		return Assessment{}, false, err
	}
	if c.Stage == StageIntake || !c.Stage.Open() {
		fe.Add("stage", "当前阶段（"+c.StageLabel+"）不能预估：须先接案，且个案未结案")
	}
	if !cst.IsDate(in.AssessedOn) || in.AssessedOn > cst.Today() || in.AssessedOn < c.OpenedOn {
		fe.Add("assessed_on", "预估日期应在接案日期与今天之间")
	}
	if in.Problems == "" {
		fe.Add("problems", "请填写问题分析")
	}
	for _, d := range s.Domains {
		for _, item := range d.Items {
			if v := in.Scores[d.Key][item]; v < 1 || v > 5 {
				fe.Add("score."+d.Key+"."+item, d.Label+"·"+item+"：请评 1–5 分")
			}
		}
	}
	for i, m := range in.Family {
		if strings.TrimSpace(m.Relation) == "" || m.Age < 0 || m.Age > 130 {
			fe.Add("family", "家庭成员第 "+itoa(i+1)+" 行：请填写关系和年龄")
		}
	}
	if err := fe.Err(); err != nil {
		return Assessment{}, false, err
	}
	var seq int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM case_assessments WHERE case_id = ?`, caseID).Scan(&seq); err != nil {
		return Assessment{}, false, err
	}
	b, _ := json.Marshal(assessmentContent{History: in.History, Family: in.Family, Problems: in.Problems, Strengths: in.Strengths})
	if _, err := tx.Exec(ctx, `INSERT INTO case_assessments (id, case_id, seq, assessed_on, content_enc, create_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id, caseID, seq, in.AssessedOn, keys.Seal(string(b)), hash, actor.UserID, cst.NowStamp()); err != nil {
		return Assessment{}, false, err
	}
	for _, d := range s.Domains {
		for _, item := range d.Items {
			if _, err := tx.Exec(ctx, `INSERT INTO case_scores (assessment_id, domain, item, score) VALUES (?, ?, ?, ?)`, id, d.Key, item, in.Scores[d.Key][item]); err != nil {
				return Assessment{}, false, err
			}
		}
	}
	if err := bump(ctx, tx, caseID, 0); err != nil {
		return Assessment{}, false, err
	}
	what := "预估"
	if seq > 1 {
		what = "再次预估（第 " + itoa(seq) + " 次）"
	}
	if _, err := afterWrite(ctx, tx, actor, c, what); err != nil {
		return Assessment{}, false, err
	}
	a, err := assessment(ctx, tx, keys, caseID, id)
	return a, false, err
}

// assessment is one stored assessment of a case, with its totals and
// change.
func assessment(ctx context.Context, q db.Querier, keys *secure.Keyring, caseID, id string) (Assessment, error) {
	all, err := assessments(ctx, q, keys, caseID)
	if err != nil {
		return Assessment{}, err
	}
	for _, a := range all {
		if a.ID == id {
			return a, nil
		}
	}
	return Assessment{}, apperr.ErrNotFound("预估")
}

// assessments are a case's assessments in order, with totals and change.
func assessments(ctx context.Context, q db.Querier, keys *secure.Keyring, caseID string) ([]Assessment, error) {
	rows, err := q.Query(ctx, `SELECT id, seq, assessed_on, content_enc FROM case_assessments WHERE case_id = ? ORDER BY seq`, caseID)
	out, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (a Assessment, err error) {
		var sealed string
		if err = r.Scan(&a.ID, &a.Seq, &a.AssessedOn, &sealed); err != nil {
			return a, err
		}
		a.Scores, a.Totals, a.Change = map[string]map[string]int{}, map[string]int{}, map[string]int{}
		if keys == nil {
			return a, nil
		}
		plain, err := keys.Open(sealed)
		if err != nil {
			return a, err
		}
		var content assessmentContent
		if plain != "" {
			err = json.Unmarshal([]byte(plain), &content)
		}
		a.History, a.Family, a.Problems, a.Strengths = content.History, content.Family, content.Problems, content.Strengths
		return a, err
	})
	if err != nil {
		return nil, err
	}
	// Every assessment's scores in one query.
	rows, err = q.Query(ctx, `SELECT s.assessment_id, s.domain, s.item, s.score FROM case_scores s JOIN case_assessments a ON a.id = s.assessment_id
		WHERE a.case_id = ?`, caseID)
	type sc struct {
		a, d, item string
		v          int
	}
	scores, err := db.Collect(rows, err, func(r interface{ Scan(...any) error }) (x sc, err error) {
		err = r.Scan(&x.a, &x.d, &x.item, &x.v)
		return x, err
	})
	if err != nil {
		return nil, err
	}
	idx := map[string]int{}
	for i, a := range out {
		idx[a.ID] = i
	}
	for _, x := range scores {
		a := &out[idx[x.a]]
		if a.Scores[x.d] == nil {
			a.Scores[x.d] = map[string]int{}
		}
		a.Scores[x.d][x.item] = x.v
		a.Totals[x.d] += x.v
	}
	for i := 1; i < len(out); i++ {
		for d, t := range out[i].Totals {
			out[i].Change[d] = t - out[i-1].Totals[d]
		}
	}
	return out, nil
}
