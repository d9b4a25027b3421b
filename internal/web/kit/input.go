package kit

import (
	"bytes"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/shegong/shegong/internal/apperr"
)

// Checks every request gets before its handler runs, so no module can
// forget them: text that is not valid UTF-8 or holds a NUL byte is
// refused (PostgreSQL cannot store a NUL, and either would reach
// spreadsheets and logs), and paging parameters out of range are an
// error rather than a silent first page.

// checkText refuses values with a NUL byte or invalid UTF-8 (422),
// naming the field.
func checkText(values url.Values) error {
	fe := apperr.Fields{}
	for k, vs := range values {
		name := k
		if !utf8.ValidString(k) {
			name = "（参数名）"
		}
		for _, v := range vs {
			switch {
			case !utf8.ValidString(v) || !utf8.ValidString(k):
				fe[name] = "含有无法识别的字符（不是有效的 UTF-8 文本），请重新输入"
			case bytes.IndexByte([]byte(v), 0) >= 0 || bytes.IndexByte([]byte(k), 0) >= 0:
				fe[name] = "含有不可见的控制字符（NUL），请删除后重新输入"
			}
		}
	}
	if len(fe) > 0 {
		return fe.Err()
	}
	return nil
}

// checkJSONText refuses a JSON body that is not UTF-8 or carries a NUL,
// raw or escaped as \u0000 (Go's decoder would quietly keep or replace them).
func checkJSONText(body []byte) error {
	if !utf8.Valid(body) {
		return apperr.New(apperr.Invalid, "请求体含有无法识别的字符（不是有效的 UTF-8 文本）")
	}
	if bytes.IndexByte(body, 0) >= 0 || bytes.Contains(bytes.ToLower(body), []byte(`\u0000`)) {
		return apperr.New(apperr.Invalid, "请求体含有不可见的控制字符（NUL），请删除后重新提交")
	}
	return nil
}

// pagingLimits are the paging parameters lists read and their ranges.
var pagingLimits = []struct {
	name     string
	min, max int
	msg      string
}{
	{"limit", 1, MaxPageSize, "应为 1 到 200 之间的整数"},
	{"size", 1, MaxPageSize, "应为 1 到 200 之间的整数"},
	{"offset", 0, 1 << 30, "应为不小于 0 的整数"},
	{"page", 1, 1 << 30, "应为不小于 1 的整数"},
}

// checkPaging refuses paging parameters out of range (400).
func checkPaging(q url.Values) error {
	fe := apperr.Fields{}
	for _, p := range pagingLimits {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < p.min || n > p.max {
			fe[p.name] = p.msg
		}
	}
	if len(fe) > 0 {
		return &apperr.Error{Kind: apperr.BadRequest, Message: "分页参数有误", Fields: fe}
	}
	return nil
}
