package recipients

import (
	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/secure"
)

// Access is how much of one field of a recipient a role sees.
type Access int

const (
	// AccessHidden: the field is left out (empty in the record, the export and
	// the JSON).
	AccessHidden Access = iota
	// AccessMasked: a plain field shows a mask (a name its first character and
	// stars); a sealed field its masked copy, never the full value (health
	// notes only that there are some).
	AccessMasked
	// AccessShown: a plain field as stored. Not used for sealed fields.
	AccessShown
	// AccessRevealable: a sealed field shows its masked copy, and the full value
	// on request (Reveal, a full export), each recorded in the audit log.
	AccessRevealable
)

// String names an access level as the matrix tests print it.
func (a Access) String() string {
	return [...]string{"hidden", "masked", "shown", "revealable"}[a]
}

// AccessFields are the JSON names of a recipient's fields whose access
// depends on the role, in display order. The record's id, version,
// station and the child flag are always shown to whoever may see the
// record at all; "birth_date" carries the age, "status" its reason and
// date, "household" the household and the relation to its head.
var AccessFields = []string{"name", "sex", "birth_date", "id_number", "ethnicity", "phone", "hukou_address", "current_address",
	"village_code", "living_situation", "guardian_name", "guardian_relation", "guardian_phone", "categories",
	"disability_type", "disability_grade", "health_notes", "income_source", "worker_id", "status", "household", "consent"}

// accessRow builds a role's row: every field at plain, the sealed ones at
// sealed, then the exceptions.
func accessRow(plain, sealed Access, except map[string]Access) map[string]Access {
	row := map[string]Access{}
	for _, f := range AccessFields {
		if _, ok := sealedColumn[f]; ok {
			row[f] = sealed
		} else {
			row[f] = plain
		}
	}
	for f, a := range except {
		row[f] = a
	}
	return row
}

// FieldAccess is THE table of which fields of a recipient each role
// sees (个人信息保护法 Art. 6: no more than the purpose needs). Every
// read path of this package applies it: Get and List (pages and the API
// JSON), Export, Reveal and the households' member lists.
//
//   - county administrator, station head, social worker: everything; full
//     personal values on request, audited;
//   - supervisor (督导) and evaluator (评估方): masked records — the
//     masked copies of ID number, phones and addresses and only whether
//     there are health notes; no full value ever; the evaluator sees that
//     consent was recorded (when, how, by whom masked) but not the form;
//   - volunteer (志愿者): only the people their station head assigns to
//     them (AssignedCond), and of them the name, the village and the
//     task of the assignment — not categories, health, ID number,
//     phones or address;
//   - leaders and the system, security and audit administrators: nothing
//     (they see figures, not people);
//   - the system actor (commands, the demo loader): everything.
var FieldAccess = map[authz.Role]map[string]Access{
	authz.RoleAdmin:       accessRow(AccessShown, AccessRevealable, nil),
	authz.RoleStationHead: accessRow(AccessShown, AccessRevealable, nil),
	authz.RoleWorker:      accessRow(AccessShown, AccessRevealable, nil),
	authz.RoleSupervisor:  accessRow(AccessShown, AccessMasked, nil),
	authz.RoleEvaluator:   accessRow(AccessShown, AccessMasked, map[string]Access{"consent": AccessMasked}),
	authz.RoleVolunteer:   accessRow(AccessHidden, AccessHidden, map[string]Access{"name": AccessShown, "village_code": AccessShown}),
	authz.RoleLeader:      accessRow(AccessHidden, AccessHidden, nil),
	authz.RoleSysAdmin:    accessRow(AccessHidden, AccessHidden, nil),
	authz.RoleSecAdmin:    accessRow(AccessHidden, AccessHidden, nil),
	authz.RoleAuditAdmin:  accessRow(AccessHidden, AccessHidden, nil),
	authz.RoleSystem:      accessRow(AccessShown, AccessRevealable, nil),
}

// AccessOf is the actor's access to a field (AccessHidden for a nil actor, a
// role not in the table or a field not in AccessFields).
func AccessOf(actor *authz.Actor, field string) Access {
	if actor == nil {
		return AccessHidden
	}
	return FieldAccess[actor.Role][field]
}

// maskName shows a name's first character (the surname) and stars.
func maskName(s string) string { return secure.Mask(s, 1, 0) }

// applyAccess shapes a loaded record for the actor: hidden fields
// emptied, masked ones masked. The record must already be one the actor
// may see.
func applyAccess(actor *authz.Actor, r *Recipient) {
	var row map[string]Access
	if actor != nil {
		row = FieldAccess[actor.Role]
	}
	str := func(field string, p *string, mask func(string) string) {
		switch row[field] {
		case AccessHidden:
			*p = ""
		case AccessMasked:
			if mask != nil {
				*p = mask(*p)
			}
		}
	}
	str("name", &r.Name, maskName)
	if row["name"] != AccessShown {
		r.NameInitials = ""
	}
	str("sex", &r.Sex, nil)
	switch row["birth_date"] {
	case AccessHidden:
		r.BirthDate, r.Age = "", 0
	case AccessMasked:
		if len(r.BirthDate) >= 4 {
			r.BirthDate = r.BirthDate[:4] + "-**-**"
		}
	}
	// The sealed fields hold their masked copies already: AccessMasked and
	// AccessRevealable leave them, AccessHidden empties them.
	str("id_number", &r.IDNumber, nil)
	str("ethnicity", &r.Ethnicity, nil)
	str("phone", &r.Phone, nil)
	str("hukou_address", &r.HukouAddress, nil)
	str("current_address", &r.CurrentAddress, nil)
	str("village_code", &r.VillageCode, nil)
	str("living_situation", &r.LivingSituation, nil)
	str("guardian_name", &r.GuardianName, maskName)
	str("guardian_relation", &r.GuardianRelation, nil)
	str("guardian_phone", &r.GuardianPhone, nil)
	if row["categories"] == AccessHidden {
		r.Categories = []string{}
	}
	str("disability_type", &r.DisabilityType, nil)
	str("disability_grade", &r.DisabilityGrade, nil)
	if row["health_notes"] == AccessHidden {
		r.HasHealthNotes = false
	}
	str("income_source", &r.IncomeSource, nil)
	if row["worker_id"] == AccessHidden {
		r.WorkerID, r.WorkerName = "", ""
	}
	if row["status"] == AccessHidden {
		r.Status, r.StatusLabel, r.StatusReason, r.StatusDate = "", "", "", ""
	}
	if row["household"] == AccessHidden {
		r.HouseholdID, r.HouseholdRelation = "", ""
	}
	switch row["consent"] {
	case AccessHidden:
		r.Consent = Consent{}
	case AccessMasked:
		// That consent was given, when and how; not the form itself.
		r.Consent.Name, r.Consent.ScanID, r.Consent.ScanURL = maskName(r.Consent.Name), "", ""
	}
}

// requireAccess refuses an actor whose role sees the field less than at.
func requireAccess(actor *authz.Actor, field string, at Access) error {
	if AccessOf(actor, field) < at {
		return apperr.New(apperr.Forbidden, "您的角色无权查看服务对象的%s", FieldLabels[field])
	}
	return nil
}

// assignedCond is the volunteer rule as SQL on a recipients row alias:
// for a volunteer, only the people assigned to them today (an
// assignment whose dates cover today, China date, to the volunteer in
// the registry linked to their account); "" for other roles.
func assignedCond(actor *authz.Actor, alias string) (string, []any) {
	if actor == nil || actor.Role != authz.RoleVolunteer {
		return "", nil
	}
	today := cst.Today()
	return `EXISTS (SELECT 1 FROM recipient_assignments ra JOIN wf_volunteers rv ON rv.id = ra.volunteer_id
		WHERE ra.recipient_id = ` + alias + `.id AND rv.user_id = ? AND ra.starts_on <= ? AND (ra.ends_on = '' OR ra.ends_on >= ?))`,
		[]any{actor.UserID, today, today}
}

// requireRecords refuses a role that sees no recipient's name: it sees
// figures, not people, and no record at all.
func requireRecords(actor *authz.Actor) error {
	if AccessOf(actor, "name") == AccessHidden {
		return apperr.New(apperr.Forbidden, "您的角色不查看服务对象名册")
	}
	return nil
}

// limitFilter drops the parts of a filter that would select by a field
// the actor does not see (a volunteer listing by category, ID number,
// phone, worker, status, household or another module's filter would
// learn those fields through who is listed). It returns the filter as
// the actor may use it.
func limitFilter(actor *authz.Actor, f Filter) Filter {
	hidden := func(field string) bool { return AccessOf(actor, field) == AccessHidden }
	if hidden("categories") {
		f.Category = ""
	}
	if hidden("id_number") {
		f.IDNumber = ""
	}
	if hidden("phone") {
		f.Phone = ""
	}
	if hidden("worker_id") {
		f.WorkerID = ""
	}
	if hidden("status") {
		f.Status = ""
	}
	if hidden("household") {
		f.HouseholdID = ""
	}
	if hidden("categories") || hidden("health_notes") {
		// Other modules' filters (风险等级, 探访) rest on categories and
		// findings.
		f.Extra = nil
	}
	if (hidden("id_number") || hidden("phone")) && LookupKind(f.Text) != "" {
		f.Text = ""
	}
	if hidden("birth_date") && (f.Sort == "birth") {
		f.Sort = ""
	}
	return f
}
