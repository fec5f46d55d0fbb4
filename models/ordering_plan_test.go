package models

import (
	"strings"
	"testing"

	"github.com/loadhook/loadhook/catalog"
)

// The order per test run reads through two partial indexes; SQLite uses
// one only when the query repeats its condition, so a condition changed on
// one side alone would turn each publish and release into a table scan.
func TestOrderingQueriesUseTheirIndexes(t *testing.T) {
	s := openTestStore(t)
	if !s.IsSQLite() {
		t.Skip("the plans checked are SQLite's")
	}
	for _, tc := range []struct {
		query, index string
	}{
		{"SELECT run_order_key, id, waiting_for FROM messages WHERE run_order_key IN (1, 2) AND " + unfinishedOfRun, "idx_messages_run"},
		{"UPDATE messages SET state = 'pending' WHERE waiting_for IN ('a', 'b') AND " + waitingBehind, "idx_messages_waiting"},
	} {
		if got := sqlitePlan(t, s, tc.query); !strings.Contains(got, "USING INDEX "+tc.index) {
			t.Errorf("%s\nplan: %s\nwant it to use %s", tc.query, got, tc.index)
		}
	}
}

// unfinishedOfRun names the in-flight states by the two it leaves out (an
// index condition in a struct tag cannot list them): it must agree with
// the catalog's list for every state there is.
func TestUnfinishedOfRunIsInFlight(t *testing.T) {
	for _, st := range catalog.MessageStates {
		excluded := strings.Contains(unfinishedOfRun, "state <> '"+st.Name+"'")
		if excluded == catalog.InFlight(st.Name) {
			t.Errorf("state %s: in flight %v, but the run index condition %q disagrees", st.Name, catalog.InFlight(st.Name), unfinishedOfRun)
		}
	}
}

// sqlitePlan is SQLite's EXPLAIN QUERY PLAN of query, its steps joined.
func sqlitePlan(t *testing.T, s *Store, query string) string {
	t.Helper()
	rows, err := s.db.Raw("EXPLAIN QUERY PLAN " + query).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}
