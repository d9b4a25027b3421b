package recipients

import (
	"context"
	"mime/multipart"
	"slices"
	"strings"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/attach"
	"github.com/shegong/shegong/internal/audit"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/validate"
)

// Consent is the person's consent to the processing of their personal
// data (个人信息保护法 Art. 14), or their guardian's for a child under
// 14 (Art. 31), as recorded at registration.
type Consent struct {
	By      string `json:"by"`      // ConsentSelf or ConsentGuardian; "" not recorded
	Name    string `json:"name"`    // who consented (the person or the guardian)
	On      string `json:"on"`      // China date
	Method  string `json:"method"`  // one of ConsentMethods
	Purpose string `json:"purpose"` // what the data is processed for
	ScanID  string `json:"scan_id"` // attachment id of the signed form's scan ("" none)
	ScanURL string `json:"scan_url,omitempty"`
}

// Who consented.
const (
	ConsentSelf     = "self"     // 本人
	ConsentGuardian = "guardian" // 监护人
)

// ConsentMethods are the ways consent is given.
var ConsentMethods = []string{"书面签字", "按手印", "电子签名"}

// DefaultConsentPurpose is the purpose the form proposes.
const DefaultConsentPurpose = "社会救助与社会工作服务：登记建档、探访、提供服务及统计"

// ConsentEntity owns the attachments that are consent forms' scans.
const ConsentEntity = "recipient_consent"

// Recorded reports whether consent was recorded.
func (c Consent) Recorded() bool { return c.By != "" }

// ByLabel is who consented, in Chinese.
func (c Consent) ByLabel() string {
	switch c.By {
	case ConsentSelf:
		return "本人"
	case ConsentGuardian:
		return "监护人"
	}
	return ""
}

// checkConsent validates the consent fields of an input: all or none of
// who, name, date and method (the purpose defaults); a child's consent is
// their guardian's; the date is not in the future.
func checkConsent(fe apperr.Fields, in *Input) {
	in.ConsentBy, in.ConsentName = strings.TrimSpace(in.ConsentBy), strings.Join(strings.Fields(in.ConsentName), "")
	in.ConsentOn, in.ConsentMethod, in.ConsentPurpose = strings.TrimSpace(in.ConsentOn), strings.TrimSpace(in.ConsentMethod), strings.TrimSpace(in.ConsentPurpose)
	switch in.ConsentBy {
	case "本人":
		in.ConsentBy = ConsentSelf
	case "监护人":
		in.ConsentBy = ConsentGuardian
	}
	if in.ConsentBy == "" && in.ConsentName == "" && in.ConsentOn == "" && in.ConsentMethod == "" {
		in.ConsentPurpose = ""
		return
	}
	if in.ConsentBy != ConsentSelf && in.ConsentBy != ConsentGuardian {
		fe.Add("consent_by", "请选择同意人：本人或监护人")
	} else if in.ConsentBy == ConsentSelf && IsChild(in.BirthDate) {
		fe.Add("consent_by", "未满 14 周岁的儿童须由监护人同意")
	}
	in.ConsentName = validate.Text(fe, "consent_name", "同意人姓名", in.ConsentName, 30, true)
	if _, _, ok := validate.Date(fe, "consent_on", "同意日期", in.ConsentOn, true); ok && in.ConsentOn > cst.Today() {
		fe.Add("consent_on", "同意日期不能晚于今天")
	}
	if !slices.Contains(ConsentMethods, in.ConsentMethod) {
		fe.Add("consent_method", "请选择同意方式："+strings.Join(ConsentMethods, "、"))
	}
	if in.ConsentPurpose == "" {
		in.ConsentPurpose = DefaultConsentPurpose
	}
	in.ConsentPurpose = validate.Text(fe, "consent_purpose", "处理目的", in.ConsentPurpose, 200, true)
}

// AttachConsentScan stores the scan (a photo) of the signed consent form
// of a recipient the actor may edit, replacing the reference to an
// earlier one, in tx; recorded in the audit log. The scan is served to
// whoever may read the record's consent (FieldAccess "consent").
func AttachConsentScan(ctx context.Context, tx *db.Tx, store *attach.Store, actor *authz.Actor, id string, fh *multipart.FileHeader) (Consent, error) {
	if err := actor.Require(authz.PermRecipientsManage); err != nil {
		return Consent{}, err
	}
	r, err := Get(ctx, tx, actor, id)
	if err != nil {
		return Consent{}, err
	}
	if !r.Consent.Recorded() {
		return Consent{}, apperr.Fields{"scan": "请先在编辑页填写同意人、同意日期和方式，再上传同意书"}.Err()
	}
	a, err := store.SaveImage(ctx, tx, actor, attach.Owner{Entity: ConsentEntity, ID: id, OrgPath: r.OrgPath}, "scan", fh)
	if err != nil {
		return Consent{}, err
	}
	if err := db.Versioned(tx.Exec(ctx, `UPDATE recipients SET consent_scan_id = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		a.ID, cst.NowStamp(), id, r.Version)); err != nil {
		return Consent{}, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: audit.ActionUpdate, Entity: "recipient", EntityID: id, OrgPath: r.OrgPath,
		Summary: "上传个人信息处理同意书扫描件：" + r.Name}); err != nil {
		return Consent{}, err
	}
	c := r.Consent
	c.ScanID, c.ScanURL = a.ID, a.URL
	return c, nil
}

// CanReadConsentScan reports (nil) whether the actor may open the consent
// form's scan of a recipient: a role that sees the consent in full
// (FieldAccess), for a record it may see.
func CanReadConsentScan(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID string) error {
	if err := requireAccess(actor, "consent", AccessShown); err != nil {
		return err
	}
	_, err := Get(ctx, q, actor, recipientID)
	return err
}
