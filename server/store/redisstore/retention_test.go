package redisstore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/samtykke/samtykke/server/consent"
	"github.com/samtykke/samtykke/server/internal/redistest"
	"github.com/samtykke/samtykke/server/store/redisstore"
	"github.com/samtykke/samtykke/server/store/storetest"
)

// A log entry's id is its receipt's server time in ms, so retention and
// exports work from consentd's clock, not Redis's. A receipt that arrives
// after a later one is filed at the later one's millisecond, "late" records
// the gap, and an export still finds it in its own period, in order.
func TestLogIDsFollowServerTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	c := rs.Client()
	s := redisstore.New(c)
	site := storetest.NewSite(t, "ids1")
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 123_456_789, time.UTC)
	ms := at.UnixMilli()
	steps := []struct {
		name   string
		offset time.Duration
		wantID string
		late   string // the "late" key afterwards; "" if absent
	}{
		{"first", 0, strconv.FormatInt(ms, 10) + "-0", ""},
		{"same millisecond", 400 * time.Microsecond, strconv.FormatInt(ms, 10) + "-1", ""},
		{"5 ms later", 5 * time.Millisecond, strconv.FormatInt(ms+5, 10) + "-0", ""},
		{"3 ms late", 2 * time.Millisecond, strconv.FormatInt(ms+5, 10) + "-1", "3"},
		{"1 ms late: late stays the largest gap", 4 * time.Millisecond, strconv.FormatInt(ms+5, 10) + "-2", "3"},
	}
	var saved []consent.Receipt
	for _, st := range steps {
		r := storetest.NewReceipt(site, at.Add(st.offset))
		if _, created, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil || !created {
			t.Fatalf("%s: SaveReceipt: created=%v err=%v", st.name, created, err)
		}
		saved = append(saved, r)
		if id := c.Get(ctx, "samtykke:{ids1}:rid:"+r.ReceiptID).Val(); id != st.wantID {
			t.Errorf("%s: log id %s, want %s", st.name, id, st.wantID)
		}
		if late := c.Get(ctx, "samtykke:{ids1}:late").Val(); late != st.late {
			t.Errorf("%s: late = %q, want %q", st.name, late, st.late)
		}
	}

	// [at+1ms, at+3ms) holds only the receipt filed under at+5ms.
	var got []string
	err := s.ReceiptsBetween(ctx, site.ID, at.Add(time.Millisecond), at.Add(3*time.Millisecond), func(r consent.Receipt) error {
		got = append(got, r.ReceiptID)
		return nil
	})
	if err != nil || len(got) != 1 || got[0] != saved[3].ReceiptID {
		t.Errorf("ReceiptsBetween of the late receipt's period = %v, %v; want [%s]", got, err, saved[3].ReceiptID)
	}
	got = got[:0]
	_ = s.ReceiptsBetween(ctx, site.ID, at, at.Add(time.Second), func(r consent.Receipt) error {
		got = append(got, r.ReceiptID)
		return nil
	})
	want := []string{saved[0].ReceiptID, saved[1].ReceiptID, saved[3].ReceiptID, saved[4].ReceiptID, saved[2].ReceiptID}
	if len(got) != len(want) {
		t.Fatalf("ReceiptsBetween = %d receipts, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("ReceiptsBetween[%d] = %s, want %s (server time order)", i, got[i], want[i])
		}
	}

	// A late receipt just before the cut-off is purged even though its id
	// is after it; one just after stays.
	res, err := s.Purge(ctx, site.ID, at.Add(3*time.Millisecond).AddDate(0, 0, site.RetentionDays))
	if err != nil {
		t.Fatal(err)
	}
	if res.Receipts != 3 {
		t.Errorf("Purge removed %d receipts, want 3 (those at +0, +0.4 and +2 ms)", res.Receipts)
	}
	if n := c.XLen(ctx, "samtykke:{ids1}:log").Val(); n != 2 {
		t.Errorf("log holds %d entries after Purge, want 2", n)
	}
}

// Purge leaves no index entry pointing at a deleted receipt or bucket, and
// Receipts steps over a consent list entry whose log entry is gone.
func TestPurgeCleansIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	c := rs.Client()
	s := redisstore.New(c)
	site := storetest.NewSite(t, "clean1")
	site.RetentionDays = consent.MinRetentionDays
	if err := s.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	now := old.AddDate(0, 0, 40)
	gone := storetest.NewReceipt(site, old)
	kept1 := storetest.NewReceipt(site, old)
	kept2 := storetest.NewReceipt(site, now.Add(-time.Hour))
	kept1.ServerTime = now.Add(-2 * time.Hour)
	kept2.ConsentID = kept1.ConsentID
	oldOfKept := storetest.NewReceipt(site, old.Add(time.Minute))
	oldOfKept.ConsentID = kept1.ConsentID
	for _, r := range []consent.Receipt{gone, oldOfKept, kept1, kept2} {
		if _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
			t.Fatal(err)
		}
	}
	// Hour buckets of 2026-01-10 are past their 92 days 92 days later.
	res, err := s.Purge(ctx, site.ID, now.AddDate(0, 0, 92))
	if err != nil {
		t.Fatal(err)
	}
	if res.Receipts != 4 || res.HourBuckets != 3 || res.DayBuckets != 0 {
		// Every receipt is past 30 days by then.
		t.Errorf("Purge = %+v, want 4 receipts and 3 hour buckets", res)
	}
	for _, k := range []string{
		"samtykke:{clean1}:cid:" + gone.ConsentID,
		"samtykke:{clean1}:cid:" + kept1.ConsentID,
		"samtykke:{clean1}:rid:" + gone.ReceiptID,
		"samtykke:{clean1}:rid:" + kept2.ReceiptID,
		"samtykke:{clean1}:h:2026011008",
	} {
		if c.Exists(ctx, k).Val() != 0 {
			t.Errorf("%s is still there after Purge", k)
		}
	}
	if n := c.ZCard(ctx, "samtykke:{clean1}:buckets:h").Val(); n != 0 {
		t.Errorf("hour bucket index lists %d buckets after Purge, want 0", n)
	}
	if n := c.ZCard(ctx, "samtykke:{clean1}:buckets:d").Val(); n != 2 {
		t.Errorf("day bucket index lists %d buckets, want 2 (2026-01-10 and 2026-02-19)", n)
	}

	// A list entry whose log entry is gone (the log's TTL, or an
	// operator's XTRIM) is skipped, not an error.
	r := storetest.NewReceipt(site, now)
	if _, _, err := s.SaveReceipt(ctx, site, r, r.CounterFields()); err != nil {
		t.Fatal(err)
	}
	c.LPush(ctx, "samtykke:{clean1}:cid:"+r.ConsentID, "1000-0")
	got, err := s.Receipts(ctx, site.ID, r.ConsentID)
	if err != nil || len(got) != 1 || got[0].ReceiptID != r.ReceiptID {
		t.Errorf("Receipts with a dangling list entry = %v, %v; want just %s", got, err, r.ReceiptID)
	}
}
