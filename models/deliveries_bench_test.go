package models

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRecordAttempts records batches of attempts, each with its
// message's new state, in one transaction per batch: the engine's record
// group commit. One is a batch at light load, 8 about a batch under load.
func BenchmarkRecordAttempts(b *testing.B) {
	for _, size := range []int{1, 8} {
		b.Run(fmt.Sprintf("batch_%d", size), func(b *testing.B) {
			s := openTestStore(b)
			ctx := context.Background()
			now := time.Now().UTC()
			n := 0
			var cpu time.Duration
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				records := make([]AttemptRecord, size)
				msgs := make([]*Message, size)
				for i := range records {
					n++
					msgs[i] = &Message{ID: fmt.Sprintf("msg_%08d", n), EventID: "evt_1", EndpointID: 1, UserID: 1, EventType: "TEST_STARTED",
						State: StatePending, MaxAttempts: 4, CreatedAt: now, UpdatedAt: now}
				}
				if err := s.db.Create(msgs).Error; err != nil {
					b.Fatal(err)
				}
				for i, msg := range msgs {
					msg.State, msg.Attempts, msg.LastStatus = StateSucceeded, 1, 200
					records[i] = AttemptRecord{Message: msg, Attempt: &Attempt{MessageID: msg.ID, EndpointID: 1, Number: 1, StartedAt: now,
						URL: "https://example.com", RequestHeaders: "{}", ResponseStatus: 200, Success: true}}
				}
				b.StartTimer()
				before := processCPU()
				if err := s.RecordAttempts(ctx, records, nil); err != nil {
					b.Fatal(err)
				}
				cpu += processCPU() - before
			}
			// The wall time is mostly the commit's fsync; the CPU is the work.
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
