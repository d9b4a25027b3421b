package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/shegong/shegong/internal/web"
)

func TestRoutesCommandPrintsTheIndex(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"routes"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(web.Index())+1 {
		t.Fatalf("%d lines for %d routes", len(lines), len(web.Index()))
	}
	want := map[string][]string{
		"/recipients": {"GET", "recipients.read", "recipients"},
		"/login":      {"POST", "public", "core"},
		"/figures":    {"GET", "figures.read", "figures"},
	}
	for path, fields := range want {
		found := false
		for _, l := range lines {
			f := strings.Fields(l)
			if len(f) == 4 && f[1] == path && f[0] == fields[0] {
				found = true
				if f[2] != fields[1] || f[3] != fields[2] {
					t.Errorf("%s: %v, want %v", path, f, fields)
				}
			}
		}
		if !found {
			t.Errorf("%s %s missing from:\n%s", fields[0], path, out.String())
		}
	}
}
