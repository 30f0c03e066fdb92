package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Items numbers the items a run sends, so that every request is a new
// item: the handler answers a repeated key from its ledger without calling
// WorkPoint.
type Items struct {
	// Prefix starts every sourceId; make it unique per run.
	Prefix string
	seq    atomic.Uint64
}

// Next returns the number of a new item.
func (it *Items) Next() uint64 {
	return it.seq.Add(1)
}

// HandlerBody returns the composed body of item n, as a flow sends it to
// the handler.
func (it *Items) HandlerBody(n uint64) []byte {
	b := make([]byte, 0, 128)
	b = append(b, `{"title":"`...)
	b = appendTitle(b, n)
	b = append(b, `","parent":"WorkPoint A/S","sourceId":"`...)
	b = append(b, it.Prefix...)
	b = appendNumber(b, n)
	return append(b, `"}`...)
}

// FloorBody returns the WorkPoint create body the handler sends for item n
// of HandlerBody in the business module moduleID under the parent with
// entity id parentID: the fields in the order encoding/json writes a map,
// the idempotency key in the source field.
func (it *Items) FloorBody(moduleID string, parentID int, n uint64) []byte {
	b := make([]byte, 0, 160)
	b = append(b, `{"ProjectSyncKey":"`...)
	b = append(b, moduleID...)
	b = append(b, '|')
	b = append(b, it.Prefix...)
	b = appendNumber(b, n)
	b = append(b, `","Title":"`...)
	b = appendTitle(b, n)
	b = append(b, `","wpCompany":`...)
	b = strconv.AppendInt(b, int64(parentID), 10)
	return append(b, '}')
}

func appendTitle(b []byte, n uint64) []byte {
	return appendNumber(append(b, "Bench project "...), n)
}

// appendNumber writes n with at least eight digits, so that bodies keep
// one length.
func appendNumber(b []byte, n uint64) []byte {
	s := strconv.FormatUint(n, 10)
	for i := len(s); i < 8; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// loadClient returns the load generator's client for load: no proxy, and
// as many idle connections as requests may be in flight.
func loadClient(load Load) *http.Client {
	conns := 1024
	if load.Kind == KindConcurrency {
		conns = max(load.Value, 1)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// maxRateWorkers bounds the workers of a fixed-rate attack, should the
// process measured stall.
const maxRateWorkers = 2048

// attack sends load to url for d, each request a POST of body(n) for a new
// item n, and returns what it measured. It ends early if ctx ends.
func attack(ctx context.Context, client *http.Client, url string, load Load, d time.Duration,
	items *Items, body func(uint64) []byte) Round {
	opts := []func(*vegeta.Attacker){vegeta.Client(client), vegeta.MaxBody(64 << 10)}
	var pacer vegeta.Pacer
	switch load.Kind {
	case KindConcurrency:
		n := uint64(max(load.Value, 1))
		opts = append(opts, vegeta.Workers(n), vegeta.MaxWorkers(n))
		pacer = vegeta.ConstantPacer{} // no limit: each worker sends as soon as it may
	default:
		opts = append(opts, vegeta.Workers(16), vegeta.MaxWorkers(maxRateWorkers))
		pacer = vegeta.ConstantPacer{Freq: load.Value, Per: time.Second}
	}
	atk := vegeta.NewAttacker(opts...)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()

	header := http.Header{"Content-Type": []string{"application/json"}}
	targeter := func(t *vegeta.Target) error {
		t.Method, t.URL, t.Header = http.MethodPost, url, header
		t.Body = body(items.Next())
		return nil
	}

	var r Round
	start := time.Now()
	for res := range atk.Attack(targeter, pacer, d, load.String()) {
		r.Requests++
		if res.Error == "" && res.Code >= 200 && res.Code < 300 {
			r.Latencies = append(r.Latencies, res.Latency)
			continue
		}
		r.Errors++
		if len(r.ErrorSamples) < maxErrorSamples {
			r.ErrorSamples = appendNew(r.ErrorSamples, describe(res))
		}
	}
	r.Elapsed = time.Since(start)
	return r
}

// describe names what went wrong with one result, with the start of the
// answer's body.
func describe(res *vegeta.Result) string {
	if res.Code == 0 {
		return res.Error
	}
	body := string(res.Body)
	if len(body) > 200 {
		body = body[:200] + "…"
	}
	return fmt.Sprintf("status %d: %s", res.Code, body)
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
