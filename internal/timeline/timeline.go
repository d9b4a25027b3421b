// Package timeline is a person's timeline (时间线): what happened to a
// service recipient, newest first, merged from the modules that keep
// dated history of them — registration and status changes, household
// changes, visits, major changes (重大变化).
//
// Modules register a Source in an init function; this package imports
// none of them. Sources read their module's own history rows, never the
// audit log. Who may see a person's timeline is decided by the Guard
// that package recipients registers (organisation scope, the children
// rule, the recipients.read permission), so this package needs no import
// of recipients and recipients may register sources of its own. Each
// source may further leave out what the actor's role may not read
// (visits: visits.read).
package timeline

import (
	"context"
	"sort"
	"time"

	"github.com/shegong/shegong/internal/apperr"
	"github.com/shegong/shegong/internal/authz"
	"github.com/shegong/shegong/internal/cst"
	"github.com/shegong/shegong/internal/db"
)

// Entry is one event of a person's timeline.
type Entry struct {
	At     string `json:"at"`     // when it happened, cst.Stamp (UTC); ShowStamp renders it in China time
	Kind   string `json:"kind"`   // e.g. registered, status, household, visit, major_change
	Title  string `json:"title"`  // Chinese, e.g. 登记为服务对象, 上门探访
	Detail string `json:"detail"` // Chinese, may be ""
	Link   string `json:"link"`   // page path of the record, "" when none
	Module string `json:"module"` // the module that wrote it
}

// EntriesFunc returns a person's entries strictly older than before (a
// stamp; Newest on the first page), newest first, at most limit. It may
// assume the Guard has let the actor see the person.
type EntriesFunc func(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID string, before string, limit int) ([]Entry, error)

// Source is a module's contribution to timelines.
type Source struct {
	Name    string // unique, e.g. "visits.visits"
	Module  string
	Entries EntriesFunc
}

// Guard returns nil when the actor may see the person's timeline, else
// the error to report (NotFound, OutOfScope, Forbidden).
type Guard func(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID string) error

var (
	sources []Source
	guard   Guard
)

// Newest is the before of a first page: it sorts after every stamp.
const Newest = "9999"

// Register adds a source; call it from an init function. A duplicate
// name or a missing function is a programming error and panics.
func Register(s Source) {
	if s.Name == "" || s.Module == "" || s.Entries == nil {
		panic("timeline: incomplete source " + s.Name)
	}
	for _, o := range sources {
		if o.Name == s.Name {
			panic("timeline: source " + s.Name + " registered twice")
		}
	}
	sources = append(sources, s)
}

// Sources lists the registered sources in registration order.
func Sources() []Source { return append([]Source(nil), sources...) }

// SetGuard installs the visibility check (package recipients does, in an
// init function). Without one every timeline is refused.
func SetGuard(g Guard) { guard = g }

// Page returns up to limit (1–200; 50 by default) entries of the person's
// timeline older than before ("" for the newest), newest first, and the
// before of the next page ("" when there is none). Entries of one instant
// are never split across pages (a page may then hold a few more than
// limit). Errors: Forbidden for a nil actor (or no guard), the guard's
// error, a field error on "before" that is not a stamp.
func Page(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID, before string, limit int) ([]Entry, string, error) {
	if actor == nil || guard == nil {
		return nil, "", apperr.ErrForbidden()
	}
	if before == "" {
		before = Newest
	} else if _, err := cst.ParseStamp(before); err != nil {
		return nil, "", apperr.Fields{"before": "翻页位置应为时间戳，如 2026-11-29T08:00:00.000Z"}.Err()
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if err := guard(ctx, q, actor, recipientID); err != nil {
		return nil, "", err
	}
	merged, err := collect(ctx, q, actor, recipientID, before, limit+1)
	if err != nil {
		return nil, "", err
	}
	if len(merged) <= limit {
		return merged, "", nil
	}
	// Cut between two instants, so the next page (strictly older than
	// the last entry here) misses nothing.
	cut := limit
	for cut > 0 && merged[cut-1].At == merged[cut].At {
		cut--
	}
	if cut == 0 {
		// More than limit entries share the newest instant: take all of
		// them (each source is asked for them all).
		at := merged[0].At
		t, err := cst.ParseStamp(at)
		if err != nil {
			return nil, "", err
		}
		// Stamps count milliseconds: older than the next one is at or before at.
		all, err := collect(ctx, q, actor, recipientID, cst.Stamp(t.Add(time.Millisecond)), 10_000)
		if err != nil {
			return nil, "", err
		}
		for cut = 0; cut < len(all) && all[cut].At == at; cut++ {
		}
		merged = all
		if cut == len(merged) {
			return merged, "", nil
		}
	}
	return merged[:cut], merged[cut-1].At, nil
}

// collect merges every source's entries older than before, newest first,
// at most limit.
func collect(ctx context.Context, q db.Querier, actor *authz.Actor, recipientID, before string, limit int) ([]Entry, error) {
	var all []Entry
	for _, s := range sources {
		es, err := s.Entries(ctx, q, actor, recipientID, before, limit)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e.At < before { // a source that ignores before must not repeat entries
				e.Module = s.Module
				all = append(all, e)
			}
		}
	}
	// Entries of one instant keep their source's order (each source
	// sorts its own, newest first) and the sources' registration order.
	sort.SliceStable(all, func(i, j int) bool { return all[i].At > all[j].At })
	if len(all) > limit {
		all = all[:limit]
	}
	if all == nil {
		all = []Entry{}
	}
	return all, nil
}
