// Package scanner visits a site the way a visitor does and reports what
// ran: every cookie, storage key and third-party request, classified with
// the vendor catalogue and the site's own vendors, and what of it ran
// before the visitor chose or after they rejected (the violations).
//
// The domain lives here: Scan and its findings, classification and
// reporting (classify.go, report.go), declaring a finding (declare.go),
// the Store a scan is kept in, and the Runner that takes the per-site
// lock, crawls, stores and schedules (runner.go). The browser itself is
// behind Crawler; package scanner/browser drives Chromium.
//
// A scan never counts: its browser answers the banner's receipt,
// impression and tag-warning requests itself (see browser), so the site's
// statistics, receipts and tag warnings stay as visitors made them.
package scanner

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/samtykke/samtykke/server/consent"
)

// Status is where a scan is.
type Status string

const (
	Running Status = "running"
	Done    Status = "done"
	Failed  Status = "failed"
)

// Phase is when a finding appeared relative to the visitor's decision, in
// one of the three visits of a page.
type Phase string

const (
	// BeforeDecision: on the page before anything was chosen (every visit
	// starts so).
	BeforeDecision Phase = "before_decision"
	// AfterReject: after "Reject all" was clicked.
	AfterReject Phase = "after_reject"
	// AfterAccept: after "Accept all" was clicked.
	AfterAccept Phase = "after_accept"
)

// Trigger says who started a scan.
type Trigger string

const (
	TriggerAPI       Trigger = "api"
	TriggerDashboard Trigger = "dashboard"
	TriggerSchedule  Trigger = "schedule"
)

// Scan is one scan of a site: while running its progress, when done its
// findings and what they mean for the owner.
type Scan struct {
	ID         string     `json:"id"`
	SiteID     string     `json:"site_id"`
	Status     Status     `json:"status"`
	Trigger    Trigger    `json:"trigger"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// Heartbeat is when the replica running the scan last said it was
	// alive; a running scan whose heartbeat is older than StaleAfter is
	// marked failed by whoever looks next.
	Heartbeat time.Time `json:"heartbeat"`
	// Error says why a scan failed.
	Error    string   `json:"error,omitempty"`
	Origins  []string `json:"origins"`
	Progress Progress `json:"progress"`
	// Pages are the pages visited, in the order found.
	Pages    []Page           `json:"pages,omitempty"`
	Cookies  []CookieFinding  `json:"cookies,omitempty"`
	Storage  []StorageFinding `json:"storage,omitempty"`
	Requests []RequestFinding `json:"requests,omitempty"`
	// Report is what the findings mean: violations first, then what is
	// undeclared and what was declared but never seen, and the changes
	// since the scan before.
	Report *Report `json:"report,omitempty"`
}

// Progress counts pages while a scan runs.
type Progress struct {
	PagesFound int `json:"pages_found"`
	PagesDone  int `json:"pages_done"`
}

// Page is one page visited three times.
type Page struct {
	URL string `json:"url"`
	// Banner says how the decisions were made: "clicked" the banner's own
	// buttons, or "missing" when no banner appeared (then only the visit
	// without a decision counts).
	Banner string `json:"banner,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Classification is what the catalogue and the site's vendors say about a
// finding. Vendor is empty for an unknown finding.
type Classification struct {
	Vendor     string `json:"vendor,omitempty"`
	VendorName string `json:"vendor_name,omitempty"`
	// Purpose is necessary, statistics or marketing; empty when unknown.
	Purpose string `json:"purpose,omitempty"`
	// Declared: the site lists the vendor (integrations or vendors).
	Declared bool `json:"declared"`
}

// Seen says when and where a finding appeared.
type Seen struct {
	// Phases lists each phase it appeared in, in the order of the Phase
	// constants.
	Phases []Phase `json:"phases"`
	// FirstPages names the first page where it appeared in each phase.
	FirstPages map[Phase]string `json:"first_pages"`
	// Pages are the first MaxPagesPerFinding pages it appeared on.
	Pages []string `json:"pages"`
}

// Add records an appearance on page in phase.
func (s *Seen) Add(phase Phase, page string) {
	if s.FirstPages == nil {
		s.FirstPages = map[Phase]string{}
	}
	if _, ok := s.FirstPages[phase]; !ok {
		s.FirstPages[phase] = page
		s.Phases = s.Phases[:0]
		for _, p := range []Phase{BeforeDecision, AfterReject, AfterAccept} {
			if _, ok := s.FirstPages[p]; ok {
				s.Phases = append(s.Phases, p)
			}
		}
	}
	for _, p := range s.Pages {
		if p == page {
			return
		}
	}
	if len(s.Pages) < MaxPagesPerFinding {
		s.Pages = append(s.Pages, page)
	}
}

// Has reports whether it appeared in phase.
func (s Seen) Has(p Phase) bool { _, ok := s.FirstPages[p]; return ok }

// CookieFinding is one cookie, by name and domain, over every visit.
type CookieFinding struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
	Path   string `json:"path"`
	// LifetimeSeconds is how long the cookie lasts from when it was seen; 0
	// for a session cookie.
	LifetimeSeconds int64 `json:"lifetime_seconds"`
	ThirdParty      bool  `json:"third_party"`
	// SetBy is the URL of what set it: a response's Set-Cookie (exact, from
	// the browser's raw headers) or the script that wrote document.cookie
	// (from the script's stack at the write, so exact too, unless the write
	// came from an inline script: then it is the page's URL). Empty when
	// neither was seen (a cookie set by an iframe's script, or by the
	// CookieStore API).
	SetBy     string `json:"set_by,omitempty"`
	SetByKind string `json:"set_by_kind,omitempty"` // "response" or "script"
	Seen
	Classification
}

// StorageFinding is one localStorage or sessionStorage key of the site's
// origin.
type StorageFinding struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // "local" or "session"
	Seen
	Classification
}

// RequestFinding is every request to one third-party host.
type RequestFinding struct {
	Host string `json:"host"`
	// URL is the first request to the host (without its query), as an
	// example.
	URL string `json:"url"`
	// Types are the resource types requested (script, image, xhr, …).
	Types []string `json:"types"`
	// Initiator is the URL of the script or page that made the first
	// request, as the browser reports it.
	Initiator string `json:"initiator,omitempty"`
	Seen
	// Tag is the markup of the tag on the page that loads the URL, when
	// the page has one (a <script src> or <iframe src>).
	Tag string `json:"tag,omitempty"`
	Classification
}

// Limits of what one scan keeps, so that a stored scan stays small.
const (
	MaxPagesPerFinding = 5
	MaxFindings        = 500
	// KeptScans is how many scans of a site a store keeps; older ones
	// are dropped when a scan finishes.
	KeptScans = 24
)

// Errors of the scanner besides consent's.
var (
	// ErrRunning: the site already has a running scan (409, as it
	// matches consent.ErrConflict).
	ErrRunning = fmt.Errorf("%w: a scan of this site is already running", consent.ErrConflict)
	// ErrLostLock: the scan is no longer this runner's (it was marked
	// failed as stale, or finished elsewhere).
	ErrLostLock = errors.New("the scan is no longer held by this runner")
)

// Store keeps scans. Every method that writes is atomic; all of a site's
// scans go when the site is deleted. ErrNotFound for an unknown site or
// scan, consent.ErrUnavailable when the store cannot be reached.
type Store interface {
	// StartScan stores s (Status Running) and makes it the site's running
	// scan: the lock that lets exactly one replica run a site's scan.
	// ErrRunning if the site has a running scan whose heartbeat is at or
	// after staleBefore; a running scan older than that is stored as
	// Failed first (its replica died). ErrNotFound if the site does not
	// exist.
	StartScan(ctx context.Context, s Scan, staleBefore time.Time) error
	// UpdateScan stores s, still running (a heartbeat and progress), if s
	// is still the site's running scan; ErrLostLock otherwise.
	UpdateScan(ctx context.Context, s Scan) error
	// FinishScan stores s (Done or Failed) and releases the lock, if s is
	// still the site's running scan, else ErrLostLock; it drops the oldest
	// scans beyond KeptScans.
	FinishScan(ctx context.Context, s Scan) error
	// FailStaleScan marks the site's running scan Failed if its heartbeat
	// is before staleBefore, with at as its end, and releases the lock. It
	// reports whether it did.
	FailStaleScan(ctx context.Context, siteID string, staleBefore, at time.Time) (bool, error)
	// Scan returns one scan of a site, or ErrNotFound.
	Scan(ctx context.Context, siteID, scanID string) (Scan, error)
	// Scans returns the site's scans, newest first; an empty slice when
	// there are none, also for an unknown site.
	Scans(ctx context.Context, siteID string) ([]Scan, error)
}

// Crawler visits a site's pages and reports what it saw. Package
// scanner/browser implements it with Chromium.
type Crawler interface {
	Crawl(ctx context.Context, site consent.Site, progress func(Progress)) (Observations, error)
}

// Observations are what a crawl saw, before classification.
type Observations struct {
	Pages    []Page
	Cookies  []CookieFinding
	Storage  []StorageFinding
	Requests []RequestFinding
}

// Summary is a scan without its findings (and its report without its
// lists), for lists of scans.
func (s Scan) Summary() Scan {
	s.Pages, s.Cookies, s.Storage, s.Requests = nil, nil, nil, nil
	if s.Report != nil {
		r := Report{Counts: s.Report.Counts, Violations: []Violation{}, Undeclared: []Undeclared{}, Unseen: []Unseen{}}
		s.Report = &r
	}
	return s
}

// MarkAbandoned turns a running scan whose replica stopped beating into a
// failed one, ended at at. Stores call it when they find one.
func MarkAbandoned(s *Scan, at time.Time) {
	at = at.UTC()
	s.Status, s.FinishedAt = Failed, &at
	s.Error = "the replica running this scan stopped answering; start the scan again"
}

// SortNewestFirst orders scans by start, newest first (ids break ties).
func SortNewestFirst(list []Scan) {
	sort.Slice(list, func(i, j int) bool {
		if !list[i].StartedAt.Equal(list[j].StartedAt) {
			return list[i].StartedAt.After(list[j].StartedAt)
		}
		return list[i].ID > list[j].ID
	})
}
