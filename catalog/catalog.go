package catalog

import (
	"maps"
	"slices"
	"strings"
)

// Severity values, lower case as they appear on the wire.
const (
	severityInfo    = "info"
	severitySuccess = "success"
	severityWarning = "warning"
	severityError   = "error"
)

// Group names used by EventGroups, in display order.
const (
	groupTests        = "Tests"
	groupTestBuilders = "Test builders"
	groupProjects     = "Projects"
)

// projectNamePlaceholder is replaced by the project name in project event messages.
const projectNamePlaceholder = "{projectName}"

// EventType describes one of the nine event types.
type EventType struct {
	Name         string            // "TEST_STARTED"
	Title        string            // "Load Test Started"
	Message      string            // default message; project events contain "{projectName}"
	Severity     string            // "info", "success", "warning" or "error"
	Group        string            // "Tests", "Test builders" or "Projects"
	MetadataKeys []string          // in SPEC order; nil for project events
	Sample       map[string]string // SPEC sample values; link values are paths joined to a base URL by SampleEvent
}

// IsProject reports whether the type is a project event (no metadata, message needs a project name).
func (t EventType) IsProject() bool {
	return t.Group == groupProjects
}

// defaultMessage returns the type's message with the project name filled in.
func (t EventType) defaultMessage(projectName string) string {
	return strings.ReplaceAll(t.Message, projectNamePlaceholder, projectName)
}

// isLinkKey reports whether key is a metadata key whose sample values are paths on the server's own base URL.
func isLinkKey(key string) bool {
	switch key {
	case "watchLive", "reportLink", "failReportLink":
		return true
	}
	return false
}

// catalog builds the table afresh on every call, so no caller can change what
// another sees. EventTypes and the listings use it; the hot path
// (LookupEventType) copies one entry of a table built once.
func catalog() []EventType {
	builderKeys := func() []string {
		return []string{"testBuilderId", "testBuilderTitle", "projectId", "projectName"}
	}
	builderSample := func() map[string]string {
		return map[string]string{
			"testBuilderId":    "9876543210",
			"testBuilderTitle": "API Stress Test",
			"projectId":        "12345",
			"projectName":      "E-commerce Platform",
		}
	}
	return []EventType{
		{
			Name:         "TEST_STARTED",
			Title:        "Load Test Started",
			Message:      "Load test execution has begun",
			Severity:     severityInfo,
			Group:        groupTests,
			MetadataKeys: []string{"testRunId", "maxUser", "duration", "watchLive"},
			Sample: map[string]string{
				"testRunId": "1234567890",
				"maxUser":   "100",
				"duration":  "300",
				"watchLive": "/reports/1234567890/live",
			},
		},
		{
			Name:     "TEST_FINISH",
			Title:    "Load Test Completed",
			Message:  "Load test has finished successfully",
			Severity: severitySuccess,
			Group:    groupTests,
			MetadataKeys: []string{
				"testRunId", "status", "duration", "maxUser", "totalRequestCount",
				"avgResponseTime", "throughput", "apdexScore", "runningTime", "reportLink",
			},
			Sample: map[string]string{
				"testRunId":         "1234567890",
				"status":            "FINISH",
				"duration":          "15",
				"maxUser":           "3",
				"totalRequestCount": "1500015000",
				"avgResponseTime":   "245.7",
				"throughput":        "50.2",
				"apdexScore":        "0.85",
				"runningTime":       "10",
				"reportLink":        "/reports/1234567890",
			},
		},
		{
			Name:     "TEST_FAILED",
			Title:    "Load Test Failed",
			Message:  "Load test encountered an error and stopped",
			Severity: severityError,
			Group:    groupTests,
			MetadataKeys: []string{
				"testRunId", "duration", "totalRequestCount", "errorRate",
				"avgResponseTime", "runningTime", "failReportLink",
			},
			Sample: map[string]string{
				"testRunId":         "1234567890",
				"duration":          "150",
				"totalRequestCount": "7500",
				"errorRate":         "6.0",
				"avgResponseTime":   "3200.5",
				"runningTime":       "15",
				"failReportLink":    "/reports/1234567890/failure",
			},
		},
		{
			Name:         "TEST_BUILDER_CREATED",
			Title:        "Test Builder Created",
			Message:      "A new test scenario has been created",
			Severity:     severityInfo,
			Group:        groupTestBuilders,
			MetadataKeys: builderKeys(),
			Sample:       builderSample(),
		},
		{
			Name:         "TEST_BUILDER_UPDATED",
			Title:        "Test Builder Updated",
			Message:      "A test scenario has been updated",
			Severity:     severityInfo,
			Group:        groupTestBuilders,
			MetadataKeys: builderKeys(),
			Sample:       builderSample(),
		},
		{
			Name:         "TEST_BUILDER_DELETED",
			Title:        "Test Builder Deleted",
			Message:      "A test scenario has been deleted",
			Severity:     severityInfo,
			Group:        groupTestBuilders,
			MetadataKeys: builderKeys(),
			Sample:       builderSample(),
		},
		{
			Name:     "PROJECT_CREATED",
			Title:    "📁 New Project Created",
			Message:  "Project '{projectName}' has been created.",
			Severity: severityInfo,
			Group:    groupProjects,
		},
		{
			Name:     "PROJECT_UPDATED",
			Title:    "📝 Project Updated",
			Message:  "Project '{projectName}' has been updated.",
			Severity: severityInfo,
			Group:    groupProjects,
		},
		{
			Name:     "PROJECT_DELETED",
			Title:    "🗂 Project Deleted",
			Message:  "Project '{projectName}' has been deleted.",
			Severity: severityInfo,
			Group:    groupProjects,
		},
	}
}

// sampleProjectName is the project name the document's examples use.
const sampleProjectName = "E-commerce Platform"

// EventTypes returns the nine event types in SPEC order; the slice is the caller's to keep.
func EventTypes() []EventType {
	return catalog()
}

// eventTypesByName is the table built once, for LookupEventType: the event
// API looks a type up twice per event, and building the whole table each
// time was 1.4 % of the server's CPU under load (BENCHMARKS.md).
var eventTypesByName = func() map[string]EventType {
	types := map[string]EventType{}
	for _, t := range catalog() {
		types[t.Name] = t
	}
	return types
}()

// LookupEventType returns the event type with the given name (exact, upper
// case), a copy the caller may change.
func LookupEventType(name string) (EventType, bool) {
	t, ok := eventTypesByName[name]
	if !ok {
		return EventType{}, false
	}
	t.MetadataKeys, t.Sample = slices.Clone(t.MetadataKeys), maps.Clone(t.Sample)
	return t, true
}

// eventTypeNames lists the nine names in SPEC order, for error messages.
func eventTypeNames() []string { return Values(catalog()) }

func (t EventType) value() string { return t.Name }

// EventGroup is a named group of event types, for forms.
type EventGroup struct {
	Name  string
	Types []EventType
}

// EventGroups returns the types grouped as Tests, Test builders, Projects.
func EventGroups() []EventGroup {
	groups := []EventGroup{{Name: groupTests}, {Name: groupTestBuilders}, {Name: groupProjects}}
	for _, t := range catalog() {
		for i := range groups {
			if groups[i].Name == t.Group {
				groups[i].Types = append(groups[i].Types, t)
			}
		}
	}
	return groups
}

// Severities lists the four allowed severity values, lower case.
func Severities() []string {
	return []string{severityInfo, severitySuccess, severityWarning, severityError}
}

// isSeverity reports whether s is one of the four values exactly.
func isSeverity(s string) bool {
	for _, v := range Severities() {
		if s == v {
			return true
		}
	}
	return false
}
