package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// meter draws a progress bar (bytes, rate, ETA) on stderr as a transfer reports
// progress. A nil meter draws nothing: stderr is not a terminal, or --quiet.
type meter struct {
	w    io.Writer
	desc string

	mu   sync.Mutex
	bar  *progressbar.ProgressBar
	done int64
}

// meter is the progress bar of a transfer described by desc, or nil when none is to be
// drawn.
func (a *app) meter(desc string, quiet bool) *meter {
	if quiet || !a.tty {
		return nil
	}
	return &meter{w: a.err, desc: desc}
}

// progress is the callback for the client's Progress option; nil for a nil meter.
func (m *meter) progress() func(done, total int64) {
	if m == nil {
		return nil
	}
	return m.update
}

// update moves the bar to done bytes of total (-1: unknown), starting it on the
// first call.
func (m *meter) update(done, total int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bar == nil {
		m.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(m.w),
			progressbar.OptionSetDescription(m.desc),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowTotalBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(20),
			progressbar.OptionFullWidth(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionUseIECUnits(true),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(m.w) }),
		)
	}
	if total > 0 && m.bar.GetMax64() != total {
		m.bar.ChangeMax64(total)
	}
	if done != m.done {
		m.done = done
		_ = m.bar.Set64(done)
	}
}

// finish completes the bar, or on an error leaves it where it stopped and ends its
// line so that the error line starts afresh.
func (m *meter) finish(err error) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.bar == nil:
	case err == nil:
		_ = m.bar.Finish()
	case !m.bar.IsFinished():
		_ = m.bar.Exit() // its completion ends the line
	}
}
