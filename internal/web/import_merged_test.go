package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/apptest"
	"github.com/shegong/shegong/internal/recipients"
	"github.com/shegong/shegong/internal/roster/rostertest"
)

// The page of an office's roster with a header of two merged rows
// reads every column, and names the column it could not read (one with
// data under no header).
func TestRecipientImportMergedHeaderPage(t *testing.T) {
	env := apptest.Start(t)
	web := env.LoginDemo("admin")
	qiaomeng := stationID(t, env, "410622002")
	file := rostertest.Merged(t, []string{"A1:H1", "A2:A3", "B2:E2", "F2:F3", "G2:G3", "H2:H3"},
		[]any{"桥盟街道服务对象花名册"},
		[]any{"序号", "基本信息", "", "", "", "联系电话", "所在村", "类别"},
		[]any{"", "姓名", "性别", "出生年月", "身份证号码", "", "", "", ""},
		[]any{1, "合并甲", "女", "1941.05", riID("1941-05-06", "132"), "13912345601", "古烟村", "低收入", "备用"},
		[]any{2, "合并乙", "男", "1950年11月", riID("1950-11-12", "241"), "", "郭庄村", "低保对象"},
		[]any{"合计", "", "", "", "", "", "", "2 人"},
		[]any{"填表人：王某"},
	)
	res := uploadTo(web, "/recipients/import", "桥盟街道名册.xlsx", recipients.ImportAll, qiaomeng, file)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "有效 2 行") || !strings.Contains(res.Body, "有误 0 行") {
		t.Fatalf("check: %d %s", res.Status, res.Body)
	}
	if !strings.Contains(res.Body, "以下列不是模板中的列，未读取：“I 列（没有列名）”") {
		t.Fatal("the column without a header is not named as not read")
	}
}
