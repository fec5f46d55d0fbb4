// Package metrics holds loadhook's Prometheus metrics: one registry per
// server, the engine's and the web app's instruments on it, and the
// collectors that read the queue and the connection pool when scraped. The
// engine and the handlers record into it; neither knows the exposition.
package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric name.
const namespace = "loadhook"

// Queue is what a scrape reads of the delivery queue.
type Queue interface {
	// QueueStats counts the messages not yet final and tells how long the
	// oldest of them has been due (0 when none is due).
	QueueStats(ctx context.Context) (pending int64, oldestDue time.Duration, err error)
	// DisabledEndpoints counts the endpoints that are switched off.
	DisabledEndpoints(ctx context.Context) (int64, error)
}

// Metrics is one server's instruments. A nil *Metrics records nothing, so
// tests and tools can run the engine without a registry.
type Metrics struct {
	registry *prometheus.Registry

	attempts        *prometheus.CounterVec
	attemptDuration prometheus.Histogram
	accepted        prometheus.Counter
	inFlight        *prometheus.GaugeVec
	deferred        prometheus.Counter
	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
}

// New builds the registry with the Go runtime's and the process's metrics,
// the database pool's, and the queue's read at scrape time.
func New(db *sql.DB, queue Queue, log *slog.Logger) *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry()}
	m.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "delivery_attempts_total",
		Help: "Delivery attempts by outcome (succeeded, failed, blocked) and error class (empty on success or an HTTP status failure).",
	}, []string{"outcome", "class"})
	m.attemptDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace, Name: "delivery_attempt_duration_seconds",
		Help:    "How long delivery attempts took, from dial to the end of the answer.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	})
	m.accepted = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "messages_accepted_total",
		Help: "Messages stored for delivery (one per event and subscribed endpoint, tests and redeliveries included).",
	})
	m.inFlight = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: namespace, Name: "delivery_in_flight",
		Help: "Delivery attempts in flight in this instance, per endpoint.",
	}, []string{"endpoint"})
	m.deferred = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "delivery_deferred_total",
		Help: "Attempts put off because their endpoint had its share of attempts in flight; each comes back after about one of its attempts' time.",
	})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "http_requests_total",
		Help: "HTTP requests served, by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "http_request_duration_seconds",
		Help:    "HTTP request durations by route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route"})
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.attempts, m.attemptDuration, m.accepted, m.inFlight, m.deferred, m.requests, m.requestDuration,
	)
	if db != nil {
		m.registry.MustRegister(collectors.NewDBStatsCollector(db, "loadhook"))
	}
	if queue != nil {
		m.registry.MustRegister(&queueCollector{queue: queue, log: log})
	}
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Attempt records one finished delivery attempt.
func (m *Metrics) Attempt(outcome, class string, took time.Duration) {
	if m == nil {
		return
	}
	m.attempts.WithLabelValues(outcome, class).Inc()
	m.attemptDuration.Observe(took.Seconds())
}

// Accepted records n messages stored for delivery.
func (m *Metrics) Accepted(n int) {
	if m == nil || n == 0 {
		return
	}
	m.accepted.Add(float64(n))
}

// InFlight moves the in-flight gauge of an endpoint by delta.
func (m *Metrics) InFlight(endpointID int64, delta int) {
	if m == nil {
		return
	}
	m.inFlight.WithLabelValues(strconv.FormatInt(endpointID, 10)).Add(float64(delta))
}

// Deferred records an attempt put off by its endpoint's in-flight cap.
func (m *Metrics) Deferred() {
	if m == nil {
		return
	}
	m.deferred.Inc()
}

// Request records one served HTTP request; route is the registered pattern
// (never the raw path, so ids do not multiply the series).
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(route).Observe(took.Seconds())
}

// queueCollector reads the queue's depth when scraped.
type queueCollector struct {
	queue Queue
	log   *slog.Logger
}

var (
	pendingDesc = prometheus.NewDesc(namespace+"_queue_pending_messages",
		"Messages not yet delivered or finally failed (pending, retrying).", nil, nil)
	oldestDesc = prometheus.NewDesc(namespace+"_queue_oldest_due_seconds",
		"How long the oldest due message has been waiting for its attempt.", nil, nil)
	disabledDesc = prometheus.NewDesc(namespace+"_endpoints_disabled",
		"Endpoints switched off, by their owner or by the engine.", nil, nil)
)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- pendingDesc
	ch <- oldestDesc
	ch <- disabledDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pending, oldest, err := c.queue.QueueStats(ctx)
	if err != nil {
		c.log.Warn("metrics: read queue depth", "err", err)
		ch <- prometheus.NewInvalidMetric(pendingDesc, err)
	} else {
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(pending))
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, oldest.Seconds())
	}
	disabled, err := c.queue.DisabledEndpoints(ctx)
	if err != nil {
		c.log.Warn("metrics: count disabled endpoints", "err", err)
		ch <- prometheus.NewInvalidMetric(disabledDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(disabledDesc, prometheus.GaugeValue, float64(disabled))
}
