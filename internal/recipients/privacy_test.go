package recipients_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"slices"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/auth"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"

	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/secure"
	"github.com/shegong/shegong/internal/visits"
)

// TestShortAddressesAreNeverStoredOrShownWhole: a short address used to
// go out whole to read-only roles and sit in plaintext in the masked
// column; the masked copy is now safe, and key rotation's Remask repairs
// copies stored under the old rule.
func TestShortAddressesAreNeverStoredOrShownWhole(t *testing.T) {
	f := start(t)
	worker := f.actor("shegong")
	in := f.input("短地址", "1950-03-03")
	in.CurrentAddress, in.HukouAddress = "张家村", "3号"
	r := f.mustCreate(worker, in)
	for _, u := range []string{"shegong", "pinggu", "dudao"} {
		got, err := recipients.Get(f.ctx, f.env.App.DB, f.actor(u), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.CurrentAddress != "****" || got.HukouAddress != "****" {
			t.Errorf("%s sees addresses %q %q", u, got.CurrentAddress, got.HukouAddress)
		}
	}
	stored := func() (string, string) {
		var cur, hukou string
		if err := f.env.App.DB.QueryRow(f.ctx, `SELECT current_address_masked, hukou_address_masked FROM recipients WHERE id = ?`, r.ID).Scan(&cur, &hukou); err != nil {
			t.Fatal(err)
		}
		return cur, hukou
	}
	if cur, hukou := stored(); strings.Contains(cur, "张家村") || strings.Contains(hukou, "3") {
		t.Fatalf("stored masks %q %q", cur, hukou)
	}
	// A row written under the old rule (whole when 6 characters or fewer,
	// first 6 otherwise) is rebuilt from the sealed value.
	long := f.mustCreate(worker, f.input("长地址", "1950-04-04"))
	if _, err := f.env.App.DB.Exec(f.ctx, `UPDATE recipients SET current_address_masked = '张家村', hukou_address_masked = '3号' WHERE id = ?`, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.App.DB.Exec(f.ctx, `UPDATE recipients SET current_address_masked = '河南省鹤壁市****' WHERE id = ?`, long.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		var err error
		n, err = secure.Remask(f.ctx, tx, f.env.App.Keys)
		return err
	})
	if err != nil || n != 3 {
		t.Fatalf("remask changed %d, %v", n, err)
	}
	if cur, hukou := stored(); cur != "****" || hukou != "****" {
		t.Errorf("after remask: %q %q", cur, hukou)
	}
	var longMask string
	_ = f.env.App.DB.QueryRow(f.ctx, `SELECT current_address_masked FROM recipients WHERE id = ?`, long.ID).Scan(&longMask)
	if longMask != "河南省鹤壁市淇县朝歌街道****" {
		t.Errorf("long address mask %q", longMask)
	}
}

// TestHouseholdsAPIMasksAHiddenHeadsName: the households API lists
// without members, and used to send the name of a household headed by a
// child whole to roles that may not see children.
func TestHouseholdsAPIMasksAHiddenHeadsName(t *testing.T) {
	f := start(t)
	worker := f.actor("shegong")
	kid := f.input("燕小宝", "2017-03-03")
	kid.GuardianName, kid.GuardianRelation, kid.Categories = "燕顺", "（外）祖父母", []string{"孤儿"}
	orphan := f.mustCreate(worker, kid)
	var h recipients.Household
	err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) (err error) {
		h, err = recipients.CreateHousehold(f.ctx, tx, worker, recipients.HouseholdInput{OrgID: f.chaoge.ID,
			Members: []recipients.MemberInput{{RecipientID: orphan.ID, Relation: "户主"}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := recipients.ListHouseholds(f.ctx, f.env.App.DB, f.actor("pinggu"), recipients.HouseholdFilter{OrgID: f.chaoge.ID, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.ID == h.ID && it.Name != "燕**户" {
			t.Errorf("the evaluator's list names the household %q", it.Name)
		}
	}
	for _, u := range []string{"pinggu"} {
		c := f.env.APILoginDemo(u)
		for _, path := range []string{"/api/v1/households?limit=200", "/api/v1/households/" + h.ID} {
			res := c.Get(path)
			if res.Status != 200 {
				t.Fatalf("%s %s: %d %s", u, path, res.Status, res.Body)
			}
			if strings.Contains(res.Body, "燕小宝") {
				t.Errorf("%s %s shows the child head's name: %s", u, path, res.Body)
			}
		}
	}
	res := f.env.APILoginDemo("shegong").Get("/api/v1/households?limit=200")
	if !strings.Contains(res.Body, "燕小宝户") {
		t.Errorf("the worker's list lacks the household: %s", res.Body)
	}
}

// fieldValue is a recipient's field as a reader sees it, by the name
// FieldAccess uses.
func fieldValue(r recipients.Recipient, field string) string {
	switch field {
	case "name":
		return r.Name
	case "sex":
		return r.Sex
	case "birth_date":
		return r.BirthDate
	case "id_number":
		return r.IDNumber
	case "ethnicity":
		return r.Ethnicity
	case "phone":
		return r.Phone
	case "hukou_address":
		return r.HukouAddress
	case "current_address":
		return r.CurrentAddress
	case "village_code":
		return r.VillageCode
	case "living_situation":
		return r.LivingSituation
	case "guardian_name":
		return r.GuardianName
	case "guardian_relation":
		return r.GuardianRelation
	case "guardian_phone":
		return r.GuardianPhone
	case "categories":
		return strings.Join(r.Categories, "、")
	case "disability_type":
		return r.DisabilityType
	case "disability_grade":
		return r.DisabilityGrade
	case "health_notes":
		if r.HasHealthNotes {
			return "有"
		}
		return ""
	case "income_source":
		return r.IncomeSource
	case "worker_id":
		return r.WorkerID
	case "status":
		return r.Status
	case "household":
		return r.HouseholdRelation
	case "consent":
		if !r.Consent.Recorded() {
			return ""
		}
		return r.Consent.By + " " + r.Consent.Name + " " + r.Consent.On + " " + r.Consent.Method
	}
	panic("no field " + field)
}

// wantAccess is the expected matrix, written out role by role: a change
// to FieldAccess must change this too.
var wantAccess = map[authz.Role]string{
	// name sex birth id eth phone hukou cur village living gname grel gphone cats dtype dgrade health income worker status household consent
	authz.RoleAdmin:       "S S S R S R R R S S S S R S S S R S S S S S",
	authz.RoleStationHead: "S S S R S R R R S S S S R S S S R S S S S S",
	authz.RoleWorker:      "S S S R S R R R S S S S R S S S R S S S S S",
	authz.RoleSupervisor:  "S S S M S M M M S S S S M S S S M S S S S S",
	authz.RoleEvaluator:   "S S S M S M M M S S S S M S S S M S S S S M",
	authz.RoleVolunteer:   "S H H H H H H H S H H H H H H H H H H H H H",
	authz.RoleLeader:      "H H H H H H H H H H H H H H H H H H H H H H",
	authz.RoleSysAdmin:    "H H H H H H H H H H H H H H H H H H H H H H",
	authz.RoleSecAdmin:    "H H H H H H H H H H H H H H H H H H H H H H",
	authz.RoleAuditAdmin:  "H H H H H H H H H H H H H H H H H H H H H H",
	authz.RoleSystem:      "S S S R S R R R S S S S R S S S R S S S S S",
}

var accessLetters = map[string]recipients.Access{"H": recipients.AccessHidden, "M": recipients.AccessMasked, "S": recipients.AccessShown, "R": recipients.AccessRevealable}

// TestFieldAccessMatrix: every role × every field is in the table as
// expected, and every read path (Get, List, the API JSON, the export,
// Reveal) gives each demo role exactly that.
func TestFieldAccessMatrix(t *testing.T) {
	roles := []authz.Role{authz.RoleAdmin, authz.RoleStationHead, authz.RoleWorker, authz.RoleSupervisor, authz.RoleVolunteer, authz.RoleEvaluator,
		authz.RoleLeader, authz.RoleSysAdmin, authz.RoleSecAdmin, authz.RoleAuditAdmin, authz.RoleSystem}
	if len(recipients.FieldAccess) != len(roles) {
		t.Errorf("FieldAccess has %d roles, want %d", len(recipients.FieldAccess), len(roles))
	}
	for _, role := range roles {
		want := strings.Fields(wantAccess[role])
		if len(want) != len(recipients.AccessFields) || len(recipients.FieldAccess[role]) != len(recipients.AccessFields) {
			t.Fatalf("%s: %d expected, %d in the table, %d fields", role, len(want), len(recipients.FieldAccess[role]), len(recipients.AccessFields))
		}
		for i, field := range recipients.AccessFields {
			got := recipients.FieldAccess[role][field]
			if got != accessLetters[want[i]] {
				t.Errorf("%s × %s: %v, want %v", role, field, got, accessLetters[want[i]])
			}
			sealed := slices.Contains(recipients.SealedFields, field)
			if sealed && got == recipients.AccessShown || !sealed && got == recipients.AccessRevealable {
				t.Errorf("%s × %s: %v is not a level for this field", role, field, got)
			}
		}
	}

	f := start(t)
	in := f.input("甄全面", "1949-02-02")
	in.GuardianName, in.GuardianRelation, in.GuardianPhone = "甄大", "子女", "13912345678"
	in.DisabilityType, in.DisabilityGrade, in.IncomeSource, in.Ethnicity = "肢体残疾", "二级", "养老金", "汉族"
	in.WorkerID = f.actor("shegong").UserID
	in.ConsentBy, in.ConsentName, in.ConsentOn, in.ConsentMethod = "本人", "甄全面", "2026-01-05", "书面签字"
	full := f.mustCreate(f.actor("shegong"), in)
	var volunteerID string
	if err := f.env.App.DB.QueryRow(f.ctx, `SELECT id FROM wf_volunteers WHERE user_id = ?`, f.actor("zhiyuan").UserID).Scan(&volunteerID); err != nil {
		t.Fatalf("the demo volunteer is not linked to the registry: %v", err)
	}
	err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := recipients.Assign(f.ctx, tx, f.actor("zhanzhang"), full.ID, recipients.AssignmentInput{VolunteerID: volunteerID, Task: "每周探望"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range recipients.AccessFields {
		if fieldValue(full, field) == "" && field != "household" {
			t.Fatalf("the test record lacks %s", field)
		}
	}
	users := map[authz.Role]string{authz.RoleAdmin: "admin", authz.RoleStationHead: "zhanzhang", authz.RoleWorker: "shegong", authz.RoleSupervisor: "dudao",
		authz.RoleVolunteer: "zhiyuan", authz.RoleEvaluator: "pinggu", authz.RoleLeader: "lingdao", authz.RoleSysAdmin: "sysadmin",
		authz.RoleSecAdmin: "secadmin", authz.RoleAuditAdmin: "auditadmin"}
	for role, user := range users {
		actor := f.actor(user)
		got, err := recipients.Get(f.ctx, f.env.App.DB, actor, full.ID)
		items, _, _, lerr := recipients.List(f.ctx, f.env.App.DB, f.env.App.Keys, actor, recipients.Filter{Name: "甄全面"})
		if recipients.AccessOf(actor, "name") == recipients.AccessHidden {
			if !apperr.Is(err, apperr.Forbidden) || !apperr.Is(lerr, apperr.Forbidden) {
				t.Errorf("%s reads a record: %v / %v", user, err, lerr)
			}
			continue
		}
		if err != nil || lerr != nil || len(items) != 1 {
			t.Fatalf("%s: get %v, list %d %v", user, err, len(items), lerr)
		}
		for _, path := range []struct {
			name string
			r    recipients.Recipient
		}{{"get", got}, {"list", items[0]}} {
			for _, field := range recipients.AccessFields {
				v, whole := fieldValue(path.r, field), fieldValue(full, field)
				switch recipients.AccessOf(actor, field) {
				case recipients.AccessHidden:
					if v != "" {
						t.Errorf("%s %s shows hidden %s: %q", user, path.name, field, v)
					}
				case recipients.AccessShown, recipients.AccessRevealable:
					if v != whole {
						t.Errorf("%s %s %s = %q, want %q", user, path.name, field, v, whole)
					}
				case recipients.AccessMasked:
					if whole != "" && v != whole && v == "" {
						t.Errorf("%s %s %s masked to nothing", user, path.name, field)
					}
				}
			}
		}
		if role == authz.RoleVolunteer && (got.Task != "每周探望" || got.Age != 0) {
			t.Errorf("volunteer's record: task %q age %d", got.Task, got.Age)
		}
		if role != authz.RoleVolunteer && got.Task != "" {
			t.Errorf("%s sees a task", user)
		}
		// Reveal: exactly the revealable fields, each audited.
		for _, field := range recipients.SealedFields {
			err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
				_, err := recipients.Reveal(f.ctx, tx, f.env.App.Keys, actor, full.ID, []string{field})
				return err
			})
			if (err == nil) != (recipients.AccessOf(actor, field) == recipients.AccessRevealable) {
				t.Errorf("%s reveal %s: %v", user, field, err)
			}
		}
	}
	// The API JSON of the volunteer: name, village and task, nothing else.
	res := f.env.APILoginDemo("zhiyuan").Get("/api/v1/recipients/" + full.ID)
	var js map[string]any
	if err := json.Unmarshal([]byte(res.Body), &js); err != nil || res.Status != 200 {
		t.Fatalf("volunteer API: %d %s", res.Status, res.Body)
	}
	for k, v := range js {
		s := fmt.Sprint(v)
		if m, ok := v.(map[string]any); ok {
			s = ""
			for _, mv := range m {
				s += fmt.Sprint(mv)
			}
		}
		if s == "" || s == "0" || s == "false" || s == "[]" {
			continue
		}
		if !slices.Contains([]string{"id", "version", "org_id", "org_name", "org_kind", "name", "name_initials", "village_code", "task", "created_at", "updated_at"}, k) {
			t.Errorf("the volunteer's JSON holds %s = %v", k, v)
		}
	}
	// The phone's whole number: a part as short as "138" turns up in
	// random record ids now and then.
	for _, secret := range []string{"低保", "糖尿病", in.Phone, "幸福路", in.IDNumber[10:]} {
		if strings.Contains(res.Body, secret) {
			t.Errorf("the volunteer's JSON holds %q: %s", secret, res.Body)
		}
	}
}

// TestVolunteerSeesOnlyAssignedPeople: the station head assigns a person
// to the demo volunteer over the API; the volunteer then sees them (name,
// village, task) until the assignment ends; other people stay out of the
// volunteer's list, and workers may not assign.
func TestVolunteerSeesOnlyAssignedPeople(t *testing.T) {
	f := start(t)
	p := f.mustCreate(f.actor("shegong"), f.input("待分派", "1951-05-05"))
	vol := f.env.APILoginDemo("zhiyuan")
	if res := vol.Get("/api/v1/recipients/" + p.ID); res.Status != 403 {
		t.Fatalf("unassigned person: %d", res.Status)
	}
	var listed struct {
		Items []recipients.Recipient `json:"items"`
	}
	vol.Get("/api/v1/recipients?limit=200").Decode(&listed)
	if len(listed.Items) != len(demoAssigned) {
		t.Errorf("the volunteer lists %d people, want the %d assigned", len(listed.Items), len(demoAssigned))
	}
	for _, r := range listed.Items {
		if _, ok := demoAssigned[r.Name]; !ok {
			t.Errorf("the volunteer lists %s, not assigned to them", r.Name)
		}
		if len(r.Categories) != 0 || r.Task == "" {
			t.Errorf("the volunteer's list item: %+v", r)
		}
	}
	var volunteerID string
	if err := f.env.App.DB.QueryRow(f.ctx, `SELECT id FROM wf_volunteers WHERE user_id = ?`, f.actor("zhiyuan").UserID).Scan(&volunteerID); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"volunteer_id": volunteerID, "task": "陪同就医"}
	if res := f.env.APILoginDemo("shegong").JSON("POST", "/api/v1/recipients/"+p.ID+"/assignments", body); res.Status != 403 {
		t.Errorf("a worker assigns: %d", res.Status)
	}
	head := f.env.APILoginDemo("zhanzhang")
	if res := head.JSON("POST", "/api/v1/recipients/"+p.ID+"/assignments", map[string]any{"volunteer_id": volunteerID}); res.Status != 422 {
		t.Errorf("assignment without a task: %d %s", res.Status, res.Body)
	}
	res := head.JSON("POST", "/api/v1/recipients/"+p.ID+"/assignments", body)
	var a recipients.Assignment
	res.Decode(&a)
	if res.Status != 201 || !a.Current || a.VolunteerName == "" {
		t.Fatalf("assign: %d %s", res.Status, res.Body)
	}
	var seen recipients.Recipient
	res = vol.Get("/api/v1/recipients/" + p.ID)
	res.Decode(&seen)
	if res.Status != 200 || seen.Name != "待分派" || seen.Task != "陪同就医" || seen.VillageCode == "" || seen.IDNumber != "" || seen.CurrentAddress != "" {
		t.Errorf("the volunteer's view: %d %s", res.Status, res.Body)
	}
	volPage := f.env.LoginDemo("zhiyuan")
	if page := volPage.Get("/recipients/" + p.ID); page.Status != 200 || !strings.Contains(page.Body, "陪同就医") || strings.Contains(page.Body, "低保对象") ||
		strings.Contains(page.Body, p.ID+"/household") || strings.Contains(page.Body, p.ID+"/timeline") {
		t.Errorf("the volunteer's person page: %d, or it offers the household or timeline panel", page.Status)
	}
	// The volunteer does not see households: the panel is not theirs to open.
	if panel := volPage.Get("/recipients/" + p.ID + "/household"); panel.Status != 403 {
		t.Errorf("the volunteer's household panel: %d", panel.Status)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE entity_id = ? AND summary LIKE '分派服务对象%'`, p.ID); n != 1 {
		t.Errorf("assignment audit entries: %d", n)
	}
	// A child may not be assigned.
	kid := f.input("小分派", "2018-01-01")
	kid.GuardianName = "大分派"
	child := f.mustCreate(f.actor("shegong"), kid)
	if res := head.JSON("POST", "/api/v1/recipients/"+child.ID+"/assignments", body); res.Status != 422 {
		t.Errorf("a child assigned: %d", res.Status)
	}
	// Ending it hides the person at once.
	if res := head.JSON("POST", "/api/v1/recipients/"+p.ID+"/assignments/"+a.ID+"/end", map[string]any{"version": a.Version}); res.Status != 200 {
		t.Fatalf("end: %d %s", res.Status, res.Body)
	}
	if res := vol.Get("/api/v1/recipients/" + p.ID); res.Status != 403 {
		t.Errorf("after the end the volunteer still sees the person: %d", res.Status)
	}
	// A pairing set up in advance, with a planned end: the volunteer sees
	// the person from its first day, not before; a date decades ahead is
	// a typing mistake.
	tomorrow, later := cst.Now().AddDate(0, 0, 1).Format(cst.DateLayout), cst.Now().AddDate(0, 3, 0).Format(cst.DateLayout)
	ahead := map[string]any{"volunteer_id": volunteerID, "task": "陪同就医", "starts_on": tomorrow, "ends_on": later}
	res = head.JSON("POST", "/api/v1/recipients/"+p.ID+"/assignments", ahead)
	var planned recipients.Assignment
	res.Decode(&planned)
	if res.Status != 201 || planned.Current || planned.StartsOn != tomorrow || planned.EndsOn != later {
		t.Fatalf("assignment from tomorrow: %d %s", res.Status, res.Body)
	}
	if res := vol.Get("/api/v1/recipients/" + p.ID); res.Status != 403 {
		t.Errorf("the volunteer sees the person before the assignment starts: %d", res.Status)
	}
	ahead["starts_on"], ahead["ends_on"] = cst.Now().AddDate(30, 0, 0).Format(cst.DateLayout), ""
	if res := head.JSON("POST", "/api/v1/recipients/"+p.ID+"/assignments", ahead); res.Status != 422 || !strings.Contains(res.Body, "开始日期不能晚于") {
		t.Errorf("a start 30 years ahead: %d %s", res.Status, res.Body)
	}
}

var demoAssigned = map[string]bool{"张三": true, "张三丰": true}

// TestConsentIsRecorded: registration records who consented, when, how
// and for what (a child's guardian); the signed form's scan is attached
// and shown to those who see the consent in full.
func TestConsentIsRecorded(t *testing.T) {
	f := start(t)
	worker := f.actor("shegong")
	kid := f.input("同意童", "2016-06-06")
	kid.GuardianName, kid.GuardianRelation = "同意父", "父母"
	kid.ConsentBy, kid.ConsentName, kid.ConsentOn, kid.ConsentMethod = "本人", "同意童", "2026-01-02", "书面签字"
	if _, err := f.create(worker, kid); fieldError(err, "consent_by") == "" {
		t.Errorf("a child's own consent accepted: %v", err)
	}
	partial := f.input("半同意", "1950-01-01")
	partial.ConsentBy = "self"
	if _, err := f.create(worker, partial); fieldError(err, "consent_on") == "" || fieldError(err, "consent_method") == "" || fieldError(err, "consent_name") == "" {
		t.Errorf("partial consent: %v", err)
	}
	future := f.input("未来同意", "1950-01-01")
	future.ConsentBy, future.ConsentName, future.ConsentOn, future.ConsentMethod = "self", "未来同意", "2999-01-01", "书面签字"
	if _, err := f.create(worker, future); fieldError(err, "consent_on") == "" {
		t.Errorf("consent in the future: %v", err)
	}
	kid.ConsentBy, kid.ConsentName = "监护人", "同意父"
	r := f.mustCreate(worker, kid)
	if c := r.Consent; c.By != recipients.ConsentGuardian || c.Name != "同意父" || c.On != "2026-01-02" || c.Purpose != recipients.DefaultConsentPurpose {
		t.Fatalf("consent %+v", c)
	}
	// The scan of the signed form.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("scan", "consent.png")
	var img bytes.Buffer
	_ = png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4)))
	_, _ = w.Write(img.Bytes())
	_ = mw.Close()
	form, err := multipart.NewReader(&buf, mw.Boundary()).ReadForm(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	var c recipients.Consent
	err = f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) (err error) {
		c, err = recipients.AttachConsentScan(f.ctx, tx, f.env.App.Attach, worker, r.ID, form.File["scan"][0])
		return err
	})
	if err != nil || c.ScanID == "" {
		t.Fatalf("scan: %+v %v", c, err)
	}
	got, err := recipients.Get(f.ctx, f.env.App.DB, worker, r.ID)
	if err != nil || got.Consent.ScanURL != "/attachments/"+c.ScanID {
		t.Errorf("after the scan: %+v %v", got.Consent, err)
	}
	page := f.env.LoginDemo("shegong").Get("/recipients/" + r.ID)
	if !strings.Contains(page.Body, "监护人 同意父 于 2026-01-02 书面签字同意") || !strings.Contains(page.Body, "/attachments/"+c.ScanID) {
		t.Errorf("the person page does not show the consent")
	}
	if res := f.env.LoginDemo("shegong").Get("/attachments/" + c.ScanID); res.Status != 200 {
		t.Errorf("the worker opens the scan: %d", res.Status)
	}
	if res := f.env.LoginDemo("zhanzhang").Get("/attachments/" + c.ScanID); res.Status != 200 {
		t.Errorf("the station head opens the scan: %d", res.Status)
	}
	// The API edit keeps the consent unless it is sent.
	api := f.env.APILoginDemo("shegong")
	res := api.JSON("PATCH", "/api/v1/recipients/"+r.ID, map[string]any{"version": got.Version, "consent_method": "按手印"})
	var after recipients.Recipient
	res.Decode(&after)
	if res.Status != 200 || after.Consent.Method != "按手印" || after.Consent.Name != "同意父" {
		t.Errorf("API consent edit: %d %s", res.Status, res.Body)
	}
}

func fieldError(err error, field string) string {
	if ae, ok := apperr.As(err); ok {
		return ae.Fields[field]
	}
	return ""
}

// TestRetentionAnonymisesPeopleWhoLeftLongAgo: past the county's period
// (default 3 years) after leaving service, a record loses its personal
// data; a dry run only counts; the county may keep data longer.
func TestRetentionAnonymisesPeopleWhoLeftLongAgo(t *testing.T) {
	f := start(t)
	worker := f.actor("shegong")
	old := f.input("早迁出", "1940-03-03")
	old.Status, old.StatusReason, old.StatusDate = "moved", "随子女迁往外省", cst.Now().AddDate(-4, 0, 0).Format(cst.DateLayout)
	gone := f.mustCreate(worker, old)
	// A visit of theirs, with findings (sealed) the run must clear.
	err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		_, _, err := visits.Record(f.ctx, tx, f.env.App.Keys, worker, visits.Input{RecipientID: gone.ID, VisitedAt: cst.Now().AddDate(-5, 0, 0).Format("2006-01-02") + " 10:00",
			Method: "home", Findings: "独居，情绪低落"})
		return err
	})
	if err != nil {
		t.Fatalf("visit: %v", err)
	}
	recent := f.input("新迁出", "1941-03-03")
	recent.Status, recent.StatusReason, recent.StatusDate = "closed", "不再需要服务", cst.Now().AddDate(-1, 0, 0).Format(cst.DateLayout)
	stays := f.mustCreate(worker, recent)
	// A worker's own registered person is not touched.
	run := func(dry bool) recipients.RetentionReport {
		t.Helper()
		var rep recipients.RetentionReport
		err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) (err error) {
			rep, err = recipients.RunRetention(f.ctx, tx, authz.System(), dry)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := recipients.RunRetention(f.ctx, tx, f.actor("admin"), true)
		return err
	}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a user runs retention: %v", err)
	}
	// The county keeps data 5 years: nothing is due.
	county := f.actor("admin").OrgID
	if err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		return recipients.SetRetentionYears(f.ctx, tx, f.actor("admin"), county, 5)
	}); err != nil {
		t.Fatal(err)
	}
	if rep := run(true); rep.Due != 0 {
		t.Errorf("due with 5 years: %+v", rep)
	}
	if err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) error {
		return recipients.SetRetentionYears(f.ctx, tx, f.actor("admin"), county, 3)
	}); err != nil {
		t.Fatal(err)
	}
	dry := run(true)
	if dry.Due != 1 || dry.Done != 0 || len(dry.Counties) == 0 {
		t.Fatalf("dry run: %+v", dry)
	}
	if r, _ := recipients.GetUnchecked(f.ctx, f.env.App.DB, gone.ID); r.Name != "早迁出" {
		t.Fatal("the dry run changed the record")
	}
	before := f.count(`SELECT COUNT(*) FROM audit_log WHERE entity_id = ?`, gone.ID)
	naming := f.count(`SELECT COUNT(*) FROM audit_log WHERE summary LIKE '%早迁出%'`)
	rep := run(false)
	if rep.Done != 1 {
		t.Fatalf("run: %+v", rep)
	}
	r, err := recipients.GetUnchecked(f.ctx, f.env.App.DB, gone.ID)
	if err != nil || r.Name != recipients.AnonymisedName || r.BirthDate != "1940-01-01" || r.IDNumber != "" || r.Phone != "" || r.CurrentAddress != "" ||
		r.HasHealthNotes || r.StatusReason != "" || r.Status != "moved" || len(r.Categories) == 0 {
		t.Errorf("anonymised record: %+v %v", r, err)
	}
	var sealed string
	_ = f.env.App.DB.QueryRow(f.ctx, `SELECT id_enc || phone_enc || current_address_enc || health_notes_enc || id_index FROM recipients WHERE id = ?`, gone.ID).Scan(&sealed)
	if sealed != "" {
		t.Error("sealed values remain")
	}
	if n := f.count(`SELECT COUNT(*) FROM visits WHERE recipient_id = ? AND findings_enc <> ''`, gone.ID); n != 0 {
		t.Errorf("%d visits keep their findings", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE entity_id = ?`, gone.ID); n != before+1 {
		t.Errorf("audit entries for the anonymised record: %d", n-before)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit_log WHERE summary LIKE '%早迁出%'`); n != naming {
		t.Errorf("the run's audit entries name the person: %d more", n-naming)
	}
	if r, _ := recipients.GetUnchecked(f.ctx, f.env.App.DB, stays.ID); r.Name != "新迁出" {
		t.Error("a recent leaver was anonymised")
	}
	if again := run(false); again.Done != 0 {
		t.Errorf("a second run: %+v", again)
	}
}

// TestHandoverMovesAWorkersPeople: a station head hands a leaving
// worker's people (and every registered module's part) to another
// worker in one step, audited; a worker may not, and the new worker must
// be an active worker in scope.
func TestHandoverMovesAWorkersPeople(t *testing.T) {
	f := start(t)
	head := f.actor("zhanzhang")
	leaving := f.actor("shegong")
	var hooked []string
	recipients.OnHandover("测试任务", func(ctx context.Context, tx *db.Tx, actor *authz.Actor, from, to string) (int, error) {
		hooked = append(hooked, from+">"+to)
		return 2, nil
	})
	if _, err := f.env.App.Auth.CreateUser(f.ctx, nil, auth.UserInput{Username: "jieshou", DisplayName: "接手社工", Role: authz.RoleWorker,
		OrgID: f.chaoge.ID, Password: "Shegong-123"}); err != nil {
		t.Fatal(err)
	}
	taking := f.actor("jieshou")
	in := f.input("交接甲", "1950-02-02")
	in.WorkerID = leaving.UserID
	p := f.mustCreate(leaving, in)
	n := f.count(`SELECT COUNT(*) FROM recipients WHERE worker_id = ?`, leaving.UserID)
	if n < 2 {
		t.Fatalf("the demo worker has %d people", n)
	}
	// The list of workers counts everyone a handover moves, and of them
	// those in care, as the worker's home counts them.
	inCare := f.count(`SELECT COUNT(*) FROM recipients WHERE worker_id = ? AND status = 'active'`, leaving.UserID)
	users, err := recipients.HandoverUsers(f.ctx, f.env.App.DB, head)
	found := false
	for _, u := range users {
		if u.ID == leaving.UserID {
			found = u.People == n && u.InCare == inCare
		}
	}
	if err != nil || !found || inCare == n {
		t.Errorf("handover users: %+v %v (people %d, in care %d)", users, err, n, inCare)
	}
	handover := func(actor *authz.Actor, from, to string) (recipients.HandoverResult, error) {
		var res recipients.HandoverResult
		err := f.env.App.DB.InTx(f.ctx, func(tx *db.Tx) (err error) {
			res, err = recipients.Handover(f.ctx, tx, actor, from, to)
			return err
		})
		return res, err
	}
	if _, err := handover(leaving, leaving.UserID, taking.UserID); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a worker hands over: %v", err)
	}
	if _, err := handover(head, leaving.UserID, f.actor("zhiyuan").UserID); fieldError(err, "to_user_id") == "" {
		t.Errorf("handed to a volunteer: %v", err)
	}
	if _, err := handover(head, leaving.UserID, leaving.UserID); fieldError(err, "to_user_id") == "" {
		t.Errorf("handed to oneself: %v", err)
	}
	if _, err := handover(head, leaving.UserID, f.lingshanWorker().UserID); fieldError(err, "to_user_id") == "" {
		t.Errorf("handed to another station's worker: %v", err)
	}
	if len(hooked) != 0 {
		t.Fatalf("refused handovers ran the hooks: %v", hooked)
	}
	res, err := handover(head, leaving.UserID, taking.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts[0].Label != "服务对象" || res.Counts[0].N != n || res.Total != n+2 || len(hooked) != 1 || hooked[0] != leaving.UserID+">"+taking.UserID {
		t.Errorf("result %+v, hooks %v", res, hooked)
	}
	if left := f.count(`SELECT COUNT(*) FROM recipients WHERE worker_id = ?`, leaving.UserID); left != 0 {
		t.Errorf("%d people still with the leaving worker", left)
	}
	got, _ := recipients.Get(f.ctx, f.env.App.DB, head, p.ID)
	if got.WorkerID != taking.UserID || got.WorkerName != "接手社工" {
		t.Errorf("person after handover: %s %s", got.WorkerID, got.WorkerName)
	}
	if c := f.count(`SELECT COUNT(*) FROM audit_log WHERE entity = 'handover' AND summary LIKE '%测试任务 2%'`); c != 1 {
		t.Errorf("handover audit entries: %d", c)
	}
	if c := f.count(`SELECT COUNT(*) FROM audit_log WHERE entity_id = ? AND summary = '工作交接：责任社工变更'`, p.ID); c != 1 {
		t.Errorf("person's handover audit entries: %d", c)
	}
	// Over the API and the page.
	api := f.env.APILoginDemo("zhanzhang")
	if res := api.JSON("POST", "/api/v1/handover", map[string]any{"from_user_id": taking.UserID, "to_user_id": leaving.UserID}); res.Status != 200 ||
		!strings.Contains(res.Body, `"total"`) {
		t.Errorf("API handover: %d %s", res.Status, res.Body)
	}
	if res := f.env.APILoginDemo("shegong").JSON("POST", "/api/v1/handover", map[string]any{"from_user_id": leaving.UserID, "to_user_id": taking.UserID}); res.Status != 403 {
		t.Errorf("a worker's API handover: %d", res.Status)
	}
	if page := f.env.LoginDemo("zhanzhang").Get("/handover"); page.Status != 200 || !strings.Contains(page.Body, "接手社工") {
		t.Errorf("handover page: %d", page.Status)
	}
}

// TestRetentionSettingOverHTTP: the county administrator sets the period
// (1–30 years) on the API and the categories page; others may not.
func TestRetentionSettingOverHTTP(t *testing.T) {
	f := start(t)
	api := f.env.APILoginDemo("admin")
	if res := api.Get("/api/v1/recipient-retention"); res.Status != 200 || !strings.Contains(res.Body, `"years":3`) {
		t.Errorf("default: %d %s", res.Status, res.Body)
	}
	if res := api.JSON("PUT", "/api/v1/recipient-retention", map[string]any{"years": 0}); res.Status != 422 {
		t.Errorf("0 years: %d", res.Status)
	}
	if res := api.JSON("PUT", "/api/v1/recipient-retention", map[string]any{"years": 5}); res.Status != 200 {
		t.Errorf("5 years: %d %s", res.Status, res.Body)
	}
	if y, err := recipients.RetentionYears(f.ctx, f.env.App.DB, f.actor("admin").OrgID); err != nil || y != 5 {
		t.Errorf("stored: %d %v", y, err)
	}
	if res := f.env.APILoginDemo("zhanzhang").JSON("PUT", "/api/v1/recipient-retention", map[string]any{"years": 1}); res.Status != 403 {
		t.Errorf("a station head sets it: %d", res.Status)
	}
	page := f.env.LoginDemo("admin").Get("/recipient-categories")
	if !strings.Contains(page.Body, "现为 5 年") {
		t.Error("the categories page does not show the period")
	}
}
