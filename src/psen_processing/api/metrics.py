"""Prometheus metrics at ``/metrics``, read from the service's statistics when scraped.

Nothing is recorded per frame for Prometheus: a collector turns the counters the processing
loop keeps anyway into metric families at scrape time. Each app has its own registry.
Counters start again from zero when processing is (re)started, as ``/statistics`` does.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from ..service import PsenService
from ..stream.reasons import PROFILE_PROBLEMS, SKIP_REASONS
from ..stream.statistics import INPUT_STATES, OUTPUT_STATES
from .schema import READ_ERRORS, error_responses, media_response

__all__ = ["ServiceCollector", "install_metrics"]


def _count(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _seconds(value: object) -> float:
    """A number of seconds, NaN for None (never happened, or not now)."""
    return float(value) if isinstance(value, int | float) else float("nan")


class ServiceCollector(Collector):
    """The metric families of one service, made from one statistics snapshot per scrape."""

    def __init__(self, service: PsenService, namespace: str = "psen") -> None:
        self._service = service
        self._ns = namespace

    def _name(self, name: str) -> str:
        return f"{self._ns}_{name}"

    def collect(self) -> Iterator[Metric]:
        service = self._service
        snapshot = service.statistics.snapshot()
        labels = ["prefix"]
        prefix = [service.config.prefix]

        def counter(name: str, doc: str, value: float) -> CounterMetricFamily:
            family = CounterMetricFamily(self._name(name), doc, labels=labels)
            family.add_metric(prefix, value)
            return family

        def gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
            family = GaugeMetricFamily(self._name(name), doc, labels=labels)
            family.add_metric(prefix, value)
            return family

        def by_reason(
            name: str, doc: str, counts: dict[str, int], known: tuple[str, ...]
        ) -> CounterMetricFamily:
            """Every known reason, at 0 until it happens: alert rules work from the start."""
            family = CounterMetricFamily(self._name(name), doc, labels=[*labels, "reason"])
            for reason in sorted({*known, *counts}):
                family.add_metric([*prefix, reason], counts.get(reason, 0))
            return family

        def state_set(name: str, doc: str, states: tuple[str, ...], now: str) -> GaugeMetricFamily:
            family = GaugeMetricFamily(self._name(name), doc, labels=[*labels, "state"])
            for state in states:
                family.add_metric([*prefix, state], float(state == now))
            return family

        yield gauge(
            "processing", "1 while processing, 0 when stopped",
            float(service.status == "processing"),
        )  # fmt: skip
        yield counter("frames_received", "Frames received", snapshot.frames_received)
        yield counter("frames_sent", "Frames sent on the output stream", snapshot.frames_sent)
        yield by_reason(
            "frames_skipped",
            "Frames received but not sent (could not be decoded), by reason",
            snapshot.frames_skipped_by_reason,
            SKIP_REASONS,
        )
        yield counter(
            "frames_dropped_output",
            "Frames dropped because the output consumer was not ready (drop mode)",
            snapshot.frames_dropped_output,
        )
        yield counter(
            "frames_discarded_at_stop",
            "Frames received but discarded because processing was stopped",
            snapshot.frames_discarded_at_stop,
        )
        yield gauge(
            "output_consumers", "Consumers connected to the output stream",
            float(snapshot.output_consumers),
        )  # fmt: skip
        yield counter(
            "output_messages_interrupted",
            "Messages a consumer's connection ended within (sent again, or dropped in drop mode)",
            snapshot.output_messages_interrupted,
        )
        yield by_reason(
            "profile_problems",
            "Frames sent without a profile or edge, by reason",
            snapshot.profile_problems,
            PROFILE_PROBLEMS,
        )
        yield gauge(
            "frames_per_second", "Output frame rate over the last seconds",
            snapshot.frames_per_second,
        )  # fmt: skip
        inputs, output = snapshot.input, snapshot.output
        yield gauge(
            "input_connected", "1 while a sender is connected to the input stream",
            float(bool(inputs["connected"])),
        )  # fmt: skip
        yield state_set(
            "input_state", "1 for the input's current state, 0 for the others",
            INPUT_STATES, str(inputs["state"]),
        )  # fmt: skip
        yield gauge(
            "input_seconds_since_last_frame",
            "Seconds since the last input frame (NaN: none since processing started)",
            _seconds(inputs["seconds_since_last_frame"]),
        )
        yield gauge(
            "input_frames_per_second", "Input frame rate over the last seconds",
            _count(inputs["frames_per_second"]),
        )  # fmt: skip
        yield state_set(
            "output_state", "1 for the output's current state, 0 for the others",
            OUTPUT_STATES, str(output["state"]),
        )  # fmt: skip
        yield gauge(
            "output_frames_waiting", "Frames the loop holds for the output's consumer",
            _count(output["frames_waiting"]),
        )  # fmt: skip
        yield gauge(
            "output_blocked_seconds",
            "Seconds the output has not taken the frame held for it (0 when not blocked)",
            _count(output["blocked_seconds"]),
        )
        yield gauge(
            "output_oldest_held_frame_age_seconds",
            "Age of the oldest frame held for the output's consumer (0 when none is held)",
            _count(output["oldest_held_frame_age_s"]),
        )
        histogram = service.statistics.latency_histogram()
        cumulative, buckets = 0, []
        for bound, count in zip(
            (*histogram.bounds_ms, float("inf")), histogram.counts, strict=True
        ):
            cumulative += count
            le = "+Inf" if bound == float("inf") else repr(bound / 1000.0)
            buckets.append((le, float(cumulative)))
        latency = HistogramMetricFamily(
            self._name("latency_seconds"),
            "Time from receiving a frame to sending it on",
            labels=labels,
        )
        latency.add_metric(prefix, buckets, histogram.sum_ms / 1000.0)
        yield latency
        edge = snapshot.edge_detection
        for name, doc in (
            ("reference_shots", "Reference (no X-ray) shots"),
            ("xray_shots", "X-ray shots"),
            ("edges_found", "X-ray shots with an edge found"),
            ("edges_confident", "X-ray shots with a confident edge (edge_confident)"),
        ):
            yield counter(name, doc, _count(edge[name]))
        for name, doc in (
            ("edge_found_ratio", "Edges found per X-ray shot"),
            ("edge_confident_ratio", "Confident edges per X-ray shot"),
        ):
            ratio = edge[name]
            yield gauge(
                name,
                f"{doc} (NaN before the first X-ray shot)",
                float("nan") if ratio is None else float(ratio),
            )
        yield counter(
            "image_frames_published",
            "Images handed to the image output stream",
            snapshot.image_output["frames_published"],
        )
        yield counter(
            "image_frames_not_sent",
            "Images the image output stream could not take",
            snapshot.image_output["frames_not_sent"],
        )
        report = service.supervisor.report()
        yield counter(
            "processing_failures",
            "Processing threads that died, and restarts that failed (since the service started)",
            report.failures,
        )
        yield counter(
            "processing_restarts",
            "Processing threads restarted after a failure (since the service started)",
            report.restarts,
        )
        yield gauge("healthy", "1 when GET /health answers 200", float(service.health().ok))


def install_metrics(app: FastAPI, service: PsenService) -> None:
    """Serve ``/metrics`` in the Prometheus text format, from a registry of this app's own."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(service))

    @app.get(
        "/metrics",
        summary="Prometheus metrics",
        description="The service's counters and states in the Prometheus text format (see "
        "Metrics in the README).",
        response_class=Response,
        responses={
            200: media_response(
                CONTENT_TYPE_LATEST.split(";")[0], "The metrics.", {"type": "string"}
            ),
            **error_responses(*READ_ERRORS),
        },
    )
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
