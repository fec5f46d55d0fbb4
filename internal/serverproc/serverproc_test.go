package serverproc

import (
	"os"
	"testing"
)

func TestReadMemory(t *testing.T) {
	rss, err := ReadRSS(os.Getpid())
	if err != nil || rss <= 0 {
		t.Fatalf("ReadRSS = %d, %v", rss, err)
	}
	// The peak is read after the current size, so it cannot be smaller.
	if hwm, err := ReadHWM(os.Getpid()); err != nil || hwm < rss {
		t.Errorf("ReadHWM = %d, %v; want at least VmRSS %d", hwm, err, rss)
	}
	for _, read := range []func(int) (int64, error){ReadRSS, ReadHWM} {
		if _, err := read(-1); err == nil {
			t.Error("no error for a process that does not exist")
		}
	}
}
