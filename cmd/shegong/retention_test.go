package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRetentionCommandReports(t *testing.T) {
	ctx := context.Background()
	flags := dataFlags(t)
	var out, errb bytes.Buffer
	if err := run(ctx, append([]string{"migrate"}, flags...), &out, &errb); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, append([]string{"retention", "--dry-run"}, flags...), &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "合计到期 0 人（试运行") {
		t.Errorf("dry run output: %q", out.String())
	}
	out.Reset()
	if err := run(ctx, append([]string{"retention"}, flags...), &out, &errb); err != nil || !strings.Contains(out.String(), "合计已匿名化 0 人") {
		t.Errorf("run: %v %q", err, out.String())
	}
	if err := run(ctx, append([]string{"retention", "extra"}, flags...), &out, &errb); err == nil {
		t.Error("an extra argument is accepted")
	}
}
