package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// freshDB names a new, empty database for one server run: a SQLite file in
// the temp dir, or with -postgres a new database on that server, dropped
// when the run ends.
func (b *bench) freshDB(name string) (string, error) {
	if b.opts.postgres == "" {
		return filepath.Join(b.dir, name+".db"), nil
	}
	db := "loadbench_" + name + "_" + strings.ToLower(rand.Text()[:8])
	admin, err := sql.Open("pgx", b.opts.postgres+"/postgres")
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", b.opts.postgres, err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + db); err != nil {
		return "", fmt.Errorf("create database %s: %w", db, err)
	}
	b.cleanups = append(b.cleanups, func() {
		admin, err := sql.Open("pgx", b.opts.postgres+"/postgres")
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP DATABASE " + db + " WITH (FORCE)")
	})
	return b.opts.postgres + "/" + db, nil
}

// clusterServer is several server processes on one database: requests go to
// them in turn, and CPU counts every process plus, on Postgres, every
// Postgres process, so the cost per delivery includes the database's.
type clusterServer struct {
	procs    []*procServer
	next     atomic.Int64
	postgres bool
}

func startCluster(ctx context.Context, binary, dsn, secret string, env []string, n int, log io.Writer) (*clusterServer, error) {
	c := &clusterServer{postgres: strings.Contains(dsn, "://")}
	for range n {
		p, err := startProcess(ctx, binary, dsn, secret, env, log)
		if err != nil {
			c.Stop(ctx)
			return nil, err
		}
		c.procs = append(c.procs, p)
	}
	return c, nil
}

func (c *clusterServer) URL() string {
	return c.procs[int(c.next.Add(1))%len(c.procs)].URL()
}

func (c *clusterServer) RSS() (int64, error) {
	var sum int64
	for _, p := range c.procs {
		n, err := p.RSS()
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// CPU is the app processes' CPU time plus, on Postgres, the database's.
func (c *clusterServer) CPU() (time.Duration, error) {
	var sum time.Duration
	for _, p := range c.procs {
		d, err := p.CPU()
		if err != nil {
			return 0, err
		}
		sum += d
	}
	if c.postgres {
		d, err := postgresCPU()
		if err != nil {
			return 0, err
		}
		sum += d
	}
	return sum, nil
}

func (c *clusterServer) Stop(ctx context.Context) (string, error) {
	var how []string
	var errs []error
	for _, p := range c.procs {
		h, err := p.Stop(ctx)
		how = append(how, h)
		errs = append(errs, err)
	}
	return strings.Join(how, "; "), errors.Join(errs...)
}

// postgresCPU is the CPU time of every Postgres process on this machine:
// each live process's own, plus what the postmaster's exited children used
// (cutime and cstime), so backends that closed mid-run still count.
func postgresCPU() (time.Duration, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("list processes: %w", err)
	}
	var ticks int64
	found := false
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		raw, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		open, close := bytes.IndexByte(raw, '('), bytes.LastIndexByte(raw, ')')
		if open < 0 || close < open || !bytes.HasPrefix(raw[open+1:close], []byte("postgres")) {
			continue
		}
		f := strings.Fields(string(raw[close+1:]))
		if len(f) < 15 {
			continue
		}
		// Fields after the name: state ppid … utime(12) stime(13) cutime(14) cstime(15), 1-based from state.
		parent, _ := strconv.Atoi(f[1])
		own := parseTicks(f[11]) + parseTicks(f[12])
		if !isPostgres(parent) {
			// The postmaster: its reaped children's time too.
			own += parseTicks(f[13]) + parseTicks(f[14])
		}
		ticks += own
		found = true
	}
	if !found {
		return 0, errors.New("no postgres process found on this machine")
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

func parseTicks(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func isPostgres(pid int) bool {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return err == nil && strings.HasPrefix(string(raw), "postgres")
}

var _ server = (*clusterServer)(nil)
