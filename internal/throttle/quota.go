package throttle

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Quota counts requests against a usage plan's quota: at most limit
// requests per period ("DAY", "WEEK" or "MONTH") for key. Consume takes one
// request from the current period and reports whether it was still within
// the limit.
type Quota interface {
	Consume(ctx context.Context, key string, limit int, period string, now time.Time) (ok bool, err error)
}

// PeriodBounds returns the quota period containing now. Periods are
// calendar periods in UTC: a DAY starts at midnight, a WEEK on Sunday (the
// QuotaSettings reference: "with a time period of WEEK, an offset of 0
// starts on Sunday"), a MONTH on its first day.
func PeriodBounds(period string, now time.Time) (start, end time.Time, err error) {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch period {
	case "DAY":
		return day, day.AddDate(0, 0, 1), nil
	case "WEEK":
		start = day.AddDate(0, 0, -int(day.Weekday()))
		return start, start.AddDate(0, 0, 7), nil
	case "MONTH":
		start = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0), nil
	}
	return time.Time{}, time.Time{}, fmt.Errorf("throttle: quota period %q is not DAY, WEEK or MONTH", period)
}

type localQuota struct {
	mu       sync.Mutex
	counters map[string]*counter
}

type counter struct {
	start time.Time
	used  int
}

// Consume implements Quota.
func (l *Local) Consume(_ context.Context, key string, limit int, period string, now time.Time) (bool, error) {
	start, _, err := PeriodBounds(period, now)
	if err != nil {
		return false, err
	}
	q := &l.quota
	q.mu.Lock()
	defer q.mu.Unlock()
	c := q.counters[key]
	if c == nil {
		c = &counter{}
		q.counters[key] = c
	}
	if !c.start.Equal(start) {
		c.start, c.used = start, 0
	}
	if c.used >= limit {
		return false, nil
	}
	c.used++
	return true, nil
}
