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
	procs []*procServer
	next  atomic.Int64
	// postmaster is the pid of the Postgres server under test (0 on
	// SQLite): only its processes count, not another Postgres on the box.
	postmaster int
}

func startCluster(ctx context.Context, binary, dsn, secret string, env []string, n int, log io.Writer) (*clusterServer, error) {
	c := &clusterServer{}
	if strings.Contains(dsn, "://") {
		pid, err := postmasterOf(ctx, dsn)
		if err != nil {
			return nil, err
		}
		c.postmaster = pid
	}
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
	d, err := c.PostgresCPU()
	if err != nil {
		return 0, err
	}
	return sum + d, nil
}

// PostgresCPU is the database's part of CPU: 0 on SQLite.
func (c *clusterServer) PostgresCPU() (time.Duration, error) {
	if c.postmaster == 0 {
		return 0, nil
	}
	return postgresCPU(c.postmaster)
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

// postmasterOf finds the pid of the Postgres server behind dsn: the parent
// of the backend serving a connection to it. It must run on this machine.
func postmasterOf(ctx context.Context, dsn string) (int, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return 0, fmt.Errorf("connect to %s: %w", dsn, err)
	}
	defer db.Close()
	var backend int
	if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return 0, fmt.Errorf("find the postgres backend: %w", err)
	}
	f, err := procStat(backend)
	if err != nil {
		return 0, fmt.Errorf("postgres backend %d is not on this machine, so its CPU cannot be counted: %w", backend, err)
	}
	parent, _ := strconv.Atoi(f[1])
	return parent, nil
}

// procStat is the fields of /proc/pid/stat after the command name: state,
// ppid, … utime (index 11), stime, cutime, cstime.
func procStat(pid int) ([]string, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, err
	}
	close := bytes.LastIndexByte(raw, ')')
	if close < 0 {
		return nil, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	f := strings.Fields(string(raw[close+1:]))
	if len(f) < 15 {
		return nil, fmt.Errorf("short /proc/%d/stat", pid)
	}
	return f, nil
}

// postgresCPU is the CPU time of one Postgres server, the postmaster and
// its children: each live child's own, plus what the postmaster's exited
// children used (cutime and cstime), so backends that closed mid-run still
// count. Another Postgres on the machine (a test server) is left out.
func postgresCPU(postmaster int) (time.Duration, error) {
	f, err := procStat(postmaster)
	if err != nil {
		return 0, fmt.Errorf("postgres server %d: %w", postmaster, err)
	}
	ticks := parseTicks(f[11]) + parseTicks(f[12]) + parseTicks(f[13]) + parseTicks(f[14])
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("list processes: %w", err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f, err := procStat(pid)
		if err != nil {
			continue // exited meanwhile
		}
		if parent, _ := strconv.Atoi(f[1]); parent == postmaster {
			ticks += parseTicks(f[11]) + parseTicks(f[12])
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

func parseTicks(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

var _ server = (*clusterServer)(nil)
