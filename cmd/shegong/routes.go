package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/shegong/shegong/internal/web"
)

// runRoutes prints the route index (internal/web/routes.go): method, path,
// permission ("public" for routes anyone may call) and module, one a line.
func runRoutes(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("routes takes no arguments")
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tPATH\tPERMISSION\tMODULE")
	for _, r := range web.Index() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Method, r.Pattern, r.Perm, r.Module)
	}
	return tw.Flush()
}
