package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestPasswordHasherBoundsHashesInFlight starts more hashes than there are
// slots, with every slot held: exactly the slots' worth run, the others give
// up with errHashBusy after the wait. Without the bound every caller would
// be hashing at once.
func TestPasswordHasherBoundsHashesInFlight(t *testing.T) {
	const slots, callers = 2, 8
	// The wait only decides how soon the excess gives up; nothing below
	// depends on how long things take.
	h := newPasswordHasher(slots, 20*time.Millisecond)
	var inFlight, most atomic.Int32
	entered := make(chan struct{}, callers)
	release := make(chan struct{})
	h.inHash = func() {
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		entered <- struct{}{}
		<-release
		inFlight.Add(-1)
	}
	results := make(chan error, callers)
	for i := range callers {
		go func() {
			var err error
			if i%2 == 0 {
				_, err = h.hash(context.Background(), "a password of the test")
			} else {
				_, err = h.check(context.Background(), dummyHash(), "a password of the test")
			}
			results <- err
		}()
	}
	running, busy := 0, 0
	for busy < callers-slots {
		select {
		case <-entered:
			running++
			if running > slots {
				close(release)
				t.Fatalf("%d hashes in flight, want at most %d", running, slots)
			}
		case err := <-results:
			if !errors.Is(err, errHashBusy) {
				close(release)
				t.Fatalf("a caller without a slot got %v, want errHashBusy", err)
			}
			busy++
		}
	}
	close(release)
	for range slots {
		if err := <-results; err != nil {
			t.Errorf("a caller with a slot got %v", err)
		}
	}
	if got := most.Load(); got != slots {
		t.Errorf("at most %d hashes ran at once, want %d", got, slots)
	}
}

// TestPasswordHasherSlots: one slot per core, capped, named once.
func TestPasswordHasherSlots(t *testing.T) {
	if n := hashSlots(); n < 1 || n > maxHashSlots {
		t.Errorf("hashSlots() = %d, want 1..%d", n, maxHashSlots)
	}
	if h := newPasswordHasher(hashSlots(), hashWait); cap(h.slots) != hashSlots() {
		t.Errorf("hasher has %d slots, want %d", cap(h.slots), hashSlots())
	}
}

// TestPasswordFormsAnswerBusy: with every hash slot taken, a login and a
// sign-up wait briefly, then answer 503 with Retry-After and a message, and
// store nothing.
func TestPasswordFormsAnswerBusy(t *testing.T) {
	app := newTestApp(t)
	app.signUp("ada@example.com")
	hasher := newPasswordHasher(1, 10*time.Millisecond)
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	var releaseOnce sync.Once
	releaseHolder := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseHolder) // a failure must not leave the holder hanging
	hasher.inHash = func() {
		select {
		case entered <- struct{}{}:
			<-release // only the first hash holds its slot
		default:
		}
	}
	app.server.passwords = hasher

	holder := app.client()
	holder.csrfToken() // fetch the token before the slot is taken
	done := make(chan *response, 1)
	go func() {
		done <- holder.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong password!"}})
	}()
	<-entered

	tests := []struct{ name, path, email string }{
		{"log in", "/login", "ada@example.com"},
		{"sign up", "/signup", "new@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := app.client().post(tc.path, url.Values{"email": {tc.email}, "password": {testPassword}})
			res.wantStatus(http.StatusServiceUnavailable)
			if got := res.header.Get("Retry-After"); got != "2" {
				t.Errorf("Retry-After = %q, want 2", got)
			}
			if got := res.testid("form-error").Text(); got != passwordsBusy {
				t.Errorf("message = %q, want %q", got, passwordsBusy)
			}
		})
	}
	releaseHolder()
	(<-done).wantStatus(http.StatusUnprocessableEntity)
	if n := app.count("users"); n != 1 {
		t.Errorf("users = %d, want 1: the refused sign-up stored nothing", n)
	}
}
