package catalog

import (
	"slices"
	"testing"
)

// specRow is one row of SPEC.md's "Event catalog" table.
type specRow struct {
	name, title, message, severity, group string
	keys                                  []string
}

// specCatalog is SPEC.md's table, transcribed independently of catalog.go.
func specCatalog() []specRow {
	return []specRow{
		{"TEST_STARTED", "Load Test Started", "Load test execution has begun", "info", "Tests",
			[]string{"testRunId", "maxUser", "duration", "watchLive"}},
		{"TEST_FINISH", "Load Test Completed", "Load test has finished successfully", "success", "Tests",
			[]string{"testRunId", "status", "duration", "maxUser", "totalRequestCount", "avgResponseTime", "throughput", "apdexScore", "runningTime", "reportLink"}},
		{"TEST_FAILED", "Load Test Failed", "Load test encountered an error and stopped", "error", "Tests",
			[]string{"testRunId", "duration", "totalRequestCount", "errorRate", "avgResponseTime", "runningTime", "failReportLink"}},
		{"TEST_BUILDER_CREATED", "Test Builder Created", "A new test scenario has been created", "info", "Test builders",
			[]string{"testBuilderId", "testBuilderTitle", "projectId", "projectName"}},
		{"TEST_BUILDER_UPDATED", "Test Builder Updated", "A test scenario has been updated", "info", "Test builders",
			[]string{"testBuilderId", "testBuilderTitle", "projectId", "projectName"}},
		{"TEST_BUILDER_DELETED", "Test Builder Deleted", "A test scenario has been deleted", "info", "Test builders",
			[]string{"testBuilderId", "testBuilderTitle", "projectId", "projectName"}},
		{"PROJECT_CREATED", "📁 New Project Created", "Project '{projectName}' has been created.", "info", "Projects", nil},
		{"PROJECT_UPDATED", "📝 Project Updated", "Project '{projectName}' has been updated.", "info", "Projects", nil},
		{"PROJECT_DELETED", "🗂 Project Deleted", "Project '{projectName}' has been deleted.", "info", "Projects", nil},
	}
}

func TestCatalogMatchesSpec(t *testing.T) {
	types := EventTypes()
	if len(types) != len(specCatalog()) {
		t.Fatalf("EventTypes() has %d types, want %d", len(types), len(specCatalog()))
	}
	for i, want := range specCatalog() {
		got := types[i]
		if got.Name != want.name || got.Title != want.title || got.Message != want.message ||
			got.Severity != want.severity || got.Group != want.group {
			t.Errorf("type %d = %+v, want %+v", i, got, want)
		}
		if !slices.Equal(got.MetadataKeys, want.keys) {
			t.Errorf("%s keys = %v, want %v", want.name, got.MetadataKeys, want.keys)
		}
		if got.IsProject() != (want.group == "Projects") {
			t.Errorf("%s IsProject() = %v", want.name, got.IsProject())
		}
		if got.IsProject() && got.MetadataKeys != nil {
			t.Errorf("%s: project events must have nil MetadataKeys", want.name)
		}
	}
}

func TestCatalogSampleCoversKeys(t *testing.T) {
	for _, et := range EventTypes() {
		if len(et.Sample) != len(et.MetadataKeys) {
			t.Errorf("%s: sample has %d values for %d keys", et.Name, len(et.Sample), len(et.MetadataKeys))
		}
		for _, k := range et.MetadataKeys {
			if _, ok := et.Sample[k]; !ok {
				t.Errorf("%s: sample lacks %s", et.Name, k)
			}
		}
	}
}

func TestCatalogReturnsCopies(t *testing.T) {
	types := EventTypes()
	types[0].Title = "changed"
	types[0].MetadataKeys[0] = "changed"
	types[0].Sample["testRunId"] = "changed"
	types[1] = EventType{}

	et, ok := LookupEventType("TEST_STARTED")
	if !ok || et.Title != "Load Test Started" || et.MetadataKeys[0] != "testRunId" || et.Sample["testRunId"] != "1234567890" {
		t.Fatalf("catalog changed through a returned value: %+v", et)
	}
	if EventTypes()[1].Name != "TEST_FINISH" {
		t.Fatal("catalog order changed through a returned slice")
	}
	et.Title, et.MetadataKeys[0], et.Sample["testRunId"] = "changed", "changed", "changed"
	if again, _ := LookupEventType("TEST_STARTED"); again.Title != "Load Test Started" || again.MetadataKeys[0] != "testRunId" || again.Sample["testRunId"] != "1234567890" {
		t.Fatalf("catalog changed through a looked-up value: %+v", again)
	}
	groups := EventGroups()
	groups[0].Types[0].Name = "changed"
	if EventGroups()[0].Types[0].Name != "TEST_STARTED" {
		t.Fatal("catalog changed through EventGroups")
	}
	sev := Severities()
	sev[0] = "changed"
	if Severities()[0] != "info" {
		t.Fatal("Severities changed through a returned slice")
	}
}

func TestCatalogLookup(t *testing.T) {
	for _, want := range specCatalog() {
		got, ok := LookupEventType(want.name)
		if !ok || got.Name != want.name {
			t.Errorf("LookupEventType(%q) = %v, %v", want.name, got.Name, ok)
		}
	}
	for _, name := range []string{"", "test_started", "TEST_STOPPED", " TEST_STARTED"} {
		if got, ok := LookupEventType(name); ok {
			t.Errorf("LookupEventType(%q) = %v, want not found", name, got.Name)
		}
	}
}

func TestCatalogGroups(t *testing.T) {
	groups := EventGroups()
	want := []struct {
		name  string
		types []string
	}{
		{"Tests", []string{"TEST_STARTED", "TEST_FINISH", "TEST_FAILED"}},
		{"Test builders", []string{"TEST_BUILDER_CREATED", "TEST_BUILDER_UPDATED", "TEST_BUILDER_DELETED"}},
		{"Projects", []string{"PROJECT_CREATED", "PROJECT_UPDATED", "PROJECT_DELETED"}},
	}
	if len(groups) != len(want) {
		t.Fatalf("EventGroups() has %d groups, want %d", len(groups), len(want))
	}
	for i, w := range want {
		var names []string
		for _, et := range groups[i].Types {
			names = append(names, et.Name)
		}
		if groups[i].Name != w.name || !slices.Equal(names, w.types) {
			t.Errorf("group %d = %s %v, want %s %v", i, groups[i].Name, names, w.name, w.types)
		}
	}
}

func TestCatalogSeverities(t *testing.T) {
	if got, want := Severities(), []string{"info", "success", "warning", "error"}; !slices.Equal(got, want) {
		t.Fatalf("Severities() = %v, want %v", got, want)
	}
}
