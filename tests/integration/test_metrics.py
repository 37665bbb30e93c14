"""Prometheus metrics scraped from a running service, parsed with prometheus_client's parser."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import requests
import zmq
from prometheus_client.parser import text_string_to_metric_families

from psen_processing.sim.messages import encode_message
from psen_processing.stream.reasons import PROFILE_PROBLEMS, SKIP_REASONS
from psen_processing.stream.statistics import LATENCY_BUCKETS_MS

from ..conftest import IMAGE, Running, Source, wait_until


def _scrape(url: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    answer = requests.get(f"{url}/metrics", timeout=5)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "prefix"))
            assert sample.labels["prefix"] == "TEST-CAM"
            samples.setdefault(sample.name, {})[labels] = sample.value
    return samples


def test_metrics_match_the_statistics(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    client = running.client
    client.set_roi_signal([0, 300, 0, 2])
    client.set_roi_background([0, 10, 2, 1])
    client.set_edge_detection({"enabled": True, "filter_length": 30, "filter_width": 3.0})
    before = _scrape(running.url)
    assert before["psen_processing"][()] == 0.0
    assert before["psen_frames_received_total"][()] == 0.0
    assert math.isnan(before["psen_edge_found_ratio"][()])
    assert math.isnan(before["psen_edge_confident_ratio"][()])
    client.start()
    sink = running.sink(zmq_context)
    x = np.arange(300)
    spectrum = 1000.0 * np.exp(-(((x - 150) / 80) ** 2)) + 50.0
    for pulse_id in range(1, 21):
        row = spectrum * (np.where(x < 140, 1.0, 0.6) if pulse_id % 2 == 0 else 1.0)
        image = np.tile(row, (3, 1)).astype(np.uint16)
        if pulse_id == 9:
            image = image[:, :100]  # the signal ROI does not fit: sent without a profile
        source.send(encode_message(pulse_id, [(IMAGE, image)]))
        sink.receive()
    source.send([b"not json", b"{}"])  # skipped
    source.send(encode_message(21, [(IMAGE, np.zeros((3, 300), np.uint16))])[:3])  # skipped
    wait_until(lambda: client.get_statistics()["frames_received"] == 22, what="every frame")
    statistics = client.get_statistics()
    metrics = _scrape(running.url)
    assert metrics["psen_processing"][()] == 1.0
    assert metrics["psen_frames_received_total"][()] == statistics["frames_received"] == 22
    assert metrics["psen_frames_sent_total"][()] == statistics["frames_sent"] == 20
    skipped = {dict(k)["reason"]: v for k, v in metrics["psen_frames_skipped_total"].items()}
    assert {r: v for r, v in skipped.items() if v} == statistics["frames_skipped_by_reason"]
    assert set(skipped) == set(SKIP_REASONS)  # every reason, at 0 until it happens
    assert sum(skipped.values()) == statistics["frames_skipped"] == 2
    problems = {dict(k)["reason"]: v for k, v in metrics["psen_profile_problems_total"].items()}
    assert {r: v for r, v in problems.items() if v} == statistics["profile_problems"]
    assert set(problems) == set(PROFILE_PROBLEMS)
    assert problems["roi_signal_outside_image"] == 1
    assert metrics["psen_frames_dropped_output_total"][()] == 0
    edge = statistics["edge_detection"]
    assert metrics["psen_xray_shots_total"][()] == edge["xray_shots"]
    assert metrics["psen_reference_shots_total"][()] == edge["reference_shots"]
    assert metrics["psen_edges_found_total"][()] == edge["edges_found"] > 0
    assert metrics["psen_edge_found_ratio"][()] == pytest.approx(edge["edge_found_ratio"])
    # the matched filter (this test's method) is never confident
    assert metrics["psen_edges_confident_total"][()] == edge["edges_confident"] == 0
    assert metrics["psen_edge_confident_ratio"][()] == edge["edge_confident_ratio"] == 0
    buckets = metrics["psen_latency_seconds_bucket"]
    assert len(buckets) == len(LATENCY_BUCKETS_MS) + 1
    counts = [buckets[(("le", le),)] for le in [*(str(b / 1000) for b in LATENCY_BUCKETS_MS)]]
    assert counts == sorted(counts)  # cumulative
    assert buckets[(("le", "+Inf"),)] == metrics["psen_latency_seconds_count"][()] == 20
    mean_s = metrics["psen_latency_seconds_sum"][()] / 20
    assert mean_s * 1000 == pytest.approx(statistics["latency_ms"]["mean"], abs=0.01)


def test_each_app_has_its_own_registry(make_service: Any, source: Source) -> None:
    first = make_service(source.address, prefix="CAM-A")
    second = make_service(source.address, prefix="CAM-B")
    for running, prefix in ((first, "CAM-A"), (second, "CAM-B")):
        text = requests.get(f"{running.url}/metrics", timeout=5).text
        assert f'prefix="{prefix}"' in text
        assert "CAM-A" not in text or "CAM-B" not in text
