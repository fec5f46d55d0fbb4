package catalog

// TestRunKey is the metadata key naming a load test run. The events that
// carry it (TEST_STARTED, TEST_FINISH, TEST_FAILED) reach each endpoint in
// the order they were accepted, run by run.
const TestRunKey = "testRunId"

// TestRunID is the event's test run, "" when its type carries none (builder
// and project events) or the value is empty: such events are never held.
func (in EventInput) TestRunID() string { return in.Metadata[TestRunKey] }
