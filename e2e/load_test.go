package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"projectsync/internal/standin"
	"projectsync/internal/standin/workpoint"
)

// The load: how long and how wide, and the bounds the handler must keep.
const (
	loadDuration    = time.Minute
	warmUpDuration  = 5 * time.Second
	loadWorkers     = 200
	loadBudget      = 4 * time.Minute // the whole test, warm-up to replay
	loadTriesDuring = 4               // posts of one item during the minute
	finishWorkers   = 50
	finishRounds    = 5
	replayTries     = 3
	faultEvery      = 100 * time.Millisecond
	callsPerFault   = 20 // at most one fault per 20 WorkPoint calls: 5%
	goroutineSlack  = 20
	heapBound       = 256 << 20
	// runtimeQuietTime is waited before reading the handler's runtime.
	// Azurite closes a keep-alive connection after 5 s idle, which takes
	// two goroutines each from the handler; waiting longer makes both
	// readings alike.
	runtimeQuietTime = 7 * time.Second
	// idleConnTime is how long an idle keep-alive connection, and its
	// goroutines, may stay in the handler: the host's and the SDK's
	// clients close them after 90 s. Until then the goroutines after the
	// load may exceed those after the warm-up by more idle connections
	// than the warm-up left, which is no leak.
	idleConnTime = 95 * time.Second
	// replayReserve is the part of loadBudget kept for the replay.
	replayReserve = 75 * time.Second
)

// TestLoad_OneMinute keeps 200 requests in flight for a minute, each for a
// new item, while WorkPoint fails about one call in twenty. Items that get
// a retryable answer are posted again, as the flow's retry policy does.
// Afterwards every item has exactly one entity, the handler holds no more
// goroutines than before and a bounded heap, and a replay of every item
// answers with the same entity and creates nothing.
func TestLoad_OneMinute(t *testing.T) {
	if testing.Short() {
		t.Skip("the load runs for a minute; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), loadBudget)
	defer cancel()
	c := startChain(t, func(s *standin.Stack) {
		s.WorkPoint.SetLatency(workpoint.RouteCreate, 50*time.Millisecond)
		s.WorkPoint.SetLatency(workpoint.RouteQuery, 20*time.Millisecond)
	}, withTableLedger(t),
		withSetting("DEBUG_RUNTIME_STATS", "true"),
		withSetting("REQUEST_TIMEOUT", faultRequestTimeout.String()),
		withSetting("CREATE_SETTLE_TIME", faultSettleTime.String()),
		// A line per WorkPoint call would be most of the suite's log.
		withSetting("LOG_LEVEL", "info"))

	transport := &http.Transport{Proxy: nil, MaxIdleConns: 2 * loadWorkers,
		MaxIdleConnsPerHost: 2 * loadWorkers, IdleConnTimeout: 30 * time.Second}
	defer transport.CloseIdleConnections()
	l := &loadRun{c: c, client: &http.Client{Transport: transport}, byAnswer: map[string]int{},
		examples: map[string]string{}}

	// Warm up the caches with one item, then every connection pool with
	// a few seconds of the load without faults, so that the second reading
	// of the runtime compares like with like: pools as full as they get.
	began := time.Now()
	l.post(ctx, l.newItem("warm"))
	l.load(ctx, "warm", began.Add(warmUpDuration))
	sleepCtx(ctx, runtimeQuietTime)
	before := l.runtime(ctx)
	warmRequests := l.requests

	// The minute: 200 workers, and a fault now and then.
	start := time.Now()
	callsBefore := c.stack.WorkPoint.Calls("")
	stopFaults := l.injectFaults(ctx)
	defer stopFaults()
	l.load(ctx, "load", start.Add(loadDuration))
	faults := stopFaults()
	loadTime := time.Since(start)
	calls := c.stack.WorkPoint.Calls("") - callsBefore
	loadRequests := l.requests - warmRequests

	// Finish what the minute left open, then look at the handler again.
	finishStart := time.Now()
	l.finish(ctx)
	finishTime := time.Since(finishStart)
	after, settle := l.settledRuntime(ctx, before.Goroutines+goroutineSlack)
	if err := ctx.Err(); err != nil {
		t.Fatalf("the load test ran out of its %s: %v", loadBudget, err)
	}
	creates := c.stack.Solution.CreateCount()

	l.report(t, loadReport{loadTime: loadTime, loadRequests: loadRequests, faults: faults,
		before: before, after: after, creates: creates, warmTime: start.Sub(began),
		finishTime: finishTime, settleTime: settle, calls: calls})
	if len(faults) == 0 {
		t.Errorf("no fault was injected in %d WorkPoint calls", calls)
	}

	l.checkAnswers(t)
	limit := faultRequestTimeout + answerGrace
	if n, longest, over := c.handlerDurations(limit); n < l.requests || over > 0 {
		t.Errorf("handler request lines: %d for %d requests, %d longer than %s (the longest %s)",
			n, l.requests, over, limit, longest)
	}
	if after.Goroutines > before.Goroutines+goroutineSlack {
		t.Errorf("handler goroutines: got %d after the load, want at most %d (%d before)",
			after.Goroutines, before.Goroutines+goroutineSlack, before.Goroutines)
	}
	if after.HeapInuse >= heapBound {
		t.Errorf("handler heap in use: got %d MiB after the load, want under %d MiB",
			after.HeapInuse>>20, heapBound>>20)
	}
	l.checkEntities(t)
	l.checkReplay(ctx, t)
}

// loadItem is one item the load posts. One worker at a time owns it.
type loadItem struct {
	sourceID  string
	body      []byte
	entityID  int // the entity the first success named
	done      bool
	tries     int
	notBefore time.Time // when its last answer allows it to be posted again
	last      string    // its last answer, for failure messages
	history   []string  // every answer, with when it was asked and how long it took
}

// loadRun is the state of one load test: the items, and what the answers
// were.
type loadRun struct {
	c      *chain
	client *http.Client

	mu        sync.Mutex
	items     []*loadItem
	waiting   []*loadItem // posted, answered with a retryable problem
	latencies []time.Duration
	byAnswer  map[string]int    // "201", "503 workpoint_throttled", "no answer"
	examples  map[string]string // the first detail of each kind of problem
	requests  int
	late      int      // answers the caller got later than the deadline and the grace
	bad       []string // 500s, answers of the wrong shape, refusals, no answer
	mismatch  []string // successes for one item that name different entities
}

// newItem adds a new item whose source id starts with prefix.
func (l *loadRun) newItem(prefix string) *loadItem {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.newItemLocked(prefix)
}

func (l *loadRun) newItemLocked(prefix string) *loadItem {
	n := len(l.items) + 1
	title := "Load "
	if prefix != "load" {
		title = "Warm-up "
	}
	it := &loadItem{sourceID: prefix + "-" + strconv.Itoa(n)}
	it.body = []byte(`{"title":"` + title + strconv.Itoa(n) + `","sourceId":"` + it.sourceID + `"}`)
	l.items = append(l.items, it)
	return it
}

// take returns an item to post: one whose Retry-After has passed, if any
// may still be posted during the load, else a new one whose source id
// starts with prefix.
func (l *loadRun) take(prefix string) *loadItem {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	for i, it := range l.waiting {
		if it.tries < loadTriesDuring && now.After(it.notBefore) {
			l.waiting = slices.Delete(l.waiting, i, i+1)
			return it
		}
	}
	return l.newItemLocked(prefix)
}

// post sends the item once, records the answer and, if the answer asks
// for a retry, puts the item on the waiting list.
func (l *loadRun) post(ctx context.Context, it *loadItem) {
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	start := time.Now()
	a, err := l.c.postFrom(rctx, l.client, it.body, it.sourceID)
	took := time.Since(start)

	l.mu.Lock()
	defer l.mu.Unlock()
	it.tries++
	if ctx.Err() != nil {
		return // the test ran out of time; it fails on that
	}
	l.requests++
	l.latencies = append(l.latencies, took)
	it.history = append(it.history, fmt.Sprintf("%s: %s in %s", start.Format("15:04:05.000"),
		answerOrError(a, err), took.Round(time.Millisecond)))
	if err != nil {
		l.byAnswer["no answer"]++
		l.bad = append(l.bad, fmt.Sprintf("%s: %v", it.sourceID, err))
		it.notBefore, it.last = time.Now().Add(time.Second), err.Error()
		l.waiting = append(l.waiting, it)
		return
	}
	l.recordLocked(it, a, took)
}

func (l *loadRun) recordLocked(it *loadItem, a answer, took time.Duration) {
	key := strconv.Itoa(a.Status)
	if !a.succeeded() {
		key += " " + a.str("code")
	}
	l.byAnswer[key]++
	if _, ok := l.examples[key]; !ok && !a.succeeded() {
		l.examples[key] = a.str("detail")
	}
	it.last = a.describe()
	if limit := faultRequestTimeout + answerGrace; took > limit {
		l.late++
	}
	for _, e := range shapeErrors(a) {
		l.bad = append(l.bad, fmt.Sprintf("%s: %s: %.300s", it.sourceID, e, a.Body))
	}

	switch {
	case a.Status == http.StatusInternalServerError:
		l.bad = append(l.bad, fmt.Sprintf("%s: 500: %.300s", it.sourceID, a.Body))
	case a.succeeded():
		id := a.num("entityId")
		if it.entityID != 0 && it.entityID != id {
			l.mismatch = append(l.mismatch, fmt.Sprintf("%s: entity %d, earlier %d",
				it.sourceID, id, it.entityID))
		}
		if it.entityID == 0 {
			it.entityID = id
		}
		it.done = true
	case a.retryable():
		it.notBefore = time.Now().Add(min(max(a.retryAfter(), time.Second), flowMaxWait))
		l.waiting = append(l.waiting, it)
	default:
		l.bad = append(l.bad, fmt.Sprintf("%s: not retryable: %.300s", it.sourceID, a.Body))
	}
}

// load runs the workers until end: each posts an item, waits for the
// answer and posts the next. New items' source ids start with prefix.
func (l *loadRun) load(ctx context.Context, prefix string, end time.Time) {
	var wg sync.WaitGroup
	for range loadWorkers {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(end) {
				l.post(ctx, l.take(prefix))
			}
		})
	}
	wg.Wait()
}

// injectFaults injects a random WorkPoint fault every faultEvery, but no
// more than one per callsPerFault calls, until stop is called. stop
// returns the count of faults by kind; it may be called more than once.
func (l *loadRun) injectFaults(ctx context.Context) (stop func() map[string]int) {
	wp := l.c.stack.WorkPoint
	kinds := []struct {
		name  string
		fault workpoint.Fault
	}{
		{"503", workpoint.Fault{Status: http.StatusServiceUnavailable}},
		{"429 Retry-After 1", workpoint.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"}},
		{"connection reset", workpoint.Fault{Drop: true}},
		{"create carried out, answer lost",
			workpoint.Fault{Route: workpoint.RouteCreate, ApplyThenDrop: true}},
	}
	counts := map[string]int{}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(faultEvery)
		defer tick.Stop()
		last := wp.Calls("")
		for {
			select {
			case <-ctx.Done():
				return
			case <-quit:
				return
			case <-tick.C:
			}
			if calls := wp.Calls(""); calls-last >= callsPerFault {
				last = calls
				k := kinds[rand.IntN(len(kinds))]
				wp.InjectFault(1, k.fault)
				counts[k.name]++
			}
		}
	}()
	var once sync.Once
	return func() map[string]int {
		once.Do(func() { close(quit) })
		<-done
		return counts
	}
}

// finish posts the items the load left unfinished, in rounds of
// finishWorkers: the first after CREATE_SETTLE_TIME, so that creates
// without an answer have settled, the next after the Retry-After of the
// answers.
func (l *loadRun) finish(ctx context.Context) {
	wait := faultSettleTime + time.Second
	for range finishRounds {
		l.mu.Lock()
		pending := l.waiting
		l.waiting = nil
		l.mu.Unlock()
		if len(pending) == 0 {
			return
		}
		for _, it := range pending {
			wait = max(wait, time.Until(it.notBefore))
		}
		sleepCtx(ctx, min(wait, flowMaxWait+time.Second))
		l.forEach(ctx, pending, finishWorkers, l.post)
		wait = 0
	}
}

// forEach runs fn for every item on at most workers goroutines, and
// returns when all are done.
func (l *loadRun) forEach(ctx context.Context, items []*loadItem, workers int,
	fn func(context.Context, *loadItem)) {
	next := make(chan *loadItem)
	var wg sync.WaitGroup
	for range min(workers, len(items)) {
		wg.Go(func() {
			for it := range next {
				fn(ctx, it)
			}
		})
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		next <- it
	}
	close(next)
	wg.Wait()
}

// runtimeStats is the handler's GET /debug/runtime answer.
type runtimeStats struct {
	Goroutines int    `json:"goroutines"`
	HeapInuse  uint64 `json:"heapInuseBytes"`
	Sys        uint64 `json:"sysBytes"`
}

// settledRuntime reads the handler's runtime after runtimeQuietTime, and
// again every two seconds while it holds more than want goroutines, until
// idle connections must have closed or the replay needs the rest of the
// budget. It returns the last reading and how long it waited.
func (l *loadRun) settledRuntime(ctx context.Context, want int) (runtimeStats, time.Duration) {
	start := time.Now()
	until := start.Add(idleConnTime)
	if d, ok := ctx.Deadline(); ok && d.Add(-replayReserve).Before(until) {
		until = d.Add(-replayReserve)
	}
	sleepCtx(ctx, runtimeQuietTime)
	st := l.runtime(ctx)
	for st.Goroutines > want && time.Now().Before(until) && ctx.Err() == nil {
		sleepCtx(ctx, 2*time.Second)
		st = l.runtime(ctx)
	}
	return st, time.Since(start)
}

// runtime reads the handler's goroutines and heap, and ends the test if it
// cannot.
func (l *loadRun) runtime(ctx context.Context) runtimeStats {
	var st runtimeStats
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet,
		l.c.host.HandlerURL()+"/debug/runtime", nil)
	if err != nil {
		l.c.t.Fatalf("GET /debug/runtime: %v", err)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		l.c.t.Fatalf("GET /debug/runtime: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		l.c.t.Fatalf("GET /debug/runtime: got %s, want 200", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Goroutines == 0 {
		l.c.t.Fatalf("GET /debug/runtime: decode %+v: %v", st, err)
	}
	return st
}

// loadReport holds the figures of a load test besides the answers.
type loadReport struct {
	loadTime      time.Duration
	loadRequests  int
	faults        map[string]int
	before, after runtimeStats
	creates       int
	warmTime      time.Duration // warm-up and the first reading of the runtime
	finishTime    time.Duration // finishing the items the minute left open
	settleTime    time.Duration // from the last request to the second reading
	calls         int           // WorkPoint calls during the minute
}

// report prints the figures of the load, to the test log and to standard
// output, so that they show in make test.
func (l *loadRun) report(t *testing.T, r loadReport) {
	t.Helper()
	_, handlerMax, handlerLate := l.c.handlerDurations(faultRequestTimeout + answerGrace)
	l.mu.Lock()
	lat := slices.Clone(l.latencies)
	items, requests, late := len(l.items), l.requests, l.late
	answers := make([]string, 0, len(l.byAnswer))
	var examples []string
	for k, n := range l.byAnswer {
		answers = append(answers, fmt.Sprintf("%s: %d", k, n))
		if d, ok := l.examples[k]; ok {
			examples = append(examples, fmt.Sprintf("%s, e.g.: %.300s", k, d))
		}
	}
	l.mu.Unlock()
	sort.Strings(answers)
	sort.Strings(examples)
	slices.Sort(lat)
	pct := func(p int) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, len(lat)*p/100)].Round(time.Millisecond)
	}
	faults, total := make([]string, 0, len(r.faults)), 0
	for k, n := range r.faults {
		faults = append(faults, fmt.Sprintf("%s: %d", k, n))
		total += n
	}
	sort.Strings(faults)

	lines := []string{
		fmt.Sprintf("items %d, requests %d (%d in the minute, %.0f/s)", items, requests,
			r.loadRequests, float64(r.loadRequests)/r.loadTime.Seconds()),
		fmt.Sprintf("latency p50 %s, p90 %s, p99 %s, max %s", pct(50), pct(90), pct(99), pct(100)),
		fmt.Sprintf("answers later than %s: %d at the caller, %d in the handler (its longest %s)",
			faultRequestTimeout+answerGrace, late, handlerLate, handlerMax.Round(time.Millisecond)),
		"answers: " + strings.Join(answers, ", "),
		fmt.Sprintf("faults injected %d in %d WorkPoint calls (%.1f%%): %s", total, r.calls,
			100*float64(total)/float64(max(r.calls, 1)), strings.Join(faults, ", ")),
		fmt.Sprintf("goroutines %d before, %d after (read %s after the last request)",
			r.before.Goroutines, r.after.Goroutines, r.settleTime.Round(time.Second)),
		fmt.Sprintf("heap in use %.1f MiB before, %.1f MiB after (sys %.1f MiB)",
			mib(r.before.HeapInuse), mib(r.after.HeapInuse), mib(r.after.Sys)),
		fmt.Sprintf("WorkPoint creates %d", r.creates),
		fmt.Sprintf("phases: warm-up %s, load %s, finish %s", r.warmTime.Round(time.Second),
			r.loadTime.Round(time.Second), r.finishTime.Round(time.Second)),
	}
	lines = append(lines, examples...)
	for _, line := range lines {
		say(t, "load: %s", line)
	}
}

// say writes a figure to the test log; make test runs this test with -v
// so that the figures show.
func say(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf(format, args...)
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// checkAnswers fails on every answer of the wrong kind, and on items left
// without an entity.
func (l *loadRun) checkAnswers(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for name, list := range map[string][]string{
		"bad answers": l.bad, "answers naming another entity": l.mismatch} {
		if len(list) > 0 {
			t.Errorf("%s: %d, the first: %s", name, len(list),
				strings.Join(list[:min(5, len(list))], "; "))
		}
	}
	var open []string
	for _, it := range l.items {
		if !it.done {
			open = append(open, fmt.Sprintf("%s after %d tries (%s)",
				it.sourceID, it.tries, it.last))
		}
	}
	if len(open) > 0 {
		t.Errorf("items without a success: %d, the first: %s",
			len(open), strings.Join(open[:min(5, len(open))], "; "))
	}
}

// checkEntities checks that every item has exactly one entity, the one
// its answers named, and that no entity belongs to no item.
func (l *loadRun) checkEntities(t *testing.T) {
	t.Helper()
	bySource := entitiesBySource(l.c.stack)
	l.mu.Lock()
	defer l.mu.Unlock()
	wrong := 0
	for _, it := range l.items {
		ids := bySource[it.sourceID]
		delete(bySource, it.sourceID)
		if len(ids) == 1 && (!it.done || ids[0] == it.entityID) {
			continue
		}
		if wrong++; wrong <= 3 {
			t.Errorf("%s: entities %v, answered %d; answers:\n\t%s\nits log lines:\n\t%s",
				it.sourceID, ids, it.entityID, strings.Join(it.history, "\n\t"),
				strings.Join(l.c.linesOfRun(it.sourceID), "\n\t"))
		}
	}
	if wrong > 0 {
		t.Errorf("items without exactly one entity: %d of %d", wrong, len(l.items))
	}
	if len(bySource) > 0 {
		t.Errorf("entities of no item: %d", len(bySource))
	}
}

// checkReplay posts every item once more, as a flow run again would: each
// must end in 200 with the same entity, and WorkPoint must create nothing.
// A retryable problem, which says nothing was created, is posted again
// after its Retry-After, as the flow's retry policy does; any other answer
// is wrong.
func (l *loadRun) checkReplay(ctx context.Context, t *testing.T) {
	t.Helper()
	l.mu.Lock()
	items := slices.Clone(l.items)
	l.mu.Unlock()
	creates := l.c.stack.Solution.CreateCount()
	start := time.Now()

	var mu sync.Mutex
	var wrong []string
	retried := map[string]int{}
	l.forEach(ctx, items, finishWorkers, func(ctx context.Context, it *loadItem) {
		for try := 1; ; try++ {
			a, err := l.replayOnce(ctx, it)
			mu.Lock()
			switch {
			case err == nil:
			case a.retryable() && try < replayTries && ctx.Err() == nil:
				retried[a.str("code")]++
				mu.Unlock()
				sleepCtx(ctx, min(max(a.retryAfter(), time.Second), flowMaxWait))
				continue
			default:
				wrong = append(wrong, it.sourceID+": "+err.Error())
			}
			mu.Unlock()
			return
		}
	})
	took := time.Since(start)
	say(t, "load: replay of %d items in %s (%.0f/s), retried %v, %d wrong", len(items),
		took.Round(time.Second), float64(len(items))/took.Seconds(), retried, len(wrong))
	if err := ctx.Err(); err != nil {
		t.Fatalf("the replay ran out of the load test's %s: %v", loadBudget, err)
	}
	if len(wrong) > 0 {
		sort.Strings(wrong)
		first := strings.SplitN(wrong[0], ":", 2)[0]
		t.Errorf("replays: %d of %d wrong, the first: %s\nlog lines of %s:\n\t%s",
			len(wrong), len(items), strings.Join(wrong[:min(5, len(wrong))], "; "), first,
			strings.Join(l.c.linesOfRun(first), "\n\t"))
	}
	if n := l.c.stack.Solution.CreateCount(); n != creates {
		t.Errorf("WorkPoint creates: got %d after the replay, want %d as before", n, creates)
	}
}

// replayOnce posts the item again and returns the answer, with an error
// unless it is 200 with the item's entity and created false.
func (l *loadRun) replayOnce(ctx context.Context, it *loadItem) (answer, error) {
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	a, err := l.c.postFrom(rctx, l.client, it.body, it.sourceID)
	switch {
	case err != nil:
		return a, err
	case a.Status != http.StatusOK || a.JSON["created"] != false ||
		a.num("entityId") != it.entityID:
		return a, fmt.Errorf("got %s (%s), want 200 entity %d created=false",
			a.describe(), a.str("detail"), it.entityID)
	}
	return a, nil
}

// sleepCtx waits d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// answerOrError describes an answer, or the error in its place.
func answerOrError(a answer, err error) string {
	if err != nil {
		return err.Error()
	}
	return a.describe()
}

// linesOfRun returns the handler's log lines of the requests with flow run
// id runID.
func (c *chain) linesOfRun(runID string) []string {
	var out []string
	for _, l := range c.logs.Lines() {
		if strings.Contains(l, `"flow_run_id":"`+runID+`"`) {
			out = append(out, fmt.Sprintf("%.600s", l))
		}
	}
	return out
}

// handlerDurations returns how many requests the handler logged, the
// longest, and how many took longer than limit. The handler's own figure
// leaves out the time a request waits in the host imitation.
func (c *chain) handlerDurations(limit time.Duration) (n int, longest time.Duration, over int) {
	for _, l := range c.logs.Lines() {
		i := strings.IndexByte(l, '{')
		if i < 0 || !strings.Contains(l, `"message":"request"`) {
			continue
		}
		var line struct {
			Message  string  `json:"message"`
			Duration float64 `json:"duration_ms"`
		}
		if json.Unmarshal([]byte(l[i:]), &line) != nil || line.Message != "request" {
			continue
		}
		d := time.Duration(line.Duration * float64(time.Millisecond))
		n++
		longest = max(longest, d)
		if d > limit {
			over++
		}
	}
	return n, longest, over
}
