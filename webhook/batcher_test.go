package webhook

import (
	"slices"
	"testing"
	"time"
)

func TestBatcherGather(t *testing.T) {
	tests := []struct {
		name    string
		busy    bool
		linger  time.Duration
		waiting []int // handed in before gather
		later   []int // handed in once gather runs
		want    []int
	}{
		{"quiet: what is waiting, at once", false, time.Hour, []int{2, 3}, nil, []int{1, 2, 3}},
		{"quiet: nothing waiting, nothing waited for", false, time.Hour, nil, nil, []int{1}},
		{"busy: waits for more, up to max", true, time.Hour, []int{2}, []int{3, 4}, []int{1, 2, 3, 4}},
		{"busy: the linger ends the wait", true, 10 * time.Millisecond, []int{2}, nil, []int{1, 2}},
		{"busy: never past max", true, time.Hour, []int{2, 3, 4, 5}, nil, []int{1, 2, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBatcher(4, func([]int) {})
			b.linger = tt.linger
			for _, v := range tt.waiting {
				b.in <- v
			}
			go func() {
				for _, v := range tt.later {
					b.in <- v
				}
			}()
			if got := b.gather([]int{1}, tt.busy); !slices.Equal(got, tt.want) {
				t.Fatalf("gathered %v, want %v", got, tt.want)
			}
		})
	}
}
