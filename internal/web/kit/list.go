package kit

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// ListParams are the common list controls read from the query string:
// q (search), page, size, sort and dir, plus any filters the page reads
// itself from Query.
type ListParams struct {
	Q     string
	Page  int
	Size  int
	Sort  string
	Desc  bool
	Query url.Values
}

// Filtered says whether the list is narrowed by a search or a filter
// (not by paging or sorting): a folded filter panel then shows it is
// active.
func (p ListParams) Filtered() bool {
	for k, vs := range p.Query {
		switch k {
		case "page", "size", "sort", "desc", "dir":
			continue
		}
		for _, v := range vs {
			if v != "" {
				return true
			}
		}
	}
	return false
}

// MaxPageSize caps page sizes for pages and the API alike.
const MaxPageSize = 200

func ListParamsFrom(r *http.Request, defaultSize int) ListParams {
	q := r.URL.Query()
	p := ListParams{Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Desc: q.Get("dir") == "desc", Query: q}
	p.Page, _ = strconv.Atoi(q.Get("page"))
	if p.Page < 1 {
		p.Page = 1
	}
	p.Size, _ = strconv.Atoi(q.Get("size"))
	if p.Size <= 0 {
		p.Size = defaultSize
	}
	if p.Size > MaxPageSize {
		p.Size = MaxPageSize
	}
	// The API speaks limit/offset.
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
		p.Size = min(l, MaxPageSize)
		off, _ := strconv.Atoi(q.Get("offset"))
		p.Page = max(off, 0)/p.Size + 1
	}
	return p
}

// Offset is the first row of the page.
func (p ListParams) Offset() int { return (p.Page - 1) * p.Size }

// Pager describes the page links of a list.
type Pager struct {
	Total, Page, Size, Pages int
	Query                    url.Values
	Sort                     string
	Desc                     bool
}

func NewPager(p ListParams, total int) Pager {
	pages := (total + p.Size - 1) / p.Size
	if pages < 1 {
		pages = 1
	}
	return Pager{Total: total, Page: p.Page, Size: p.Size, Pages: pages, Query: p.Query, Sort: p.Sort, Desc: p.Desc}
}

// Link is the query string for page n.
func (pg Pager) Link(n int) string {
	q := url.Values{}
	for k, v := range pg.Query {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(n))
	return "?" + q.Encode()
}

// SortLink is the query string that sorts by key (toggling direction if
// already sorted by it) and returns to page 1.
func (pg Pager) SortLink(key string) string {
	q := url.Values{}
	for k, v := range pg.Query {
		q[k] = v
	}
	q.Del("page")
	q.Set("sort", key)
	if pg.Sort == key && !pg.Desc {
		q.Set("dir", "desc")
	} else {
		q.Del("dir")
	}
	return "?" + q.Encode()
}

// SortClass marks the header of the current sort column.
func (pg Pager) SortClass(key string) string {
	if pg.Sort != key {
		return ""
	}
	if pg.Desc {
		return "sorted desc"
	}
	return "sorted"
}

// Window lists the page numbers to show around the current one.
func (pg Pager) Window() []int {
	lo, hi := max(pg.Page-3, 1), min(pg.Page+3, pg.Pages)
	out := make([]int, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

// Prev and Next are neighbouring pages (0 when there is none).
func (pg Pager) Prev() int {
	if pg.Page > 1 {
		return pg.Page - 1
	}
	return 0
}

func (pg Pager) Next() int {
	if pg.Page < pg.Pages {
		return pg.Page + 1
	}
	return 0
}

// ListJSON is the API shape of a page of results.
type ListJSON struct {
	Items any `json:"items"`
	Total int `json:"total"`
	// TotalCapped says the count stopped at a cap: there are more than
	// Total. Every list says it, false where nothing is capped.
	TotalCapped bool `json:"total_capped"`
	Limit       int  `json:"limit"`
	Offset      int  `json:"offset"`
}

// FilterFields are a list's filters (its query without paging) as
// hidden fields for its export form, which posts them to the export
// with the job id of kit.NewCreateForm; sorted, so a page draws them the
// same way every time.
func FilterFields(q url.Values) []Option {
	var out []Option
	for k, vs := range q {
		if k == "page" || k == "size" || k == "limit" || k == "offset" || k == "id" || k == "csrf_token" {
			continue
		}
		for _, v := range vs {
			out = append(out, Option{Code: k, Label: v})
		}
	}
	slices.SortFunc(out, func(a, b Option) int { return strings.Compare(a.Code+"="+a.Label, b.Code+"="+b.Label) })
	return out
}
