package password

import (
	"errors"
	"testing"
)

func TestHashAndCheck(t *testing.T) {
	h := Hash("correct horse battery")
	if h == Hash("correct horse battery") {
		t.Error("two hashes of one password are equal: no salt?")
	}
	for _, tc := range []struct {
		password string
		want     bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		ok, err := Check(h, tc.password)
		if err != nil || ok != tc.want {
			t.Errorf("Check(%q) = %v, %v; want %v", tc.password, ok, err, tc.want)
		}
	}
}

func TestCheckRefusesMalformedHashes(t *testing.T) {
	for _, bad := range []string{
		"",
		"$2a$10$abc",
		"$argon2id$v=18$m=19456,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=0,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=2000000,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$",
	} {
		if _, err := Check(bad, "x"); !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Check(%q) = %v, want ErrMalformedHash", bad, err)
		}
	}
}

func TestHashRecordsItsParameters(t *testing.T) {
	// A hash made with other costs (as after raising them) still checks.
	h := hashWith("pw of another era", params{memoryKiB: 8 * 1024, time: 1, threads: 1, keyLen: 16})
	if ok, err := Check(h, "pw of another era"); err != nil || !ok {
		t.Fatalf("Check of a hash with other parameters = %v, %v; want true", ok, err)
	}
}
