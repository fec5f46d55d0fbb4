package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// instanceURLs are the base URLs of every instance the server runs.
func instanceURLs(srv server) []string {
	if c, ok := srv.(*clusterServer); ok {
		urls := make([]string, len(c.procs))
		for i, p := range c.procs {
			urls[i] = p.URL()
		}
		return urls
	}
	return []string{srv.URL()}
}

// counter sums a Prometheus counter without labels over the instances'
// /metrics; ok is false when an instance serves none (the in-process
// server has no registry).
func counter(ctx context.Context, srv server, name string) (total float64, ok bool, err error) {
	for _, base := range instanceURLs(srv) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
		if err != nil {
			return 0, false, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, false, fmt.Errorf("scrape %s: %w", base, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return 0, false, err
		}
		found := false
		for line := range strings.Lines(string(body)) {
			if v, cut := strings.CutPrefix(line, name+" "); cut {
				n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					return 0, false, fmt.Errorf("scrape %s: %s: %w", base, name, err)
				}
				total += n
				found = true
			}
		}
		if !found {
			return 0, false, nil
		}
	}
	return total, true, nil
}
