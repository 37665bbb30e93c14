"""Throughput, CPU cost, latency and correctness of the service against a bare ZeroMQ forwarder.

Run as ``.venv/bin/python benchmarks/throughput_benchmark.py`` (a few minutes), ``--quick`` for a
smoke run. The memory soak of the service alone is ``soak_benchmark.py --kinds none``.

Every process is separate and talks real ZeroMQ on 127.0.0.1 (ports chosen at run time)::

    sender (PUSH bind) -> device under test -> receiver (PULL connect)

The device under test (DUT) is either a bare pass-through forwarder (PULL connect, PUSH bind,
``recv_multipart(copy=False)`` then ``send_multipart(frames, copy=False)``: the transport
limit) or the service, started as the real ``python -m psen_processing.cli`` command with both
ROIs and edge detection on. Sockets' high-water marks are 32 everywhere (the service's defaults).

Frames are realistic uint16 PSEN images from :func:`psen_processing.sim.spectrum.image` (an X-ray
edge on even pulse ids), pre-encoded once per compression; per send only the main header
(pulse_id) and the 8-byte ``BENCH:SEND_TIME`` value change. For each image size, compression
and DUT it measures, in one session:

1. the DUT's CPU per frame (utime + stime from ``/proc/<pid>/stat``) while the sender paces at
   100 Hz, over the frames after a warm-up (default 50 + 600); the receiver reads the ticks as
   the warm-up's last and the run's last frame arrive. The threads' ``se.sum_exec_runtime``
   (``/proc/<pid>/task/*/sched``, ns resolution) is printed as a cross-check of the 10 ms ticks;
2. latency p50 / p99 at 100 Hz: the receiver's ``time.monotonic()`` at receipt minus the
   sender's at send (CLOCK_MONOTONIC is system-wide on Linux);
3. the maximum sustained rate with nothing lost: N frames sent as fast as PUSH takes them; the
   receiver checks every pulse id arrives once and in order and reports N / (last receipt -
   first receipt), or LOST;
4. correctness (paced run, every 10th measured frame, alternately X-ray and reference shots):
   decoded with :class:`psen_processing.codec.Decoder`, the ROI profiles must equal numpy's sum
   over the ROI's rows of the image sent, ``.processing_parameters`` must hold the ROIs,
   ``.edge_position`` must be finite on X-ray shots and NaN on reference shots, and every input
   channel's header entry, value and timestamp bytes must be those sent (the forwarder's frames
   get the last check only);

Each DUT is measured ``--rounds`` times (default 3), the two taking turns, and the medians are
reported: one run on two shared cores is at the mercy of the scheduler, and the ZeroMQ I/O
thread, about 90 % of the forwarder's CPU, varies by about 10 % from run to run. The
service/forwarder CPU ratio of each round is printed too.

And, for bitshuffle_lz4, the parent's CPU per frame to decompress the whole image with
``bitshuffle.decompress_lz4`` (the reference C implementation), as a baseline.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import platform
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import bitshuffle
import numpy as np
import numpy.typing as npt
import zmq

import psen_processing
from _bench_procs import (
    PREFIX,
    Expect,
    FrameSet,
    PhaseResult,
    ReceiverSpec,
    build_frame_set,
    forwarder_main,
    receiver_main,
    runtime_delta_ms,
    save_frame_set,
    sender_main,
)
from _harness import CLK_TCK, ServiceRun, die_with_parent, free_port
from _scale_out import pipeline_main
from psen_processing.sim.spectrum import SpectrumModel, image, useful_range

FIRST_PULSE_ID = 1_000_000
DUTS = ("forwarder", "service")
COMPRESSION_LABELS = {"none": "uncompressed", "bitshuffle_lz4": "bitshuffle_lz4"}
IDLE_TIMEOUT_S = 10.0
"""The receiver gives a phase up after this long without a frame (frames were lost)."""

# targets
CPU_RATIO_MAX = 1.25
RATE_RATIO_MIN = 0.85
P99_RATIO_MAX = 1.5
DECOMPRESSION_RATIO_MAX = 1.25


class BenchmarkError(RuntimeError):
    pass


# --- images and settings ------------------------------------------------------------------


def rois(height: int, width: int) -> tuple[list[int], list[int]]:
    """Signal ROI on the spectrum's band (centred, H/8 rows), background ROI far above it."""
    return [0, width, height * 7 // 16, height // 8], [0, width, height // 16, height // 16]


def make_images(size: int, count: int, seed: int) -> list[npt.NDArray[np.uint16]]:
    """``count`` square uint16 PSEN images; those with an even index have an X-ray edge."""
    model = SpectrumModel(
        width=size,
        envelope_centre=size / 2,
        envelope_fwhm=0.55 * size,
        band_sigma=size / 20,
        edge_depth=0.15,
    )
    rng = np.random.default_rng(seed + size)
    low, high = useful_range(model)
    margin = 0.2 * (high - low)
    images = []
    for index in range(count):
        edge = float(rng.uniform(low + margin, high - margin)) if index % 2 == 0 else None
        images.append(np.asarray(image(model, rng, size, edge, np.uint16), dtype=np.uint16))
    return images


def write_settings(path: Path, height: int, width: int) -> None:
    signal_roi, background_roi = rois(height, width)
    settings = {
        "version": 1,
        "roi_signal": signal_roi,
        "roi_background": background_roi,
        "edge_detection": {
            "enabled": True,
            "reference": {"mode": "pulse_id", "period": 2, "signal_offset": 0},
            "reference_length": 16,
            "calibration": [0.0, 10.0],
        },
    }
    path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")


def decompression_ms(
    frame_set: FrameSet, images: list[npt.NDArray[np.uint16]], repeats: int
) -> float:
    """CPU ms (this process, ``time.process_time``) to decompress one whole image."""
    raws = [np.frombuffer(parts[1], dtype=np.uint8) for parts in frame_set.parts]
    dtype = np.dtype(np.uint16)

    def unpack(raw: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint16]:
        size = struct.unpack(">q", raw[:8].tobytes())[0]
        block_bytes = struct.unpack(">i", raw[8:12].tobytes())[0]
        out: npt.NDArray[np.uint16] = bitshuffle.decompress_lz4(
            raw[12:], (size // dtype.itemsize,), dtype, block_bytes // dtype.itemsize
        )
        return out

    for raw, picture in zip(raws, images, strict=True):
        if not np.array_equal(unpack(raw), picture.ravel()):
            raise BenchmarkError("bitshuffle.decompress_lz4 does not give the image back")
    start = time.process_time()
    for k in range(repeats):
        unpack(raws[k % len(raws)])
    return (time.process_time() - start) / repeats * 1e3


# --- processes ----------------------------------------------------------------------------


@dataclass
class Session:
    """The processes of one measurement; ``close`` ends every one of them."""

    tmp: Path
    context: Any = field(default_factory=lambda: multiprocessing.get_context("spawn"))
    children: list[tuple[BaseProcess, Connection]] = field(default_factory=list)
    service: ServiceRun | None = None

    def spawn(
        self, name: str, target: Callable[..., None], *args: object
    ) -> tuple[BaseProcess, Connection, Any]:
        mine, theirs = self.context.Pipe()
        process = self.context.Process(
            target=target, name=name, args=(*args, theirs, os.getpid()), daemon=True
        )
        process.start()
        theirs.close()
        self.children.append((process, mine))
        reply = receive(mine, 60.0, process, "ready")
        return process, mine, reply[1]

    def start_service(self, source_port: int, settings: Path) -> tuple[int, int]:
        """Starts the real command; returns (output port, pid) once /status says processing."""
        self.service = ServiceRun(
            source_port,
            free_port(),
            settings,
            self.tmp / "service.log",
            prefix=PREFIX,
            preexec_fn=die_with_parent,  # this process runs no threads of its own
        )
        try:
            self.service.start()
        except RuntimeError as exc:
            raise BenchmarkError(str(exc)) from exc
        return self.service.output_port, self.service.pid

    def close(self) -> None:
        if self.service is not None:
            self.service.stop()
        for _, conn in self.children:
            with contextlib.suppress(OSError):
                conn.send(("stop",))
        for process, conn in self.children:
            process.join(5.0)
            if process.is_alive():
                process.terminate()
                process.join(5.0)
            if process.is_alive():
                process.kill()
                process.join(5.0)
            conn.close()
        self.children.clear()


def receive(conn: Connection, timeout: float, process: BaseProcess, what: str) -> Any:
    if not conn.poll(timeout):
        raise BenchmarkError(f"no {what!r} from {process.name} within {timeout:g} s")
    try:
        return conn.recv()
    except EOFError as exc:
        raise BenchmarkError(f"{process.name} exited (code {process.exitcode})") from exc


@dataclass
class Links:
    sender: tuple[BaseProcess, Connection]
    receiver: tuple[BaseProcess, Connection]


Sent = tuple[str, int, int, str | None]
"""The sender's answer: ("sent", frames sent, sends > 2 ms late, error or None)."""


def run_phase(
    links: Links,
    phase: Expect,
    rate: float,
    *,
    on_warm: Callable[[], None] | None = None,
    on_tick: Callable[[float], None] | None = None,
) -> tuple[PhaseResult, Sent]:
    """Has the sender send the phase's frames and waits for the receiver's account of them."""
    (sender, s_conn), (receiver, r_conn) = links.sender, links.receiver
    r_conn.send(phase)
    s_conn.send(("send", phase.first, phase.count, rate))
    expected_s = phase.count / rate if rate > 0 else phase.count / 20.0
    started = time.monotonic()
    deadline = started + expected_s + 4 * IDLE_TIMEOUT_S
    sent: Sent | None = None
    result: PhaseResult | None = None
    while result is None or sent is None:
        if time.monotonic() > deadline:
            raise BenchmarkError("a phase did not finish in time")
        if on_tick is not None:
            on_tick(time.monotonic() - started)
        for ready in wait([s_conn, r_conn], timeout=1.0):
            assert isinstance(ready, Connection)
            process = sender if ready is s_conn else receiver
            message = receive(ready, 0.0, process, "answer")
            if isinstance(message, PhaseResult):
                result = message
            elif message[0] == "sent":
                sent = message
            elif message[0] == "warm" and on_warm is not None:
                on_warm()
        for process in (sender, receiver):
            if not process.is_alive():
                raise BenchmarkError(f"{process.name} exited (code {process.exitcode})")
    return result, sent


def start_links(
    session: Session, dut: str, frame_path: Path, settings: Path, workers: int = 0
) -> tuple[Links, int]:
    """Starts sender, DUT and receiver; returns the links to sender and receiver, the DUT's pid
    (``pipeline``: its coordinator's; ``workers`` worker processes are started with it)."""
    sender, s_conn, source_port = session.spawn("sender", sender_main, str(frame_path))
    source = f"tcp://127.0.0.1:{source_port}"
    if dut == "forwarder":
        process, _, output_port = session.spawn("forwarder", forwarder_main, source)
        assert process.pid is not None
        pids: tuple[int, ...] = (process.pid,)
    elif dut == "pipeline":
        process, _, (output_port, worker_pids) = session.spawn(
            "pipeline", pipeline_main, source, str(settings), workers
        )
        assert process.pid is not None
        pids = (process.pid, *worker_pids)
    else:
        output_port, pid = session.start_service(source_port, settings)
        pids = (pid,)
    spec = ReceiverSpec(str(frame_path), f"tcp://127.0.0.1:{output_port}", pids, dut != "forwarder")
    receiver, r_conn, _ = session.spawn("receiver", receiver_main, spec)
    return Links((sender, s_conn), (receiver, r_conn)), pids[0]


# --- one measurement ----------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    warmup: int
    frames: int
    """Measured frames at ``rate``."""
    burst: int
    """Frames of each max-rate run."""
    bursts: int
    """Max-rate runs; the median rate is reported (one run is at the mercy of the scheduler)."""
    rate: float
    workers: int = 0
    """Worker processes of the scale-out prototype; 0: it is not measured."""

    @property
    def duts(self) -> tuple[str, ...]:
        return (*DUTS, "pipeline") if self.workers else DUTS


@dataclass
class DutResult:
    cpu_ms: float | None
    cpu_ticks: int | None
    cpu_fine_ms: float | None
    """The same from the threads' ``se.sum_exec_runtime`` (finer than ticks), if available."""
    threads_ms: dict[str, float]
    """CPU ms per frame of each thread that used any, busiest first (where the time goes)."""
    p50_ms: float
    p99_ms: float
    max_ms: float
    rate_fps: float | None
    """Median over the max-rate runs; None: frames were lost in one of them."""
    rates_fps: list[float | None]
    paced_lost: int
    checked: int
    failed: int
    failures: list[str]
    late_sends: int


def measure(dut: str, frame_path: Path, settings: Path, tmp: Path, plan: Plan) -> DutResult:
    session = Session(tmp)
    paced_phase = Expect(
        FIRST_PULSE_ID, plan.warmup + plan.frames, plan.warmup, True, IDLE_TIMEOUT_S
    )
    rates: list[float | None] = []
    try:
        links, _ = start_links(session, dut, frame_path, settings, plan.workers)
        paced, paced_sent = run_phase(links, paced_phase, plan.rate)
        if paced_sent[3] is not None:
            raise BenchmarkError(f"{dut}: sender: {paced_sent[3]}")
        first = paced_phase.first + paced_phase.count
        for _ in range(plan.bursts):
            fast, fast_sent = run_phase(
                links, Expect(first, plan.burst, 0, False, IDLE_TIMEOUT_S), 0.0
            )
            if fast_sent[3] is not None:
                raise BenchmarkError(f"{dut}: sender: {fast_sent[3]}")
            first += plan.burst
            ok = fast.lost == 0 and fast.out_of_order == 0 and fast.received == plan.burst
            span = fast.last_time - fast.first_time
            rates.append(plan.burst / span if ok and span > 0 else None)
    finally:
        session.close()
    cpu_ticks = None
    cpu_ms = None
    if paced.cpu_start is not None and paced.cpu_end is not None and paced.lost == 0:
        cpu_ticks = paced.cpu_end - paced.cpu_start
        cpu_ms = cpu_ticks / CLK_TCK * 1e3 / plan.frames
    fine = runtime_delta_ms(paced.runtimes_start, paced.runtimes_end)
    cpu_fine_ms = None if fine is None or paced.lost else fine / plan.frames
    threads_ms = per_thread_ms(paced.runtimes_start, paced.runtimes_end, plan.frames)
    latencies = np.asarray(paced.latencies_ms)
    p50, p99, top = np.percentile(latencies, [50, 99, 100]) if latencies.size else (math.nan,) * 3
    measured = [r for r in rates if r is not None]
    return DutResult(
        cpu_ms=cpu_ms,
        cpu_ticks=cpu_ticks,
        cpu_fine_ms=cpu_fine_ms,
        threads_ms=threads_ms,
        p50_ms=float(p50),
        p99_ms=float(p99),
        max_ms=float(top),
        rate_fps=float(np.median(measured)) if measured and len(measured) == len(rates) else None,
        rates_fps=rates,
        paced_lost=paced.lost + paced.out_of_order,
        checked=paced.checked,
        failed=paced.failed_frames,
        failures=paced.failures,
        late_sends=paced_sent[2],
    )


def per_thread_ms(
    start: dict[str, float] | None, end: dict[str, float] | None, frames: int
) -> dict[str, float]:
    """CPU ms per frame of each thread busy for at least 1 us per frame, busiest first."""
    if start is None or end is None or frames <= 0:
        return {}
    spent = {name: (end[name] - start.get(name, 0.0)) / frames for name in end}
    return {name: ms for name, ms in sorted(spent.items(), key=lambda kv: -kv[1]) if ms >= 0.001}


def measure_rounds(
    frame_path: Path, settings: Path, tmp: Path, plan: Plan, rounds: int
) -> list[dict[str, DutResult]]:
    """Both DUTs, ``rounds`` times, taking turns (and alternating which goes first), so that a
    slow spell of this shared machine does not fall on one DUT only."""
    out = []
    for index in range(rounds):
        order = plan.duts if index % 2 == 0 else plan.duts[::-1]
        out.append({dut: measure(dut, frame_path, settings, tmp, plan) for dut in order})
    return out


def _median(values: list[float | None]) -> float | None:
    if not values or any(v is None for v in values):
        return None
    return float(np.median([v for v in values if v is not None]))


def combine(results: list[DutResult]) -> DutResult:
    """One DUT over several rounds: medians of the per-round figures, sums of the counts; the
    thread split of the round with the median CPU."""
    if len(results) == 1:
        return results[0]
    fine = [r.cpu_fine_ms for r in results]
    by_cpu = sorted(results, key=lambda r: math.inf if r.cpu_fine_ms is None else r.cpu_fine_ms)
    rates = [rate for r in results for rate in r.rates_fps]
    ticks = [r.cpu_ticks for r in results]
    return DutResult(
        cpu_ms=_median([r.cpu_ms for r in results]),
        cpu_ticks=None if any(t is None for t in ticks) else sum(t or 0 for t in ticks),
        cpu_fine_ms=_median(fine),
        threads_ms=by_cpu[len(by_cpu) // 2].threads_ms,
        p50_ms=float(np.median([r.p50_ms for r in results])),
        p99_ms=float(np.median([r.p99_ms for r in results])),
        max_ms=max(r.max_ms for r in results),
        rate_fps=_median(list(rates)) if rates else None,
        rates_fps=rates,
        paced_lost=sum(r.paced_lost for r in results),
        checked=sum(r.checked for r in results),
        failed=sum(r.failed for r in results),
        failures=[f for r in results for f in r.failures],
        late_sends=sum(r.late_sends for r in results),
    )


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


# --- report -------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not math.isfinite(a) or not math.isfinite(b) or b == 0:
        return None
    return a / b


def correct(result: DutResult) -> str:
    good = result.checked - result.failed
    text = f"{'ok' if result.failed == 0 and not result.paced_lost else 'FAIL'} "
    text += f"{good}/{result.checked}"
    return text + (f", {result.paced_lost} lost" if result.paced_lost else "")


def print_table(
    title: str, results: dict[str, DutResult], baseline: float | None, plan: Plan, rounds: int
) -> None:
    fwd, svc = results["forwarder"], results["service"]
    names = {"pipeline": f"pipeline/{plan.workers}"}
    columns = ("CPU ms/frame", "lat p50 ms", "lat p99 ms", "max rate fps")
    print(f"\n{title}")
    print(f"  {'':10}{columns[0]:>14}{columns[1]:>12}{columns[2]:>12}{columns[3]:>14}  correct")
    for name, r in results.items():
        rate = "LOST" if r.rate_fps is None else f"{r.rate_fps:.1f}"
        cells = f"{fmt(r.cpu_ms):>14}{fmt(r.p50_ms):>12}{fmt(r.p99_ms):>12}{rate:>14}"
        print(f"  {names.get(name, name):10}{cells}  {correct(r)}")
    for name, r in results.items():
        if name == "forwarder":
            continue
        ratios = [
            ratio(r.cpu_ms, fwd.cpu_ms),
            ratio(r.p50_ms, fwd.p50_ms),
            ratio(r.p99_ms, fwd.p99_ms),
            ratio(r.rate_fps, fwd.rate_fps),
        ]
        text = ["-" if c is None else f"{c:.2f}x" for c in ratios]
        label = "ratio" if name == "service" else f"ratio {names.get(name, name)}"
        print(f"  {label:10}{text[0]:>14}{text[1]:>12}{text[2]:>12}{text[3]:>14}")
    ticks = ", ".join(f"{n} {r.cpu_ticks}" for n, r in results.items())
    fine = ", ".join(f"{n} {fmt(r.cpu_fine_ms)}" for n, r in results.items())
    fine_ratio = ratio(svc.cpu_fine_ms, fwd.cpu_fine_ms)
    print(
        f"  CPU over {rounds} x {plan.frames} frames in {1000 / CLK_TCK:g} ms ticks: {ticks}; "
        f"cross-check from the threads' se.sum_exec_runtime: {fine} ms/frame "
        f"({'-' if fine_ratio is None else f'{fine_ratio:.2f}x'})"
    )
    for name, r in results.items():
        split = ", ".join(f"{thread} {ms:.3f}" for thread, ms in r.threads_ms.items())
        print(f"  {name} threads, CPU ms/frame: {split or '-'}")
    runs = "; ".join(
        f"{n} " + "/".join("LOST" if x is None else f"{x:.0f}" for x in r.rates_fps)
        for n, r in results.items()
    )
    print(f"  max rate = median of the runs of {plan.burst} frames: {runs} fps")
    late = ", ".join(f"{n} {r.late_sends}" for n, r in results.items())
    top = ", ".join(f"{n} {fmt(r.max_ms)}" for n, r in results.items())
    print(f"  latency max at {plan.rate:g} Hz: {top} ms; paced sends > 2 ms late: {late}")
    if baseline is not None:
        extra = None if svc.cpu_ms is None or fwd.cpu_ms is None else svc.cpu_ms - fwd.cpu_ms
        print(f"  decompression baseline (bitshuffle.decompress_lz4): {baseline:.3f} ms/frame")
        print(
            f"  service - forwarder CPU: {fmt(extra)} ms/frame "
            f"= {fmt(ratio(extra, baseline), 2)}x the baseline"
        )
    for name, r in results.items():
        for failure in r.failures[:5]:
            print(f"  {name} failure: {failure}")
        if len(r.failures) > 5:
            print(f"  {name}: {len(r.failures) - 5} more failures")


def verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("PASS" if ok else "FAIL")


Results = dict[tuple[int, str, str], DutResult]
"""Keyed by (size, compression, DUT)."""


def _pair(results: Results, size: int, comp: str) -> tuple[DutResult, DutResult] | None:
    fwd, svc = results.get((size, comp, "forwarder")), results.get((size, comp, "service"))
    return None if fwd is None or svc is None else (fwd, svc)


def _bounded(value: float | None, limit: float, *, upper: bool = True) -> bool | None:
    if value is None:
        return None
    return value <= limit if upper else value >= limit


def targets(results: Results, baselines: dict[int, float]) -> list[tuple[bool | None, str]]:
    """(passed, or None if not measured; description) per target."""
    lines: list[tuple[bool | None, str]] = []
    for size in (1024, 2048):
        pair = _pair(results, size, "none")
        r = None if pair is None else ratio(pair[1].cpu_ms, pair[0].cpu_ms)
        lines.append(
            (
                _bounded(r, CPU_RATIO_MAX),
                f"CPU/frame @100 Hz, uncompressed {size}x{size}: "
                f"service/forwarder = {fmt(r)} (<= {CPU_RATIO_MAX})",
            )
        )
    pair = _pair(results, 1024, "none")
    r = None if pair is None else ratio(pair[1].rate_fps, pair[0].rate_fps)
    lost = pair is not None and (pair[0].rate_fps is None or pair[1].rate_fps is None)
    lines.append(
        (
            False if lost else _bounded(r, RATE_RATIO_MIN, upper=False),
            "max sustained rate, uncompressed 1024x1024: "
            f"service/forwarder = {'LOST' if lost else fmt(r)} (>= {RATE_RATIO_MIN})",
        )
    )
    for size in (1024, 2048):
        for comp in ("none", "bitshuffle_lz4"):
            pair = _pair(results, size, comp)
            r = None if pair is None else ratio(pair[1].p99_ms, pair[0].p99_ms)
            lines.append(
                (
                    _bounded(r, P99_RATIO_MAX),
                    f"p99 latency @100 Hz, {COMPRESSION_LABELS[comp]} {size}x{size}: "
                    f"service/forwarder = {fmt(r)} (<= {P99_RATIO_MAX})",
                )
            )
    for size in (1024, 2048):
        pair = _pair(results, size, "bitshuffle_lz4")
        r = None
        if pair is not None and pair[0].cpu_ms is not None and pair[1].cpu_ms is not None:
            r = ratio(pair[1].cpu_ms - pair[0].cpu_ms, baselines.get(size))
        lines.append(
            (
                _bounded(r, DECOMPRESSION_RATIO_MAX),
                f"bitshuffle_lz4 {size}x{size}: (service - forwarder CPU) / decompression "
                f"= {fmt(r)} (<= {DECOMPRESSION_RATIO_MAX})",
            )
        )
    checked = sum(r.checked for r in results.values())
    failed = sum(r.failed for r in results.values())
    lost_paced = sum(r.paced_lost for r in results.values())
    lines.append(
        (
            None if not results else failed == 0 and lost_paced == 0 and checked > 0,
            f"output correct: {checked - failed}/{checked} sampled frames ok, "
            f"{lost_paced} frames lost at 100 Hz",
        )
    )
    return lines


# --- runs ---------------------------------------------------------------------------------


def prepare(
    tmp: Path, size: int, compressions: list[str], args: argparse.Namespace
) -> tuple[list[npt.NDArray[np.uint16]], dict[str, FrameSet], Path]:
    """Images of one size, their frame sets per compression, and the service's settings."""
    images = make_images(size, args.images, args.seed)
    signal_roi, background_roi = rois(size, size)
    settings = tmp / "bench.json"
    write_settings(settings, size, size)
    frame_sets = {c: build_frame_set(images, c, signal_roi, background_roi) for c in compressions}
    return images, frame_sets, settings


def run_table(args: argparse.Namespace, tmp: Path) -> bool:
    results: Results = {}
    baselines: dict[int, float] = {}
    for size in args.sizes:
        images, frame_sets, settings = prepare(tmp, size, args.compressions, args)
        plan = Plan(
            args.warmup,
            args.frames,
            args.burst or (600 if size <= 1024 else 300),
            args.bursts,
            args.rate,
            args.pipeline_workers,
        )
        for comp, frame_set in frame_sets.items():
            frame_path = tmp / f"frames-{size}-{comp}.pkl"
            save_frame_set(frame_set, frame_path)
            rounds = measure_rounds(frame_path, settings, tmp, plan, args.rounds)
            here = {dut: combine([r[dut] for r in rounds]) for dut in plan.duts}
            frame_path.unlink()
            results.update({(size, comp, dut): r for dut, r in here.items()})
            baseline = None
            if comp == "bitshuffle_lz4":
                baseline = decompression_ms(frame_set, images, args.decompressions)
                baselines[size] = baseline
            title = f"{size}x{size} uint16, {COMPRESSION_LABELS[comp]}"
            print_table(title, here, baseline, plan, len(rounds))
            per_round = " ".join(
                fmt_ratio(ratio(r["service"].cpu_fine_ms, r["forwarder"].cpu_fine_ms))
                for r in rounds
            )
            print(f"  service/forwarder CPU in each of {len(rounds)} rounds: {per_round}")
            sys.stdout.flush()
    print("\nTargets")
    lines = targets(results, baselines)
    for ok, text in lines:
        print(f"  {verdict(ok)}  {text}")
    return all(ok is not False for ok, _ in lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="1024,2048", help="square image sizes, e.g. 1024,2048")
    parser.add_argument("--compressions", default="none,bitshuffle_lz4")
    parser.add_argument("--frames", type=int, default=600, help="measured frames at 100 Hz")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up frames before measuring")
    parser.add_argument("--burst", type=int, help="max-rate run: frames (600 for 1024, else 300)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="measurements of each DUT, taking turns (median)"
    )
    parser.add_argument("--bursts", type=int, default=1, help="max-rate runs per round")
    parser.add_argument("--rate", type=float, default=100.0, help="paced rate, Hz")
    parser.add_argument("--images", type=int, default=8, help="distinct images per size (even)")
    parser.add_argument("--decompressions", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="smoke run: 1024 only, few frames")
    parser.add_argument(
        "--pipeline-workers",
        type=int,
        default=0,
        metavar="N",
        help="also measure the scale-out prototype (benchmarks/_scale_out.py) with N workers",
    )
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.compressions = [c for c in args.compressions.split(",") if c]
    if args.quick:
        args.sizes, args.frames, args.warmup = [1024], 100, 40
        args.burst, args.bursts, args.decompressions = args.burst or 150, 2, 10
        args.rounds = 1
    if args.images < 2 or args.images % 2:
        parser.error("--images must be even and at least 2")
    unknown = set(args.compressions) - set(COMPRESSION_LABELS)
    if unknown:
        parser.error(f"unknown compressions {sorted(unknown)}")
    if args.warmup < 1 or args.frames < 1 or args.bursts < 1 or args.rounds < 1:
        parser.error("--warmup, --frames, --bursts and --rounds must be at least 1")
    return args


def source_version() -> str:
    """The psen_processing under test: the commit of the checkout it is imported from
    (``-dirty`` with local changes) and that directory. A ``PYTHONPATH`` override, which the
    service process inherits, can take it from another checkout than the benchmark's own."""
    package = Path(psen_processing.__file__).resolve().parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=package, capture_output=True, text=True, timeout=10, check=True
        )
        return done.stdout.strip()

    try:
        git("ls-files", "--error-unmatch", "__init__.py")  # tracked here, not an installed copy
        commit = git("describe", "--always", "--dirty")
    except (OSError, subprocess.SubprocessError):
        return f"{psen_processing.__version__} (not a git checkout: {package})"
    return f"{commit} ({package})"


def describe_machine(args: argparse.Namespace) -> str:
    cpu = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"throughput benchmark: {os.cpu_count()} CPUs ({cpu}), Python "
        f"{platform.python_version()}, pyzmq {zmq.__version__} / libzmq {zmq.zmq_version()}, "
        "HWM 32" + f"; {args.warmup} warm-up + {args.frames} frames at {args.rate:g} Hz"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so that every process started is ended (finally blocks)
    signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))
    started = time.monotonic()
    print(describe_machine(args))
    print(f"psen_processing at {source_version()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="psen-bench-") as name:
        try:
            ok = run_table(args, Path(name))
        except BenchmarkError as exc:
            print(f"throughput_benchmark: error: {exc}", file=sys.stderr)
            return 2
    print(f"\n(run took {time.monotonic() - started:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
