package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// twNow is the injected "now" of the tag warning tests, off the millisecond
// on purpose: stores keep tag warnings' times to the millisecond.
var twNow = time.Date(2026, 11, 23, 10, 0, 0, 123_456_789, time.UTC)

// Tags as the snippet reports them: the marked markup to paste instead, or
// none when the fix is to remove the tag or to declare the vendor.
var (
	metaScript = consent.TagWarning{Vendor: "meta_pixel", Kind: consent.TagScript,
		Markup: `<script type="text/plain" data-samtykke="marketing" src="https://connect.facebook.net/en_US/fbevents.js" async></script>`}
	metaNoscript = consent.TagWarning{Vendor: "meta_pixel", Kind: consent.TagNoscript}
	// Not ASCII, with quotes, slashes and a backslash, which JSON (and
	// Lua's cjson) escape.
	hotjarPixel = consent.TagWarning{Vendor: "hotjar", Kind: consent.TagPixel,
		Markup: `<script type="text/html" data-samtykke="statistics"><img alt="blåbær \ «ø»" src="https://static.hotjar.com/c/p.gif?a=1&amp;b=2"></script>`}
)

// NewTagWarning returns the i-th of as many distinct tag warnings as a test
// needs.
func NewTagWarning(i int) consent.TagWarning {
	return consent.TagWarning{Vendor: "linkedin_insight", Kind: consent.TagPixel,
		Markup: `<script type="text/html" data-samtykke="marketing"><img src="https://px.ads.linkedin.com/collect/?pid=` + strconv.Itoa(i) + `"></script>`}
}

func record(t *testing.T, s consent.Store, siteID, page string, at time.Time, tags ...consent.TagWarning) int {
	t.Helper()
	dropped, err := s.RecordTagWarnings(context.Background(), siteID, page, tags, at)
	if err != nil {
		t.Fatalf("RecordTagWarnings(%s, %s): %v", siteID, page, err)
	}
	return dropped
}

func tagWarnings(t *testing.T, s consent.Store, siteID string) []consent.StoredTagWarning {
	t.Helper()
	ws, err := s.TagWarnings(context.Background(), siteID)
	if err != nil {
		t.Fatalf("TagWarnings(%s): %v", siteID, err)
	}
	if ws == nil {
		t.Errorf("TagWarnings(%s) = nil, want an empty slice", siteID)
	}
	for _, w := range ws {
		for _, at := range []time.Time{w.FirstSeen, w.LastSeen} {
			if at.Location() != time.UTC {
				t.Errorf("tag warning time %v is not in UTC", at)
			}
		}
	}
	return ws
}

// findWarning returns the stored entry of tag w.
func findWarning(ws []consent.StoredTagWarning, w consent.TagWarning) (consent.StoredTagWarning, bool) {
	for _, x := range ws {
		if x.TagWarning == w {
			return x, true
		}
	}
	return consent.StoredTagWarning{}, false
}

func testTagWarnings(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site, other := createSite(t, s), createSite(t, s)
	sameJSON(t, "TagWarnings of a new site", tagWarnings(t, s, site.ID), []consent.StoredTagWarning{})

	ms := consent.TagWarningTime
	t0 := twNow
	if n := record(t, s, site.ID, "/sykler", t0, metaScript, hotjarPixel); n != 0 {
		t.Errorf("dropped %d of the first report, want 0", n)
	}
	record(t, s, site.ID, "/handlekurv", t0.Add(time.Minute), metaScript)
	record(t, s, site.ID, "/sykler", t0.Add(2*time.Minute), metaScript)
	// A replica whose clock is behind: first_seen moves back, last_seen
	// stays, and the page is still the most recent one reported.
	record(t, s, site.ID, "/gammel", t0.Add(-time.Hour), metaScript)
	// Same vendor, another kind: another entry.
	record(t, s, site.ID, "/kontakt", t0.Add(30*time.Second), metaNoscript)
	record(t, s, other.ID, "/annet", t0, metaScript)

	want := []consent.StoredTagWarning{
		{TagWarning: metaScript, Pages: []string{"/gammel", "/sykler", "/handlekurv"}, Count: 4,
			FirstSeen: ms(t0.Add(-time.Hour)), LastSeen: ms(t0.Add(2 * time.Minute))},
		{TagWarning: metaNoscript, Pages: []string{"/kontakt"}, Count: 1,
			FirstSeen: ms(t0.Add(30 * time.Second)), LastSeen: ms(t0.Add(30 * time.Second))},
		{TagWarning: hotjarPixel, Pages: []string{"/sykler"}, Count: 1, FirstSeen: ms(t0), LastSeen: ms(t0)},
	}
	sameJSON(t, "TagWarnings, most recent first", tagWarnings(t, s, site.ID), want)
	sameJSON(t, "the other site's TagWarnings", tagWarnings(t, s, other.ID), []consent.StoredTagWarning{
		{TagWarning: metaScript, Pages: []string{"/annet"}, Count: 1, FirstSeen: ms(t0), LastSeen: ms(t0)}})

	// Entries seen at the same moment are listed in one order by every
	// store: by first sighting, newest first, then vendor, kind, markup.
	tie := createSite(t, s)
	record(t, s, tie.ID, "/a", t0, NewTagWarning(2))
	record(t, s, tie.ID, "/a", t0.Add(time.Second), NewTagWarning(1), NewTagWarning(3), metaScript)
	ws := tagWarnings(t, s, tie.ID)
	order := make([]consent.TagWarning, len(ws))
	for i, w := range ws {
		order[i] = w.TagWarning
	}
	sameJSON(t, "entries seen at the same moment", order,
		[]consent.TagWarning{NewTagWarning(1), NewTagWarning(3), metaScript, NewTagWarning(2)})

	// The most recent MaxTagWarningPages distinct pages, most recent first;
	// a page reported again moves to the front instead of being listed
	// twice.
	pages := createSite(t, s)
	for i := range consent.MaxTagWarningPages + 5 {
		record(t, s, pages.ID, "/side/"+strconv.Itoa(i), t0.Add(time.Duration(i)*time.Second), metaScript)
	}
	record(t, s, pages.ID, "/side/7", t0.Add(time.Minute), metaScript)
	wantPages := []string{"/side/7"}
	for i := consent.MaxTagWarningPages + 4; len(wantPages) < consent.MaxTagWarningPages; i-- {
		if i != 7 {
			wantPages = append(wantPages, "/side/"+strconv.Itoa(i))
		}
	}
	w, _ := findWarning(tagWarnings(t, s, pages.ID), metaScript)
	sameJSON(t, "pages of a tag seen on many", w.Pages, wantPages)
	if w.Count != int64(consent.MaxTagWarningPages)+6 {
		t.Errorf("count = %d, want %d", w.Count, consent.MaxTagWarningPages+6)
	}

	// Unknown sites: nothing is written for them.
	ghost := SiteID()
	if _, err := s.RecordTagWarnings(ctx, ghost, "/x", []consent.TagWarning{metaScript}, t0); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("RecordTagWarnings(unknown site): err = %v, want ErrNotFound", err)
	}
	sameJSON(t, "TagWarnings(unknown site)", tagWarnings(t, s, ghost), []consent.StoredTagWarning{})
	if err := s.ClearTagWarnings(ctx, ghost); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("ClearTagWarnings(unknown site): err = %v, want ErrNotFound", err)
	}

	// Clearing empties one site's list only, and may be repeated.
	for range 2 {
		if err := s.ClearTagWarnings(ctx, site.ID); err != nil {
			t.Fatalf("ClearTagWarnings: %v", err)
		}
	}
	sameJSON(t, "TagWarnings after ClearTagWarnings", tagWarnings(t, s, site.ID), []consent.StoredTagWarning{})
	if n := len(tagWarnings(t, s, other.ID)); n != 1 {
		t.Errorf("the other site has %d tag warnings after a clear, want 1", n)
	}
	// A tag seen again after the fix starts afresh.
	record(t, s, site.ID, "/igjen", t0.Add(time.Hour), metaScript)
	sameJSON(t, "TagWarnings after a clear and a new report", tagWarnings(t, s, site.ID), []consent.StoredTagWarning{
		{TagWarning: metaScript, Pages: []string{"/igjen"}, Count: 1, FirstSeen: ms(t0.Add(time.Hour)), LastSeen: ms(t0.Add(time.Hour))}})
}

// A site keeps at most MaxTagWarnings entries. What it has keeps counting;
// a new entry beyond the bound is dropped and said to be.
func testTagWarningsBound(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site := createSite(t, s)
	var all []consent.TagWarning
	for i := range consent.MaxTagWarnings {
		all = append(all, NewTagWarning(i))
	}
	for i := 0; i < len(all); i += consent.MaxTagsPerReport {
		if n := record(t, s, site.ID, "/", twNow, all[i:i+consent.MaxTagsPerReport]...); n != 0 {
			t.Fatalf("dropped %d while below the bound", n)
		}
	}
	later := twNow.Add(time.Minute)
	extra := []consent.TagWarning{NewTagWarning(1000), NewTagWarning(1001)}
	if n := record(t, s, site.ID, "/full", later, all[0], extra[0], all[1], extra[1], extra[0]); n != 3 {
		t.Errorf("dropped %d of a report with 3 new tags on a full site, want 3", n)
	}
	ws := tagWarnings(t, s, site.ID)
	if len(ws) != consent.MaxTagWarnings {
		t.Errorf("%d entries, want %d", len(ws), consent.MaxTagWarnings)
	}
	for _, w := range extra {
		if _, ok := findWarning(ws, w); ok {
			t.Errorf("a tag beyond the bound was stored: %s", w.Markup)
		}
	}
	for i, w := range all {
		got, ok := findWarning(ws, w)
		want := int64(1)
		if i < 2 {
			want = 2
		}
		if !ok || got.Count != want {
			t.Errorf("entry %d: count %d (stored %v), want %d", i, got.Count, ok, want)
		}
	}
	// The two seen last come first.
	if !ws[0].LastSeen.Equal(consent.TagWarningTime(later)) || !ws[1].LastSeen.Equal(consent.TagWarningTime(later)) {
		t.Errorf("the entries seen last are not first: %v, %v", ws[0].LastSeen, ws[1].LastSeen)
	}

	// Once the owner clears the list, new tags are taken again.
	if err := s.ClearTagWarnings(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	if n := record(t, s, site.ID, "/", later, extra...); n != 0 {
		t.Errorf("dropped %d after a clear, want 0", n)
	}
	if n := len(tagWarnings(t, s, site.ID)); n != 2 {
		t.Errorf("%d entries after a clear and a report of 2, want 2", n)
	}
}

// Reports from many replicas at once: no count is lost, and the bound holds
// exactly however the writes interleave.
func testConcurrentTagWarnings(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site := createSite(t, s)
	const have = consent.MaxTagWarnings - 10
	var first []consent.TagWarning
	for i := range have {
		first = append(first, NewTagWarning(i))
	}
	for i := 0; i < have; i += consent.MaxTagsPerReport {
		record(t, s, site.ID, "/", twNow, first[i:min(i+consent.MaxTagsPerReport, have)]...)
	}

	const writers, reports = 16, 12
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		dropped int
		errs    []error
	)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range reports {
				// Two tags every report names, and one only this report
				// names: writers*reports new tags race for the last 10
				// places.
				fresh := NewTagWarning(10_000 + g*reports + i)
				at := twNow.Add(time.Duration(i) * time.Second)
				n, err := s.RecordTagWarnings(ctx, site.ID, fmt.Sprintf("/side/%d", g), []consent.TagWarning{metaScript, fresh, first[0]}, at)
				mu.Lock()
				dropped += n
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("RecordTagWarnings: %v", err)
	}
	ws := tagWarnings(t, s, site.ID)
	if len(ws) != consent.MaxTagWarnings {
		t.Errorf("%d entries after concurrent reports, want exactly %d", len(ws), consent.MaxTagWarnings)
	}
	// metaScript is new too: it takes one of the 10 places in the first
	// report that reaches the store.
	const total = writers * reports
	if want := total - (consent.MaxTagWarnings - have - 1); dropped != want {
		t.Errorf("dropped %d tags, want %d", dropped, want)
	}
	if w, _ := findWarning(ws, metaScript); w.Count != total {
		t.Errorf("count of a tag every report names = %d, want %d", w.Count, total)
	}
	w, _ := findWarning(ws, first[0])
	if w.Count != total+1 {
		t.Errorf("count of a tag stored before and named by every report = %d, want %d", w.Count, total+1)
	}
	seen := map[string]bool{}
	for _, p := range w.Pages {
		if seen[p] {
			t.Errorf("page %s listed twice in %v", p, w.Pages)
		}
		seen[p] = true
	}
	if len(w.Pages) != consent.MaxTagWarningPages {
		t.Errorf("%d pages, want %d: %v", len(w.Pages), consent.MaxTagWarningPages, w.Pages)
	}
	if want := consent.TagWarningTime(twNow.Add((reports - 1) * time.Second)); !w.LastSeen.Equal(want) || !w.FirstSeen.Equal(consent.TagWarningTime(twNow)) {
		t.Errorf("first and last seen %v, %v; want %v, %v", w.FirstSeen, w.LastSeen, consent.TagWarningTime(twNow), want)
	}
	var sum int64
	for _, w := range ws {
		sum += w.Count
	}
	if want := int64(have + 2*total + total - dropped); sum != want {
		t.Errorf("counts add up to %d, want %d (every tag reported, less those dropped)", sum, want)
	}
}

// DeleteSite takes the site's tag warnings with it: a new site with the
// same id starts with none.
func testTagWarningsDeletedWithSite(t *testing.T, s consent.Store) {
	ctx := context.Background()
	site := createSite(t, s)
	record(t, s, site.ID, "/", twNow, metaScript, hotjarPixel)
	if err := s.DeleteSite(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "TagWarnings of a deleted site", tagWarnings(t, s, site.ID), []consent.StoredTagWarning{})
	if _, err := s.RecordTagWarnings(ctx, site.ID, "/", []consent.TagWarning{metaScript}, twNow); !errors.Is(err, consent.ErrNotFound) {
		t.Errorf("RecordTagWarnings after DeleteSite: err = %v, want ErrNotFound", err)
	}
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "TagWarnings of a site created again", tagWarnings(t, s, site.ID), []consent.StoredTagWarning{})
}
