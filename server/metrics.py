"""Prometheus metrics of one app (its own registry, so several apps in one process don't collide)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

NODE_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class Metrics:
    """Runs, node latencies and LLM tokens."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.runs = Counter("loom_runs_total", "Finished runs", ["status", "source"], registry=self.registry)
        self.runs_in_flight = Gauge("loom_runs_in_flight", "Runs in flight", registry=self.registry)
        self.run_seconds = Histogram("loom_run_duration_seconds", "Run wall time", ["source"],
                                     buckets=NODE_BUCKETS, registry=self.registry)
        self.node_seconds = Histogram("loom_node_duration_seconds", "Node execution time",
                                      ["node_type", "status"], buckets=NODE_BUCKETS, registry=self.registry)
        self.tokens = Counter("loom_llm_tokens_total", "LLM tokens", ["kind"], registry=self.registry)
        # The labelled histogram of each (node type, status): labels() takes a lock and builds its key on each
        # call, and every node of every run is observed.
        self._node_timers: dict[tuple[str, str], Histogram] = {}
        self._run_counters: dict[tuple[str, str], Counter] = {}  # likewise per run (status, source)
        self._run_timers: dict[str, Histogram] = {}

    def observe_event(self, event: dict[str, Any], source: str) -> None:
        kind = event["type"]
        if kind == "node_finished" and event["status"] != "skipped" and not event.get("reused"):
            key = (event["node_type"], event["status"])
            timer = self._node_timers.get(key)
            if timer is None:
                timer = self._node_timers[key] = self.node_seconds.labels(*key)
            timer.observe(event["elapsed_ms"] / 1000)
            usage = event.get("usage") or {}
            for name in ("prompt_tokens", "completion_tokens"):
                if usage.get(name):
                    self.tokens.labels(name.removesuffix("_tokens")).inc(usage[name])
        elif kind == "run_finished":
            key = (event["status"], source)
            counter = self._run_counters.get(key)
            if counter is None:
                counter = self._run_counters[key] = self.runs.labels(*key)
            counter.inc()
            timer = self._run_timers.get(source)
            if timer is None:
                timer = self._run_timers[source] = self.run_seconds.labels(source)
            timer.observe(event["elapsed_ms"] / 1000)

    def render(self) -> bytes:
        return generate_latest(self.registry)
