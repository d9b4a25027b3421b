package web

import (
	"testing"

	"github.com/shegong/shegong/internal/authz"
)

func TestNavMarksOneMostSpecificLink(t *testing.T) {
	actor := &authz.Actor{Role: authz.RoleWorker}
	active := func(path, query string) []string {
		var out []string
		for _, g := range navFor(actor, path, query) {
			for _, l := range g.Items {
				if l.Active {
					out = append(out, l.Href)
				}
			}
		}
		return out
	}
	cases := []struct{ path, query, want string }{
		{"/visits/due", "mine=1", "/visits/due?mine=1"},
		{"/visits/due", "", "/visits/due"},
		{"/", "", "/"},
		{"/recipients/01890000-0000-7000-8000-000000000000", "", "/recipients"},
	}
	for _, c := range cases {
		got := active(c.path, c.query)
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s?%s: active %v, want %s", c.path, c.query, got, c.want)
		}
	}
}
