"""Prometheus metrics of one service, in a registry of its own per app.

A registry per app (not the global one) lets tests build many apps in one
process, and keeps one service's numbers out of the other's ``/metrics``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Resolve the runbook's figures: goods ~60 s, PPL ~90 s, both at most 120 s.
DURATION_BUCKETS = (0.5, 1, 2.5, 5, 10, 20, 30, 45, 60, 75, 90, 105, 120, 150, 180)


PRIMED_OUTCOMES = (
    ("ok", "200"),
    ("VALIDATION_ERROR", "422"),
    ("CONTENT_MODERATED", "422"),
    ("BUSY", "429"),
    ("RATE_LIMITED", "429"),
    ("BUDGET_EXHAUSTED", "429"),
    ("CROSS_SITE_FORBIDDEN", "403"),
    ("UPSTREAM_RATE_LIMITED", "429"),
    ("UPSTREAM_ERROR", "502"),
    ("GENERATION_FAILED", "502"),
    ("ENGINE_NOT_CONFIGURED", "503"),
    ("STORE_UNAVAILABLE", "503"),
    ("GENERATION_TIMEOUT", "504"),
)


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "generation_requests_total",
            "Generation requests by outcome (ok, or the error code) and HTTP status answered.",
            ["service", "engine", "outcome", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "generation_duration_seconds",
            "Time from request to answer of generation requests.",
            ["service", "engine", "outcome"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "generations_in_flight",
            "Generation requests being served right now.",
            ["service"],
            registry=self.registry,
        )
        self.upstream_duration = Histogram(
            "provider_duration_seconds",
            "Time spent waiting on the engine (provider or local) per generation.",
            ["service", "engine"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.overhead = Histogram(
            "generation_overhead_seconds",
            "Our own time per successful generation: end to end minus the engine's time.",
            ["service", "engine"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.ready = Gauge(
            "engine_ready",
            "1 when the selected engine is configured and the process is not draining.",
            ["service", "engine"],
            registry=self.registry,
        )
        self.polls = Histogram(
            "provider_polls",
            "Status polls per generation.",
            ["service", "engine"],
            buckets=(0, 1, 2, 5, 10, 20, 30, 45, 60, 90, 120),
            registry=self.registry,
        )
        self.throttled = Counter(
            "provider_throttled_total",
            "Provider answers of 429 (rate limited), by the call that was throttled.",
            ["service", "engine", "call"],
            registry=self.registry,
        )
        self.started = Counter(
            "generations_started",
            "Generations admitted, by whether the caller signed in (never by user).",
            ["service", "engine", "identity"],
            registry=self.registry,
        )
        self.spend = Counter(
            "generation_spend_usd",
            "Estimated USD of generations that reached a paid provider (price per image).",
            ["service", "engine", "model"],
            registry=self.registry,
        )
        self.budget = Gauge(
            "generation_budget_usd",
            "The deployment's daily budget DAILY_BUDGET_USD; 0 when none is set.",
            ["service"],
            registry=self.registry,
        )
        self.spend_today = Gauge(
            "generation_spend_today_usd",
            "This replica's estimated spend since midnight in BUDGET_TIMEZONE.",
            ["service"],
            registry=self.registry,
        )
        self.store_seconds = Histogram(
            "job_store_seconds",
            "Time of job store operations (get, put, delete, list).",
            ["service", "op"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.store_errors = Counter(
            "job_store_errors",
            "Job store operations that failed (the store could not be reached or refused).",
            ["service", "op"],
            registry=self.registry,
        )
        self.jobs = Counter(
            "jobs_finished",
            "Jobs that ended, by status (succeeded, failed, canceled).",
            ["service", "engine", "status"],
            registry=self.registry,
        )
        self.resumed = Counter(
            "jobs_resumed",
            "Jobs of a replica that stopped, taken over by this one (outcome: resumed, failed).",
            ["service", "outcome"],
            registry=self.registry,
        )
        self.webhooks = Counter(
            "webhook_deliveries",
            "Webhook deliveries by outcome (delivered, retried, gave_up).",
            ["service", "outcome"],
            registry=self.registry,
        )
        self.in_flight.labels(service).set(0)

    def prime(self, engine: str) -> None:
        """Create the common series at 0, so rate() and increase() see their first event.

        A labelled series is born at its first increment; Prometheus then has no
        earlier sample to compare with and that first event never shows in a rate.
        """
        for outcome, status in PRIMED_OUTCOMES:
            self.requests.labels(self.service, engine, outcome, status)
        for outcome in ("ok", "GENERATION_TIMEOUT"):
            self.duration.labels(self.service, engine, outcome)
        for histogram in (self.upstream_duration, self.overhead, self.polls):
            histogram.labels(self.service, engine)
        if engine != "local":
            for call in ("create", "poll"):
                self.throttled.labels(self.service, engine, call)
        for identity in ("signed_in", "anonymous"):
            self.started.labels(self.service, engine, identity)
        # The job series: rare events (a take-over, a webhook given up) are mostly "first".
        for status in ("succeeded", "failed", "canceled"):
            self.jobs.labels(self.service, engine, status)
        for outcome in ("resumed", "failed"):
            self.resumed.labels(self.service, outcome)
        for outcome in ("delivered", "retried", "gave_up"):
            self.webhooks.labels(self.service, outcome)
        for op in ("get", "put", "delete", "list"):
            self.store_errors.labels(self.service, op)

    def observe(self, engine: str, outcome: str, status: int, seconds: float) -> None:
        self.requests.labels(self.service, engine, outcome, str(status)).inc()
        self.duration.labels(self.service, engine, outcome).observe(seconds)
