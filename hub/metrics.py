"""Prometheus metrics of one hub runtime (its own registry: no import-time globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


class Metrics:
    """Counters and histograms exported at ``/metrics``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hub_http_requests",
            "HTTP requests served.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.hook_calls = Counter(
            "hub_hook_calls",
            "Plugin hook calls, by outcome (ok, error, timeout).",
            ["plugin", "hook", "outcome"],
            registry=self.registry,
        )
        self.hook_failures = Counter(
            "hub_hook_failures",
            "Plugin hook calls that raised or timed out.",
            ["plugin", "hook"],
            registry=self.registry,
        )
        self.hook_seconds = Histogram(
            "hub_hook_duration_seconds",
            "Time spent in plugin hook calls.",
            ["plugin", "hook"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "hub_event_deliveries",
            "Event deliveries to plugins, by outcome.",
            ["plugin", "outcome"],
            registry=self.registry,
        )
        self.messages = Counter(
            "hub_messages",
            "Messages handled by the delivery worker, by outcome.",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self._hook_children: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    def hook_call(self, plugin: str, hook: str, outcome: str, seconds: float) -> None:
        # once per message for send_message: the labelled children are looked up once
        children = self._hook_children.get((plugin, hook, outcome))
        if children is None:
            children = self._hook_children[(plugin, hook, outcome)] = (
                self.hook_calls.labels(plugin, hook, outcome),
                self.hook_seconds.labels(plugin, hook),
            )
        calls, duration = children
        calls.inc()
        if outcome != "ok":
            self.hook_failures.labels(plugin, hook).inc()
        duration.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
