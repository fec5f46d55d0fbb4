package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// Operational paths, served beside the web app and outside its middleware
// (no session, no CSRF), for load balancers, orchestrators and Prometheus.
const (
	healthzPath = "/healthz"
	readyzPath  = "/readyz"
	metricsPath = "/metrics"
)

// readiness is what /readyz checks: the database and the engine.
type readiness interface {
	Ready(ctx context.Context) error
}

// withOps serves /healthz, /readyz and, when metrics is not nil, /metrics,
// and everything else with app.
func withOps(app http.Handler, ready readiness, metrics http.Handler, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	// Alive: the process answers HTTP. Nothing else, so a busy database
	// does not get the process restarted.
	mux.HandleFunc("GET "+healthzPath, func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, "ok", "")
	})
	mux.HandleFunc("GET "+readyzPath, func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready.Ready(ctx); err != nil {
			log.Warn("not ready", "err", err)
			writeStatus(w, http.StatusServiceUnavailable, "unavailable", err.Error())
			return
		}
		writeStatus(w, http.StatusOK, "ready", "")
	})
	if metrics != nil {
		mux.Handle("GET "+metricsPath, metrics)
	}
	mux.Handle("/", app)
	return mux
}

func writeStatus(w http.ResponseWriter, code int, status, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(struct {
		Status string `json:"status"`
		Reason string `json:"reason,omitempty"`
	}{status, reason})
}
