package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sqlLike matches a string literal that reads as an SQL statement or a
// fragment of one. SQL belongs to the domain package that owns the tables;
// handlers call its functions.
var sqlLike = []*regexp.Regexp{
	regexp.MustCompile(`(?is)\bSELECT\s.*?\bFROM\s+\w+`),
	regexp.MustCompile(`(?i)\bSELECT\s+(\w+\.|\*|COUNT\b|DISTINCT\b)`),
	regexp.MustCompile(`(?i)\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b`),
	regexp.MustCompile(`(?i)\sFROM\s+\w+(\s+\w+)?\s+(WHERE|JOIN)\b`),
	regexp.MustCompile(`(?i)\bJOIN\s+\w+(\s+\w+)?\s+ON\b`),
}

// TestNoSQLInWeb parses every non-test Go file under internal/web and fails
// on each string literal that looks like SQL, naming its file and line.
func TestNoSQLInWeb(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				s = lit.Value
			}
			for _, re := range sqlLike {
				if m := re.FindString(s); m != "" {
					t.Errorf("%s: SQL in the web layer (%q); move it to the domain package", fset.Position(lit.Pos()), m)
					break
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Fatalf("parsed only %d files; is the test running in internal/web?", files)
	}
}
