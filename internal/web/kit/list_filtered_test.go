package kit

import (
	"net/url"
	"testing"
)

// A list counts as filtered by a search or a filter, not by paging or
// sorting.
func TestListParamsFiltered(t *testing.T) {
	for q, want := range map[string]bool{"": false, "page=2&size=50&sort=name&desc=1": false, "q=张": true, "org=": false, "status=active&page=3": true} {
		v, _ := url.ParseQuery(q)
		if got := (ListParams{Query: v}).Filtered(); got != want {
			t.Errorf("%q: %v, want %v", q, got, want)
		}
	}
}
