package fault_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"projectsync/internal/standin/fault"
)

func TestQueue_HandsOutFaultsInOrder(t *testing.T) {
	var q fault.Queue[fault.Fault]
	q.Add(2, fault.Fault{Status: 500})
	q.Add(0, fault.Fault{Status: 400})
	q.Add(1, fault.Fault{Status: 503})

	var got []int
	for {
		f, ok := q.Next()
		if !ok {
			break
		}
		got = append(got, f.Status)
	}
	want := []int{500, 500, 503}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("got faults %v, want %v", got, want)
	}

	q.Add(3, fault.Fault{Drop: true})
	q.Clear()
	if _, ok := q.Next(); ok {
		t.Error("Next after Clear returned a fault")
	}
}

// serve runs a server whose handler applies f and then answers "served".
func serve(t *testing.T, f fault.Fault) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.Apply(w, r) {
			return
		}
		io.WriteString(w, "served")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFault_Apply(t *testing.T) {
	tests := []struct {
		name       string
		fault      fault.Fault
		wantErr    bool
		wantStatus int
		wantBody   string
		wantHeader string
	}{
		{"status", fault.Fault{Status: 429, Body: `{"x":1}`,
			Header: http.Header{"Retry-After": {"2"}}}, false, 429, `{"x":1}`, "2"},
		{"drop", fault.Fault{Drop: true}, true, 0, "", ""},
		{"delay only", fault.Fault{Delay: time.Millisecond}, false, 200, "served", ""},
		{"nothing", fault.Fault{}, false, 200, "served", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, tt.fault)
			resp, err := srv.Client().Get(srv.URL)
			if tt.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatal("got an answer, want the connection dropped")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.wantStatus,
					tt.wantBody)
			}
			if got := resp.Header.Get("Retry-After"); got != tt.wantHeader {
				t.Errorf("got Retry-After %q, want %q", got, tt.wantHeader)
			}
		})
	}
}

func TestFault_DelayEndsWithRequest(t *testing.T) {
	entered := make(chan struct{})
	applied := make(chan bool, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		applied <- fault.Fault{Delay: time.Hour}.Apply(w, r)
	}))
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-entered
	cancel()

	if err := <-done; err == nil {
		t.Error("got an answer, want the canceled request to fail")
	}
	if !<-applied {
		t.Error("Apply reported the request unanswered after the client left")
	}
}
