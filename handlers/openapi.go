package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/loadhook/loadhook/catalog"
	"github.com/loadhook/loadhook/forms"
	"github.com/loadhook/loadhook/models"
	"github.com/loadhook/loadhook/paths"
	"github.com/loadhook/loadhook/webhook"
)

// The OpenAPI 3.1 document of every route under paths.APIPrefix. It is
// built here from the same names the handlers use (paths, catalog, forms'
// limits), so an event type, a limit or a path is written once; then it is
// loaded and validated with kin-openapi, which is also what the tests use
// to check every API answer against it (openapi_test.go).

// obj is a JSON object of the document, written as Go literals.
type obj = map[string]any

// apiDoc is the document, built and checked once per Server.
type apiDoc struct {
	json []byte
	doc  *openapi3.T
}

// loadAPIDoc builds the document and loads it with kin-openapi, which
// resolves its references and validates it.
func loadAPIDoc(baseURL string) (*apiDoc, error) {
	raw, err := json.MarshalIndent(buildAPIDoc(baseURL), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the OpenAPI document: %w", err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate the OpenAPI document: %w", err)
	}
	return &apiDoc{json: raw, doc: doc}, nil
}

// showOpenAPI serves the document.
func (s *Server) showOpenAPI(c echo.Context) error {
	d, err := s.openAPI()
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, d.json)
}

// echoParam matches an Echo route parameter (":id"), which OpenAPI writes
// as a template ("{id}").
var echoParam = regexp.MustCompile(`:([A-Za-z]+)`)

// openAPIPath turns an Echo pattern into an OpenAPI path.
func openAPIPath(pattern string) string { return echoParam.ReplaceAllString(pattern, "{$1}") }

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func str(description string) obj { return obj{"type": "string", "description": description} }

func integer(description string) obj {
	return obj{"type": "integer", "format": "int64", "description": description}
}

func boolean(description string) obj { return obj{"type": "boolean", "description": description} }

func dateTime(description string) obj {
	return obj{"type": "string", "format": "date-time", "description": description}
}

func nullable(schema obj) obj {
	out := obj{}
	for k, v := range schema {
		out[k] = v
	}
	out["type"] = []string{schema["type"].(string), "null"}
	return out
}

func arrayOf(items obj, description string) obj {
	return obj{"type": "array", "items": items, "description": description}
}

// object is a closed object: every property listed, the required ones
// named, nothing else allowed (the handlers answer no other key).
func object(description string, props obj, required ...string) obj {
	if required == nil {
		required = []string{}
	}
	return obj{"type": "object", "description": description, "properties": props, "required": required, "additionalProperties": false}
}

// allKeys lists an object schema's properties, to mark them all required.
func allKeys(props obj) []string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func enum(description string, values []string) obj {
	return obj{"type": "string", "enum": values, "description": description}
}

// metadataSchemaName is the component of an event type's metadata.
func metadataSchemaName(eventType string) string { return "Metadata." + eventType }

// metadataSchema is one event type's metadata as the event API takes it:
// exactly the type's keys (SPEC.md), each a string, a number or a boolean
// (numbers and booleans are sent on as their JSON text); {} for project events.
func metadataSchema(t catalog.EventType) obj {
	props := obj{}
	for _, k := range t.MetadataKeys {
		props[k] = obj{"type": []string{"string", "number", "boolean"}, "examples": []string{t.Sample[k]}}
	}
	return object(t.Title+": the metadata of "+t.Name+".", props, t.MetadataKeys...)
}

// eventRequestVariant ties an event type to its metadata schema.
func eventRequestVariant(t catalog.EventType) obj {
	props := obj{"eventType": obj{"const": t.Name}, "metadata": ref(metadataSchemaName(t.Name))}
	required := []string{"eventType", "metadata"}
	if t.IsProject() {
		// The project name fills the message; the metadata stays {}.
		required = []string{"eventType", "projectName"}
	}
	return obj{"type": "object", "properties": props, "required": required}
}

func errorResponse(description string) obj {
	return obj{"description": description, "content": obj{"application/json": obj{"schema": ref("Error")}}}
}

func jsonResponse(description string, schema obj) obj {
	return obj{"description": description, "content": obj{"application/json": obj{"schema": schema}}}
}

func jsonBody(schema obj) obj {
	return obj{"required": true, "content": obj{"application/json": obj{"schema": schema}}}
}

// The answers every management route may give besides its own.
var manageErrors = obj{
	"401": errorResponse("The bearer token is missing or not valid."),
	"403": errorResponse("The token has the events scope; the route needs the manage scope."),
	"429": errorResponse("Too many requests: wait the Retry-After seconds."),
	"500": errorResponse("Something went wrong on the server."),
	"503": errorResponse("The database is unavailable just now: retry after the Retry-After seconds."),
}

// operation is one route of the document.
type operation struct {
	method, pattern, id, tag, summary, description string
	params                                         []obj
	body                                           obj
	responses                                      obj
	// public routes need no token.
	public bool
}

func buildAPIDoc(baseURL string) obj {
	idParam := obj{"name": paths.ParamID, "in": "path", "required": true, "description": "The endpoint's id.", "schema": obj{"type": "integer", "format": "int64"}}
	msgParam := obj{"name": paths.ParamMessageID, "in": "path", "required": true, "description": "The message id, the webhook-id header of its deliveries.",
		"schema": obj{"type": "string", "pattern": "^" + models.MessageIDPrefix}}
	query := func(name, description string, schema obj) obj {
		return obj{"name": name, "in": "query", "required": false, "description": description, "schema": schema}
	}
	filterParams := []obj{
		query("state", "Only messages in this state.", enum("", catalog.Values(catalog.MessageStates))),
		query("type", "Only messages of this event type.", ref("EventType")),
		query("status", "Only messages whose last answer is of this class; none is no HTTP answer.", enum("", catalog.Values(catalog.StatusClasses))),
		query("range", "Only messages created in this period back from now.", enum("", catalog.Values(catalog.Periods))),
		query("since", "Only messages created at or after this UTC time (2025-07-03T14:30, or RFC 3339).", obj{"type": "string"}),
		query("until", "Only messages created before this UTC time.", obj{"type": "string"}),
		query("q", "A message id ("+models.MessageIDPrefix+"…) or an event id ("+models.EventIDPrefix+"…).", obj{"type": "string"}),
		query("before", "The cursor: the next of the previous page.", obj{"type": "string"}),
		query(pageSizeParam, "Messages per page.", obj{"type": "integer", "minimum": 1, "maximum": models.MaxDeliveryPageSize, "default": models.DefaultDeliveryPageSize}),
	}
	withErrors := func(own obj, extra ...string) obj {
		out := obj{}
		for k, v := range manageErrors {
			out[k] = v
		}
		for _, code := range extra {
			out[code] = errorResponse(http.StatusText(mustAtoi(code)))
		}
		for k, v := range own {
			out[k] = v
		}
		return out
	}
	endpointAnswer := jsonResponse("The endpoint.", ref("Endpoint"))
	ops := []operation{
		{method: http.MethodPost, pattern: paths.Events, id: "createEvent", tag: "Events", summary: "Emit an event",
			description: "Stores the event and one message per enabled endpoint subscribed to its type, then answers 202. A token of either scope may emit. " +
				"An Idempotency-Key header makes retries safe: the same key within " + models.IdempotencyWindowText + " answers the first event again.",
			params: []obj{{"name": idempotencyKeyHeader, "in": "header", "required": false, "schema": obj{"type": "string", "maxLength": models.MaxIdempotencyKeyLen}}},
			body:   jsonBody(ref("EventRequest")),
			responses: obj{
				"202": jsonResponse("Stored: every message is durable.", ref("EventAccepted")),
				"400": errorResponse("The body is not well-formed JSON."), "401": manageErrors["401"],
				"413": errorResponse("The body is larger than " + strconv.Itoa(maxEventBody>>10) + " KiB."),
				"422": errorResponse("The event breaks a rule; fields say which."), "429": manageErrors["429"],
				"500": manageErrors["500"], "503": manageErrors["503"],
			}},
		{method: http.MethodGet, pattern: paths.APIEndpoints, id: "listEndpoints", tag: "Endpoints", summary: "List endpoints",
			description: "The token owner's endpoints, in creation order (at most " + strconv.Itoa(models.MaxEndpointsPerUser) + ").",
			responses:   withErrors(obj{"200": jsonResponse("The endpoints.", ref("EndpointList"))})},
		{method: http.MethodPost, pattern: paths.APIEndpoints, id: "createEndpoint", tag: "Endpoints", summary: "Create an endpoint",
			description: "The same rules as the endpoint form. Left out: enabled is true, the rest empty. A fresh signing secret is made.",
			body:        jsonBody(ref("EndpointInput")),
			responses: withErrors(obj{"201": endpointAnswer, "400": errorResponse("The body is not the endpoint's JSON."),
				"409": errorResponse("The account has the most endpoints it may have."), "413": errorResponse("The body is too large."),
				"422": errorResponse("Fields break the form's rules; fields say which and how to fix them.")})},
		{method: http.MethodGet, pattern: paths.APIEndpoint, id: "getEndpoint", tag: "Endpoints", summary: "Read an endpoint",
			params: []obj{idParam}, responses: withErrors(obj{"200": endpointAnswer}, "404")},
		{method: http.MethodPatch, pattern: paths.APIEndpoint, id: "updateEndpoint", tag: "Endpoints", summary: "Update an endpoint",
			description: "Changes the fields sent; the others keep their values. A header value sent back masked, as read, keeps the saved value. Nothing is saved unless every field is valid.",
			params:      []obj{idParam}, body: jsonBody(ref("EndpointInput")),
			responses: withErrors(obj{"200": endpointAnswer, "400": errorResponse("The body is not the endpoint's JSON."),
				"413": errorResponse("The body is too large."), "422": errorResponse("Fields break the form's rules.")}, "404")},
		{method: http.MethodDelete, pattern: paths.APIEndpoint, id: "deleteEndpoint", tag: "Endpoints", summary: "Delete an endpoint",
			description: "Deletes the endpoint, its secret and its delivery history; pending deliveries are dropped.",
			params:      []obj{idParam}, responses: withErrors(obj{"204": obj{"description": "Deleted."}}, "404")},
		{method: http.MethodPost, pattern: paths.APIEndpointEnable, id: "enableEndpoint", tag: "Endpoints", summary: "Enable an endpoint",
			params: []obj{idParam}, responses: withErrors(obj{"200": endpointAnswer}, "404")},
		{method: http.MethodPost, pattern: paths.APIEndpointDisable, id: "disableEndpoint", tag: "Endpoints", summary: "Disable an endpoint",
			description: "Nothing is sent to a disabled endpoint, test events included, until it is enabled again.",
			params:      []obj{idParam}, responses: withErrors(obj{"200": endpointAnswer}, "404")},
		{method: http.MethodGet, pattern: paths.APIEndpointSecret, id: "revealSecret", tag: "Signing secret", summary: "Reveal the signing secret",
			params: []obj{idParam}, responses: withErrors(obj{"200": jsonResponse("The secret.", ref("Secret"))}, "404")},
		{method: http.MethodPost, pattern: paths.APIEndpointRotate, id: "rotateSecret", tag: "Signing secret", summary: "Rotate the signing secret",
			description: "Makes a new secret; the previous one keeps signing beside it for " + catalog.SecretOverlap.String() + ".",
			params:      []obj{idParam}, responses: withErrors(obj{"200": jsonResponse("The new secret.", ref("Secret"))}, "404")},
		{method: http.MethodPost, pattern: paths.APIEndpointTest, id: "sendTestEvent", tag: "Endpoints", summary: "Send a test event",
			description: "Sends the event type's sample payload through the real pipeline, whatever the endpoint subscribes to. " +
				"At most " + perWindow(testSendLimit) + ".",
			params: []obj{idParam}, body: jsonBody(ref("TestRequest")),
			responses: withErrors(obj{"202": jsonResponse("Queued.", ref("PublishedMessage")), "400": errorResponse("The body is not JSON."),
				"409": errorResponse("The endpoint is disabled."), "413": errorResponse("The body is too large."),
				"422": errorResponse("Not one of the nine event types.")}, "404")},
		{method: http.MethodGet, pattern: paths.APIEndpointMessages, id: "listMessages", tag: "Messages", summary: "List an endpoint's messages",
			description: "Newest first, with the delivery log's filters. Pass next as before= for the following page; next is null on the last one.",
			params:      append([]obj{idParam}, filterParams...),
			responses: withErrors(obj{"200": jsonResponse("One page.", ref("MessageList")),
				"422": errorResponse("A filter value can't be used; fields name it.")}, "404")},
		{method: http.MethodPost, pattern: paths.APIEndpointResendFailed, id: "resendFailed", tag: "Messages", summary: "Resend failed messages",
			description: "Redelivers the endpoint's failed messages created in the period, at most " + strconv.Itoa(resendCap) + " a request (more: true says send again). " +
				"At most " + perWindow(resendLimit) + ", with redeliveries.",
			params: []obj{idParam}, body: jsonBody(ref("ResendRequest")),
			responses: withErrors(obj{"202": jsonResponse("Queued.", ref("Resent")), "400": errorResponse("The body is not JSON."),
				"413": errorResponse("The body is too large."), "422": errorResponse("Not one of the periods.")}, "404")},
		{method: http.MethodGet, pattern: paths.APIMessage, id: "getMessage", tag: "Messages", summary: "Read a message with its attempts",
			params: []obj{msgParam}, responses: withErrors(obj{"200": jsonResponse("The message, its payload and every attempt, oldest first.", ref("MessageDetail"))}, "404")},
		{method: http.MethodPost, pattern: paths.APIMessageRedeliver, id: "redeliver", tag: "Messages", summary: "Redeliver a message",
			description: "One more attempt of a finished message, with the same webhook-id. At most " + perWindow(resendLimit) + ".",
			params:      []obj{msgParam},
			responses: withErrors(obj{"202": jsonResponse("Queued.", ref("Redelivery")),
				"409": errorResponse("The message is still being delivered.")}, "404")},
		{method: http.MethodGet, pattern: paths.OpenAPI, id: "openAPI", tag: "Documentation", summary: "This document", public: true,
			responses: obj{"200": jsonResponse("The OpenAPI document.", obj{"type": "object"})}},
	}

	pathItems := obj{}
	for _, op := range ops {
		o := obj{"operationId": op.id, "tags": []string{op.tag}, "summary": op.summary, "responses": op.responses}
		if op.description != "" {
			o["description"] = op.description
		}
		if op.params != nil {
			o["parameters"] = op.params
		}
		if op.body != nil {
			o["requestBody"] = op.body
		}
		if op.public {
			o["security"] = []obj{}
		} else if op.pattern != paths.Events {
			o["security"] = []obj{{"bearer": []string{catalog.ScopeManage}}}
		}
		p := openAPIPath(op.pattern)
		item, _ := pathItems[p].(obj)
		if item == nil {
			item = obj{}
			pathItems[p] = item
		}
		item[strings.ToLower(op.method)] = o
	}

	return obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":   "loadhook API",
			"version": "1",
			"description": "The event API (POST " + paths.Events + ", a token of any scope) and the management API (a token with the " +
				catalog.ScopeManage + " scope). Errors are {\"error\": \"…\", \"fields\": {\"field\": \"what to fix\"}}. " +
				"Tokens are created on the Profile page or with loadhook token create --scope.",
		},
		"servers":  []obj{{"url": strings.TrimSuffix(baseURL, "/")}},
		"security": []obj{{"bearer": []string{}}},
		"paths":    pathItems,
		"webhooks": webhookItems(),
		"components": obj{
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer",
				"description": "An API token (" + models.APITokenPrefix + "…). Scopes: " + catalog.TokenScopeValues() + "; manage includes events."}},
			"schemas": schemas(),
		},
	}
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// webhookItems describes what loadhook sends to an endpoint, one entry per
// event type (OpenAPI 3.1's webhooks).
func webhookItems() obj {
	out := obj{}
	for _, t := range catalog.EventTypes() {
		out[t.Name] = obj{"post": obj{
			"operationId": "receive" + t.Name, "summary": t.Title, "description": "Signed the Standard Webhooks way: webhook-id, webhook-timestamp, webhook-signature.",
			"requestBody": jsonBody(ref("Payload." + t.Name)),
			"responses":   obj{"2XX": obj{"description": "Delivered: answer within " + webhook.AttemptTimeoutText + "."}},
		}}
	}
	return out
}

func schemas() obj {
	header := object("A custom header.", obj{
		"name":  obj{"type": "string", "description": "An RFC 9110 token; not one loadhook or HTTP sets."},
		"value": obj{"type": "string", "maxLength": forms.MaxHeaderValueLen, "description": "Masked when it looks like a credential; send the masked value back to keep it."},
	}, "name", "value")
	endpointProps := obj{
		"id":             integer("The endpoint's id."),
		"url":            obj{"type": "string", "maxLength": forms.MaxURLLen, "description": "Where deliveries are POSTed; the host as DNS sees it."},
		"description":    obj{"type": "string", "maxLength": forms.MaxDescriptionLen},
		"headers":        arrayOf(ref("Header"), "Custom headers sent with every delivery."),
		"events":         arrayOf(ref("EventType"), "The subscribed event types."),
		"enabled":        boolean("Whether deliveries are sent."),
		"disabledReason": str("Why loadhook disabled it (e.g. 410 Gone); empty otherwise."),
		"createdAt":      dateTime(""),
		"updatedAt":      dateTime(""),
	}
	messageProps := obj{
		"id":             str("The message id: the webhook-id of every attempt."),
		"eventId":        str("The event it delivers."),
		"endpointId":     integer("The endpoint it goes to."),
		"eventType":      ref("EventType"),
		"test":           boolean("Sent by Send test event."),
		"state":          enum("", catalog.Values(catalog.MessageStates)),
		"attempts":       obj{"type": "integer", "description": "HTTP attempts made so far."},
		"maxAttempts":    obj{"type": "integer", "description": strconv.Itoa(webhook.MaxAttempts) + ", plus one per manual redelivery."},
		"lastStatus":     obj{"type": "integer", "description": "The last answer's HTTP status; 0 without an answer."},
		"lastErrorClass": str("Why the last attempt failed, e.g. timeout; empty on success."),
		"lastDurationMs": obj{"type": "integer"},
		"nextAttemptAt":  nullable(dateTime("When the next attempt is due; null when none is.")),
		"createdAt":      dateTime(""),
	}
	detailProps := obj{}
	for k, v := range messageProps {
		detailProps[k] = v
	}
	detailProps["payload"] = obj{"type": "object", "description": "The payload bytes sent on every attempt (SPEC.md)."}
	detailProps["attemptList"] = arrayOf(ref("Attempt"), "Every attempt, oldest first.")
	attemptProps := obj{
		"number":          obj{"type": "integer"},
		"startedAt":       dateTime(""),
		"url":             obj{"type": "string"},
		"requestHeaders":  arrayOf(ref("Header"), "As sent; credentials masked."),
		"responseStatus":  obj{"type": "integer", "description": "0 without an answer."},
		"responseHeaders": arrayOf(ref("Header"), ""),
		"responseBody":    str("The first " + strconv.Itoa(webhook.MaxResponseBody>>10) + " KiB of the answer."),
		"truncated":       boolean("The body was longer than what is kept."),
		"durationMs":      obj{"type": "integer"},
		"errorClass":      str("Empty on success."),
		"success":         boolean(""),
		"explanation":     str("What the attempt got, in plain words."),
	}
	secretPattern := "^" + catalog.SecretPrefix
	out := obj{
		"Error": object("Every refusal.", obj{
			"error":  str("What went wrong and what to do."),
			"fields": obj{"type": "object", "additionalProperties": obj{"type": "string"}, "description": "Per field (or parameter): what to fix."},
		}, "error"),
		"EventType":    enum("One of the nine event types.", catalog.Values(catalog.EventTypes())),
		"Header":       header,
		"Endpoint":     object("An endpoint.", endpointProps, allKeys(endpointProps)...),
		"EndpointList": object("The endpoints.", obj{"data": arrayOf(ref("Endpoint"), "")}, "data"),
		"EndpointInput": object("An endpoint's fields; leave out what keeps its value.", obj{
			"url":         obj{"type": "string", "maxLength": forms.MaxURLLen},
			"description": obj{"type": "string", "maxLength": forms.MaxDescriptionLen},
			"headers":     obj{"type": "array", "items": ref("Header"), "maxItems": forms.MaxHeaders},
			"events":      obj{"type": "array", "items": ref("EventType"), "minItems": 1},
			"enabled":     obj{"type": "boolean"},
		}),
		"Secret": object("A signing secret.", obj{
			"secret":                  obj{"type": "string", "pattern": secretPattern, "description": catalog.SecretPrefix + " and the base64 key."},
			"previousSecretExpiresAt": nullable(dateTime("When the rotated-out secret stops signing; null when there is none.")),
		}, "secret", "previousSecretExpiresAt"),
		"TestRequest":      object("Which sample event to send.", obj{"eventType": ref("EventType")}, "eventType"),
		"PublishedMessage": object("A stored message.", obj{"id": str(""), "endpointId": integer("")}, "id", "endpointId"),
		"EventAccepted": object("A stored event and its messages.", obj{
			"id": str("The event id."), "messages": arrayOf(ref("PublishedMessage"), "One per subscribed, enabled endpoint."),
		}, "id", "messages"),
		"Message":       object("A message.", messageProps, allKeys(messageProps)...),
		"MessageList":   object("One page of messages.", obj{"data": arrayOf(ref("Message"), ""), "next": nullable(str("The before= of the next page."))}, "data", "next"),
		"MessageDetail": object("A message with its payload and attempts.", detailProps, allKeys(detailProps)...),
		"Attempt":       object("One HTTP attempt.", attemptProps, allKeys(attemptProps)...),
		"Redelivery":    object("A queued redelivery.", obj{"id": str(""), "attempt": obj{"type": "integer"}}, "id", "attempt"),
		"ResendRequest": object("The period whose failed messages are resent.", obj{"range": enum("", catalog.Values(catalog.Periods))}, "range"),
		"Resent":        object("How many were resent.", obj{"resent": obj{"type": "integer"}, "more": boolean("The cap was reached: send again.")}, "resent", "more"),
	}
	// The event API's body: common fields, then one variant per type that
	// ties eventType to its metadata.
	var variants []obj
	for _, t := range catalog.EventTypes() {
		out[metadataSchemaName(t.Name)] = metadataSchema(t)
		variants = append(variants, eventRequestVariant(t))
		out["Payload."+t.Name] = payloadSchema(t)
	}
	out["EventRequest"] = obj{
		"type": "object", "description": "One platform event (SPEC.md).",
		"properties": obj{
			"eventType":   ref("EventType"),
			"metadata":    obj{"type": "object"},
			"projectName": obj{"type": "string"},
			"title":       obj{"type": "string"},
			"message":     obj{"type": "string"},
			"severity":    enum("", catalog.Severities()),
			"timestamp":   str("UTC, 2006-01-02T15:04:05."),
		},
		"required": []string{"eventType"}, "additionalProperties": false,
		"oneOf": variants,
	}
	return out
}

// payloadSchema is the body loadhook POSTs for one event type.
func payloadSchema(t catalog.EventType) obj {
	meta := obj{}
	for _, k := range t.MetadataKeys {
		meta[k] = obj{"type": "string"}
	}
	return object(t.Title+": the payload.", obj{
		"type":      obj{"const": "notification"},
		"source":    obj{"type": "string"},
		"eventType": obj{"const": t.Name},
		"title":     obj{"type": "string"},
		"message":   obj{"type": "string"},
		"timestamp": obj{"type": "string", "pattern": `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`},
		"metadata":  object("", meta, t.MetadataKeys...),
		"severity":  enum("", catalog.Severities()),
	}, "type", "source", "eventType", "title", "message", "timestamp", "metadata", "severity")
}
