"""Prometheus metrics of one service instance (``GET /metrics``).

Each app owns its own ``CollectorRegistry`` so that several apps in one process (tests) do not
collide on metric names.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

#: Generation takes 0.1 s (tiny model) to a minute (large model on CPU); buckets span both.
JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120)


class ServiceMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self):
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("cxrgen_http_requests_total", "HTTP requests",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("cxrgen_http_request_seconds", "HTTP request latency",
                                 ["method", "route"], registry=r)
        self.jobs = Counter("cxrgen_jobs_total", "Generation jobs by outcome", ["outcome"],
                            registry=r)
        self.job_seconds = Histogram("cxrgen_job_seconds", "Draft generation time",
                                     buckets=JOB_BUCKETS, registry=r)
        self.rejected = Counter("cxrgen_uploads_rejected_total", "Uploads refused, by reason",
                                ["reason"], registry=r)
        self.pending = Gauge("cxrgen_jobs_pending", "Jobs queued or running", registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)
