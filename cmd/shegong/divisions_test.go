package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDivisionsImport(t *testing.T) {
	ctx := context.Background()
	flags := dataFlags(t)
	write := func(body string) string {
		p := filepath.Join(t.TempDir(), "villages.csv")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	importFile := func(path string) (string, string, error) {
		var out, errOut bytes.Buffer
		args := append(append([]string{"divisions", "import"}, flags...), path)
		err := run(ctx, args, &out, &errOut)
		return out.String(), errOut.String(), err
	}

	// A row whose township does not exist fails the whole file.
	bad := write("code,name\n410622001999,新建村民委员会\n410622998001,无主村民委员会\n")
	if _, _, err := importFile(bad); err == nil || !strings.Contains(err.Error(), "第 3 行") {
		t.Fatalf("bad file: %v", err)
	}

	good := write("code,name\n410622001999,新建村民委员会\n410622001001,上关社区居民委员会\n")
	out, _, err := importFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// The first, refused import wrote nothing: 410622001999 is new now.
	if !strings.Contains(out, "新增 1，更新 1") {
		t.Fatalf("output %q", out)
	}
	out, _, err = importFile(good)
	if err != nil || !strings.Contains(out, "未变 2") {
		t.Fatalf("again: %q %v", out, err)
	}
	// Each import that wrote is in the audit log, committed with it; the
	// refused one is not.
	a := openData(t, flags)
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE entity = 'divisions' AND action = 'import' AND summary LIKE '%villages.csv%'`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("import audit entries: %d %v", n, err)
	}
}
